//! Helpers shared by serlab's integration tests: locating the experiments, the shared
//! corpora (through environment variables, skipping loudly when absent) and the fixture
//! plugins that cargo builds next to the test executable.

use serlab_core::plugin::PluginSet;
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

/// The plugins the loader discovers by itself (the bundled ones).
pub fn bundled_plugins() -> PluginSet {
    let set = PluginSet::load_default(&[]);
    assert!(
        set.refused.is_empty(),
        "bundled plugins refused: {:?}",
        set.refused
    );
    set
}
