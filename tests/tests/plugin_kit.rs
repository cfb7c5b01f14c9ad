//! The plugin author's kit end to end: `serlab new-plugin` writes a crate outside the
//! workspace, cargo builds it, `serlab check-plugin` passes it and an experiment runs it,
//! with no file edited. And the ABI promise: a plugin built against serlab-api sources that
//! differ only in comments loads, one built against a changed token is refused with both
//! hashes, and the plugin never depends on the engine.
//!
//! Builds share one target folder under the workspace's `target/` (dependencies are
//! compiled once and kept between test runs) and the workspace's `Cargo.lock`.

use serlab_engine::config::Experiment;
use serlab_engine::events::VecSink;
use serlab_engine::plugin::PluginSet;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::StopHandle;
use serlab_tests::repo;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn serlab(args: &[&str]) -> i32 {
    serlab::cli::main(
        std::iter::once("serlab")
            .chain(args.iter().copied())
            .map(OsString::from),
    )
}

/// Scaffold `name` in a fresh folder outside the workspace (against `api`, or the API this
/// serlab was built from), build it and return (crate folder, library).
fn scaffold_and_build(name: &str, kind: &str, api: Option<&Path>) -> (PathBuf, PathBuf) {
    let root = std::env::temp_dir().join(format!("serlab-kit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dir = root.join(name);
    let dir_s = dir.to_string_lossy().into_owned();
    let api_s = api.map(|a| a.to_string_lossy().into_owned());
    let mut args = vec!["new-plugin", name, "--kind", kind, "--dir", dir_s.as_str()];
    if let Some(a) = &api_s {
        args.extend(["--api", a.as_str()]);
    }
    assert_eq!(serlab(&args), 0, "new-plugin {name}");
    assert!(!dir.starts_with(repo()));
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let target = repo().join("target").join("plugin-kit");
    let started = std::time::Instant::now();
    let out = Command::new(cargo())
        .args(["build", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo build of {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("built {name} in {:.1?}", started.elapsed());
    let lib = target.join("debug").join(format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    ));
    // The library goes to a folder of its own, as an author's `target/debug` would be.
    let own = root.join("lib");
    std::fs::create_dir_all(&own).unwrap();
    let copy = own.join(lib.file_name().unwrap());
    std::fs::copy(&lib, &copy).unwrap();
    (dir, copy)
}

/// The model scaffold, built once for the tests below.
fn model_plugin() -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| scaffold_and_build("kit-centroid", "model", None))
}

#[test]
fn a_scaffolded_model_builds_passes_check_plugin_and_runs_in_an_experiment() {
    let (dir, lib) = model_plugin();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("crate-type = [\"cdylib\"]") && manifest.contains("[workspace]"));
    assert!(manifest.contains(&*serlab::new_plugin::api_dir().to_string_lossy()));
    // The minimal model is small: boilerplate + maths, the maths apart.
    let code = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let boilerplate = code.split("/// The maths").next().unwrap();
    // Issue 15: a minimal model plugin is at most 60 lines besides its maths.
    let lines = boilerplate.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(lines <= 60, "{lines} lines of boilerplate");
    assert_eq!(serlab(&["check-plugin", &lib.to_string_lossy()]), 0);

    let run = tempfile::tempdir().unwrap();
    let text = format!(
        "[experiment]\nname = \"kit\"\nseed = 1\nplugin_paths = [{:?}]\n\n\
         [corpus]\nkind = \"synthetic\"\nspeakers = 4\nper_class = 3\n\n\
         [protocol]\nkind = \"leave-one-speaker-out\"\nvalidation_speakers = 1\n\n\
         [features.func]\nextractor = \"functionals\"\n\n\
         [models.centroid]\nmodel = \"kit-centroid\"\nfeatures = \"func\"\ntemperature = 2.0\n",
        lib.parent().unwrap()
    );
    let mut exp = Experiment::from_str(&text, Path::new("kit.toml")).unwrap();
    exp.meta.output = run.path().to_path_buf();
    let plugins = PluginSet::load_default(&exp.meta.plugin_paths);
    let s = runner::run(
        &exp,
        &plugins,
        &RunOptions {
            output: Some(run.path().join("r")),
            ..Default::default()
        },
        &mut VecSink::default(),
        &StopHandle::new(),
    )
    .unwrap();
    assert_eq!(s.results.status, "finished");
    assert_eq!(s.results.pooled["centroid"].n, 4 * 4 * 3);
}

#[test]
fn a_scaffolded_plugin_depends_on_the_api_alone() {
    let (dir, _) = model_plugin();
    let out = Command::new(cargo())
        .args([
            "tree",
            "--offline",
            "--edges",
            "normal,build,dev",
            "--prefix",
            "none",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("serlab-api"), "{tree}");
    assert!(
        !tree.contains("serlab-engine"),
        "engine edits could reach the plugin:\n{tree}"
    );
}

#[test]
fn scaffolded_extractor_and_fusion_pass_check_plugin() {
    for kind in ["extractor", "fusion"] {
        let (_, lib) = scaffold_and_build(&format!("kit-{kind}"), kind, None);
        assert_eq!(
            serlab(&["check-plugin", &lib.to_string_lossy()]),
            0,
            "{kind}"
        );
    }
}

/// A copy of serlab-api (and the conformance crate beside it, which the scaffold's tests
/// use) in a workspace of its own, with `edit` applied to `src/model.rs`.
fn api_copy(root: &Path, edit: impl Fn(&str) -> String) -> PathBuf {
    let copy = |from: &Path, to: &Path| {
        for entry in walk(from) {
            let rel = entry.strip_prefix(from).unwrap();
            let dest = to.join(rel);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &dest).unwrap();
        }
    };
    copy(&repo().join("core/api"), &root.join("core/api"));
    copy(
        &repo().join("core/conformance"),
        &root.join("core/conformance"),
    );
    let model = root.join("core/api/src/model.rs");
    let text = std::fs::read_to_string(&model).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit must change the file");
    std::fs::write(&model, edited).unwrap();
    // The workspace keys the two crates inherit, from the real top-level manifest.
    let top = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let mut manifest: toml::Table = top.parse().unwrap();
    manifest.remove("profile");
    let ws = manifest["workspace"].as_table_mut().unwrap();
    ws.insert(
        "members".into(),
        toml::Value::Array(vec!["core/api".into(), "core/conformance".into()]),
    );
    ws.remove("default-members");
    let deps = ws["dependencies"].as_table_mut().unwrap();
    deps.retain(|k, _| !k.starts_with("serlab-") || k == "serlab-api" || k == "serlab-conformance");
    std::fs::write(root.join("Cargo.toml"), manifest.to_string()).unwrap();
    root.join("core/api")
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_comment_change_in_the_api_keeps_plugins_loadable_and_a_token_change_refuses_them() {
    let tmp = tempfile::tempdir().unwrap();
    let comment = api_copy(&tmp.path().join("comment"), |t| {
        t.replace(
            "/// A trainable classifier",
            "/// A trainable classifier (reworded doc)",
        )
    });
    let (_, lib) = scaffold_and_build("kit-abi-comment", "model", Some(&comment));
    let mut set = PluginSet::default();
    assert!(set.load(&lib).is_none(), "{:?}", set.refused);

    let token = api_copy(&tmp.path().join("token"), |t| {
        t.replace("pub fold: usize,", "pub fold: u64,")
    });
    let (_, lib) = scaffold_and_build("kit-abi-token", "model", Some(&token));
    let mut set = PluginSet::default();
    let refusal = set.load(&lib).expect("a changed API must be refused");
    let (plugin, what, plugin_has, host_has) = serlab_tests::mismatch(&refusal.error);
    assert_eq!((plugin, what), ("kit-abi-token", "serlab-api interface"));
    assert_ne!(plugin_has, host_has);
    let msg = refusal.error.to_string();
    assert!(msg.contains(plugin_has) && msg.contains(host_has), "{msg}");
}
