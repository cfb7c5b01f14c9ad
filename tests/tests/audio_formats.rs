//! Every audio format serlab reads, decoded from the committed fixtures in
//! `tests/fixtures/audio/` (written by its `make_fixtures.sh` with sox and lame) and checked
//! against the tone they were generated from: 440 Hz, 0.25 s, mono mix of peak 0.4 (RMS
//! 0.4/√2 ≈ 0.283), at the sample rate and channel count the file name gives.

use serlab_engine::audio;
use serlab_tests::repo;
use std::path::PathBuf;

const FREQ: f64 = 440.0;
const SECONDS: f64 = 0.25;
const RMS: f64 = 0.4 / std::f64::consts::SQRT_2;

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/audio").join(name)
}

/// Frequency from the first and last rising zero crossing (linearly interpolated) and the
/// number of whole periods between them; exact for a clean sine up to the interpolation.
fn frequency(x: &[f32], rate: u32) -> f64 {
    let rising: Vec<f64> = x
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
        .map(|(i, w)| i as f64 + f64::from(w[0] / (w[0] - w[1])))
        .collect();
    assert!(
        rising.len() > 10,
        "too few zero crossings: {}",
        rising.len()
    );
    let periods = (rising.len() - 1) as f64;
    periods * f64::from(rate) / (rising[rising.len() - 1] - rising[0])
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// (file, sample rate, allowed length error in samples, allowed relative RMS error)
const CASES: [(&str, u32, usize, f64); 8] = [
    ("tone-22050-3ch.flac", 22050, 0, 0.01),
    ("tone-44100-2ch.ogg", 44100, 0, 0.02),
    ("tone-24000-2ch.mp3", 24000, 0, 0.02),
    ("tone-8000-1ch-ulaw.wav", 8000, 0, 0.02),
    ("tone-16000-2ch-alaw.wav", 16000, 0, 0.02),
    // IMA ADPCM codes whole blocks: the last one is padded.
    ("tone-11025-1ch-ima.wav", 11025, 505, 0.05),
    ("tone-4000-1ch-f64.wav", 4000, 0, 0.01),
    ("tone-12000-2ch-u8.wav", 12000, 0, 0.02),
];

#[test]
fn every_format_decodes_to_the_generated_tone() {
    for (name, rate, len_slack, rms_tol) in CASES {
        let a = audio::read_mono(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(a.sample_rate, rate, "{name}");
        let want = (SECONDS * f64::from(rate)).floor() as usize;
        // The middle half avoids codec edge effects (MP3 and Vorbis start and end ramps).
        let n = a.samples.len();
        let mid = &a.samples[n / 4..3 * n / 4];
        let (f, r) = (frequency(mid, rate), rms(mid));
        eprintln!("{name}: {n} samples (want {want}), {f:.2} Hz, RMS {r:.4}");
        assert!(
            n >= want && n <= want + len_slack,
            "{name}: {n} samples, expected {want} (+{len_slack})"
        );
        assert!((f - FREQ).abs() < 0.005 * FREQ, "{name}: {f} Hz");
        assert!((r - RMS).abs() < rms_tol * RMS, "{name}: RMS {r}");
    }
}

#[test]
fn every_format_resamples_to_the_extractor_rate() {
    for (name, ..) in CASES {
        let a = audio::load(&fixture(name), 16000).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(a.sample_rate, 16000);
        let n = a.samples.len();
        let f = frequency(&a.samples[n / 4..3 * n / 4], 16000);
        assert!((f - FREQ).abs() < 0.005 * FREQ, "{name}: {f} Hz at 16 kHz");
    }
}

#[test]
fn cut_and_damaged_compressed_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    // A FLAC file announces its length in STREAMINFO: cutting it is detected.
    let bytes = std::fs::read(fixture("tone-22050-3ch.flac")).unwrap();
    let cut = dir.path().join("cut.flac");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let e = audio::read_mono(&cut).unwrap_err().to_string();
    assert!(e.contains("cut.flac") && e.contains("truncated"), "{e}");
    // So does an MP3 whose Xing/LAME frame gives its length.
    let bytes_mp3 = std::fs::read(fixture("tone-24000-2ch.mp3")).unwrap();
    let cut = dir.path().join("cut.mp3");
    std::fs::write(&cut, &bytes_mp3[..bytes_mp3.len() / 2]).unwrap();
    let e = audio::read_mono(&cut).unwrap_err().to_string();
    assert!(e.contains("cut.mp3") && e.contains("truncated"), "{e}");
    // Flipped bits in FLAC audio data: frames fail their CRC, so less than the announced
    // length decodes (or, were the frame to pass, the MD5 of the decoded audio would fail).
    let mut damaged = bytes.clone();
    let k = damaged.len() / 2;
    for b in &mut damaged[k..k + 16] {
        *b ^= 0x5a;
    }
    let p = dir.path().join("damaged.flac");
    std::fs::write(&p, &damaged).unwrap();
    let e = audio::read_mono(&p).unwrap_err().to_string();
    assert!(e.contains("damaged.flac") && e.contains("damaged"), "{e}");
    // An MP3 named .wav is still read: the content decides, not the name.
    let renamed = dir.path().join("really-an-mp3.wav");
    std::fs::copy(fixture("tone-24000-2ch.mp3"), &renamed).unwrap();
    assert_eq!(audio::read_mono(&renamed).unwrap().sample_rate, 24000);
}
