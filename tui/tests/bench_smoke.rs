//! Keeps `bench/run.py` (the side-by-side benchmark, BENCHMARKS.md) working: runs its serlab
//! side in `--tiny` mode with this build's `serlab` and no Python peers, and checks the JSON
//! it writes. Not a timed test: speeds are only checked to be measured (finite, positive).
//!
//! Needs `python3` (standard library only) and EmoDB (`SERLAB_EMODB`); skips, saying why,
//! without either.

use std::path::{Path, PathBuf};
use std::process::Command;

const SERLAB: &str = env!("CARGO_BIN_EXE_serlab");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tui/ has a parent")
        .to_path_buf()
}

fn read_json(p: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn bench_run_tiny_serlab_side() {
    let Some(emodb) = std::env::var_os("SERLAB_EMODB").filter(|p| Path::new(p).is_dir()) else {
        eprintln!("SKIPPED bench_run_tiny_serlab_side: set SERLAB_EMODB to the EmoDB folder");
        return;
    };
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("SKIPPED bench_run_tiny_serlab_side: no python3 on PATH");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let run = Command::new("python3")
        .arg(repo().join("bench/run.py"))
        .args([
            "--tiny",
            "--serlab-only",
            "--corpus",
            "emodb",
            "--serlab",
            SERLAB,
        ])
        .arg("--out")
        .arg(out.path())
        .env("SERLAB_EMODB", &emodb)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "bench/run.py failed\n{stdout}\n{stderr}"
    );

    // Features: one serlab row per set, each with a measured time, rate and memory.
    let f = read_json(&out.path().join("features.json"));
    let rows = f["results"].as_array().expect("results list");
    let sets: Vec<&str> = rows.iter().map(|r| r["set"].as_str().unwrap()).collect();
    assert_eq!(sets, ["log-mel", "mfcc", "egemaps", "compare"], "{f}");
    for r in rows {
        let s = &r["serlab"];
        assert_eq!(s["files"], 6, "{r}");
        for key in ["wall_s", "rtf", "peak_rss_mib"] {
            let v = s[key].as_f64().unwrap_or(f64::NAN);
            assert!(v.is_finite() && v > 0.0, "{key} of {r}");
        }
        assert!(
            r.get("peer_result").is_none(),
            "no peers were asked for: {r}"
        );
    }
    assert!(f["agreement"].is_null(), "agreement needs the peers");

    // Accuracy: the tiny EmoDB forest run, scored from its predictions.
    let a = read_json(&out.path().join("accuracy.json"));
    let sys = &a["experiments"]["emodb-forest"]["systems"]["forest"];
    let ua = sys["ua"].as_f64().expect("UA");
    let ci = sys["ua_ci95_speaker"].as_array().expect("interval");
    assert!((0.0..=1.0).contains(&ua), "{sys}");
    assert!(ci[0].as_f64().unwrap() <= ci[1].as_f64().unwrap(), "{sys}");
    // The first 4 speakers, one file per class each: 4 x 7 less one (speaker 08 of EmoDB
    // recorded no disgust utterance).
    assert_eq!(sys["n"], 27, "{sys}");
    assert!(stdout.contains("features emodb"), "{stdout}");
}
