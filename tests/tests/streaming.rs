//! Streaming prediction: a generated 12-second recording (four emotions, 3 s each, one
//! speaker of the quick run's corpus) predicted as a timeline by `serlab predict --window
//! --hop` (CSV + PNG), and the same samples piped as raw s16le PCM through
//! `serlab live --stdin`, which must give the same windows and the same probabilities.
//!
//! Needs `target/debug/serlab` built (`cargo build -p serlab`).

use crate::serve::{quick_run, serlab_bin, speech};
use std::io::Write;
use std::process::{Command, Stdio};

const EMOTIONS: [&str; 4] = ["neutral", "angry", "sad", "happy"];

/// 3 s of each emotion by training speaker 1, then the 16-bit samples.
fn long_recording() -> Vec<f32> {
    let mut x = Vec::new();
    for (i, e) in EMOTIONS.iter().enumerate() {
        x.extend(speech(e, 1, 3.0, 500 + i as u64));
    }
    // What a 16-bit WAV holds, so the file and the PCM stream carry the same samples.
    x.iter()
        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0).round() / 32768.0)
        .collect()
}

fn pcm(x: &[f32]) -> Vec<u8> {
    x.iter()
        .flat_map(|s| ((s * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes())
        .collect()
}

/// CSV rows as (start, end, system, predicted, probabilities).
fn rows(csv: &str) -> Vec<(f64, f64, String, String, Vec<f64>)> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].to_string(),
                f[3].to_string(),
                f[4..].iter().map(|p| p.parse().unwrap()).collect(),
            )
        })
        .collect()
}

#[test]
fn a_long_recording_gives_a_timeline_and_the_same_one_through_stdin() {
    let run = quick_run();
    let dir = tempfile::tempdir().unwrap();
    let x = long_recording();
    let wav = dir.path().join("long.wav");
    serlab_engine::audio::write_wav16(&wav, &x, 16000).unwrap();

    // The file, as a timeline: 1.5 s windows every 0.75 s over 12 s = 15 windows.
    let csv = dir.path().join("t.csv");
    let out = Command::new(serlab_bin())
        .arg("predict")
        .arg(run)
        .arg(&wav)
        .args(["--window", "1.5", "--hop", "0.75", "--out"])
        .arg(&csv)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("start_s,end_s,system,predicted,p_neutral,p_happy,p_sad,p_angry\n"),
        "{text}"
    );
    let file_rows = rows(&text);
    let fused: Vec<_> = file_rows.iter().filter(|r| r.2 == "fusion").collect();
    assert_eq!(fused.len(), 15);
    assert_eq!(
        file_rows.len(),
        15 * 4,
        "3 models and the fusion per window"
    );
    assert_eq!((fused[0].0, fused[14].1), (0.0, 12.0));
    for r in &file_rows {
        assert!((r.4.iter().sum::<f64>() - 1.0).abs() < 1e-3, "{r:?}");
    }
    // Windows inside one emotion's 3 s mostly find it (the run scores ~90% UA on these
    // speakers; a window is half an utterance's length, so allow one miss in four).
    let inside: Vec<_> = fused
        .iter()
        .filter(|r| (r.0 / 3.0).floor() == ((r.1 - 1e-9) / 3.0).floor())
        .collect();
    let right = inside
        .iter()
        .filter(|r| r.3 == EMOTIONS[(r.0 / 3.0) as usize])
        .count();
    assert!(
        right * 4 >= inside.len() * 3,
        "{right} of {} windows inside a segment right: {fused:?}",
        inside.len()
    );
    let png = std::fs::read(csv.with_extension("png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(stdout.contains("wrote"), "{stdout}");

    // The same samples as s16le on stdin, with a second of silence appended: the same 15
    // windows with the same probabilities, then the silent tail is reported, not fatal.
    let mut stream = pcm(&x);
    stream.extend(vec![0u8; 2 * 16000]);
    let live_csv = dir.path().join("live.csv");
    let mut child = Command::new(serlab_bin())
        .arg("live")
        .arg(run)
        .args([
            "--stdin", "--rate", "16000", "--window", "1.5", "--hop", "0.75", "--csv",
        ])
        .arg(&live_csv)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        // Odd-sized writes: samples split across reads must be put back together.
        for chunk in stream.chunks(4097) {
            stdin.write_all(chunk).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    // 13 s: windows start every 0.75 s up to 11.25 s (16), plus 11.5-13.0 reaching the
    // end (17); the first 15 are the file's. None is all zeros (each holds speech).
    let live_rows = rows(&std::fs::read_to_string(&live_csv).unwrap());
    let live_fused: Vec<_> = live_rows.iter().filter(|r| r.2 == "fusion").collect();
    assert_eq!(lines.len(), live_fused.len(), "{stdout}");
    for (f, l) in fused.iter().zip(&live_fused) {
        assert_eq!((f.0, f.1, &f.3), (l.0, l.1, &l.3));
        for (a, b) in f.4.iter().zip(&l.4) {
            assert!((a - b).abs() < 1e-4, "{f:?} vs {l:?}");
        }
    }
    assert!(
        lines[1].contains(&format!("{:<10}", fused[1].3)),
        "{}",
        lines[1]
    );

    // A stream of silence: every window is reported silent, and the run still succeeds.
    let mut child = Command::new(serlab_bin())
        .arg("live")
        .arg(run)
        .args(["--stdin", "--window", "1", "--hop", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&vec![0u8; 2 * 32000])
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert_eq!(stdout.matches("(silent)").count(), 2, "{stdout}");

    // No source named: an error saying which to give.
    let out = Command::new(serlab_bin())
        .arg("live")
        .arg(run)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--stdin"));
}
