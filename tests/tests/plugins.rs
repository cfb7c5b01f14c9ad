//! The plugin ABI: version handshake, panics inside plugins, discovery.

use serlab_engine::plugin::PluginSet;
use serlab_engine::Error;
use serlab_tests::{built_library, bundled_plugins, mismatch};
use std::path::PathBuf;

#[test]
fn a_plugin_built_against_another_core_is_refused_with_both_versions() {
    let mut set = PluginSet::default();
    let refusal = set
        .load(&built_library("fixture_old_core"))
        .expect("must be refused");
    let (plugin, what, plugin_has, host_has) = mismatch(&refusal.error);
    assert_eq!(
        (plugin, what, plugin_has, host_has),
        (
            "old-core",
            "serlab-api version",
            "0.0.1",
            env!("CARGO_PKG_VERSION")
        )
    );
    let msg = refusal.error.to_string();
    assert!(
        msg.contains("old-core")
            && msg.contains("0.0.1")
            && msg.contains(env!("CARGO_PKG_VERSION")),
        "{msg}"
    );
    assert!(set.plugins.is_empty());
}

#[test]
fn a_library_that_is_not_a_plugin_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir
        .path()
        .join(format!("libserlab_fake{}", std::env::consts::DLL_SUFFIX));
    std::fs::write(&fake, b"not a shared object").unwrap();
    let mut set = PluginSet::default();
    let r = set.load(&fake).expect("refused");
    assert!(
        r.error.to_string().contains("libserlab_fake"),
        "{}",
        r.error
    );
}

fn panicky() -> PluginSet {
    let mut set = PluginSet::default();
    assert!(
        set.load(&built_library("fixture_panics")).is_none(),
        "{:?}",
        set.refused
    );
    set
}

#[test]
fn a_panic_in_a_plugin_constructor_is_an_error_naming_the_plugin() {
    let set = panicky();
    let err = set
        .model("panic-model", "panic_in = \"new\"")
        .err()
        .expect("must fail");
    match &err {
        Error::PluginPanic {
            plugin,
            component,
            during,
            message,
        } => {
            assert_eq!(plugin, "panicky");
            assert_eq!(component, "panic-model");
            assert_eq!(*during, "new");
            assert!(message.contains("deliberate panic in new"), "{message}");
        }
        other => panic!("expected a plugin panic, got {other}"),
    }
}

#[test]
fn a_panic_in_fit_and_predict_is_an_error_not_an_abort() {
    use serlab_engine::events::NullSink;
    use serlab_engine::{Features, FitContext, LabeledSet, StopHandle};
    let set = panicky();
    let x = Features::Vector(vec![1.0]);
    let inputs = [&x];
    let classes = ["a".to_string(), "b".to_string()];
    let train = LabeledSet {
        inputs: &inputs,
        labels: &[0],
        speakers: &["s"],
        vad: &[None],
        classes: &classes,
        aux: &[],
    };
    let mut sink = NullSink;
    let stop = StopHandle::new();
    let mut ctx = FitContext {
        events: &mut sink,
        stop: &stop,
        seed: 1,
        fold: 0,
        model_id: "m",
    };

    let mut m = set.model("panic-model", "panic_in = \"fit\"").unwrap();
    let err = m.fit(&train, &train, &mut ctx).unwrap_err().to_string();
    assert!(
        err.contains("panicky") && err.contains("fit") && err.contains("index out of bounds"),
        "{err}"
    );

    let mut m = set.model("panic-model", "panic_in = \"predict\"").unwrap();
    m.fit(&train, &train, &mut ctx).unwrap();
    let err = m.predict_proba(&inputs).unwrap_err().to_string();
    assert!(err.contains("deliberate panic in predict_proba"), "{err}");
    // The plugin still works after a caught panic.
    let mut ok = set.model("panic-model", "").unwrap();
    ok.fit(&train, &train, &mut ctx).unwrap();
    assert_eq!(ok.predict_proba(&inputs).unwrap(), vec![vec![0.5, 0.5]]);
}

#[test]
fn unknown_parameters_and_components_are_named() {
    let set = panicky();
    let e = set
        .model("panic-model", "panik_in = \"x\"")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("panic-model") && e.contains("panik_in"), "{e}");
    let e = set.model("panic-modle", "").err().unwrap().to_string();
    assert!(e.contains("did you mean `panic-model`"), "{e}");
}

#[test]
fn the_bundled_plugins_are_discovered_next_to_the_executable() {
    let set = bundled_plugins();
    let names: Vec<String> = set
        .plugins
        .iter()
        .flat_map(|p| p.components())
        .map(|c| c.name)
        .collect();
    for want in ["functionals", "mfcc", "log-mel", "random-forest", "average"] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
}

#[test]
fn a_panic_names_the_method_that_panicked_not_the_one_called() {
    let set = panicky();
    let x = serlab_engine::Features::Vector(vec![1.0]);
    let m = set.model("panic-model", "panic_in = \"predict\"").unwrap();
    // `predict_proba_by_speaker` is the panicking model's default method, which forwards
    // to `predict_proba`: the panic is there.
    match m.predict_proba_by_speaker(&[&x], &["s"]).unwrap_err() {
        Error::PluginPanic {
            during, message, ..
        } => {
            assert_eq!(during, "predict_proba");
            assert!(
                message.contains("deliberate panic in predict_proba"),
                "{message}"
            );
        }
        other => panic!("expected a plugin panic, got {other}"),
    }
    // Called directly, it is named the same.
    match m.predict_proba(&[&x]).unwrap_err() {
        Error::PluginPanic { during, .. } => assert_eq!(during, "predict_proba"),
        other => panic!("expected a plugin panic, got {other}"),
    }
}

/// `lib` copied into `dir` as `name`, with `extra` bytes appended (a different file that
/// still loads: the dynamic loader ignores trailing bytes).
fn copy_lib(lib: &std::path::Path, dir: &std::path::Path, name: &str, extra: &[u8]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let to = dir.join(format!("{name}{}", std::env::consts::DLL_SUFFIX));
    let mut bytes = std::fs::read(lib).unwrap();
    bytes.extend_from_slice(extra);
    std::fs::write(&to, bytes).unwrap();
    to
}

#[test]
fn plugins_are_found_by_declaration_and_a_name_clash_names_both_libraries() {
    use serlab_engine::plugin::discover;
    let lib = built_library("fixture_panics");
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    // Any file name: the loader reads the declaration, not the name.
    let first = copy_lib(&lib, &a, "libwhatever", b"");
    // The same library again (as cargo's deps/ copy): no warning.
    copy_lib(&lib, &b, "libsame_again", b"");
    // A different library declaring the same plugin name.
    let other = copy_lib(&lib, &c, "libanother_build", b"\0different");
    // A shared library that is not a plugin is not even a candidate.
    std::fs::write(
        a.join(format!("libnot_serlab{}", std::env::consts::DLL_SUFFIX)),
        b"x",
    )
    .unwrap();
    let found = discover(&[a.clone(), b.clone(), c.clone()]);
    assert_eq!(found.len(), 3, "{found:?}");
    let mut set = PluginSet::default();
    for f in &found {
        set.load(f);
    }
    assert_eq!(set.plugins.len(), 1);
    assert_eq!(set.plugins[0].path.as_deref(), Some(first.as_path()));
    assert_eq!(set.refused.len(), 1, "{:?}", set.refused);
    match &set.refused[0].error {
        Error::PluginShadowed {
            plugin,
            kept,
            ignored,
        } => {
            assert_eq!(plugin, "panicky");
            assert_eq!((kept, ignored), (&first, &other));
        }
        e => panic!("expected a shadowing warning, got {e}"),
    }
    let text = serlab::cli::plugins_report(&set);
    let warning = text
        .lines()
        .find(|l| l.starts_with("warning: "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        warning.contains(&*first.to_string_lossy()) && warning.contains(&*other.to_string_lossy()),
        "{warning}"
    );
}
