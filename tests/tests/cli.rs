//! The command line.

use serlab_tests::bundled_plugins;

#[test]
fn plugins_lists_components_with_parameter_defaults() {
    let text = serlab::cli::plugins_report(&bundled_plugins());
    assert!(text.contains("model `random-forest`"), "{text}");
    assert!(text.contains("n_trees = "), "{text}");
    assert!(text.contains("feature extractor `functionals`"), "{text}");
}

#[test]
fn bad_arguments_exit_with_a_usage_error() {
    assert_eq!(
        serlab::cli::main(["serlab", "frobnicate"].map(std::ffi::OsString::from)),
        2
    );
    assert_eq!(
        serlab::cli::main(["serlab", "run", "/nonexistent/exp.toml"].map(std::ffi::OsString::from)),
        1
    );
}
