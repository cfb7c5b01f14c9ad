//! The dashboard's live state against the real runner: every event of a quickstart run
//! folded by the dashboard's reducer gives the confusion matrices and fold scores that
//! `results.json` holds, and so does the same run read back from its folder; a run stopped
//! before its first fold still leaves a complete run folder marked `stopped` (what the
//! dashboard's stop key relies on); a skipped fold is named as the screens number it and
//! recorded in `results.json`; and the real binary in a pseudo-terminal (tmux) whose
//! terminal is killed stops its run, exits, and leaves a folder that resumes.

use serlab::dashboard::live::{LiveRun, Phase};
use serlab_engine::config::Experiment;
use serlab_engine::events::VecSink;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::{EventSink, RunEvent, StopHandle};
use serlab_tests::{bundled_plugins, experiment};
use std::time::Duration;

fn quickstart(out: &std::path::Path) -> Experiment {
    let mut exp = Experiment::from_file(&experiment("quickstart.toml")).unwrap();
    exp.meta.output = out.to_path_buf();
    exp
}

#[test]
fn the_live_state_of_a_real_run_agrees_with_its_results_file() {
    let dir = tempfile::tempdir().unwrap();
    let exp = quickstart(dir.path());
    let mut sink = VecSink::default();
    let s = runner::run(
        &exp,
        &bundled_plugins(),
        &RunOptions {
            output: Some(dir.path().join("run")),
            ..Default::default()
        },
        &mut sink,
        &StopHandle::new(),
    )
    .unwrap();
    let mut live = LiveRun::new("quickstart", Duration::ZERO);
    for (i, e) in sink.0.iter().enumerate() {
        live.apply(e, Duration::from_millis(i as u64));
    }
    assert_eq!(live.phase, Phase::Finished { stopped: false });
    let r = &s.results;
    assert_eq!(live.systems, r.systems);
    assert_eq!(live.classes, r.classes);
    assert!(live.fold_info.iter().all(|f| f.finished && !f.skipped));
    for sys in &r.systems {
        assert_eq!(
            live.confusion(sys, None).as_ref(),
            Some(&r.pooled[sys].confusion),
            "{sys}"
        );
        for f in &r.folds {
            let e = &live.evals[sys][&f.index];
            assert_eq!(e.confusion, f.systems[sys].confusion);
            assert!((e.ua - f.systems[sys].ua).abs() < 1e-12);
        }
    }
    // Forests report trees as steps: every fit reached its planned total.
    assert_eq!(live.fits.len(), 2 * 6);
    assert!(live.fits.iter().all(|f| f.fraction() == Some(1.0)));

    // The same run opened from its folder (`v` on a past run) shows the same matrices,
    // fold by fold and pooled, and the models' resolved parameters.
    let past = serlab::dashboard::folders::load_past(&s.dir).unwrap();
    assert!(past.past);
    assert_eq!(past.phase, Phase::Finished { stopped: false });
    assert_eq!(past.systems, r.systems);
    assert_eq!(past.models, ["forest-func", "forest-mfcc"]);
    assert_eq!(past.fusions(), ["fusion"]);
    assert_eq!(past.folds, 6);
    assert!(past.fold_info.iter().all(|f| f.finished && !f.skipped));
    for sys in &r.systems {
        assert_eq!(
            past.confusion(sys, None),
            live.confusion(sys, None),
            "{sys}"
        );
        assert_eq!(past.evals[sys], live.evals[sys], "{sys}");
    }
    let n_trees = past.params["forest-mfcc"]
        .iter()
        .find(|(k, _)| k == "n_trees")
        .map(|(_, v)| v.as_str());
    assert_eq!(n_trees, Some("100"));
    assert_eq!(past.seed, Some(42));
}

#[test]
fn a_run_stopped_during_feature_extraction_is_marked_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let exp = quickstart(dir.path());
    let stop = StopHandle::new();
    /// Stops at the first feature progress event; a skip before any fold is ignored.
    struct StopAtFeatures(StopHandle, Vec<RunEvent>);
    impl EventSink for StopAtFeatures {
        fn emit(&mut self, e: RunEvent) {
            if matches!(e, RunEvent::Progress { done: 0, .. }) {
                self.0.skip_fold();
            }
            if matches!(e, RunEvent::Progress { done, .. } if done > 0) {
                self.0.stop();
            }
            self.1.push(e);
        }
    }
    let mut sink = StopAtFeatures(stop.clone(), Vec::new());
    let out = dir.path().join("r");
    let s = runner::run(
        &exp,
        &bundled_plugins(),
        &RunOptions {
            output: Some(out.clone()),
            ..Default::default()
        },
        &mut sink,
        &stop,
    )
    .unwrap();
    assert_eq!(s.results.status, "stopped");
    assert!(s.results.folds.is_empty());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["status"], "stopped");
    assert_eq!(json["systems"][2], "fusion");
    assert!(out.join("config.toml").is_file() && out.join("predictions.csv").is_file());
    // The skip requested before any fold did not abort the run; the stop ended it.
    let progress = sink
        .1
        .iter()
        .filter(|e| matches!(e, RunEvent::Progress { .. }))
        .count();
    assert_eq!(
        progress, 2,
        "stopped after the first chunk of 64 utterances"
    );
    assert!(matches!(
        sink.1.last(),
        Some(RunEvent::RunFinished { stopped: true, .. })
    ));
}

#[test]
fn skipping_a_fold_from_the_live_view_drops_just_that_fold() {
    let dir = tempfile::tempdir().unwrap();
    let exp = quickstart(dir.path());
    let stop = StopHandle::new();
    /// Asks for a skip while the second model of fold 2 fits, as the `n` key does.
    struct SkipFold2(StopHandle, Vec<RunEvent>);
    impl EventSink for SkipFold2 {
        fn emit(&mut self, e: RunEvent) {
            if matches!(&e, RunEvent::ModelStarted { fold: 1, model } if model == "forest-mfcc") {
                self.0.skip_fold();
            }
            self.1.push(e);
        }
    }
    let mut sink = SkipFold2(stop.clone(), Vec::new());
    let s = runner::run(
        &exp,
        &bundled_plugins(),
        &RunOptions {
            output: Some(dir.path().join("r")),
            ..Default::default()
        },
        &mut sink,
        &stop,
    )
    .unwrap();
    assert_eq!(s.results.status, "finished");
    let folds: Vec<usize> = s.results.folds.iter().map(|f| f.index).collect();
    assert_eq!(folds, [0, 2, 3, 4, 5]);
    let mut live = LiveRun::new("quickstart", Duration::ZERO);
    for e in &sink.1 {
        live.apply(e, Duration::ZERO);
    }
    assert!(live.fold_info[1].skipped && !live.fold_info[1].finished);
    assert!(live.fold_info[2].finished && !live.fold_info[2].skipped);
    assert!(live
        .log
        .iter()
        .any(|l| l.warning && l.text.contains("fold 2 skipped by the user")));
    // results.json records the skip (folds counted from 0 there, as everywhere in it).
    assert_eq!(s.results.skipped_folds, [1]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/results.json")).unwrap()).unwrap();
    assert_eq!(json["skipped_folds"], serde_json::json!([1]));
    // The live pooled matrix covers the same folds as results.json.
    assert_eq!(
        live.confusion("fusion", None).as_ref(),
        Some(&s.results.pooled["fusion"].confusion)
    );
}

/// Every file under `dir`, relative, sorted.
fn file_list(dir: &std::path::Path) -> Vec<String> {
    fn walk(root: &std::path::Path, d: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// One pipeline: a run started from the dashboard and one started by `serlab run` write the
/// same run folder (the engine owns it: epoch log and plots included), and the same
/// predictions byte for byte.
#[test]
fn a_dashboard_run_and_a_cli_run_write_the_same_folder() {
    use serlab::dashboard::app::RunMsg;
    use serlab::dashboard::trainer::Trainer;
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(experiment("quickstart.toml")).unwrap();
    let out = tmp.path().join("out");
    let toml_path = |s: &std::path::Path| s.display().to_string().replace('\\', "/");
    let file = tmp.path().join("quickstart.toml");
    std::fs::write(
        &file,
        text.replace(
            "output = \"runs\"",
            &format!("output = \"{}\"", toml_path(&out)),
        ),
    )
    .unwrap();
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains(&toml_path(&out)));

    // The dashboard's training thread, as the `r` key starts it.
    let (tx, rx) = std::sync::mpsc::channel();
    let trainer = Trainer::start(file.clone(), tx).unwrap();
    let dash_dir = loop {
        match rx.recv_timeout(Duration::from_secs(600)).unwrap() {
            RunMsg::Ended(r) => break r.unwrap(),
            RunMsg::Event(_) => {}
        }
    };
    trainer.join();

    // `serlab run FILE --output DIR`, as the command line runs it.
    let cli_dir = tmp.path().join("cli-run");
    serlab::run::execute(serlab::run::RunArgs {
        experiment: Some(file),
        output: Some(cli_dir.clone()),
        id: None,
        fold: None,
        resume: None,
        quiet: true,
        no_cache: false,
    })
    .unwrap();

    let files = file_list(&cli_dir);
    for expected in [
        "results.json",
        "predictions.csv",
        "config.toml",
        "speakers.png",
        "confusion-forest-func.png",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} in {files:?}"
        );
    }
    assert_eq!(file_list(&dash_dir), files);
    assert_eq!(
        std::fs::read(dash_dir.join("predictions.csv")).unwrap(),
        std::fs::read(cli_dir.join("predictions.csv")).unwrap()
    );
}

/// The `serlab` binary the pseudo-terminal test drives: `target/debug/serlab`, built by
/// `cargo build -p serlab` (a dependency's binary is not built for this crate's tests).
fn serlab_binary(test: &str) -> Option<std::path::PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| serlab_tests::repo().join("target"));
    let bin = target.join("debug").join("serlab");
    if !bin.is_file() {
        eprintln!("SKIPPED {test}: build the binary first (cargo build -p serlab)");
        return None;
    }
    if std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED {test}: tmux is not installed (apt-get install tmux)");
        return None;
    }
    Some(bin)
}

/// `tmux` on a server of our own (own socket, no user configuration).
fn tmux(socket: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("tmux")
        .args(["-L", socket, "-f", "/dev/null"])
        .args(args)
        .output()
        .expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether process `pid` has ended (gone, or a zombie no one has reaped yet).
fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
    }
}

/// A dashboard in tmux (own server `socket`) training the quickstart (300 trees, so folds
/// are still training when the test acts, whatever the machine), after its first fold is
/// scored. `shell`: run it under a shell that prints `EXIT=<status>` afterwards (the pane
/// then survives it); else the pane's process is the dashboard itself.
struct Training {
    tmp: tempfile::TempDir,
    socket: String,
    /// The `serlab tui` process.
    pid: u32,
}

impl Training {
    fn start(bin: &std::path::Path, socket: &str, shell: bool) -> Training {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("exps")).unwrap();
        let text = std::fs::read_to_string(experiment("quickstart.toml"))
            .unwrap()
            .replace("n_trees = 100", "n_trees = 300");
        assert!(text.contains("n_trees = 300"));
        std::fs::write(tmp.path().join("exps/quickstart.toml"), text).unwrap();
        let command = if shell {
            format!("{} tui exps; echo EXIT=$?; sleep 60", bin.display())
        } else {
            format!("exec {} tui exps", bin.display())
        };
        let started = std::process::Command::new("tmux")
            .args([
                "-L",
                socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
            ])
            .args(["-x", "120", "-y", "36", "-c"])
            .arg(tmp.path())
            .arg(&command)
            .env("TERM", "xterm-256color")
            .status()
            .unwrap();
        assert!(started.success());
        let pane: u32 = tmux(socket, &["list-panes", "-t", "t", "-F", "#{pane_pid}"])
            .trim()
            .parse()
            .expect("pane pid");
        let mut t = Training {
            tmp,
            socket: socket.to_string(),
            pid: pane,
        };
        t.wait_for("No run folder yet", 30);
        if shell {
            let children = format!("/proc/{pane}/task/{pane}/children");
            t.pid = std::fs::read_to_string(children)
                .unwrap()
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
                .expect("serlab under the shell");
        }
        tmux(socket, &["send-keys", "-t", "t", "r"]);
        // The first fold is scored: training is under way.
        t.wait_for("fold 1 fusion: UA", 120);
        t
    }

    fn wait_for(&self, text: &str, secs: u64) -> String {
        let t0 = std::time::Instant::now();
        loop {
            let s = tmux(&self.socket, &["capture-pane", "-p", "-t", "t"]);
            if s.contains(text) {
                return s;
            }
            if t0.elapsed() > Duration::from_secs(secs) {
                let _ = tmux(&self.socket, &["kill-server"]);
                panic!("waited {secs} s for `{text}`:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Wait until the dashboard has exited; how long it took from `since`.
    fn exited(&self, since: std::time::Instant, limit: Duration) -> Duration {
        while !ended(self.pid) {
            assert!(
                since.elapsed() < limit,
                "serlab tui still running {:?} later",
                since.elapsed()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        since.elapsed()
    }

    /// The one run folder and its `results.json`.
    fn run(&self) -> (std::path::PathBuf, serde_json::Value) {
        let root = self.tmp.path().join("runs/quickstart");
        let runs: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().collect();
        assert_eq!(runs.len(), 1);
        let dir = runs[0].path();
        let json = serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap());
        (dir, json.unwrap())
    }
}

impl Drop for Training {
    fn drop(&mut self) {
        let _ = tmux(&self.socket, &["kill-server"]);
    }
}

/// Issue 20: the terminal of a dashboard that is training goes away (its tmux session is
/// killed, as a dropped SSH connection or a closed terminal window would). The dashboard
/// used to spin at 40-70 % CPU forever, ignoring SIGTERM; it must stop the run, leave the
/// folder `stopped` (with its log), exit within seconds, and the folder must resume.
#[test]
fn a_dashboard_whose_terminal_is_killed_stops_its_run_and_exits() {
    let test = "a_dashboard_whose_terminal_is_killed_stops_its_run_and_exits";
    let Some(bin) = serlab_binary(test) else {
        return;
    };
    let socket = format!("serlab-hup-{}", std::process::id());
    let t = Training::start(&bin, &socket, false);
    let killed = std::time::Instant::now();
    tmux(&socket, &["kill-server"]);
    let exit = t.exited(killed, Duration::from_secs(8));
    eprintln!("exited {exit:?} after the terminal was killed");
    let (dir, json) = t.run();
    assert_eq!(json["status"], "stopped", "the run was stopped, not killed");
    let kept = json["folds"].as_array().unwrap().len();
    assert!((1..6).contains(&kept), "{kept} folds kept");
    let log = std::fs::read_to_string(dir.join("dashboard.log")).expect("dashboard.log");
    assert!(log.contains("stopping the run"), "{log}");
    assert!(log.contains("run stopped"), "{log}");

    // The folder resumes (`serlab run --resume`, from the folder the dashboard ran in, whose
    // relative `runs/` holds the corpus and feature caches): finished folds kept, the rest run.
    let out = std::process::Command::new(&bin)
        .args(["run", "--quiet", "--resume"])
        .arg(&dir)
        .current_dir(t.tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["status"], "finished");
    assert_eq!(json["folds"].as_array().unwrap().len(), 6);
    assert_eq!(json["resumed"][0]["after"], "stopped");
    assert_eq!(
        json["resumed"][0]["folds_kept"].as_array().unwrap().len(),
        kept
    );
}

/// SIGTERM to a dashboard that is training, its terminal still there: the run is stopped
/// (folder `stopped`, log saved), the terminal restored and the exit status 0, at once. It
/// used to ignore SIGTERM.
#[test]
fn sigterm_stops_the_run_and_gives_the_terminal_back() {
    let test = "sigterm_stops_the_run_and_gives_the_terminal_back";
    let Some(bin) = serlab_binary(test) else {
        return;
    };
    let socket = format!("serlab-term-{}", std::process::id());
    let t = Training::start(&bin, &socket, true);
    let sent = std::time::Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &t.pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let exit = t.exited(sent, Duration::from_secs(8));
    eprintln!("exited {exit:?} after SIGTERM");
    // The shell prints the status on the normal screen: the alternate screen was left.
    let s = t.wait_for("EXIT=0", 10);
    assert!(!s.contains("1 Experiments"), "{s}");
    let (dir, json) = t.run();
    assert_eq!(json["status"], "stopped");
    let log = std::fs::read_to_string(dir.join("dashboard.log")).expect("dashboard.log");
    assert!(log.contains("SIGTERM/SIGINT: stopping the run"), "{log}");
}
