//! Every file of `tests/invalid-experiments/` is an experiment with one mistake; its
//! sibling `.expected` holds the message it must produce: `file:line:column: key: message`.
//! A message that ends with `…` is a prefix (used where the rest lists what the loaded
//! plugins offer, which grows as plugins are added).
//!
//! To write the `.expected` files of new cases, run with `SERLAB_BLESS=1`, then read every
//! new message before committing it.

use serlab_engine::config::Experiment;
use serlab_tests::{bundled_plugins, repo};
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let dir = repo().join("tests/invalid-experiments");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

/// The message of the first error `serlab run` would report for this file.
fn message(path: &Path, plugins: &serlab_engine::plugin::PluginSet) -> Option<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = Path::new(path.file_name().unwrap());
    match Experiment::from_str(&text, name) {
        Err(e) => Some(e.to_string()),
        Ok(mut exp) => exp.bind_plugins(plugins).err().map(|e| e.to_string()),
    }
}

#[test]
fn each_invalid_experiment_gives_its_expected_message() {
    let plugins = bundled_plugins();
    let bless = std::env::var_os("SERLAB_BLESS").is_some();
    let cases = cases();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got =
            message(case, &plugins).unwrap_or_else(|| panic!("{} was accepted", case.display()));
        let expected_path = case.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, format!("{got}\n")).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        let want = want.trim_end();
        let ok = match want.strip_suffix('…') {
            Some(prefix) => got.starts_with(prefix),
            None => got == want,
        };
        if !ok {
            failures.push(format!(
                "{}:\n  expected: {want}\n  got:      {got}",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_message_has_a_file_line_and_column() {
    let plugins = bundled_plugins();
    for case in cases() {
        let got = message(&case, &plugins).unwrap();
        let name = case.file_name().unwrap().to_str().unwrap();
        let rest = got
            .strip_prefix(&format!("{name}:"))
            .unwrap_or_else(|| panic!("{name}: message does not start with the file name: {got}"));
        // A table missing from the whole file has no place to point at.
        if ["missing-corpus.toml", "no-model.toml"].contains(&name) {
            continue;
        }
        let mut parts = rest.splitn(3, ':');
        let line: usize = parts.next().unwrap().parse().unwrap_or(0);
        let col: usize = parts.next().unwrap_or("").parse().unwrap_or(0);
        assert!(line > 1 && col >= 1, "{name}: no line:column in {got}");
    }
}
