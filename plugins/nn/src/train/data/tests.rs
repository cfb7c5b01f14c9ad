//! Unit tests of the training data handling, kept apart so the data code reads without them.

use super::*;
use crate::train::params::{Normalize, TrainParams};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn samples_are_checked_and_named() {
    let a = Features::Frames {
        frames: 2,
        dim: 2,
        data: vec![1.0, 2.0, 3.0, 4.0],
    };
    let b = Features::Frames {
        frames: 1,
        dim: 3,
        data: vec![1.0, f32::NAN, 0.0],
    };
    let e = samples(&[&a, &b], InputKind::Frames, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("utterance 1") && e.contains("3 values"), "{e}");
    let e = samples(&[&b], InputKind::Frames, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not finite") && e.contains("column 1"), "{e}");
    let v = samples(&[&a], InputKind::Vector, None).unwrap();
    assert_eq!(v[0].data, vec![2.0, 3.0]);
    let e = samples(&[&Features::Vector(vec![1.0])], InputKind::Frames, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("frame features"), "{e}");
}

#[test]
fn speaker_normalisation_standardises_each_speaker() {
    let s = |v: [f32; 2]| Sample {
        frames: 2,
        dim: 1,
        data: v.to_vec(),
    };
    let xs = [s([1.0, 3.0]), s([101.0, 103.0]), s([2.0, 2.0])];
    let n = Normalizer::fit(Normalize::Speaker, &xs);
    let out = n.normalise(&xs, Some(&["a", "b", "a"]));
    // Speaker a: values 1, 3, 2, 2 (mean 2, std sqrt(0.5)); speaker b: 101, 103.
    let k = 1.0 / 0.5f32.sqrt();
    assert!((out[0].data[0] + k).abs() < 1e-5 && (out[2].data[0]).abs() < 1e-6);
    assert_eq!(out[1].data, vec![-1.0, 1.0]);
    let g = Normalizer::fit(Normalize::Global, &xs).normalise(&xs, None);
    let all: Vec<f32> = g.iter().flat_map(|s| s.data.clone()).collect();
    let mean: f32 = all.iter().sum::<f32>() / 6.0;
    assert!(mean.abs() < 1e-5);
}

#[test]
fn additive_noise_lands_at_the_requested_snr() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    // 0 dB power everywhere; at 10 dB SNR the mean power becomes 1 + 0.1.
    let mut x = Sample {
        frames: 400,
        dim: 40,
        data: vec![0.0; 16000],
    };
    add_noise_db(&mut x, 10.0, &mut rng);
    let p: f64 = x
        .data
        .iter()
        .map(|v| 10f64.powf(f64::from(*v) / 10.0))
        .sum::<f64>()
        / 16000.0;
    assert!((p - 1.1).abs() < 0.005, "{p}");
}

#[test]
fn time_stretch_resamples_frames_linearly() {
    // Frame t holds (t, 10 t): a ramp stays a ramp over the same range.
    let x = Sample {
        frames: 5,
        dim: 2,
        data: (0..5).flat_map(|t| [t as f32, 10.0 * t as f32]).collect(),
    };
    let slow = time_stretch(&x, 0.5);
    assert_eq!((slow.frames, slow.dim), (10, 2));
    for t in 0..10 {
        let want = t as f32 * 4.0 / 9.0;
        assert!(
            (slow.data[2 * t] - want).abs() < 1e-5,
            "{t}: {:?}",
            slow.data
        );
        assert!((slow.data[2 * t + 1] - 10.0 * want).abs() < 1e-4);
    }
    let fast = time_stretch(&x, 2.0);
    assert_eq!(fast.frames, 3);
    assert_eq!(fast.data, vec![0.0, 0.0, 2.0, 20.0, 4.0, 40.0]);
    assert_eq!(time_stretch(&x, 1.0), x);
    assert_eq!(time_stretch(&x, 100.0).frames, 1);
}

#[test]
fn bin_shifts_move_a_peak_and_repeat_the_edges() {
    let mut x = Sample {
        frames: 2,
        dim: 6,
        data: vec![0.0, 0.0, 1.0, 0.0, 0.0, 5.0, 0.0, 0.0, 1.0, 0.0, 0.0, 5.0],
    };
    shift_bins(&mut x, 1.0);
    assert_eq!(&x.data[..6], &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    shift_bins(&mut x, -1.5);
    // Column j reads j + 1.5: the peak (now at 3) lands halfway over columns 1 and 2;
    // positions past the top read the top column.
    assert_eq!(&x.data[..6], &[0.0, 0.5, 0.5, 0.0, 0.0, 0.0]);
    assert_eq!(x.data[..6], x.data[6..]);
}

#[test]
fn beta_draws_have_the_right_mean_and_masks_stay_in_bounds() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for a in [0.2, 1.0, 4.0] {
        let m: f64 = (0..4000).map(|_| beta(a, &mut rng)).sum::<f64>() / 4000.0;
        assert!((m - 0.5).abs() < 0.03, "Beta({a},{a}) mean {m}");
    }
    let p = TrainParams {
        time_masks: 3,
        time_mask_width: 50,
        freq_masks: 2,
        freq_mask_width: 50,
        ..TrainParams::default()
    };
    let mut x = Sample {
        frames: 10,
        dim: 4,
        data: vec![1.0; 40],
    };
    spec_augment(&mut x, &p, &mut rng);
    assert!(x.data.contains(&0.0));
}
