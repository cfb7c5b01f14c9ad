//! Every bundled plugin passes the conformance suite that `serlab check-plugin` runs.
//!
//! Heavy components get small parameters (few trees, few epochs): the checks are about
//! contracts (distributions, errors, save/load, determinism, stopping), not accuracy.

use serlab_conformance::{Options, Outcome};
use serlab_engine::plugin::PluginSet;
use serlab_tests::built_library;

fn check(crate_name: &str, opts: &Options) -> serlab_conformance::Report {
    let mut set = PluginSet::default();
    assert!(
        set.load(&built_library(crate_name)).is_none(),
        "{:?}",
        set.refused
    );
    let started = std::time::Instant::now();
    let report = serlab_conformance::check(set.plugins[0].registrar(), opts);
    eprintln!("{}({:.1?})", report.render(), started.elapsed());
    for c in &report.checks {
        if let Outcome::Skipped(why) = &c.outcome {
            eprintln!("SKIPPED {} {}: {why}", c.component, c.check);
        }
    }
    report
}

#[test]
fn the_features_plugin_conforms() {
    check("serlab_features", &Options::default()).assert_passed();
}

#[test]
fn the_random_forest_plugin_conforms() {
    let opts = Options::default().with_params("random-forest", "n_trees = 12");
    check("serlab_random_forest", &opts).assert_passed();
}

#[test]
fn the_classic_plugin_conforms() {
    check("serlab_classic", &Options::default()).assert_passed();
}

#[test]
fn the_fusion_plugin_conforms() {
    check("serlab_fusion", &Options::default()).assert_passed();
}

#[test]
fn the_linguistic_plugin_conforms() {
    check("serlab_linguistic", &Options::default()).assert_passed();
}

#[test]
fn the_asr_plugin_conforms_or_says_what_is_missing() {
    // Without libpocketsphinx the transcriber cannot be created: SKIPPED, with the reason.
    check("serlab_asr", &Options::default()).assert_passed();
}

#[test]
fn the_neural_plugin_conforms() {
    let small = "epochs = 2\nbatch_size = 8";
    let mut opts = Options::default();
    for m in ["mlp", "cnn-attention", "lstm", "text-cnn", "text-bilstm"] {
        opts = opts.with_params(m, small);
    }
    check("serlab_neural", &opts).assert_passed();
}

#[test]
fn the_suite_fails_a_plugin_that_breaks_a_contract() {
    // The panicking fixture answers predict_proba before fit, and `panic_in = "fit"` makes
    // every fit panic: both are contract breaches the suite must report.
    let opts = Options::default().with_params("panic-model", "panic_in = \"fit\"");
    let report = check("fixture_panics", &opts);
    assert!(!report.passed());
    let failed: Vec<&str> = report.failures().iter().map(|c| c.check).collect();
    assert!(failed.contains(&"fit"), "{}", report.render());
    // Zero classes fitted: "probabilities" before fit are empty rows, not an error.
    assert!(
        failed.contains(&"predict before fit"),
        "{}",
        report.render()
    );
    assert!(report.render().contains("FAIL"), "{}", report.render());
}

#[test]
fn check_plugin_exits_non_zero_on_a_failure_and_zero_on_a_pass() {
    let run = |lib: &str, params: &[&str]| {
        let lib = built_library(lib).to_string_lossy().into_owned();
        let mut args = vec!["serlab", "check-plugin", lib.as_str()];
        args.extend(params.iter().flat_map(|p| ["--params", *p]));
        serlab::cli::main(args.into_iter().map(std::ffi::OsString::from))
    };
    // 2: the plugin given on the command line is refused (README, "What serlab guarantees").
    assert_eq!(
        run("fixture_panics", &["panic-model=panic_in = \"fit\""]),
        2
    );
    assert_eq!(run("serlab_fusion", &[]), 0);
}
