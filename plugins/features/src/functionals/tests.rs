//! Unit tests of the functionals, kept apart so the statistics read without them.

use super::*;
use crate::testutil::{audio, odd_inputs, sine};
use serlab_api::{FeatureExtractor, FeatureShape, Features};

fn extractor() -> FunctionalsExtractor {
    FunctionalsExtractor::new(FunctionalsParams::default()).unwrap()
}

fn value(e: &FunctionalsExtractor, v: &[f32], name: &str) -> f32 {
    let i = e
        .names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    v[i]
}

#[test]
fn dims_and_names() {
    let e = extractor();
    let info = e.info().unwrap();
    // 20 MFCC x 13 + 20 deltas x 6 + 40 log-mel x 13 + 2 energy x 13 + 5 spectral x 13
    // + voicing x 13 + 14 F0 + 2 rhythm.
    let want = 20 * 13 + 20 * 6 + 40 * 13 + 2 * 13 + 5 * 13 + 13 + 14 + 2;
    assert_eq!(info.dim, want);
    assert_eq!(info.names.len(), want);
    assert_eq!(info.shape, FeatureShape::Vector);
    let unique: std::collections::HashSet<_> = info.names.iter().collect();
    assert_eq!(unique.len(), want);
    assert!(info.names.contains(&"mfcc3_mean".to_string()));
    assert!(info.names.contains(&"f0_voiced_p50".to_string()));
}

#[test]
fn sine_440_pitch_and_centroid() {
    let e = extractor();
    let Features::Vector(v) = e.extract(&audio(sine(440.0, 16000, 16000, 0.5))).unwrap() else {
        panic!()
    };
    assert_eq!(v.len(), e.names.len());
    assert!(v.iter().all(|x| x.is_finite()));
    let f0 = value(&e, &v, "f0_voiced_p50");
    assert!((f0 - 440.0).abs() < 4.4, "{f0}");
    assert!(value(&e, &v, "voiced_fraction") > 0.9);
    assert!(value(&e, &v, "f0_voiced_range_st") < 0.2);
    let c = value(&e, &v, "centroid_p50");
    assert!((c - 440.0).abs() < 25.0, "{c}");
    // 0.5 amplitude sine: RMS 0.5 / sqrt(2) = -9.03 dBFS.
    let r = value(&e, &v, "rms_db_p50");
    assert!((r + 9.03).abs() < 0.2, "{r}");
}

#[test]
fn silence_and_odd_input() {
    let e = extractor();
    for x in odd_inputs() {
        let Features::Vector(v) = e.extract(&audio(x.clone())).unwrap() else {
            panic!()
        };
        assert_eq!(v.len(), e.names.len());
        assert!(v.iter().all(|a| a.is_finite()), "len {}", x.len());
    }
    let Features::Vector(v) = e.extract(&audio(vec![0.0; 16000])).unwrap() else {
        panic!()
    };
    assert_eq!(value(&e, &v, "voiced_fraction"), 0.0);
    assert_eq!(value(&e, &v, "f0_voiced_mean"), 0.0);
    assert_eq!(value(&e, &v, "energy_peak_rate"), 0.0);
    assert_eq!(value(&e, &v, "rms_db_max"), -100.0);
}

#[test]
fn deterministic() {
    let e = extractor();
    let a = audio(sine(220.0, 12345, 16000, 0.3));
    assert_eq!(e.extract(&a).unwrap(), e.extract(&a).unwrap());
}

#[test]
fn groups_switch_off() {
    let p = FunctionalsParams {
        mfcc: false,
        logmel: false,
        spectral: false,
        ..Default::default()
    };
    let e = FunctionalsExtractor::new(p).unwrap();
    assert_eq!(e.info().unwrap().dim, 2 * 13 + 13 + 14 + 2);
    let Features::Vector(v) = e.extract(&audio(sine(200.0, 4000, 16000, 0.5))).unwrap() else {
        panic!()
    };
    assert_eq!(v.len(), 2 * 13 + 13 + 14 + 2);
    let p = FunctionalsParams {
        mfcc: false,
        logmel: false,
        spectral: false,
        energy: false,
        pitch: false,
        rhythm: false,
        ..Default::default()
    };
    assert!(FunctionalsExtractor::new(p).is_err());
}

#[test]
fn energy_peaks_of_bursts() {
    // Four loud 100 ms bursts separated by 150 ms of silence in 1 s: four peaks.
    let mut x = vec![0.0f32; 16000];
    for b in 0..4 {
        let start = 800 + b * 4000;
        for (i, s) in x[start..start + 1600].iter_mut().enumerate() {
            *s = 0.5 * (2.0 * std::f32::consts::PI * 200.0 * i as f32 / 16000.0).sin();
        }
    }
    let e = extractor();
    let Features::Vector(v) = e.extract(&audio(x)).unwrap() else {
        panic!()
    };
    assert_eq!(value(&e, &v, "energy_peak_rate"), 4.0);
    assert_eq!(value(&e, &v, "voiced_segments_per_s"), 4.0);
}
