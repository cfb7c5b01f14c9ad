//! Golden tests: serlab-features against librosa 0.11 on four generated signals (chirp,
//! harmonic tone, uniform white noise, synthetic vowel), quantised to 16 bits. The
//! reference values and the librosa / numpy / scipy versions are in
//! `tests/golden/golden.json`, written by `tests/golden/make_golden.py` (rerun it to
//! refresh them); this file generates the same samples by the same formulas.
//!
//! Tolerances, per feature, are absolute plus relative to the reference value, set about
//! ten times above the largest difference observed (float32 FFTs on both sides; observed
//! maxima in brackets):
//!
//! | feature | tolerance |
//! |---|---|
//! | log-mel 64 (dB) | 0.02 dB (7e-4) |
//! | MFCC 20, deltas, delta-deltas; MFCC 15 of 26 mels | 0.01 + 1e-4 rel (5e-4) |
//! | centroid, bandwidth (Hz) | 0.5 Hz + 1e-4 rel (9e-3 Hz) |
//! | roll-off 85% (Hz) | 0.5 Hz (exact) |
//! | flatness | 1e-6 + 1e-3 rel (2e-7) |
//! | RMS | 1e-6 + 1e-4 rel (7e-8) |
//! | ZCR | 1e-6 (3e-8) |
//! | chroma | 1e-5 (3e-7) |
//! | flux (onset strength of 26 log-mel bands, dB) | 1e-3 (3e-5) |
//! | contrast (dB) | 0.02 dB on noise (4e-5); 2 dB on the sparse spectra (1.54 on the chirp, 0.78 on the vowel): their valleys lie at the float32 FFT rounding floor, where the two FFTs' rounding differs |
//! | YIN F0 (Hz) | 1e-4 rel (5e-5 Hz), harmonic and vowel signals, frames not touching the padding |

use serde_json::Value;
use serlab_engine::{Component, FeatureExtractor, Features};
use serlab_features::pitch::Yin;
use serlab_features::{LldExtractor, LldParams, LogMelExtractor, LogMelParams};
use serlab_features::{MfccExtractor, MfccParams};
use std::path::PathBuf;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn load() -> Value {
    let path = golden_dir().join("golden.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A JSON array (1-D or 2-D) flattened row-major.
fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap()],
        other => panic!("not a number array: {other}"),
    }
}

fn frames(f: Features) -> (usize, usize, Vec<f32>) {
    match f {
        Features::Frames { frames, dim, data } => (frames, dim, data),
        other => panic!("expected frames, got {other:?}"),
    }
}

/// Assert `|got - want| <= atol + rtol |want|` everywhere; returns the largest error.
fn check(what: &str, got: &[f32], want: &[f64], atol: f64, rtol: f64) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let mut worst = 0.0f64;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (g as f64 - w).abs();
        assert!(
            err <= atol + rtol * w.abs(),
            "{what}[{i}]: serlab {g} vs librosa {w} (tolerance {atol} + {rtol} rel)"
        );
        worst = worst.max(err);
    }
    eprintln!("{what}: max abs error {worst:.3e}");
    worst
}

fn column(names: &[String], data: &[f32], dim: usize, name: &str) -> Vec<f32> {
    let c = names.iter().position(|n| n == name).unwrap();
    data.chunks_exact(dim).map(|r| r[c]).collect()
}

/// The test signals of `make_golden.py`, by the same float64 formulas in the same order.
fn generate(name: &str) -> Vec<f64> {
    use std::f64::consts::PI;
    const SR: f64 = 16000.0;
    const N: usize = 8000;
    let t = |i: usize| i as f64 / SR;
    match name {
        "chirp" => {
            let beta = (4000.0 - 100.0) / t(N - 1);
            (0..N)
                .map(|i| {
                    let v = t(i);
                    0.5 * (2.0 * PI * (100.0 * v + 0.5 * beta * v * v)).cos()
                })
                .collect()
        }
        "harmonic" => (0..N)
            .map(|i| {
                (1..6).fold(0.0, |acc, k| {
                    let k = k as f64;
                    acc + 0.4 / k * (2.0 * PI * 180.0 * k * t(i) + 0.3 * k).sin()
                })
            })
            .collect(),
        "noise" => {
            // xorshift64*, uniform in [-0.26, 0.26].
            let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
            (0..N)
                .map(|_| {
                    state ^= state >> 12;
                    state ^= state << 25;
                    state ^= state >> 27;
                    let u = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64
                        / (1u64 << 53) as f64;
                    0.26 * (2.0 * u - 1.0)
                })
                .collect()
        }
        "vowel" => vowel(
            &[700.0, 1220.0, 2600.0, 3500.0],
            &[60.0, 90.0, 120.0, 150.0],
        ),
        other => panic!("no generator for golden signal {other}"),
    }
}

/// `make_golden.py`'s Klatt-style vowel: vibrato impulse train at 130 Hz, two one-pole
/// low-passes, a cascade of formant resonators, first difference, peak 0.5.
fn vowel(formants: &[f64], bandwidths: &[f64]) -> Vec<f64> {
    use std::f64::consts::PI;
    let (sr, n, f0) = (16000.0, 8000, 130.0);
    let mut x = vec![0.0f64; n];
    let (mut phase, mut prev) = (0.0f64, 0.0f64);
    for (i, v) in x.iter_mut().enumerate() {
        phase += f0 * (1.0 + 0.03 * (2.0 * PI * 5.0 * (i as f64 / sr)).sin()) / sr;
        if phase.floor() - prev.floor() > 0.0 {
            *v = 1.0;
        }
        prev = phase;
    }
    for _ in 0..2 {
        let mut y1 = 0.0;
        for v in x.iter_mut() {
            y1 = *v + 0.95 * y1;
            *v = y1;
        }
    }
    for (f, bw) in formants.iter().zip(bandwidths) {
        let c = -(-2.0 * PI * bw / sr).exp();
        let b = 2.0 * (-PI * bw / sr).exp() * (2.0 * PI * f / sr).cos();
        let a = 1.0 - b - c;
        let (mut y1, mut y2) = (0.0, 0.0);
        for v in x.iter_mut() {
            let y = a * *v + b * y1 + c * y2;
            (y2, y1) = (y1, y);
            *v = y;
        }
    }
    let mut last = 0.0;
    let d: Vec<f64> = x
        .iter()
        .map(|&v| {
            let out = v - last;
            last = v;
            out
        })
        .collect();
    let peak = d.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    d.iter().map(|v| 0.5 * v / peak).collect()
}

/// 16-bit PCM as a WAV file holds it (`round_ties_even(32767 x)`), read back as x / 32768.
fn quantise(x: &[f64]) -> Vec<f32> {
    x.iter()
        .map(|v| ((v * 32767.0).round_ties_even().clamp(-32768.0, 32767.0) / 32768.0) as f32)
        .collect()
}

fn signals(g: &Value) -> Vec<(String, serlab_engine::Audio, &Value)> {
    let Value::Object(map) = &g["signals"] else {
        panic!("no signals")
    };
    map.iter()
        .map(|(name, v)| {
            let audio = serlab_engine::Audio {
                samples: quantise(&generate(name)),
                sample_rate: 16000,
            };
            (name.clone(), audio, v)
        })
        .collect()
}

#[test]
fn versions_are_recorded() {
    let g = load();
    assert!(g["librosa"].as_str().unwrap().starts_with("0.11"));
    assert!(g["numpy"].is_string() && g["scipy"].is_string());
    assert_eq!(g["signals"].as_object().unwrap().len(), 4);
}

#[test]
fn log_mel_and_mfcc_match_librosa() {
    let g = load();
    let lm = LogMelExtractor::new(LogMelParams::default()).unwrap();
    let mf = MfccExtractor::new(MfccParams {
        deltas: true,
        delta_deltas: true,
        ..Default::default()
    })
    .unwrap();
    for (name, audio, r) in signals(&g) {
        let (_, dim, data) = frames(lm.extract(&audio).unwrap());
        assert_eq!(dim, 64);
        check(
            &format!("{name} logmel64"),
            &data,
            &flat(&r["logmel64"]),
            0.02,
            0.0,
        );
        let (t, dim, data) = frames(mf.extract(&audio).unwrap());
        assert_eq!(dim, 60);
        let part = |k: usize| -> Vec<f32> {
            (0..t)
                .flat_map(|i| data[i * 60 + k * 20..i * 60 + (k + 1) * 20].to_vec())
                .collect()
        };
        for (k, key) in ["mfcc20", "mfcc20_delta", "mfcc20_delta2"]
            .iter()
            .enumerate()
        {
            check(
                &format!("{name} {key}"),
                &part(k),
                &flat(&r[*key]),
                0.01,
                1e-4,
            );
        }
    }
}

#[test]
fn frame_descriptors_match_librosa() {
    let g = load();
    let e = LldExtractor::new(LldParams {
        logmel: true,
        ..Default::default()
    })
    .unwrap();
    let names = e.info().unwrap().names;
    for (name, audio, r) in signals(&g) {
        let (t, dim, data) = frames(e.extract(&audio).unwrap());
        let col = |n: &str| column(&names, &data, dim, n);
        let cols = |prefix: &str, count: usize| -> Vec<f32> {
            let cs: Vec<Vec<f32>> = (0..count).map(|k| col(&format!("{prefix}{k}"))).collect();
            (0..t).flat_map(|i| cs.iter().map(move |c| c[i])).collect()
        };
        check(
            &format!("{name} centroid"),
            &col("centroid"),
            &flat(&r["centroid"]),
            0.5,
            1e-4,
        );
        check(
            &format!("{name} bandwidth"),
            &col("bandwidth"),
            &flat(&r["bandwidth"]),
            0.5,
            1e-4,
        );
        check(
            &format!("{name} rolloff"),
            &col("rolloff"),
            &flat(&r["rolloff"]),
            0.5,
            0.0,
        );
        check(
            &format!("{name} flatness"),
            &col("flatness"),
            &flat(&r["flatness"]),
            1e-6,
            1e-3,
        );
        check(
            &format!("{name} rms"),
            &col("rms"),
            &flat(&r["rms"]),
            1e-6,
            1e-4,
        );
        check(
            &format!("{name} zcr"),
            &col("zcr"),
            &flat(&r["zcr"]),
            1e-6,
            0.0,
        );
        check(
            &format!("{name} flux"),
            &col("flux"),
            &flat(&r["flux"]),
            1e-3,
            0.0,
        );
        let worst = check(
            &format!("{name} contrast"),
            &cols("contrast", 7),
            &flat(&r["contrast"]),
            2.0,
            0.0,
        );
        if name == "noise" {
            assert!(worst < 0.02, "contrast on a dense spectrum: {worst} dB");
        }
        check(
            &format!("{name} mfcc15"),
            &cols("mfcc", 15),
            &flat(&r["mfcc15_mel26"]),
            0.01,
            1e-4,
        );
        let chroma: Vec<Vec<f32>> = serlab_features::chroma::NAMES
            .iter()
            .map(|c| col(&format!("chroma_{c}")))
            .collect();
        let chroma: Vec<f32> = (0..t)
            .flat_map(|i| chroma.iter().map(move |c| c[i]))
            .collect();
        check(
            &format!("{name} chroma"),
            &chroma,
            &flat(&r["chroma"]),
            1e-5,
            0.0,
        );
    }
}

#[test]
fn yin_matches_librosa_on_periodic_signals() {
    let g = load();
    let yin = Yin::new("golden", 16000, 60.0, 500.0, 0.2, 0).unwrap();
    for (name, audio, r) in signals(&g) {
        if !(name == "harmonic" || name == "vowel") {
            continue;
        }
        let want = flat(&r["yin"]);
        let track = yin.track(&audio.samples, 160, want.len());
        let got: Vec<f32> = track.iter().map(|p| p.f0).collect();
        // Frames whose whole YIN window has signal (not the zero-padded ends).
        let inner = 2..want.len() - 2;
        check(
            &format!("{name} yin"),
            &got[inner.clone()],
            &want[inner],
            0.0,
            1e-4,
        );
    }
}
