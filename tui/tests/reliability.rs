//! Reliability of the real `serlab` binary: a run killed with SIGKILL resumes to exactly
//! the results of an uninterrupted run; predictions do not depend on the thread count; the
//! folds run as separate processes (`--fold K`) merge into exactly a full run's files.
//!
//! The experiment is the quickstart (generated corpus, two random forests, their average)
//! with 200 trees per forest, so a fold takes long enough to kill the run between folds.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SERLAB: &str = env!("CARGO_BIN_EXE_serlab");
const FOLDS: usize = 6;

/// The test experiment, writing (and generating its corpus) under `dir`.
fn experiment(dir: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let text = std::fs::read_to_string(repo.join("experiments/quickstart.toml")).unwrap();
    let out = dir.join("runs");
    let edited = text.replace("n_trees = 100", "n_trees = 200").replace(
        "output = \"runs\"",
        &format!("output = '{}'", out.display()),
    );
    assert!(
        edited.matches("n_trees = 200").count() == 2 && edited.contains(&*out.to_string_lossy()),
        "quickstart.toml changed shape; update this test"
    );
    let file = dir.join("exp.toml");
    std::fs::write(&file, edited).unwrap();
    file
}

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(SERLAB);
    c.args(args).env_remove("RAYON_NUM_THREADS");
    if args[0] == "run" {
        c.arg("--quiet");
    }
    c
}

fn ok(mut c: Command) -> Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A refusal of the run folder or the arguments: exit code 2 (README, "What serlab
/// guarantees").
fn fails(mut c: Command) -> String {
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{c:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An uninterrupted run of `exp` into `dir`.
fn full_run(exp: &Path, dir: &Path) {
    ok(command(&["run", path(exp), "--output", path(dir)]));
}

fn results(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap()
}

fn predictions(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("predictions.csv")).unwrap()
}

/// Wait until `file` exists; false if the run ended first.
fn wait_for(child: &mut Child, file: &Path) -> bool {
    let start = Instant::now();
    while !file.exists() {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "{} never appeared",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    true
}

/// Wait until `file` exists, then SIGKILL `child`; returns false if the run ended first.
fn kill_when(child: &mut Child, file: &Path) -> bool {
    if !wait_for(child, file) {
        return false;
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no final write
    child.wait().unwrap();
    true
}

#[test]
fn a_run_killed_twice_resumes_to_the_results_of_an_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path());
    let reference = tmp.path().join("reference");
    full_run(&exp, &reference);

    let run = tmp.path().join("killed");
    let spawn = |args: &[&str]| {
        command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Killed while fitting fold 2 (its first model is saved, the fold is not finished) ...
    let mut child = spawn(&["run", path(&exp), "--output", path(&run)]);
    // While it runs, the folder is locked: resuming it now is refused.
    assert!(wait_for(&mut child, &run.join("folds/fold-1.json")));
    let e = fails(command(&["run", "--resume", path(&run)]));
    assert!(e.contains("still running in this folder"), "{e}");
    let first_kill = kill_when(
        &mut child,
        &run.join("checkpoints/fold-2/forest-func.model"),
    );
    assert!(first_kill, "the run finished before it could be killed");
    let r = results(&run);
    assert_eq!(
        r["status"], "running",
        "a killed run cannot say anything else"
    );
    assert!(
        (2..FOLDS).contains(&r["folds"].as_array().unwrap().len()),
        "{r}"
    );
    // What a resume keeps: the sealed fold parts (a part and its checksum are written just
    // before results.json is updated, so a kill in between leaves one more part than
    // results.json lists).
    let kept_first = (0..FOLDS)
        .filter(|k| run.join(format!("folds/fold-{k}.json.blake3")).is_file())
        .count();
    assert!(
        (2..FOLDS).contains(&kept_first),
        "{kept_first} folds on disk"
    );
    // ... resumed and killed again once fold 4 is on disk ...
    let mut child = spawn(&["run", "--resume", path(&run)]);
    assert!(
        // The part's checksum is written just after it: only then will a resume keep it.
        kill_when(&mut child, &run.join("folds/fold-4.json.blake3")),
        "the resumed run finished before it could be killed"
    );
    // ... and resumed to the end.
    let out = ok(command(&["run", "--resume", path(&run)]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("status finished"));

    assert_eq!(
        predictions(&run),
        predictions(&reference),
        "predictions.csv differs from the uninterrupted run's"
    );
    let mut resumed = results(&run);
    let history = resumed
        .as_object_mut()
        .unwrap()
        .remove("resumed")
        .expect("results.json records the resumptions");
    // Warnings are about the attempts (a checkpoint killed before its checksum was written
    // is refitted, with a warning), not results: compare everything else.
    let warnings = resumed.as_object_mut().unwrap().remove("warnings");
    let mut reference_results = results(&reference);
    reference_results
        .as_object_mut()
        .unwrap()
        .remove("warnings");
    assert_eq!(
        resumed, reference_results,
        "results.json differs ({warnings:?})"
    );
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(
        history.iter().all(|h| h["after"] == "killed"),
        "{history:?}"
    );
    let kept: Vec<usize> = history
        .iter()
        .map(|h| h["folds_kept"].as_array().unwrap().len())
        .collect();
    assert_eq!(kept[0], kept_first, "{history:?}");
    assert!(
        kept[1] >= 5,
        "fold 4 was on disk at the second kill: {history:?}"
    );
    assert_eq!(resumed["status"], "finished");
}

#[test]
fn predictions_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path());
    let mut runs = Vec::new();
    for threads in ["1", "2", "4"] {
        let dir = tmp.path().join(format!("threads-{threads}"));
        let mut c = command(&["run", path(&exp), "--output", path(&dir)]);
        c.env("RAYON_NUM_THREADS", threads);
        ok(c);
        runs.push((threads, predictions(&dir), results(&dir)));
    }
    for (threads, p, r) in &runs[1..] {
        assert!(
            *p == runs[0].1,
            "predictions.csv with {threads} threads differs from 1 thread"
        );
        assert_eq!(*r, runs[0].2, "results.json with {threads} threads differs");
    }
}

#[test]
fn folds_run_as_separate_processes_merge_into_a_full_run() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path());
    let reference = tmp.path().join("reference");
    full_run(&exp, &reference);

    // As many tasks as `serlab folds --count` says, all at once (as a job array would run
    // them), into one folder named by an id.
    let out = ok(command(&["folds", "--count", path(&exp)]));
    let n: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert_eq!(n, FOLDS, "leave-one-speaker-out over 6 speakers");
    let run = tmp.path().join("runs/quickstart/array-7");
    let tasks: Vec<Child> = (0..n)
        .map(|k| {
            command(&[
                "run",
                path(&exp),
                "--id",
                "array-7",
                "--fold",
                &k.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for t in tasks {
        let out = t.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        !run.join("results.json").exists(),
        "fold tasks leave results.json to the merge"
    );
    let out = ok(command(&["merge", path(&run)]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("6 folds, status finished"));
    assert_eq!(std::fs::read(run.join("results.json")).unwrap(), {
        std::fs::read(reference.join("results.json")).unwrap()
    });
    assert_eq!(predictions(&run), predictions(&reference));

    // A requeued task finds its fold finished and changes nothing.
    let part = run.join("folds/fold-3.json");
    let before = std::fs::read(&part).unwrap();
    let out = ok(command(&[
        "run",
        path(&exp),
        "--id",
        "array-7",
        "--fold",
        "3",
    ]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("fold 3 written to"));
    assert_eq!(std::fs::read(&part).unwrap(), before);
}

#[test]
fn checkpoints_are_restored_and_bad_requests_are_refused_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path());
    let run = tmp.path().join("one");
    ok(command(&[
        "run",
        path(&exp),
        "--output",
        path(&run),
        "--fold",
        "1",
    ]));
    let part = run.join("folds/fold-1.json");
    let before = std::fs::read(&part).unwrap();
    std::fs::remove_file(&part).unwrap();
    // The part is gone but both models of the fold were saved: nothing is fitted again.
    let out = ok(command(&[
        "run",
        path(&exp),
        "--output",
        path(&run),
        "--fold",
        "1",
    ]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for model in ["forest-func", "forest-mfcc"] {
        assert!(
            stderr.contains(&format!("model `{model}` restored from")),
            "{stderr}"
        );
    }
    assert_eq!(std::fs::read(&part).unwrap(), before);

    // Refusals name what is wrong and what to do.
    let e = fails(command(&["merge", path(&run)]));
    assert!(e.contains("5 of 6 folds are missing: 0, 2, 3, 4, 5"), "{e}");
    let e = fails(command(&["run", path(&exp), "--output", path(&run)]));
    assert!(
        e.contains("already holds 1 finished fold") && e.contains("--resume"),
        "{e}"
    );
    let e = fails(command(&[
        "run",
        path(&exp),
        "--output",
        path(&run),
        "--fold",
        "6",
    ]));
    assert!(e.contains("has 6 folds, numbered 0 to 5"), "{e}");
    let e = fails(command(&["run", path(&exp), "--fold", "0"]));
    assert!(e.contains("--fold needs a run folder"), "{e}");
    let e = fails(command(&["run", "--resume", path(tmp.path())]));
    assert!(e.contains("nothing to resume"), "{e}");
    let other = tmp.path().join("other.toml");
    std::fs::write(
        &other,
        std::fs::read_to_string(&exp)
            .unwrap()
            .replace("seed = 42", "seed = 43"),
    )
    .unwrap();
    let e = fails(command(&[
        "run",
        path(&other),
        "--output",
        path(&run),
        "--fold",
        "2",
    ]));
    assert!(
        e.contains("another experiment") && e.contains("`experiment.seed`: 42 there, 43 here"),
        "{e}"
    );
}
