//! Unit tests of the voice-quality measures, kept apart so the measures read without them.

use super::*;
use crate::testutil::resonate;

/// A pulse train with the given integer periods and amplitudes, through two
/// resonators (500 Hz, 1500 Hz): cycles of a known length and size.
fn pulses(periods: &[usize], amps: &[f64], n: usize) -> Vec<f32> {
    let mut x = vec![0.0f64; n];
    let (mut pos, mut i) = (200usize, 0usize);
    while pos < n {
        x[pos] = amps[i % amps.len()];
        pos += periods[i % periods.len()];
        i += 1;
    }
    // Wide resonances: one pulse's response has died out before the next.
    resonate(&mut x, 500.0, 250.0, 16000.0);
    resonate(&mut x, 1500.0, 300.0, 16000.0);
    let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    x.iter().map(|v| (0.5 * v / peak) as f32).collect()
}

fn mean_voiced(v: &[f32], voiced: &[bool]) -> f32 {
    let (s, n) = v
        .iter()
        .zip(voiced)
        .filter(|(_, &b)| b)
        .fold((0.0, 0), |(s, n), (x, _)| (s + x, n + 1));
    s / n as f32
}

fn analyse(x: &[f32], f0: f32) -> [Vec<f32>; 3] {
    let frames = 1 + x.len() / 160;
    let mut voiced = vec![true; frames];
    voiced[..3].iter_mut().for_each(|v| *v = false);
    voiced[frames - 3..].iter_mut().for_each(|v| *v = false);
    let f0s = vec![f0; frames];
    let cycles = mark_cycles(x, 16000, &f0s, &voiced, 160);
    let out = jitter_shimmer(&cycles, frames, 160, 800, &voiced);
    [
        vec![mean_voiced(&out[0], &voiced)],
        vec![mean_voiced(&out[1], &voiced)],
        vec![mean_voiced(&out[2], &voiced)],
    ]
}

#[test]
fn alternating_periods_give_known_jitter() {
    // Periods 126, 130, 126, ...: |dL| = 4 every cycle, mean 128 -> local jitter
    // 4 / 128 = 0.03125; DDP |(+4) - (-4)| = 8 -> 0.0625.
    let x = pulses(&[126, 130], &[1.0], 16000);
    let [j, d, s] = analyse(&x, 125.0);
    assert!((j[0] - 0.03125).abs() < 0.003, "jitter {}", j[0]);
    assert!((d[0] - 0.0625).abs() < 0.006, "ddp {}", d[0]);
    assert!(s[0] < 0.3, "shimmer {}", s[0]);
    // Constant period: no jitter.
    let x = pulses(&[128], &[1.0], 16000);
    let [j, _, s] = analyse(&x, 125.0);
    assert!(j[0] < 0.002, "jitter {}", j[0]);
    assert!(s[0] < 0.1, "shimmer {}", s[0]);
}

#[test]
fn alternating_amplitudes_give_known_shimmer() {
    // Amplitudes 1, 0.8, 1, ...: |20 log10(0.8)| = 1.938 dB per cycle pair.
    let x = pulses(&[128], &[1.0, 0.8], 16000);
    let [j, _, s] = analyse(&x, 125.0);
    assert!((s[0] - 1.938).abs() < 0.25, "shimmer {}", s[0]);
    assert!(j[0] < 0.005, "jitter {}", j[0]);
    // A DC offset changes neither.
    let y: Vec<f32> = x.iter().map(|v| v + 0.3).collect();
    let [_, _, s2] = analyse(&y, 125.0);
    assert!((s2[0] - s[0]).abs() < 0.05, "{} vs {}", s2[0], s[0]);
}

#[test]
fn hnr_follows_the_noise_level() {
    // A harmonic tone plus white noise at a known harmonics-to-noise power ratio.
    let mut state = 7u64;
    let mut noise = || {
        // Sum of 12 uniforms: near-Gaussian, unit variance.
        (0..12)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64
            })
            .sum::<f64>()
            - 6.0
    };
    let h = Harmonicity::new(16000, 800, 60.0, 500.0);
    let mut s = h.scratch();
    for want_db in [0.0f64, 10.0, 20.0] {
        let tone: Vec<f64> = (0..4000)
            .map(|i| {
                let w = 2.0 * std::f64::consts::PI * 150.0 * i as f64 / 16000.0;
                w.sin() + 0.5 * (2.0 * w).sin() + 0.25 * (3.0 * w).sin()
            })
            .collect();
        let p_tone = tone.iter().map(|v| v * v).sum::<f64>() / tone.len() as f64;
        let sigma = (p_tone / 10f64.powf(want_db / 10.0)).sqrt();
        let x: Vec<f32> = tone
            .iter()
            .map(|v| (0.2 * (v + sigma * noise())) as f32)
            .collect();
        let mut got = vec![];
        for start in (0..3000).step_by(160) {
            got.push(
                h.analyse(&x[start..start + 800], 150.0, &[0.0; 3], &mut s)
                    .hnr_db,
            );
        }
        got.sort_by(f32::total_cmp);
        let med = got[got.len() / 2] as f64;
        assert!((med - want_db).abs() < 2.0, "want {want_db} dB, got {med}");
    }
    // Silence: the floor.
    let f = h.analyse(&[0.0; 800], 0.0, &[0.0; 3], &mut s);
    assert!((f.hnr_db + 20.0).abs() < 0.1);
}

#[test]
fn harmonic_amplitudes() {
    // H1 twice the amplitude of H2: H1 - H2 = 6.02 dB.
    let x: Vec<f32> = (0..800)
        .map(|i| {
            let w = 2.0 * std::f32::consts::PI * 200.0 * i as f32 / 16000.0;
            0.4 * w.sin() + 0.2 * (2.0 * w).sin() + 0.1 * (10.0 * w).sin()
        })
        .collect();
    let h = Harmonicity::new(16000, 800, 60.0, 500.0);
    let f = h.analyse(&x, 200.0, &[0.0, 0.0, 2000.0], &mut h.scratch());
    assert!((f.h1_h2 - 6.02).abs() < 0.3, "{f:?}");
    // A3: the 10th harmonic at 2 kHz is 12 dB under H1.
    assert!((f.h1_a3 - 12.04).abs() < 0.5, "{f:?}");
    assert!((f.formant_amp[2] + 12.04).abs() < 0.5, "{f:?}");
    assert!(f.hnr_db > 30.0, "{f:?}");
}
