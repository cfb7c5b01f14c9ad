//! The real `serlab tui` binary in a pseudo-terminal (a detached tmux session): keys go in
//! with `send-keys`, the screen comes back with `capture-pane`. It runs the quickstart
//! experiment end to end, stops a run from the keyboard, quits with Ctrl-C, and checks the
//! terminal is given back each time. Skipped, saying so, when tmux is not installed.
//!
//! This file lives in the `serlab` package (not the workspace `tests/` crate) because only
//! a package's own integration tests get `CARGO_BIN_EXE_serlab`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_serlab");

/// A tmux server of our own (own socket, no user config), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// `None` (after printing why) when tmux is missing.
    fn start(test: &str, dir: &Path, command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("SKIPPED {test}: tmux is not installed (apt-get install tmux)");
            return None;
        }
        let t = Tmux {
            socket: format!("serlab-test-{}-{test}", std::process::id()),
        };
        let status = Command::new("tmux")
            .args(["-L", &t.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", "main", "-x", "100", "-y", "30", "-c"])
            .arg(dir)
            .arg(command)
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Some(t)
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "main"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Wait until the screen contains `text`; panics with the screen after `secs`.
    fn wait_for(&self, text: &str, secs: u64) -> String {
        self.wait_until(&format!("`{text}` to appear"), secs, |s| s.contains(text))
    }

    /// Wait until `ok(screen)`; panics with the screen after `secs`.
    fn wait_until(&self, what: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(secs) {
                panic!("waited {secs} s for {what}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// A folder holding `exps/quickstart.toml` (its runs go to `<folder>/runs`).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("exps")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../experiments/quickstart.toml"),
        dir.path().join("exps/quickstart.toml"),
    )
    .unwrap();
    dir
}

/// The run folders of the quickstart, with their `results.json`.
fn runs(dir: &Path) -> Vec<(PathBuf, serde_json::Value)> {
    let root = dir.join("runs/quickstart");
    let mut v: Vec<_> = std::fs::read_dir(&root)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v.into_iter()
        .map(|p| {
            let json = std::fs::read(p.join("results.json")).expect("results.json");
            (p, serde_json::from_slice(&json).unwrap())
        })
        .collect()
}

fn command() -> String {
    format!("{BIN} tui exps; echo EXIT=$?; sleep 600")
}

#[test]
fn the_dashboard_runs_the_quickstart_and_shows_its_results() {
    let dir = workspace();
    let Some(t) = Tmux::start("quickstart", dir.path(), &command()) else {
        return;
    };
    t.wait_for("Experiments in exps", 30);
    // The runs pane is drawn once the run folders are read: wait for it rather than race it.
    let s = t.wait_for("No run folder yet", 30);
    assert!(s.contains("quickstart") && s.contains("synthetic"), "{s}");
    t.keys(&["r"]);
    let s = t.wait_for("run finished", 300);
    assert!(
        s.contains("quickstart  finished") && s.contains("6/6 folds done"),
        "{s}"
    );
    assert!(
        s.contains("fusion: UA"),
        "the log lists each evaluation:\n{s}"
    );

    // Shrink to 80x24: the dashboard redraws to the new size (tmux alone would only crop,
    // leaving no box corner in column 80).
    t.tmux(&["resize-window", "-t", "main", "-x", "80", "-y", "24"]);
    let s = t.wait_until("an 80-column redraw", 10, |s| {
        s.lines().all(|l| l.chars().count() <= 80)
            && s.lines()
                .any(|l| l.chars().count() == 80 && l.ends_with('┐'))
            && s.contains("6/6 folds done")
    });
    assert!(s.lines().count() <= 24, "{s}");
    t.keys(&["3"]);
    let s = t.wait_for("pooled over 6/6 folds", 10);
    for c in ["neutral", "happy", "sad", "angry", "Recall per class"] {
        assert!(s.contains(c), "{c}:\n{s}");
    }
    t.keys(&["4"]);
    let s = t.wait_for("members and fusion", 10);
    assert!(
        s.contains("forest-func") && s.contains("forest-mfcc"),
        "{s}"
    );

    // The browser lists the new run with the UA that results.json holds.
    t.keys(&["1"]);
    let s = t.wait_for("Runs of quickstart (1)", 10);
    let runs = runs(dir.path());
    assert_eq!(runs.len(), 1);
    let json = &runs[0].1;
    assert_eq!(json["status"], "finished");
    let ua = json["pooled"]["fusion"]["ua"].as_f64().unwrap();
    assert!(
        s.contains(&format!("{ua:.3}")),
        "UA {ua:.3} not on screen:\n{s}"
    );

    // Opening the run shows its resolved configuration.
    t.keys(&["l", "Enter"]);
    let s = t.wait_for("resolved configuration", 10);
    assert!(s.contains("experiment `quickstart`"), "{s}");
    // (Esc and q sent together would read as Alt-q.)
    t.keys(&["Escape"]);
    t.wait_until("the text view to close", 10, |s| {
        !s.contains("resolved configuration")
    });
    t.keys(&["q"]);
    let s = t.wait_for("EXIT=0", 10);
    assert!(
        !s.contains("1 Experiments"),
        "the alternate screen was left:\n{s}"
    );
}

#[test]
fn stop_asks_leaves_a_stopped_run_folder_and_ctrl_c_quits_cleanly() {
    let dir = workspace();
    let Some(t) = Tmux::start("stop", dir.path(), &command()) else {
        return;
    };
    t.wait_for("Experiments in exps", 30);
    // Pause right away: the runner halts at its first check, before any fold finishes.
    t.keys(&["r", "p"]);
    t.wait_for("PAUSED", 30);
    t.keys(&["s"]);
    t.wait_for("Stop the run?", 10);
    t.keys(&["n"]);
    let s = t.wait_until("the question to close", 10, |s| {
        !s.contains("Stop the run?")
    });
    assert!(
        s.contains("PAUSED"),
        "answering no leaves the run as it was:\n{s}"
    );
    t.keys(&["s"]);
    t.wait_for("Stop the run?", 10);
    t.keys(&["y"]);
    let s = t.wait_for("run stopped", 60);
    assert!(s.contains("quickstart stopped"), "{s}");
    let runs = runs(dir.path());
    assert_eq!(runs.len(), 1, "{runs:?}");
    let (run_dir, json) = &runs[0];
    assert_eq!(json["status"], "stopped");
    assert!(json["folds"].as_array().unwrap().len() < 6);
    assert!(run_dir.join("config.toml").is_file() && run_dir.join("predictions.csv").is_file());

    // Ctrl-C during a (paused) run stops it and gives the terminal back.
    std::thread::sleep(Duration::from_millis(1100)); // a new run-folder timestamp
    t.keys(&["1", "r", "p"]);
    t.wait_for("PAUSED", 30);
    t.keys(&["C-c"]);
    let s = t.wait_for("EXIT=0", 60);
    assert!(!s.contains("1 Experiments"), "{s}");
    let runs = self::runs(dir.path());
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(
        runs.iter().all(|(_, j)| j["status"] == "stopped"),
        "{runs:?}"
    );
}

#[test]
fn without_a_terminal_it_says_so_and_suggests_serlab_run() {
    let dir = workspace();
    let out = Command::new(BIN)
        .args(["tui", "exps"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    // 2: a usage error (README, "What serlab guarantees": exit codes).
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a terminal") && err.contains("serlab run"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}
