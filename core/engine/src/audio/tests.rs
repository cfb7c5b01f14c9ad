//! Decoding, bounds and resampling of `audio`, on generated files.

use super::*;

fn sine(rate: u32, secs: f32, f: f32) -> Vec<f32> {
    (0..(rate as f32 * secs) as usize)
        .map(|i| 0.5 * (2.0 * std::f32::consts::PI * f * i as f32 / rate as f32).sin())
        .collect()
}

#[test]
fn pcm16_round_trip_and_resample_keep_the_tone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.wav");
    write_wav16(&p, &sine(22050, 0.5, 440.0), 22050).unwrap();
    let a = load(&p, 16000).unwrap();
    assert_eq!(a.sample_rate, 16000);
    assert!(
        (a.samples.len() as i64 - 8000).abs() <= 2,
        "len {}",
        a.samples.len()
    );
    // Zero crossings of a 440 Hz tone over 0.5 s: about 440.
    let zc = a
        .samples
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    assert!((430..=450).contains(&zc), "zero crossings {zc}");
}

#[test]
fn stereo_float_and_24_bit_are_mixed_to_mono() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("st.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 8000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&p, spec).unwrap();
    for _ in 0..100 {
        w.write_sample(0.5f32).unwrap();
        w.write_sample(-0.25f32).unwrap();
    }
    w.finalize().unwrap();
    let a = read_mono(&p).unwrap();
    assert_eq!(a.samples.len(), 100);
    assert!((a.samples[0] - 0.125).abs() < 1e-6);

    let p = dir.path().join("24.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&p, spec).unwrap();
    w.write_sample(1 << 22).unwrap();
    w.finalize().unwrap();
    assert!((read_mono(&p).unwrap().samples[0] - 0.5).abs() < 1e-6);
}

/// Write 32-bit float mono samples (hound), for NaN / infinity cases 16-bit cannot hold.
fn write_f32(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for s in samples {
        w.write_sample(*s).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn unusable_files_name_the_file_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let msg = |name: &str| {
        let p = dir.path().join(name);
        let e = read_mono(&p).unwrap_err().to_string();
        assert!(e.contains(name), "message does not name {name}: {e}");
        eprintln!("{e}");
        e
    };
    let expect = |name: &str, reason: &str| {
        let e = msg(name);
        assert!(e.contains(reason), "{name}: expected `{reason}` in: {e}");
    };
    expect("missing.wav", "file not found");
    std::fs::write(dir.path().join("empty.wav"), b"").unwrap();
    expect("empty.wav", "empty file");
    std::fs::write(
        dir.path().join("text.wav"),
        b"this is not audio at all, just text",
    )
    .unwrap();
    expect("text.wav", "not a recognised audio file");
    write_wav16(&dir.path().join("silent.wav"), &[0.0; 100], 16000).unwrap();
    expect("silent.wav", "all samples are zero");
    write_wav16(&dir.path().join("zero.wav"), &[], 16000).unwrap();
    expect("zero.wav", "zero-length audio");
    let mut x = sine(16000, 0.1, 200.0);
    x[37] = f32::NAN;
    write_f32(&dir.path().join("nan.wav"), &x);
    expect("nan.wav", "sample 37 is not a finite number");
    x[37] = 0.0;
    x[5] = f32::INFINITY;
    write_f32(&dir.path().join("inf.wav"), &x);
    expect("inf.wav", "sample 5 is not a finite number");
    // Cut in the middle of the samples, and inside the header.
    let good = dir.path().join("good.wav");
    write_wav16(&good, &sine(16000, 0.5, 200.0), 16000).unwrap();
    assert_eq!(read_mono(&good).unwrap().samples.len(), 8000);
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(dir.path().join("cut.wav"), &bytes[..bytes.len() / 2]).unwrap();
    expect("cut.wav", "truncated");
    std::fs::write(dir.path().join("cuthead.wav"), &bytes[..30]).unwrap();
    let e = msg("cuthead.wav");
    assert!(
        e.contains("truncated") || e.contains("not a recognised"),
        "{e}"
    );
    std::fs::create_dir(dir.path().join("folder.wav")).unwrap();
    expect("folder.wav", "is a folder");
}

#[test]
fn wav_written_to_a_pipe_has_no_length_and_is_read_to_its_end() {
    // Streaming writers put 0xFFFFFFFF in the RIFF and data sizes; the file is not
    // truncated, it just has no announced length.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("pipe.wav");
    write_wav16(&p, &sine(16000, 0.1, 300.0), 16000).unwrap();
    let mut b = std::fs::read(&p).unwrap();
    b[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    b[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&p, &b).unwrap();
    assert_eq!(read_mono(&p).unwrap().samples.len(), 1600);
}

/// Issue 21 case 1: a header claiming 4294967295 Hz, or 1 Hz, used to drive the resampler
/// to the OOM killer. Both are now refused from the header, before decoding.
#[test]
fn absurd_sample_rates_and_lengths_are_refused_before_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.wav");
    write_wav16(&good, &sine(16000, 1.0, 200.0), 16000).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    for (name, rate) in [
        ("srmax.wav", u32::MAX),
        ("sr1.wav", 1u32),
        ("sr500k.wav", 500_000),
    ] {
        let mut b = bytes.clone();
        // fmt chunk: sample rate at 24, byte rate at 28.
        b[24..28].copy_from_slice(&rate.to_le_bytes());
        b[28..32].copy_from_slice(&rate.wrapping_mul(2).to_le_bytes());
        let p = dir.path().join(name);
        std::fs::write(&p, &b).unwrap();
        let e = load(&p, 16000).unwrap_err().to_string();
        assert!(
            e.contains(name) && e.contains(&format!("{rate} Hz")) && e.contains("384000"),
            "{e}"
        );
        // The same bytes through the in-memory entry the fuzz targets use.
        assert!(decode_bytes(&p, &b).is_err());
    }
    // The bounds themselves are accepted, and the resampler handles rates with no common
    // factor (383999 Hz to 16 kHz) without building huge tables.
    for rate in [MIN_RATE, 383_999, MAX_RATE] {
        let a = Audio {
            samples: sine(rate, 0.05, 200.0),
            sample_rate: rate,
        };
        let out = resample(a, 16000, &good).unwrap();
        assert!(
            (out.samples.len() as i64 - 800).abs() <= 2,
            "{rate}: {}",
            out.samples.len()
        );
    }
    // A data chunk announcing 4 GiB of samples on a 32 KB file: the reservation is bounded
    // by the file's size, and the file is reported as truncated.
    let mut b = bytes.clone();
    b[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    b[40..44].copy_from_slice(&(u32::MAX - 1).to_le_bytes());
    let p = dir.path().join("huge.wav");
    std::fs::write(&p, &b).unwrap();
    let e = read_mono(&p).unwrap_err().to_string();
    assert!(e.contains("more than the 134217728"), "{e}");
    // Resampling in-memory audio to an absurd rate is refused, not attempted.
    let a = Audio {
        samples: vec![0.1; 10],
        sample_rate: 16000,
    };
    assert!(resample(a, u32::MAX, &good).is_err());
}

#[test]
fn extensions_are_matched_in_any_case() {
    for ok in ["a.wav", "b.FLAC", "c.ogg", "d.Mp3", "e.oga"] {
        assert!(has_audio_extension(Path::new(ok)), "{ok}");
    }
    for no in ["a.txt", "b", "c.wav.bak", "d.opus"] {
        assert!(!has_audio_extension(Path::new(no)), "{no}");
    }
}
