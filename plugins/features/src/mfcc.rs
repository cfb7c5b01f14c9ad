//! MFCCs (`librosa.feature.mfcc`): an orthonormal DCT-II of the dB mel spectrogram, plus
//! optional deltas and delta-deltas (`librosa.feature.delta`, width 9, mode `interp`).

use crate::mel::{MelFrontEnd, MelSettings};
use crate::stft::{check_rate, sanitize, PadMode};
use serde::{Deserialize, Serialize};
use serlab_api::{
    Audio, Component, Error, FeatureExtractor, FeatureInfo, FeatureShape, Features, Result,
};

/// The first `n_out` rows of the orthonormal DCT-II matrix for inputs of length `n`
/// (`scipy.fftpack.dct(x, type=2, norm='ortho')`), row-major `n_out x n`.
pub fn dct_ortho_matrix(n_out: usize, n: usize) -> Vec<f32> {
    let mut m = Vec::with_capacity(n_out * n);
    for k in 0..n_out {
        let scale = if k == 0 {
            (1.0 / n as f64).sqrt()
        } else {
            (2.0 / n as f64).sqrt()
        };
        for i in 0..n {
            let angle = std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2 * n) as f64;
            m.push((scale * angle.cos()) as f32);
        }
    }
    m
}

/// `out = matrix (n_out x n) * x`.
pub fn apply_matrix(matrix: &[f32], x: &[f32], out: &mut [f32]) {
    for (o, row) in out.iter_mut().zip(matrix.chunks_exact(x.len())) {
        *o = row.iter().zip(x).map(|(a, b)| a * b).sum();
    }
}

/// Savitzky-Golay derivative of order 1 or 2 along the frames of a row-major
/// `frames x dim` matrix, as `librosa.feature.delta(data, width, order, mode='interp')`
/// (`scipy.signal.savgol_filter(polyorder=order, deriv=order, mode='interp')`).
///
/// With `polyorder = deriv`, the fitted derivative is constant over a window, so `interp`
/// means the first and last `width / 2` frames take the value of the first and last full
/// window. Where librosa refuses (`frames < width`) the polynomial is fitted to all frames
/// instead; with fewer than `order + 1` frames the result is 0.
pub fn delta(data: &[f32], frames: usize, dim: usize, width: usize, order: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; frames * dim];
    let w = width.min(frames);
    if frames == 0 || w < order + 1 {
        return out;
    }
    let centre = (w as f64 - 1.0) / 2.0;
    let k: Vec<f64> = (0..w).map(|i| i as f64 - centre).collect();
    let coeffs: Vec<f32> = match order {
        1 => {
            let s: f64 = k.iter().map(|k| k * k).sum();
            k.iter().map(|k| (k / s) as f32).collect()
        }
        2 => {
            let mean_k2 = k.iter().map(|k| k * k).sum::<f64>() / w as f64;
            let p: Vec<f64> = k.iter().map(|k| k * k - mean_k2).collect();
            let s: f64 = p.iter().map(|p| p * p).sum();
            p.iter().map(|p| (2.0 * p / s) as f32).collect()
        }
        _ => return out,
    };
    let half = width / 2;
    for t in 0..frames {
        let start = t.saturating_sub(half).min(frames - w);
        let row = &mut out[t * dim..(t + 1) * dim];
        for (i, c) in coeffs.iter().enumerate() {
            let src = &data[(start + i) * dim..(start + i + 1) * dim];
            for (o, x) in row.iter_mut().zip(src) {
                *o += c * x;
            }
        }
    }
    out
}

/// Parameters of [`MfccExtractor`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MfccParams {
    /// Sample rate the extractor wants, Hz.
    pub sample_rate: u32,
    /// Number of cepstral coefficients (coefficient 0 included).
    pub n_mfcc: usize,
    /// Number of mel bands the DCT is taken over.
    pub n_mels: usize,
    /// FFT length.
    pub n_fft: usize,
    /// Hann window length (<= n_fft).
    pub win_length: usize,
    /// Hop between frames.
    pub hop_length: usize,
    /// Lowest filter frequency, Hz.
    pub fmin: f32,
    /// Highest filter frequency, Hz; 0 means sample_rate / 2.
    pub fmax: f32,
    /// Centre frames on `t * hop_length`.
    pub center: bool,
    /// Padding used when centring.
    pub pad_mode: PadMode,
    /// Dynamic range kept below the utterance maximum before the DCT, dB; 0 keeps all.
    pub top_db: f32,
    /// Append first-order deltas (width 9).
    pub deltas: bool,
    /// Append second-order deltas (width 9).
    pub delta_deltas: bool,
}

impl Default for MfccParams {
    fn default() -> Self {
        MfccParams {
            sample_rate: 16000,
            n_mfcc: 20,
            n_mels: 128,
            n_fft: 512,
            win_length: 400,
            hop_length: 160,
            fmin: 0.0,
            fmax: 0.0,
            center: true,
            pad_mode: PadMode::Reflect,
            top_db: 80.0,
            deltas: false,
            delta_deltas: false,
        }
    }
}

/// Computes MFCCs for one STFT configuration; shared with the functionals extractor.
#[derive(Clone, Debug)]
pub struct MfccFrontEnd {
    mel: MelFrontEnd,
    dct: Vec<f32>,
    n_mfcc: usize,
}

impl MfccFrontEnd {
    /// Plan the mel front end and the DCT. `component` names the caller in errors.
    pub fn new(component: &str, mel: &MelSettings, n_mfcc: usize) -> Result<Self> {
        if n_mfcc == 0 || n_mfcc > mel.n_mels {
            return Err(Error::config(
                component,
                "n_mfcc",
                "must be between 1 and n_mels",
            ));
        }
        let mel_fe = MelFrontEnd::new(component, mel)?;
        Ok(MfccFrontEnd {
            dct: dct_ortho_matrix(n_mfcc, mel.n_mels),
            mel: mel_fe,
            n_mfcc,
        })
    }

    /// The mel front end (and through it the STFT).
    pub fn mel(&self) -> &MelFrontEnd {
        &self.mel
    }

    /// MFCCs from a power spectrogram, row-major `frames x n_mfcc`.
    pub fn mfcc_of(&self, spec: &crate::stft::Spectrogram) -> Vec<f32> {
        let lm = self.mel.log_mel_of(spec);
        let mut out = vec![0.0f32; lm.frames * self.n_mfcc];
        for (row, mel) in out
            .chunks_exact_mut(self.n_mfcc)
            .zip(lm.db.chunks_exact(lm.n_mels))
        {
            apply_matrix(&self.dct, mel, row);
        }
        out
    }
}

/// MFCC frames, optionally with deltas and delta-deltas as extra columns.
#[derive(Clone, Debug)]
pub struct MfccExtractor {
    params: MfccParams,
    front: MfccFrontEnd,
}

impl MfccExtractor {
    fn dim(&self) -> usize {
        self.params.n_mfcc
            * (1 + usize::from(self.params.deltas) + usize::from(self.params.delta_deltas))
    }
}

impl Component for MfccExtractor {
    const NAME: &'static str = "mfcc";
    const SUMMARY: &'static str =
        "MFCC frames (T x n_mfcc [+ deltas] [+ delta-deltas]), as librosa.feature.mfcc / delta";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[
        ("sample_rate", "sample rate the audio is resampled to, Hz"),
        ("n_mfcc", "number of cepstral coefficients, c0 included"),
        ("n_mels", "mel bands under the DCT (librosa default 128)"),
        ("n_fft", "FFT length in samples"),
        (
            "win_length",
            "periodic Hann window length in samples (<= n_fft)",
        ),
        ("hop_length", "hop between frames in samples"),
        ("fmin", "lowest mel filter frequency, Hz"),
        (
            "fmax",
            "highest mel filter frequency, Hz (0 = sample_rate / 2)",
        ),
        (
            "center",
            "centre frames on t * hop_length (librosa center=True): 1 + len / hop frames",
        ),
        (
            "pad_mode",
            "padding when centring: \"reflect\" (librosa < 0.10) or \"constant\" (zeros)",
        ),
        (
            "top_db",
            "dynamic range kept below the utterance maximum before the DCT, dB (0 = all)",
        ),
        (
            "deltas",
            "append first-order deltas (Savitzky-Golay, width 9, interp edges)",
        ),
        (
            "delta_deltas",
            "append second-order deltas (Savitzky-Golay, width 9, interp edges)",
        ),
    ];
    type Params = MfccParams;

    fn new(params: MfccParams) -> Result<Self> {
        let mel = MelSettings {
            sample_rate: params.sample_rate,
            n_fft: params.n_fft,
            win_length: params.win_length,
            hop_length: params.hop_length,
            n_mels: params.n_mels,
            fmin: params.fmin,
            fmax: params.fmax,
            center: params.center,
            pad_mode: params.pad_mode,
            top_db: params.top_db,
        };
        let front = MfccFrontEnd::new(Self::NAME, &mel, params.n_mfcc)?;
        Ok(MfccExtractor { params, front })
    }
}

impl FeatureExtractor for MfccExtractor {
    fn info(&self) -> Result<FeatureInfo> {
        let n = self.params.n_mfcc;
        let mut names: Vec<String> = (0..n).map(|k| format!("mfcc{k}")).collect();
        if self.params.deltas {
            names.extend((0..n).map(|k| format!("mfcc{k}_d")));
        }
        if self.params.delta_deltas {
            names.extend((0..n).map(|k| format!("mfcc{k}_dd")));
        }
        Ok(FeatureInfo {
            shape: FeatureShape::Frames,
            dim: self.dim(),
            sample_rate: self.params.sample_rate,
            names,
            version: 1,
        })
    }

    fn extract(&self, audio: &Audio) -> Result<Features> {
        check_rate(Self::NAME, audio, self.params.sample_rate)?;
        let spec = self.front.mel().stft().power(&sanitize(&audio.samples))?;
        let n = self.params.n_mfcc;
        let frames = spec.frames;
        let mfcc = self.front.mfcc_of(&spec);
        let dim = self.dim();
        if dim == n {
            return Ok(Features::Frames {
                frames,
                dim,
                data: mfcc,
            });
        }
        let mut blocks = vec![];
        if self.params.deltas {
            blocks.push(delta(&mfcc, frames, n, 9, 1));
        }
        if self.params.delta_deltas {
            blocks.push(delta(&mfcc, frames, n, 9, 2));
        }
        let mut data = Vec::with_capacity(frames * dim);
        for t in 0..frames {
            data.extend_from_slice(&mfcc[t * n..(t + 1) * n]);
            for b in &blocks {
                data.extend_from_slice(&b[t * n..(t + 1) * n]);
            }
        }
        Ok(Features::Frames { frames, dim, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{audio, odd_inputs, sine};

    #[test]
    fn dct_of_constant_is_all_in_c0() {
        // Orthonormal DCT-II of a constant c of length N: X0 = sqrt(N) * c, Xk = 0.
        let n = 128;
        let m = dct_ortho_matrix(20, n);
        let x = vec![-3.0f32; n];
        let mut out = vec![0.0; 20];
        apply_matrix(&m, &x, &mut out);
        assert!((out[0] - (n as f32).sqrt() * -3.0).abs() < 1e-3);
        assert!(out[1..].iter().all(|v| v.abs() < 1e-4), "{out:?}");
    }

    #[test]
    fn dct_rows_are_orthonormal() {
        let n = 16;
        let m = dct_ortho_matrix(n, n);
        for a in 0..n {
            for b in 0..n {
                let dot: f32 = (0..n).map(|i| m[a * n + i] * m[b * n + i]).sum();
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn delta_matches_savgol() {
        // A quadratic x[t] = t^2 (one column): the first derivative is 2t everywhere a full
        // width-9 window is centred on t; with mode 'interp' the first four frames take the
        // slope of the least-squares line over frames 0..9 (= 8 = value at t = 4), the last
        // four that of the last window. The second derivative is 2 everywhere.
        let frames = 20;
        let x: Vec<f32> = (0..frames).map(|t| (t * t) as f32).collect();
        let d = delta(&x, frames, 1, 9, 1);
        for (t, v) in d.iter().enumerate() {
            let want = 2.0 * t.clamp(4, frames - 5) as f32;
            assert!((v - want).abs() < 1e-3, "t {t}: {v} vs {want}");
        }
        let dd = delta(&x, frames, 1, 9, 2);
        assert!(dd.iter().all(|v| (v - 2.0).abs() < 1e-3), "{dd:?}");
        // Fewer frames than the width: fitted over all frames; 1 frame gives 0.
        let d = delta(&[1.0, 3.0, 5.0], 3, 1, 9, 1);
        assert!(d.iter().all(|v| (v - 2.0).abs() < 1e-6));
        assert_eq!(delta(&[1.0], 1, 1, 9, 1), vec![0.0]);
        assert_eq!(delta(&[1.0, 2.0], 2, 1, 9, 2), vec![0.0, 0.0]);
    }

    #[test]
    fn shapes_with_deltas() {
        let p = MfccParams {
            deltas: true,
            delta_deltas: true,
            ..Default::default()
        };
        let e = MfccExtractor::new(p).unwrap();
        let info = e.info().unwrap();
        assert_eq!(info.dim, 60);
        assert_eq!(info.names[20], "mfcc0_d");
        let Features::Frames { frames, dim, data } =
            e.extract(&audio(sine(300.0, 8000, 16000, 0.3))).unwrap()
        else {
            panic!()
        };
        assert_eq!((frames, dim, data.len()), (51, 60, 51 * 60));
        for x in odd_inputs() {
            let Features::Frames { data, .. } = e.extract(&audio(x)).unwrap() else {
                panic!()
            };
            assert!(data.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn silence_gives_constant_c0() {
        // Silence: every mel band is at the -100 dB floor, so c0 = sqrt(128) * -100.
        let e = MfccExtractor::new(MfccParams::default()).unwrap();
        let Features::Frames { data, dim, .. } = e.extract(&audio(vec![0.0; 3200])).unwrap() else {
            panic!()
        };
        assert!((data[0] + 100.0 * 128f32.sqrt()).abs() < 1e-2);
        assert!(data[1..dim].iter().all(|v| v.abs() < 1e-2));
    }

    #[test]
    fn rejects_too_many_coefficients() {
        assert!(MfccExtractor::new(MfccParams {
            n_mfcc: 200,
            ..Default::default()
        })
        .is_err());
    }
}
