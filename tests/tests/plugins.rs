//! The plugin ABI: version handshake, panics inside plugins, discovery.

use serlab_engine::plugin::PluginSet;
use serlab_engine::Error;
use serlab_tests::{built_library, bundled_plugins};

#[test]
fn a_plugin_built_against_another_core_is_refused_with_both_versions() {
    let mut set = PluginSet::default();
    let refusal = set
        .load(&built_library("fixture_old_core"))
        .expect("must be refused");
    match &refusal.error {
        Error::PluginMismatch {
            plugin,
            what,
            plugin_has,
            host_has,
            ..
        } => {
            assert_eq!(plugin, "old-core");
            assert_eq!(*what, "serlab-api version");
            assert_eq!(plugin_has, "0.0.1");
            assert_eq!(host_has, env!("CARGO_PKG_VERSION"));
        }
        other => panic!("expected a version mismatch, got {other}"),
    }
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
