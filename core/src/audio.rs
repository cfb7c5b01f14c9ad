//! Reading audio files into mono `f32` at the rate an extractor asks for.
//!
//! WAV of every PCM width (8/16/24/32-bit) and IEEE float is decoded by `hound`; channels
//! are averaged to mono; rate conversion uses `rubato`'s FFT resampler. Files that cannot
//! be used (not audio, truncated, empty, all zeros, NaN/inf) are rejected with the path and
//! the reason, so the runner can skip and list them.
//!
//! Cached features are keyed by the file's bytes, not the decoded samples: a change here that
//! alters the samples an extractor receives must bump [`crate::cache::DECODE_VERSION`].

use crate::{Audio, Error, Result};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};
use std::path::Path;

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::Audio {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Decode a file to mono samples at its own rate.
pub fn read_mono(path: &Path) -> Result<Audio> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(bad(path, "is a folder, not an audio file"));
    }
    if meta.len() == 0 {
        return Err(bad(path, "empty file (0 bytes)"));
    }
    let reader = hound::WavReader::open(path)
        .map_err(|e| bad(path, format!("not a readable WAV file: {e}")))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad(path, format!("truncated or corrupt WAV data: {e}")))?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| bad(path, format!("truncated or corrupt WAV data: {e}")))?
        }
    };
    let samples: Vec<f32> = interleaved
        .chunks(channels)
        .map(|f| f.iter().sum::<f32>() / f.len() as f32)
        .collect();
    check(path, &samples)?;
    Ok(Audio {
        samples,
        sample_rate: spec.sample_rate,
    })
}

/// Reject audio no extractor can use.
pub fn check(path: &Path, samples: &[f32]) -> Result<()> {
    if samples.is_empty() {
        return Err(bad(path, "zero-length audio (no samples)"));
    }
    if let Some(i) = samples.iter().position(|s| !s.is_finite()) {
        return Err(bad(path, format!("sample {i} is not a finite number")));
    }
    if samples.iter().all(|s| *s == 0.0) {
        return Err(bad(path, "all samples are zero (silent file)"));
    }
    Ok(())
}

/// Resample mono audio to `rate` (returns the input unchanged when rates match).
pub fn resample(audio: Audio, rate: u32, path: &Path) -> Result<Audio> {
    if audio.sample_rate == rate {
        return Ok(audio);
    }
    let n = audio.samples.len();
    let mut r = Fft::<f32>::new(
        audio.sample_rate as usize,
        rate as usize,
        1024,
        1,
        FixedSync::Input,
    )
    .map_err(|e| {
        bad(
            path,
            format!("cannot resample {} Hz to {rate} Hz: {e}", audio.sample_rate),
        )
    })?;
    let input =
        InterleavedSlice::new(&audio.samples, 1, n).map_err(|e| bad(path, e.to_string()))?;
    let out = r
        .process_all(&input, n, None)
        .map_err(|e| bad(path, format!("resampling failed: {e}")))?;
    Ok(Audio {
        samples: out.take_data(),
        sample_rate: rate,
    })
}

/// Read `path` as mono audio at `rate`.
pub fn load(path: &Path, rate: u32) -> Result<Audio> {
    let a = read_mono(path)?;
    resample(a, rate, path)
}

/// Write mono samples as 16-bit PCM WAV (used by the synthetic corpus and test fixtures).
pub fn write_wav16(path: &Path, samples: &[f32], rate: u32) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let io = |e: hound::Error| match e {
        hound::Error::IoError(e) => Error::io(path, e),
        other => bad(path, other.to_string()),
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(io)?;
    for s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .map_err(io)?;
    }
    w.finalize().map_err(io)
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn unusable_files_name_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let msg = |p: &Path| read_mono(p).unwrap_err().to_string();
        let missing = dir.path().join("missing.wav");
        assert!(msg(&missing).contains("missing.wav"));
        let empty = dir.path().join("empty.wav");
        std::fs::write(&empty, b"").unwrap();
        assert!(msg(&empty).contains("empty file"));
        let text = dir.path().join("text.wav");
        std::fs::write(&text, b"this is not audio at all, just text").unwrap();
        assert!(msg(&text).contains("not a readable WAV"));
        let silent = dir.path().join("silent.wav");
        write_wav16(&silent, &[0.0; 100], 16000).unwrap();
        assert!(msg(&silent).contains("silent"));
        let good = dir.path().join("good.wav");
        write_wav16(&good, &sine(16000, 0.5, 200.0), 16000).unwrap();
        let bytes = std::fs::read(&good).unwrap();
        let cut = dir.path().join("cut.wav");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        assert!(msg(&cut).contains("truncated"), "{}", msg(&cut));
        assert!(msg(dir.path()).contains("folder"));
    }
}
