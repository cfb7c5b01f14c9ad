//! Short-time Fourier transform with librosa's conventions.
//!
//! * window: periodic Hann of `win_length` samples (`scipy.signal.get_window('hann', N,
//!   fftbins=True)`), zero-padded to `n_fft` in the centre (`librosa.util.pad_center`);
//! * `center = true`: the signal is padded by `n_fft / 2` on both sides (reflect or zeros),
//!   so frame `t` is centred on sample `t * hop_length` and there are `1 + len / hop_length`
//!   frames;
//! * `center = false`: frames start at `t * hop_length`; a clip shorter than `n_fft` is
//!   zero-padded to one frame (librosa would refuse it);
//! * output: the power spectrogram `|X|^2`, `n_fft / 2 + 1` bins per frame.
//!
//! The FFT is planned once, in [`Stft::new`]; [`Stft::power`] allocates its buffers once
//! per call, never per frame.

use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};
use serlab_api::{Error, Result};
use std::sync::Arc;

/// How the signal is padded at both ends when frames are centred.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PadMode {
    /// Mirror the signal without repeating the edge sample (`numpy.pad(mode='reflect')`).
    #[default]
    Reflect,
    /// Pad with zeros (librosa >= 0.10's default for `stft`).
    Constant,
}

/// A planned STFT.
#[derive(Clone)]
pub struct Stft {
    n_fft: usize,
    hop: usize,
    center: bool,
    pad: PadMode,
    /// `n_fft` long: the Hann window centred in zeros.
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft")
            .field("n_fft", &self.n_fft)
            .field("hop", &self.hop)
            .field("center", &self.center)
            .field("pad", &self.pad)
            .finish()
    }
}

/// A power spectrogram, row-major `frames x bins`.
#[derive(Clone, Debug, PartialEq)]
pub struct Spectrogram {
    /// Number of frames (rows).
    pub frames: usize,
    /// Frequency bins per frame, `n_fft / 2 + 1`.
    pub bins: usize,
    /// `|X|^2`, `frames * bins` values.
    pub power: Vec<f32>,
}

impl Spectrogram {
    /// The power spectrum of frame `t`.
    pub fn frame(&self, t: usize) -> &[f32] {
        &self.power[t * self.bins..(t + 1) * self.bins]
    }
}

/// The periodic Hann window of length `n` (`0.5 - 0.5 cos(2 pi k / n)`).
pub fn hann_periodic(n: usize) -> Vec<f32> {
    (0..n)
        .map(|k| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / n as f64).cos()) as f32)
        .collect()
}

/// Index into a signal of length `n` mirrored at both ends without repeating the edge
/// samples, for any (possibly negative or too large) `i`; equals numpy's `reflect` padding,
/// including pads longer than the signal. `n` must be at least 1.
pub fn reflect_index(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let m = i.rem_euclid(period);
    if m >= n as isize {
        (period - m) as usize
    } else {
        m as usize
    }
}

impl Stft {
    /// Plan an STFT. `component` names the caller in configuration errors.
    pub fn new(
        component: &str,
        n_fft: usize,
        win_length: usize,
        hop: usize,
        center: bool,
        pad: PadMode,
    ) -> Result<Self> {
        if !(2..=1 << 16).contains(&n_fft) {
            return Err(Error::config(
                component,
                "n_fft",
                "must be between 2 and 65536",
            ));
        }
        if win_length == 0 || win_length > n_fft {
            return Err(Error::config(
                component,
                "win_length",
                "must be between 1 and n_fft",
            ));
        }
        if hop == 0 {
            return Err(Error::config(component, "hop_length", "must be at least 1"));
        }
        let mut window = vec![0.0f32; n_fft];
        let left = (n_fft - win_length) / 2;
        window[left..left + win_length].copy_from_slice(&hann_periodic(win_length));
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        Ok(Stft {
            n_fft,
            hop,
            center,
            pad,
            window,
            fft,
        })
    }

    /// FFT length.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Frequency bins per frame, `n_fft / 2 + 1`.
    pub fn bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Hop between frames, in samples.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Number of frames for a signal of `len` samples (always at least 1).
    pub fn frame_count(&self, len: usize) -> usize {
        if self.center {
            1 + (len + 2 * (self.n_fft / 2) - self.n_fft) / self.hop
        } else {
            1 + (len.max(self.n_fft) - self.n_fft) / self.hop
        }
    }

    /// The signal as the frames see it: padded so that frame `t` is
    /// `padded[t * hop .. t * hop + n_fft]`.
    pub fn padded(&self, samples: &[f32]) -> Vec<f32> {
        let n = samples.len();
        if !self.center {
            let mut v = samples.to_vec();
            if v.len() < self.n_fft {
                v.resize(self.n_fft, 0.0);
            }
            return v;
        }
        let pad = self.n_fft / 2;
        let mut v = Vec::with_capacity(n + 2 * pad);
        let outside = |i: isize| -> f32 {
            match self.pad {
                PadMode::Reflect if n > 0 => samples[reflect_index(i, n)],
                _ => 0.0,
            }
        };
        v.extend((-(pad as isize)..0).map(outside));
        v.extend_from_slice(samples);
        v.extend((n as isize..(n + pad) as isize).map(outside));
        v
    }

    /// The power spectrogram `|X|^2` of `samples`.
    pub fn power(&self, samples: &[f32]) -> Result<Spectrogram> {
        let padded = self.padded(samples);
        let frames = self.frame_count(samples.len());
        let bins = self.bins();
        let mut power = vec![0.0f32; frames * bins];
        let mut input = self.fft.make_input_vec();
        let mut output = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        for (t, row) in power.chunks_exact_mut(bins).enumerate() {
            let start = t * self.hop;
            let frame = &padded[start..start + self.n_fft];
            for ((x, s), w) in input.iter_mut().zip(frame).zip(&self.window) {
                *x = s * w;
            }
            self.fft
                .process_with_scratch(&mut input, &mut output, &mut scratch)
                .map_err(|e| Error::invalid(format!("FFT failed: {e}")))?;
            for (p, c) in row.iter_mut().zip(&output) {
                *p = c.re * c.re + c.im * c.im;
            }
        }
        Ok(Spectrogram {
            frames,
            bins,
            power,
        })
    }
}

/// Replace non-finite samples by zero; borrows when there are none.
pub fn sanitize(samples: &[f32]) -> std::borrow::Cow<'_, [f32]> {
    if samples.iter().all(|x| x.is_finite()) {
        std::borrow::Cow::Borrowed(samples)
    } else {
        std::borrow::Cow::Owned(
            samples
                .iter()
                .map(|&x| if x.is_finite() { x } else { 0.0 })
                .collect(),
        )
    }
}

/// Error unless the audio comes at the rate the extractor was configured for.
pub fn check_rate(component: &str, audio: &serlab_api::Audio, expected: u32) -> Result<()> {
    if audio.sample_rate != expected {
        return Err(Error::invalid(format!(
            "{component}: audio is at {} Hz but the extractor was configured for {expected} Hz",
            audio.sample_rate
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stft(n_fft: usize, win: usize, hop: usize, center: bool) -> Stft {
        Stft::new("t", n_fft, win, hop, center, PadMode::Reflect).unwrap()
    }

    #[test]
    fn periodic_hann_values() {
        // scipy.signal.get_window('hann', 4) = [0, 0.5, 1, 0.5]
        let w = hann_periodic(4);
        let want = [0.0, 0.5, 1.0, 0.5];
        for (a, b) in w.iter().zip(want) {
            assert!((a - b).abs() < 1e-7);
        }
    }

    #[test]
    fn reflect_matches_numpy() {
        // numpy.pad([1,2,3], 5, mode='reflect') = [2,1,2,3,2,|1,2,3|,2,1,2,3,2]
        let x = [1.0f32, 2.0, 3.0];
        let got: Vec<f32> = (-5..8).map(|i| x[reflect_index(i, 3)]).collect();
        assert_eq!(got, [2., 1., 2., 3., 2., 1., 2., 3., 2., 1., 2., 3., 2.]);
    }

    #[test]
    fn frame_count_follows_librosa() {
        let s = stft(512, 400, 160, true);
        // librosa (center=True): 1 + len // hop
        for len in [0usize, 1, 159, 160, 161, 16000, 32000] {
            assert_eq!(s.frame_count(len), 1 + len / 160, "len {len}");
            let sp = s.power(&vec![0.1; len]).unwrap();
            assert_eq!(sp.frames, 1 + len / 160);
            assert!(sp.power.iter().all(|p| p.is_finite()));
        }
        let s = stft(512, 512, 160, false);
        assert_eq!(s.frame_count(100), 1);
        assert_eq!(s.frame_count(512 + 320), 3);
    }

    #[test]
    fn sine_peaks_at_its_bin() {
        // 1000 Hz at 16 kHz with n_fft 512: bin 1000 / (16000 / 512) = 32.
        let s = stft(512, 400, 160, true);
        let x: Vec<f32> = (0..16000)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16000.0).sin())
            .collect();
        let sp = s.power(&x).unwrap();
        let row = sp.frame(50);
        let best = (0..sp.bins)
            .max_by(|&a, &b| row[a].total_cmp(&row[b]))
            .unwrap();
        assert_eq!(best, 32);
        // Parseval-ish: a unit sine windowed by Hann(400) has peak |X| = sum(w) / 2 = 100.
        assert!((row[32].sqrt() - 100.0).abs() < 1.0, "{}", row[32].sqrt());
    }

    #[test]
    fn rejects_bad_params() {
        assert!(Stft::new("t", 512, 600, 160, true, PadMode::Reflect).is_err());
        assert!(Stft::new("t", 512, 400, 0, true, PadMode::Reflect).is_err());
        assert!(Stft::new("t", 1, 1, 1, true, PadMode::Reflect).is_err());
    }
}
