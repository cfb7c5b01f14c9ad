//! Test signals.

use serlab_core::Audio;

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
