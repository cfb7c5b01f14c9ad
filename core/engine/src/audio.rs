//! Reading audio files into mono `f32` at the rate an extractor asks for.
//!
//! Every format is decoded by `symphonia`: WAV (8/16/24/32-bit PCM, 32/64-bit float, A-law,
//! µ-law, IMA and Microsoft ADPCM, plain or `WAVE_FORMAT_EXTENSIBLE`), FLAC, OGG/Vorbis and
//! MP3, at any sample rate and channel count. The format is found from the file's content,
//! not its name, so a text file called `x.wav` is refused as "not a recognised audio file".
//! WAV goes through symphonia too rather than `hound`: one decoding path means one set of
//! error messages and one truncation check, and hound reads neither A-law/µ-law, 64-bit
//! float nor ADPCM. (`hound` stays for [`write_wav16`]; symphonia does not write.)
//!
//! Channels are averaged to mono; rate conversion uses `rubato`'s FFT resampler. Files that
//! cannot be used are rejected with the path and the reason, so the runner can skip and list
//! them: a folder, an empty or missing file, a file that is not audio, an unsupported
//! encoding, data that does not decode, a file shorter than its header says (truncated), no
//! samples, only zeros, NaN or infinite samples. Truncation is judged against the frame count
//! a header promises (WAV `data` chunk, FLAC `STREAMINFO`, MP3 Xing/LAME frame); a stream
//! without one (OGG, MP3 without an info frame, WAV written to a pipe) ends where its data
//! ends, as in every player. FLAC's MD5 of the decoded audio is checked when present.
//!
//! Cached features are keyed by the file's bytes, not the decoded samples: a change here that
//! alters the samples an extractor receives must bump [`crate::cache::DECODE_VERSION`].

use crate::{Audio, Error, Result};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};
use std::path::Path;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as DecodeError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// File extensions of the formats [`read_mono`] decodes, for corpus folder scans.
pub const EXTENSIONS: [&str; 5] = ["wav", "flac", "ogg", "oga", "mp3"];

/// The formats [`read_mono`] decodes, for messages.
const FORMATS: &str = "WAV, FLAC, OGG/Vorbis or MP3";

/// True when `path` has one of the [`EXTENSIONS`] (any case).
pub fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::Audio {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn is_eof(e: &DecodeError) -> bool {
    matches!(e, DecodeError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof)
}

/// Lowest sample rate a file may declare, in Hz. No speech recording is made below 1 kHz; a
/// header claiming less (1 Hz on a 32 KB file) is damage, and would make the resampler build
/// huge tables.
pub const MIN_RATE: u32 = 1_000;
/// Highest sample rate a file may declare, in Hz (the top of studio equipment). A header
/// claiming 4294967295 Hz used to drive the resampler to the OOM killer.
pub const MAX_RATE: u32 = 384_000;
/// Most channels a file may declare (WAV's extensible format names 18 speaker positions; 64
/// leaves room for microphone arrays).
pub const MAX_CHANNELS: usize = 64;
/// Largest sample magnitude read (full scale is 1).
pub const MAX_AMPLITUDE: f32 = 1000.0;
/// Most frames (samples per channel) one file may hold, before or after resampling: 2^27
/// frames are 512 MiB of mono `f32`, 46 minutes at 48 kHz or 2 h 20 min at 16 kHz. Longer
/// files are refused before they are decoded or resampled, so one file can never take more
/// than about 1 GiB (decoded samples plus the resampled copy).
pub const MAX_FRAMES: u64 = 1 << 27;

fn check_rate(path: &Path, rate: u32) -> Result<()> {
    if !(MIN_RATE..=MAX_RATE).contains(&rate) {
        return Err(bad(
            path,
            format!(
                "its header declares a sample rate of {rate} Hz; serlab reads {MIN_RATE} Hz to {MAX_RATE} Hz"
            ),
        ));
    }
    Ok(())
}

fn too_long(path: &Path, frames: u64) -> Error {
    bad(
        path,
        format!(
            "holds {frames} samples per channel, more than the {MAX_FRAMES} serlab reads from one file (cut it into utterances)"
        ),
    )
}

/// Decode a file to mono samples at its own rate.
pub fn read_mono(path: &Path) -> Result<Audio> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => bad(path, "file not found"),
        _ => bad(path, format!("cannot be read: {e}")),
    })?;
    if meta.is_dir() {
        return Err(bad(path, "is a folder, not an audio file"));
    }
    if meta.len() == 0 {
        return Err(bad(path, "empty file (0 bytes)"));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    guarded(path, || decode(path, Box::new(file), meta.len()))
}

/// Run a decoder on untrusted bytes: a panic inside a decoding library (symphonia's WAV
/// reader multiplies header fields unchecked, for one) becomes this file's error, never the
/// end of the run.
fn guarded(path: &Path, f: impl FnOnce() -> Result<Audio>) -> Result<Audio> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(bad(
            path,
            "malformed audio data (the decoder gave up on it)",
        ))
    })
}

/// Decode in-memory bytes as if read from `name` (its extension is a hint only). The same
/// path as [`read_mono`], for the fuzz targets and for callers holding a file's bytes.
pub fn decode_bytes(name: &Path, bytes: &[u8]) -> Result<Audio> {
    read_mono_bytes(bytes.to_vec(), name)
}

/// Decode audio held in memory (an upload to `serlab serve`) with the same checks as
/// [`read_mono`]; `name` stands for the bytes in messages (e.g. `request body`).
pub fn read_mono_bytes(bytes: Vec<u8>, name: &Path) -> Result<Audio> {
    if bytes.is_empty() {
        return Err(bad(name, "empty (0 bytes)"));
    }
    let len = bytes.len() as u64;
    guarded(name, || {
        decode(name, Box::new(std::io::Cursor::new(bytes)), len)
    })
}

fn decode(
    path: &Path,
    source: Box<dyn symphonia::core::io::MediaSource>,
    file_len: u64,
) -> Result<Audio> {
    let mss = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| {
            if is_eof(&e) {
                bad(path, "truncated: the file ends inside its header")
            } else if matches!(e, DecodeError::Unsupported(_)) {
                bad(
                    path,
                    format!("not a recognised audio file (no {FORMATS} header found)"),
                )
            } else {
                bad(path, format!("not a readable audio file: {e}"))
            }
        })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| bad(path, "holds no audio track"))?;
    let track_id = track.id;
    let expected = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| bad(path, "its audio track has no codec parameters"))?;
    let mut rate = params.sample_rate;
    if let Some(r) = rate {
        check_rate(path, r)?;
    }
    if let Some(ch) = params.channels.as_ref().map(|c| c.count()) {
        if ch > MAX_CHANNELS {
            return Err(bad(
                path,
                format!("its header declares {ch} channels; serlab reads at most {MAX_CHANNELS}"),
            ));
        }
    }
    if let Some(n) = expected.filter(|n| *n > MAX_FRAMES) {
        return Err(too_long(path, n));
    }
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default().verify(true))
        .map_err(|e| bad(path, format!("unsupported audio encoding: {e}")))?;

    // A header's frame count is a promise, not a fact: never reserve more than the file's
    // size could hold at one byte per frame (the vector grows past that if it must).
    let reserve = expected.unwrap_or(0).min(file_len).min(MAX_FRAMES);
    let mut samples: Vec<f32> = Vec::with_capacity(reserve as usize);
    let mut frame: Vec<f32> = Vec::new();
    let corrupt =
        |n: usize, e: DecodeError| bad(path, format!("corrupt audio data after {n} samples: {e}"));
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // The data ends: a stream without a promised length is complete, one with a length
            // is checked against it below.
            Err(e) if is_eof(&e) => break,
            Err(DecodeError::ResetRequired) => {
                return Err(bad(
                    path,
                    "holds several chained streams; only single-stream files are read",
                ))
            }
            Err(e) => return Err(corrupt(samples.len(), e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = decoder
            .decode(&packet)
            .map_err(|e| corrupt(samples.len(), e))?;
        if rate != Some(buf.spec().rate()) {
            check_rate(path, buf.spec().rate())?;
            rate = Some(buf.spec().rate());
        }
        let channels = buf.spec().channels().count().max(1);
        if channels > MAX_CHANNELS {
            return Err(bad(
                path,
                format!("its data holds {channels} channels; serlab reads at most {MAX_CHANNELS}"),
            ));
        }
        if (samples.len() + buf.frames()) as u64 > MAX_FRAMES {
            return Err(too_long(path, (samples.len() + buf.frames()) as u64));
        }
        buf.copy_to_vec_interleaved(&mut frame);
        samples.extend(
            frame
                .chunks_exact(channels)
                .map(|f| f.iter().sum::<f32>() / channels as f32),
        );
    }
    if let Some(n) = expected {
        if (samples.len() as u64) < n {
            return Err(bad(
                path,
                format!(
                    "truncated or damaged: its header announces {n} samples per channel, {} could be decoded",
                    samples.len()
                ),
            ));
        }
    }
    if decoder.finalize().verify_ok == Some(false) {
        return Err(bad(
            path,
            "corrupt: the decoded audio does not match the checksum in its header",
        ));
    }
    let sample_rate = rate
        .filter(|r| *r > 0)
        .ok_or_else(|| bad(path, "its header gives no sample rate"))?;
    check(path, &samples)?;
    Ok(Audio {
        samples,
        sample_rate,
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
    // Float formats may exceed ±1 a little; values a thousand times full scale are damage,
    // and sums of them overflow to infinity inside the resampler's FFT.
    if let Some(i) = samples.iter().position(|s| s.abs() > MAX_AMPLITUDE) {
        return Err(bad(
            path,
            format!(
                "sample {i} is {}, far outside the audio range -1..1 (at most ±{MAX_AMPLITUDE} is read)",
                samples[i]
            ),
        ));
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
    // Audio made in memory (synthetic corpus, tests) skips read_mono's checks: repeat them,
    // and bound the output before the resampler allocates it.
    check_rate(path, audio.sample_rate)?;
    check_rate(path, rate)?;
    let n = audio.samples.len();
    let out_frames = n as u64 * rate as u64 / audio.sample_rate as u64;
    if out_frames > MAX_FRAMES {
        return Err(too_long(path, out_frames));
    }
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
    // The resampler asserts on what it considers impossible; no input file may end the run.
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        r.process_all(&input, n, None)
    }))
    .map_err(|_| {
        bad(
            path,
            "resampling failed (the resampler rejected these samples)",
        )
    })?
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
mod tests;
