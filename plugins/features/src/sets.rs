//! What the two named feature sets (`egemaps-like`, `compare-like`) share: their
//! parameters and the contour helpers (smoothing, voiced / unvoiced segments, rising and
//! falling slopes, peaks).

use crate::lld::{Groups, LldConfig};
use crate::stft::PadMode;
use serde::{Deserialize, Serialize};
use serlab_api::{Error, Features, Result};

/// Parameters of the named sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SetParams {
    /// Sample rate the extractor wants, Hz.
    pub sample_rate: u32,
    /// FFT length.
    pub n_fft: usize,
    /// Hann window length (<= n_fft).
    pub win_length: usize,
    /// Hop between frames.
    pub hop_length: usize,
    /// Lowest F0, Hz.
    pub f0_min: f32,
    /// Highest F0, Hz.
    pub f0_max: f32,
    /// Aperiodicity under which a frame may be voiced.
    pub voicing_threshold: f32,
    /// Voiced frames must be within this many dB of the loudest frame.
    pub voicing_range_db: f32,
}

impl Default for SetParams {
    fn default() -> Self {
        SetParams {
            sample_rate: 16000,
            n_fft: 512,
            win_length: 400,
            hop_length: 160,
            f0_min: 60.0,
            f0_max: 500.0,
            voicing_threshold: 0.2,
            voicing_range_db: 40.0,
        }
    }
}

/// Help strings of [`SetParams`].
pub const SET_PARAMS_HELP: &[(&str, &str)] = &[
    ("sample_rate", "sample rate the audio is resampled to, Hz"),
    ("n_fft", "FFT length in samples"),
    ("win_length", "periodic Hann window in samples (<= n_fft)"),
    (
        "hop_length",
        "hop between frames in samples (10 ms at 16 kHz)",
    ),
    ("f0_min", "lowest F0 YIN searches, Hz"),
    ("f0_max", "highest F0 YIN searches, Hz"),
    (
        "voicing_threshold",
        "YIN aperiodicity under which a frame may be voiced (0..1)",
    ),
    (
        "voicing_range_db",
        "voiced frames must be within this many dB of the loudest frame",
    ),
];

impl SetParams {
    /// Engine settings for these parameters with the given groups (26 mel bands,
    /// 15 MFCCs, 6 contrast bands from 200 Hz, automatic LPC order, zero padding).
    pub fn config(&self, groups: Groups) -> LldConfig {
        LldConfig {
            sample_rate: self.sample_rate,
            n_fft: self.n_fft,
            win_length: self.win_length,
            hop_length: self.hop_length,
            pad_mode: PadMode::Constant,
            n_mels: 26,
            n_mfcc: 15,
            f0_min: self.f0_min,
            f0_max: self.f0_max,
            voicing_threshold: self.voicing_threshold,
            voicing_range_db: self.voicing_range_db,
            contrast_bands: 6,
            contrast_fmin: 200.0,
            lpc_order: 0,
            groups,
        }
    }
}

/// The utterance vector of a functional set: checked against the set's `names` count (a
/// mismatch is a bug in the set, reported rather than shipped) and with any non-finite value
/// (a functional of an empty or degenerate contour) set to 0.
pub fn finish_vector(set: &str, mut out: Vec<f32>, names: usize) -> Result<Features> {
    if out.len() != names {
        return Err(Error::invalid(format!(
            "{set}: produced {} values for {names} names (bug)",
            out.len()
        )));
    }
    out.iter_mut()
        .filter(|v| !v.is_finite())
        .for_each(|v| *v = 0.0);
    Ok(Features::Vector(out))
}

/// Three-frame symmetric moving average (openSMILE's "sma3" idea). Where `mask` is given
/// only masked frames are averaged, over their masked neighbours; others are left as is.
pub fn smooth3(x: &[f32], mask: Option<&[bool]>) -> Vec<f32> {
    let n = x.len();
    let on = |t: usize| mask.is_none_or(|m| m[t]);
    (0..n)
        .map(|t| {
            if !on(t) {
                return x[t];
            }
            let (mut s, mut c) = (x[t], 1.0f32);
            if t > 0 && on(t - 1) {
                s += x[t - 1];
                c += 1.0;
            }
            if t + 1 < n && on(t + 1) {
                s += x[t + 1];
                c += 1.0;
            }
            s / c
        })
        .collect()
}

/// The values of `x` where `mask` holds.
pub fn masked(x: &[f32], mask: &[bool]) -> Vec<f32> {
    x.iter()
        .zip(mask)
        .filter(|(_, &m)| m)
        .map(|(&v, _)| v)
        .collect()
}

/// Runs of `true` in `mask` as `(start, length)` frame ranges.
pub fn runs(mask: &[bool]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut t = 0;
    while t < mask.len() {
        if mask[t] {
            let s = t;
            while t < mask.len() && mask[t] {
                t += 1;
            }
            out.push((s, t - s));
        } else {
            t += 1;
        }
    }
    out
}

/// Runs of `false` strictly between the first and the last `true` of `mask`: pauses inside
/// the speech, not the silence before or after it.
pub fn inner_gaps(mask: &[bool]) -> Vec<(usize, usize)> {
    let (Some(first), Some(last)) = (mask.iter().position(|&v| v), mask.iter().rposition(|&v| v))
    else {
        return vec![];
    };
    let inv: Vec<bool> = mask[first..=last].iter().map(|v| !v).collect();
    runs(&inv)
        .into_iter()
        .map(|(s, l)| (s + first, l))
        .collect()
}

/// Slopes (units per second) of the rising and of the falling parts of `x` inside each
/// `segment`: a rising part runs from a local minimum to the next local maximum, its
/// slope is the rise over its duration; likewise for falling parts.
pub fn rise_fall_slopes(
    x: &[f32],
    segments: &[(usize, usize)],
    frame_s: f64,
) -> (Vec<f64>, Vec<f64>) {
    let (mut rise, mut fall) = (vec![], vec![]);
    for &(s, l) in segments {
        if l < 2 {
            continue;
        }
        let seg = &x[s..s + l];
        // Turning points: the ends and every local extremum.
        let mut turns = vec![0usize];
        for t in 1..l - 1 {
            let (a, b, c) = (seg[t - 1], seg[t], seg[t + 1]);
            if (b > a && b >= c) || (b < a && b <= c) {
                turns.push(t);
            }
        }
        turns.push(l - 1);
        for w in turns.windows(2) {
            let (a, b) = (w[0], w[1]);
            let d = (seg[b] - seg[a]) as f64;
            let dt = (b - a) as f64 * frame_s;
            if dt <= 0.0 {
                continue;
            }
            if d > 0.0 {
                rise.push(d / dt);
            } else if d < 0.0 {
                fall.push(d / dt);
            }
        }
    }
    (rise, fall)
}

/// Peaks of `x`: local maxima that are the largest value within `+-reach` frames and
/// exceed `min_fraction` of the contour's maximum.
pub fn count_peaks(x: &[f32], reach: usize, min_fraction: f32) -> usize {
    let max = x.iter().copied().fold(f32::MIN, f32::max);
    if max.is_nan() || max <= 0.0 {
        return 0;
    }
    let n = x.len();
    (0..n)
        .filter(|&t| {
            let v = x[t];
            v > min_fraction * max
                && x[t.saturating_sub(reach)..t].iter().all(|&u| u < v)
                && x[t + 1..(t + reach + 1).min(n)].iter().all(|&u| u <= v)
        })
        .count()
}

/// Semitones above 27.5 Hz (eGeMAPS' F0 scale); 0 for 0 Hz (unvoiced).
pub fn semitones(hz: f32) -> f32 {
    if hz > 0.0 {
        12.0 * (hz / 27.5).log2()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_runs_and_gaps() {
        assert_eq!(
            smooth3(&[0.0, 3.0, 0.0, 3.0], None),
            vec![1.5, 1.0, 2.0, 1.5]
        );
        let m = [true, true, false, true];
        assert_eq!(
            smooth3(&[1.0, 3.0, 9.0, 5.0], Some(&m)),
            vec![2.0, 2.0, 9.0, 5.0]
        );
        let v = [false, true, true, false, false, true, false];
        assert_eq!(runs(&v), vec![(1, 2), (5, 1)]);
        assert_eq!(inner_gaps(&v), vec![(3, 2)]);
        assert!(inner_gaps(&[false; 4]).is_empty());
        assert_eq!(
            masked(&[1.0, 2.0, 3.0], &[true, false, true]),
            vec![1.0, 3.0]
        );
    }

    #[test]
    fn slopes_and_peaks() {
        // 0 -> 4 in 2 frames (rise 2 per frame), 4 -> 1 in 3 frames (fall 1 per frame).
        let x = [0.0, 2.0, 4.0, 3.0, 2.0, 1.0];
        let (r, f) = rise_fall_slopes(&x, &[(0, 6)], 0.01);
        assert_eq!(r, vec![200.0]);
        assert_eq!(f, vec![-100.0]);
        let y = [0.0, 1.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 4.0, 0.0];
        assert_eq!(count_peaks(&y, 2, 0.5), 2);
        assert_eq!(count_peaks(&[0.0; 5], 2, 0.5), 0);
        assert!((semitones(55.0) - 12.0).abs() < 1e-5);
        assert_eq!(semitones(0.0), 0.0);
    }
}
