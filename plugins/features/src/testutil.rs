//! Test signals.

use serlab_api::Audio;

/// `n` samples of a sine of `freq` Hz and amplitude `amp` at `sr`.
pub fn sine(freq: f32, n: usize, sr: u32, amp: f32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            amp * (2.0 * std::f64::consts::PI * freq as f64 * i as f64 / sr as f64).sin() as f32
        })
        .collect()
}

/// Samples as 16 kHz audio.
pub fn audio(samples: Vec<f32>) -> Audio {
    Audio {
        samples,
        sample_rate: 16000,
    }
}

/// Inputs every extractor must survive with finite output.
pub fn odd_inputs() -> Vec<Vec<f32>> {
    let clipped: Vec<f32> = sine(150.0, 8000, 16000, 4.0)
        .iter()
        .map(|x| x.clamp(-1.0, 1.0))
        .collect();
    let mut impulse = vec![0.0; 3000];
    impulse[1500] = 1.0;
    vec![
        vec![],
        vec![0.3],
        vec![0.1; 100],
        vec![0.0; 16000],
        vec![0.5; 8000],
        clipped,
        impulse,
        vec![f32::NAN, 1.0, f32::INFINITY, -1.0],
        sine(150.0, 1000, 16000, 1.0)
            .iter()
            .map(|x| x + 0.7)
            .collect(),
    ]
}

/// A synthetic vowel: an impulse train at `f0` Hz (integer-sample periods), a glottal
/// low-pass (`-12 dB/octave`, two poles at 0.95), a cascade of two-pole resonators at
/// `formants` (bandwidths 60, 90, 120 Hz, plus F4 at 3500 Hz / 150 Hz), and lip radiation
/// (first difference): Klatt's (1980) cascade synthesiser in its simplest form.
pub fn vowel(formants: &[f64; 3], f0: f64, sr: u32, n: usize) -> Vec<f32> {
    let period = (sr as f64 / f0).round() as usize;
    let mut x: Vec<f64> = (0..n)
        .map(|i| if i % period == 0 { 1.0 } else { 0.0 })
        .collect();
    for _ in 0..2 {
        let mut prev = 0.0;
        for v in x.iter_mut() {
            prev = *v + 0.95 * prev;
            *v = prev;
        }
    }
    let bws = [60.0, 90.0, 120.0, 150.0];
    let freqs = [formants[0], formants[1], formants[2], 3500.0];
    for (f, bw) in freqs.iter().zip(bws) {
        resonate(&mut x, *f, bw, sr as f64);
    }
    let mut prev = 0.0;
    for v in x.iter_mut() {
        let d = *v - prev;
        prev = *v;
        *v = d;
    }
    let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
    x.iter().map(|v| (0.5 * v / peak) as f32).collect()
}

/// Klatt's two-pole resonator in place: `y[n] = A x[n] + B y[n-1] + C y[n-2]`.
pub fn resonate(x: &mut [f64], f: f64, bw: f64, sr: f64) {
    let t = 1.0 / sr;
    let c = -(-2.0 * std::f64::consts::PI * bw * t).exp();
    let b =
        2.0 * (-std::f64::consts::PI * bw * t).exp() * (2.0 * std::f64::consts::PI * f * t).cos();
    let a = 1.0 - b - c;
    let (mut y1, mut y2) = (0.0, 0.0);
    for v in x.iter_mut() {
        let y = a * *v + b * y1 + c * y2;
        y2 = y1;
        y1 = y;
        *v = y;
    }
}
