//! Unit tests of the spectral descriptors, kept apart so the descriptors read without them.

use super::*;
use crate::stft::{PadMode, Stft};
use crate::testutil::sine;

#[test]
fn sine_440_centroid_and_rolloff() {
    let stft = Stft::new("t", 512, 400, 160, true, PadMode::Reflect).unwrap();
    let spec = stft.power(&sine(440.0, 16000, 16000, 0.5)).unwrap();
    let shape = SpectralShape::new(16000, 512, 0.85);
    let f = shape.analyse(spec.frame(50));
    // Hann leakage spreads the magnitude a few bins (31.25 Hz each) around 440 Hz.
    assert!((f.centroid - 440.0).abs() < 25.0, "{f:?}");
    assert!(f.bandwidth < 100.0, "{f:?}");
    assert!((f.rolloff - 440.0).abs() <= 63.0, "{f:?}");
    assert!(f.flatness < 1e-3, "{f:?}");
}

#[test]
fn flat_spectrum_is_flat() {
    let shape = SpectralShape::new(16000, 8, 0.5);
    // Bins at 0, 2000, 4000, 6000, 8000 Hz, equal power.
    let f = shape.analyse(&[1.0; 5]);
    assert!((f.flatness - 1.0).abs() < 1e-6);
    assert!((f.centroid - 4000.0).abs() < 1e-3);
    // sqrt(mean((f - 4000)^2)) = sqrt(8e6)
    assert!((f.bandwidth - 8e6f32.sqrt()).abs() < 1e-2);
    // cumulative 1,2,3 of 5 >= 2.5 at the third bin.
    assert_eq!(f.rolloff, 4000.0);
    let z = shape.analyse(&[0.0; 5]);
    assert_eq!(
        (z.centroid, z.bandwidth, z.rolloff, z.flatness),
        (0.0, 0.0, 0.0, 1.0)
    );
}

#[test]
fn rms_and_zcr() {
    assert_eq!(rms_zcr(&[]), (0.0, 0.0));
    let (r, z) = rms_zcr(&[1.0, -1.0, 1.0, -1.0]);
    assert_eq!((r, z), (1.0, 0.75));
    let (r, z) = rms_zcr(&[0.5; 10]);
    assert_eq!((r, z), (0.5, 0.0));
}
