//! Prosodic summaries of the functionals set: voiced-F0 statistics and the energy-peak
//! rate, which are not functionals of one contour and so have their own code.

use super::{F0_NAMES, SILENCE_DB};
use crate::stats::percentile_sorted;

/// Voiced-F0 statistics (see [`F0_NAMES`]) appended to `out`; `frame_s` is the hop in
/// seconds, `duration` the clip length in seconds.
pub(super) fn f0_summary(
    f0: &[f32],
    voiced: &[bool],
    frame_s: f64,
    duration: f64,
    out: &mut Vec<f32>,
) {
    let frames = f0.len();
    let hz: Vec<f64> = f0
        .iter()
        .zip(voiced)
        .filter(|(_, &v)| v)
        .map(|(&f, _)| f as f64)
        .collect();
    let n_voiced = hz.len();
    // Voiced segments (runs of voiced frames).
    let mut segments = 0usize;
    let mut prev = false;
    for &v in voiced {
        if v && !prev {
            segments += 1;
        }
        prev = v;
    }
    let voiced_fraction = n_voiced as f64 / frames.max(1) as f64;
    let seg_rate = if duration > 0.0 {
        segments as f64 / duration
    } else {
        0.0
    };
    let seg_mean = if segments > 0 {
        n_voiced as f64 * frame_s / segments as f64
    } else {
        0.0
    };
    if n_voiced == 0 {
        out.extend(std::iter::repeat_n(0.0, F0_NAMES.len() - 3));
    } else {
        let n = n_voiced as f64;
        let mean = hz.iter().sum::<f64>() / n;
        let std = (hz.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / n).sqrt();
        let mut sorted = hz.clone();
        sorted.sort_by(f64::total_cmp);
        let pct = |q| percentile_sorted(&sorted, q);
        let (p5, p95) = (pct(5.0), pct(95.0));
        let st: Vec<f64> = hz.iter().map(|f| 12.0 * (f / 55.0).log2()).collect();
        let st_mean = st.iter().sum::<f64>() / n;
        let st_std = (st.iter().map(|s| (s - st_mean).powi(2)).sum::<f64>() / n).sqrt();
        // Slope of F0 against time over voiced frames, Hz per second.
        let times: Vec<f64> = voiced
            .iter()
            .enumerate()
            .filter(|(_, &v)| v)
            .map(|(t, _)| t as f64 * frame_s)
            .collect();
        let tbar = times.iter().sum::<f64>() / n;
        let (mut num, mut den) = (0.0, 0.0);
        for (t, f) in times.iter().zip(&hz) {
            num += (t - tbar) * (f - mean);
            den += (t - tbar).powi(2);
        }
        let slope = if den > 0.0 { num / den } else { 0.0 };
        // Mean absolute semitone change between adjacent voiced frames.
        let (mut jumps, mut count) = (0.0, 0usize);
        for t in 1..frames {
            if voiced[t] && voiced[t - 1] && f0[t] > 0.0 && f0[t - 1] > 0.0 {
                jumps += (12.0 * (f0[t] as f64 / f0[t - 1] as f64).log2()).abs();
                count += 1;
            }
        }
        let absdelta = if count > 0 { jumps / count as f64 } else { 0.0 };
        let range_st = if p5 > 0.0 {
            12.0 * (p95 / p5).log2()
        } else {
            0.0
        };
        for v in [
            mean,
            std,
            p5,
            pct(25.0),
            pct(50.0),
            pct(75.0),
            p95,
            range_st,
            st_std,
            slope,
            absdelta,
        ] {
            out.push(v as f32);
        }
    }
    out.push(voiced_fraction as f32);
    out.push(seg_rate as f32);
    out.push(seg_mean as f32);
}

/// Number of energy peaks: maxima of the 5-frame-smoothed RMS (dB) that dominate +-8 frames,
/// lie within 25 dB of the loudest frame and are above the silence level.
pub(super) fn energy_peaks(rms_db: &[f32], max_db: f32) -> usize {
    let n = rms_db.len();
    let smooth: Vec<f32> = (0..n)
        .map(|t| {
            let (a, b) = (t.saturating_sub(2), (t + 3).min(n));
            rms_db[a..b].iter().sum::<f32>() / (b - a) as f32
        })
        .collect();
    (0..n)
        .filter(|&t| {
            let v = smooth[t];
            v > SILENCE_DB
                && v >= max_db - 25.0
                && smooth[t.saturating_sub(8)..t].iter().all(|&u| u < v)
                && smooth[t + 1..(t + 9).min(n)].iter().all(|&u| u <= v)
        })
        .count()
}
