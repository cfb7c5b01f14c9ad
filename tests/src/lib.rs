//! Helpers shared by serlab's integration tests: locating the experiments, the shared
//! corpora (through environment variables, skipping loudly when absent) and the fixture
//! plugins that cargo builds next to the test executable.

use serlab_engine::corpus::iemocap::fixture;
use serlab_engine::plugin::PluginSet;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// An experiment file of `experiments/`.
pub fn experiment(name: &str) -> PathBuf {
    repo().join("experiments").join(name)
}

/// The folder named by environment variable `var`, or `None` after printing why the
/// calling test is skipped.
pub fn shared_corpus(var: &str, test: &str) -> Option<PathBuf> {
    match std::env::var_os(var).map(PathBuf::from) {
        Some(p) if p.is_dir() => Some(p),
        other => {
            eprintln!(
                "SKIPPED {test}: set {var} to the corpus folder to run it (now {})",
                other
                    .map(|p| format!("{} (not a folder)", p.display()))
                    .unwrap_or_else(|| "unset".into())
            );
            None
        }
    }
}

/// Path of a cdylib built by cargo for this test run (`fixture_panics` → `libfixture_panics.so`).
pub fn built_library(crate_name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().expect("executable folder");
    let file = format!(
        "{}{crate_name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [
        dir.join(&file),
        dir.join("deps").join(&file),
        dir.join("..").join(&file),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .unwrap_or_else(|| panic!("{file} not built next to {}", dir.display()))
}

/// The fields of a handshake refusal: (plugin, what differs, the plugin's value, the
/// host's value); any other error fails the calling test.
pub fn mismatch(e: &serlab_engine::Error) -> (&str, &'static str, &str, &str) {
    match e {
        serlab_engine::Error::PluginMismatch {
            plugin,
            what,
            plugin_has,
            host_has,
            ..
        } => (plugin, what, plugin_has, host_has),
        other => panic!("expected a handshake mismatch, got {other}"),
    }
}

/// `warnings` without the refusal of the fixture that is refused on purpose (built against
/// another serlab-api; cargo builds it beside the real plugins of a test run).
pub fn without_old_core_refusal(warnings: &[String]) -> Vec<&String> {
    warnings
        .iter()
        .filter(|w| !w.contains("fixture_old_core"))
        .collect()
}

/// The plugins the loader discovers by itself (the bundled ones, and the fixtures cargo
/// builds beside them: the loader finds plugins by declaration, so it finds those too).
/// The one fixture that is refused on purpose (built against another serlab-api) is left
/// out of the check; any other refusal fails the calling test.
pub fn bundled_plugins() -> PluginSet {
    let mut set = PluginSet::load_default(&[]);
    set.refused.retain(|r| {
        !r.path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains("fixture_old_core"))
    });
    assert!(
        set.refused.is_empty(),
        "bundled plugins refused: {:?}",
        set.refused
    );
    set
}

/// Run `exp` with the bundled plugins into the run folder `output`, events collected and
/// dropped, never stopped: what most integration tests need of the runner.
pub fn run_to(
    exp: &serlab_engine::config::Experiment,
    output: PathBuf,
) -> serlab_engine::Result<serlab_engine::runner::RunSummary> {
    serlab_engine::runner::run(
        exp,
        &bundled_plugins(),
        &serlab_engine::runner::RunOptions {
            output: Some(output),
            ..Default::default()
        },
        &mut serlab_engine::events::VecSink::default(),
        &serlab_engine::StopHandle::new(),
    )
}

/// MELD's three tables (train, dev, test) with `per_class[part]` utterances per class; each class has its
/// own words, mixed with words every class uses, so only a model that reads words can
/// tell the classes apart.
pub fn write_meld_fixture(root: &Path, per_class: [usize; 3]) {
    let words = [
        ("joy", ["great", "wonderful", "yay", "love"]),
        ("sadness", ["miss", "lonely", "cry", "sorry"]),
        ("anger", ["hate", "stupid", "shut", "furious"]),
    ];
    let filler = ["i", "you", "the", "that", "really", "just", "so", "oh"];
    std::fs::create_dir_all(root).unwrap();
    for (p, file) in ["train", "dev", "test"].iter().enumerate() {
        let mut t = String::from(
            "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode,StartTime,EndTime\n",
        );
        let mut row = 0;
        for i in 0..per_class[p] {
            for (c, (label, w)) in words.iter().enumerate() {
                let text = format!(
                    "{} {} {}, {} {}!",
                    filler[(i + c) % 8],
                    w[(i + p) % 4],
                    filler[(i * 3 + c + p) % 8],
                    filler[(i * 5 + 1) % 8],
                    w[(i + 2 * p + 1) % 4]
                );
                row += 1;
                t.push_str(&format!(
                    "{row},\"{text}\",Speaker{},{label},neutral,{i},{c},1,1,\"00:00:01,000\",\"00:00:02,000\"\n",
                    row % 5
                ));
            }
        }
        std::fs::write(root.join(format!("{file}_sent_emo.csv")), t).unwrap();
    }
}

/// Three sessions, each speaker with `reps` utterances of each code (neu, hap, exc, sad,
/// ang). Audio carries the emotion's prosody; the transcript carries a word of its class
/// three times in four, else a word of another class, so neither modality is perfect.
pub fn write_iemocap_tree(root: &Path, reps: usize) {
    let codes = [
        ("neu", "neutral", "okay"),
        ("hap", "happy", "wonderful"),
        ("exc", "happy", "amazing"),
        ("sad", "sad", "miss"),
        ("ang", "angry", "hate"),
    ];
    let filler = ["well", "you", "know", "that", "we", "really", "just", "so"];
    let dialogs: Vec<fixture::Dialog> = (1..=3)
        .map(|session| {
            let name = format!("Ses0{session}F_impro01");
            let mut turns = Vec::new();
            for (who, sex) in ["F", "M"].iter().enumerate() {
                for r in 0..reps {
                    for (c, (code, emotion, word)) in codes.iter().enumerate() {
                        let n = turns.len();
                        let w = if (r + c + who) % 4 == 3 {
                            codes[(c + 2) % codes.len()].2
                        } else {
                            word
                        };
                        turns.push(fixture::Turn {
                            suffix: format!("{sex}{n:03}"),
                            label: code.to_string(),
                            vad: [3.0, 3.0, 3.0],
                            text: format!(
                                "{} {} {w} {}.",
                                filler[(n + session) % 8],
                                filler[(n * 3) % 8],
                                filler[(n * 5 + 1) % 8]
                            ),
                            prosody: emotion.to_string(),
                        });
                    }
                }
            }
            fixture::Dialog {
                session,
                name,
                turns,
            }
        })
        .collect();
    fixture::write(root, &dialogs, 0.5).unwrap();
}

/// The `serlab` binary next to the integration tests' executable (`cargo build -p serlab`
/// first).
pub fn serlab_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable");
    let bin = exe.parent().unwrap().parent().unwrap().join("serlab");
    assert!(bin.is_file(), "build the binary first: {}", bin.display());
    bin
}

/// `serlab ARGS` run in `dir` with stdin closed (no terminal).
pub fn serlab_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(serlab_bin())
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("serlab runs")
}

/// A tiny synthetic experiment that runs in a second: 3 speakers x 2 utterances of 0.3 s
/// per class of `classes` (a TOML array), a 3-tree forest on functionals; `corpus_extra`
/// and `model_extra` are lines added to `[corpus]` and `[models.rf]`.
pub fn tiny_experiment(classes: &str, corpus_extra: &str, model_extra: &str) -> String {
    format!(
        "[experiment]\nname = \"tiny\"\nseed = 1\noutput = \"runs\"\n\n\
         [corpus]\nkind = \"synthetic\"\nspeakers = 3\nper_class = 2\nclasses = {classes}\n\
         seconds = 0.3\n{corpus_extra}\n\
         [protocol]\nkind = \"leave-one-speaker-out\"\n\n\
         [features.func]\nextractor = \"functionals\"\n\n\
         [models.rf]\nmodel = \"random-forest\"\nfeatures = \"func\"\nn_trees = 3\n{model_extra}"
    )
}
