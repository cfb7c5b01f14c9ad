//! Issue 21, cases 4, 7, 8 and 9: what serlab does with folders it did not write, runs that
//! did not finish, files changed between attempts, and the messages of the issue. Through
//! the real `serlab` binary on a tiny synthetic corpus, a second or two each.

use serlab::compare::{self, Side};
use serlab_tests::{serlab_bin as serlab, serlab_in as run_in, tiny_experiment};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// 3 speakers x 2 emotions x 2 utterances of 0.3 s, a 3-tree forest: 3 folds in a second.
fn tiny(classes: &str) -> String {
    tiny_experiment(classes, "", "")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn finished_run(dir: &Path, name: &str, classes: &str) -> PathBuf {
    std::fs::write(dir.join(format!("{name}.toml")), tiny(classes)).unwrap();
    let o = run_in(dir, &["run", &format!("{name}.toml"), "--output", name]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    dir.join(name)
}

/// Case 4: `--output` into a folder holding the user's files is refused and leaves it as it
/// was; `merge` on a folder that is not a run leaves no `.lock` behind.
#[test]
fn case4_foreign_folders_are_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.toml"), tiny("[\"angry\", \"sad\"]")).unwrap();
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("predictions.csv"), "my own data\n").unwrap();
    let o = run_in(dir.path(), &["run", "t.toml", "--output", "mine"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not a serlab run folder"), "{}", text(&o));
    let left: Vec<_> = std::fs::read_dir(&mine).unwrap().collect();
    assert_eq!(
        left.len(),
        1,
        "the refused run wrote into the user's folder"
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("predictions.csv")).unwrap(),
        "my own data\n"
    );

    let o = run_in(dir.path(), &["merge", "mine"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        !mine.join(".lock").exists(),
        "merge left a .lock in a foreign folder"
    );
    // An empty folder is accepted.
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let o = run_in(dir.path(), &["run", "t.toml", "--output", "empty"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// Case 4, second half: a run refused for lack of space (here: more free space demanded than
/// any disk has, through `SERLAB_MIN_FREE_MIB`) leaves no folder behind, neither the run
/// folder nor the parents it would have created.
#[test]
fn case4_a_run_refused_for_space_leaves_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.toml"), tiny("[\"angry\", \"sad\"]")).unwrap();
    let o = Command::new(serlab())
        .args(["run", "t.toml", "--output", "new/parent/run"])
        .current_dir(dir.path())
        .env("SERLAB_MIN_FREE_MIB", "1000000000000")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let t = text(&o);
    // 1: not the input's fault but the machine's (README, "What serlab guarantees").
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("free on the disk of the run folder"), "{t}");
    assert!(
        !dir.path().join("new").exists(),
        "a refused run left its folders behind"
    );
}

/// Case 7: `predict` on a killed run uses only its finished folds and says so; `compare`
/// refuses runs with different classes and warns about unfinished ones. Case 8: `predict`
/// on a run where every model failed says that, not something about old checkpoints.
#[test]
fn case7_case8_unfinished_runs_are_named_not_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let run = finished_run(dir.path(), "a", "[\"angry\", \"sad\"]");
    // What a run killed during fold 2 leaves: checkpoints of 3 folds, 2 finished folds.
    let mut r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("results.json")).unwrap()).unwrap();
    r["folds"].as_array_mut().unwrap().pop();
    r["status"] = "running".into();
    std::fs::write(run.join("results.json"), serde_json::to_vec(&r).unwrap()).unwrap();
    let wav = dir.path().join("x.wav");
    let tone: Vec<f32> = (0..8000).map(|i| (i as f32 * 0.07).sin() * 0.3).collect();
    serlab_engine::audio::write_wav16(&wav, &tone, 16000).unwrap();
    let o = run_in(dir.path(), &["predict", "a", "x.wav"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("fold(s) 2 did not finish") && t.contains("2 finished fold(s)"),
        "{t}"
    );

    let b = finished_run(dir.path(), "b", "[\"angry\", \"happy\"]");
    let sides = [
        Side::load(&run, None).unwrap(),
        Side::load(&b, None).unwrap(),
    ];
    let e = compare::report(&sides).unwrap_err().to_string();
    assert!(e.contains("different classes"), "{e}");
    let c = finished_run(dir.path(), "c", "[\"angry\", \"sad\"]");
    let sides = [
        Side::load(&c, None).unwrap(),
        Side::load(&run, None).unwrap(),
    ];
    let w = compare::comparability(&sides).unwrap();
    assert!(
        w.len() == 1 && w[0].contains("`running`, not finished"),
        "{w:?}"
    );

    // Every system failed on every fold: predict says so.
    let mut r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c.join("results.json")).unwrap()).unwrap();
    for f in r["folds"].as_array_mut().unwrap() {
        f["failures"] = serde_json::json!({"rf": f["systems"]["rf"].to_string()});
        f["systems"] = serde_json::json!({});
    }
    std::fs::write(c.join("results.json"), serde_json::to_vec(&r).unwrap()).unwrap();
    let o = run_in(dir.path(), &["predict", "c", "x.wav"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(
        t.contains("every system failed on every fold") && !t.contains("from before"),
        "{t}"
    );
}

/// Case 8: a `[protocol]` that does not fit the corpus is reported at its file and line; a
/// missing `[corpus]` lists every corpus kind.
#[test]
fn case8_messages_name_the_place_and_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let text_ = tiny("[\"angry\", \"sad\"]").replace(
        "kind = \"leave-one-speaker-out\"",
        "kind = \"leave-one-speaker-out\"\nvalidation_speakers = 5",
    );
    std::fs::write(dir.path().join("p.toml"), text_).unwrap();
    let o = run_in(dir.path(), &["run", "p.toml", "--output", "p"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("p.toml:13:") && t.contains("protocol"), "{t}");

    let no_corpus = "[experiment]\nname = \"x\"\n";
    std::fs::write(dir.path().join("n.toml"), no_corpus).unwrap();
    let o = run_in(dir.path(), &["run", "n.toml"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("meld") && t.contains("manifest"), "{t}");
}

/// Case 9: a checkpoint or fold part edited between attempts is not reused by `--resume`:
/// the fold is recomputed, with a warning.
#[test]
fn case9_edited_checkpoints_and_parts_are_recomputed() {
    let dir = tempfile::tempdir().unwrap();
    let run = finished_run(dir.path(), "a", "[\"angry\", \"sad\"]");
    let part = run.join("folds/fold-1.json");
    let ckpt = run.join("checkpoints/fold-2/rf.model");
    assert!(run.join("folds/fold-1.json.blake3").is_file());
    assert!(run.join("checkpoints/fold-2/rf.model.blake3").is_file());
    // Edit fold 1's part (same JSON, one byte of whitespace) and fold 2's model.
    let mut b = std::fs::read(&part).unwrap();
    b.push(b'\n');
    std::fs::write(&part, &b).unwrap();
    let mut m = std::fs::read(&ckpt).unwrap();
    let last = m.len() - 1;
    m[last] ^= 1;
    std::fs::write(&ckpt, &m).unwrap();
    // Fold 2 unfinished: its part removed, so the resume must fit it, from its checkpoint
    // only if that were trusted.
    std::fs::remove_file(run.join("folds/fold-2.json")).unwrap();
    let o = run_in(dir.path(), &["run", "--resume", "a"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("fold 1: part") && t.contains("does not match"),
        "{t}"
    );
    assert!(
        t.contains("fold 2: checkpoint") && t.contains("fitting again"),
        "{t}"
    );
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("results.json")).unwrap()).unwrap();
    assert_eq!(r["status"], "finished");
    assert_eq!(r["resumed"][0]["folds_kept"], serde_json::json!([0]));
    // Sealed again: a second resume trusts everything.
    assert!(t.contains("does not match"));
    let o = run_in(dir.path(), &["run", "--resume", "a"]);
    assert!(!text(&o).contains("does not match"), "{}", text(&o));
}
