//! Issue 21: hostile inputs and signals never bring serlab down. Each test is one numbered
//! case of the issue, run through the real `serlab` binary (exit codes, stderr without a
//! terminal, signals) on a tiny synthetic corpus, so each takes a second or two.

use serlab_tests::{built_library, serlab_bin as serlab, serlab_in as run_in, tiny_experiment};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A tiny experiment: 3 speakers x 2 emotions x 2 utterances of 0.3 s, a 3-tree forest.
fn tiny(corpus_extra: &str, model_extra: &str) -> String {
    tiny_experiment("[\"angry\", \"sad\"]", corpus_extra, model_extra)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn results(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap()
}

/// Case 2: sizes from the experiment file are bounded before anything is allocated; each
/// refusal names the file and key, exits 2 (bad input), and never panics.
#[test]
fn case2_absurd_sizes_are_refused_with_the_key_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("seconds = inf", "", "corpus.seconds"),
        ("seconds = nan", "", "corpus.seconds"),
        ("seconds = 1e8", "", "corpus.seconds"),
        ("sample_rate = 1", "", "corpus.sample_rate"),
        ("", "n_trees = 9223372036854775807", "n_trees"),
        ("", "n_trees = 1000000000000", "n_trees"),
    ];
    for (corpus, model, key) in cases {
        // `seconds` is already set once: replace it rather than add a duplicate key.
        let text = tiny("", model).replace(
            "seconds = 0.3",
            if corpus.is_empty() {
                "seconds = 0.3"
            } else {
                corpus
            },
        );
        std::fs::write(dir.path().join("bad.toml"), text).unwrap();
        let o = run_in(dir.path(), &["run", "bad.toml", "--output", "out"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{corpus}{model}: {e}");
        assert!(
            e.contains("bad.toml") && e.contains(key),
            "{corpus}{model}: {e}"
        );
        assert!(!e.contains("panicked"), "{e}");
        assert!(
            !dir.path().join("out").exists(),
            "a refused run left its folder"
        );
    }
}

/// Case 1 through the command line: `serlab predict` on a file claiming 4294967295 Hz used
/// 23 GB; now it is refused from the header, exit 2.
#[test]
fn case1_predict_on_a_wav_claiming_4294967295_hz_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.toml"), tiny("", "")).unwrap();
    let o = run_in(dir.path(), &["run", "t.toml", "--output", "run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let wav = dir.path().join("srmax.wav");
    let tone: Vec<f32> = (0..16000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
    serlab_engine::audio::write_wav16(&wav, &tone, 16000).unwrap();
    let mut b = std::fs::read(&wav).unwrap();
    b[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&wav, &b).unwrap();
    let o = run_in(dir.path(), &["predict", "run", "srmax.wav"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("srmax.wav") && e.contains("4294967295 Hz"),
        "{e}"
    );
}

/// Cases 3 and 5: warnings reach stderr without a terminal and are recorded in
/// results.json; a run where every system failed on every fold says `failed` and exits 3.
#[test]
fn case3_case5_warnings_without_a_terminal_and_all_systems_failing() {
    let dir = tempfile::tempdir().unwrap();
    // speaker overlap warns once per run.
    let text = tiny("", "").replace(
        "kind = \"leave-one-speaker-out\"",
        "kind = \"leave-one-speaker-out\"\nallow_speaker_overlap = true",
    );
    std::fs::write(dir.path().join("w.toml"), text).unwrap();
    let o = run_in(dir.path(), &["run", "w.toml", "--output", "w"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("warning: protocol.allow_speaker_overlap"), "{e}");
    let r = results(&dir.path().join("w"));
    assert_eq!(r["status"], "finished");
    let w = r["warnings"].as_array().expect("warnings recorded");
    assert!(
        w.iter()
            .any(|m| m.as_str().unwrap().contains("allow_speaker_overlap")),
        "{w:?}"
    );

    // Only a model that panics in fit: every system fails on every fold.
    let fixtures = built_library("fixture_panics");
    let text = tiny("", "")
        .replace(
            "model = \"random-forest\"",
            "model = \"panic-model\"\npanic_in = \"fit\"",
        )
        .replace("n_trees = 3\n", "")
        .replace(
            "output = \"runs\"",
            &format!(
                "output = \"runs\"\nplugin_paths = [{:?}]",
                fixtures.parent().unwrap()
            ),
        );
    std::fs::write(dir.path().join("f.toml"), text).unwrap();
    let o = run_in(dir.path(), &["run", "f.toml", "--output", "f"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("3 of 3 system evaluations"), "{e}");
    let r = results(&dir.path().join("f"));
    assert_eq!(r["status"], "failed", "{r}");
    assert!(r["error"].as_str().unwrap().contains("every system failed"));
}

/// Case 6: SIGTERM during `serlab run` stops it through its stop handle, records
/// `interrupted`, exits 143, and `--resume` finishes the run.
#[cfg(unix)]
#[test]
fn case6_sigterm_records_interrupted_and_the_folder_resumes() {
    let dir = tempfile::tempdir().unwrap();
    // Enough folds and trees to be caught mid-run: 8 speakers, 300 trees.
    let text = tiny("", "")
        .replace("speakers = 3", "speakers = 8")
        .replace("n_trees = 3", "n_trees = 3000");
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let out = dir.path().join("s");
    let child = Command::new(serlab())
        .args(["run", "s.toml", "--output", "s"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run has written its first results (status running).
    let t0 = std::time::Instant::now();
    while !out.join("results.json").is_file() {
        assert!(t0.elapsed().as_secs() < 60, "the run never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(143), "{e}");
    assert!(
        e.contains("interrupted by SIGTERM") && e.contains("--resume"),
        "{e}"
    );
    let r = results(&out);
    assert_eq!(r["status"], "interrupted", "{r}");
    let done = r["folds"].as_array().unwrap().len();
    assert!(done < 8, "the run was not stopped ({done} folds)");

    let o = run_in(dir.path(), &["run", "--resume", "s"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = results(&out);
    assert_eq!(r["status"], "finished");
    assert_eq!(r["folds"].as_array().unwrap().len(), 8);
    assert_eq!(r["resumed"][0]["after"], "interrupted");
}
