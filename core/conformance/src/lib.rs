//! serlab-conformance: the checks every serlab plugin must pass, as a library.
//!
//! A plugin is compiled on its own and loaded at run time, so the host cannot rely on the
//! type system for what the traits only say in words: probabilities that sum to 1, an error
//! (not a panic) when asked to predict before fitting, a save that loads back to the same
//! model, results that do not depend on the thread count, a stop request that is honoured,
//! parameters that round-trip and refuse unknown keys, features of the shape declared.
//! These checks say it in code, once, for every component a [`Registrar`] holds.
//!
//! Two callers: a plugin's own test builds a registrar with `Registrar::new` and its
//! register function and calls [`check`] (then [`Report::assert_passed`]); `serlab
//! check-plugin LIB` gets the registrar of a built library from the engine's loader and
//! prints [`Report::render`]. This crate depends on serlab-api alone, so it can be a
//! plugin's dev-dependency without pulling in the engine, and it is not part of the ABI
//! hash. It has no error type of its own: a check that cannot run (no temporary folder)
//! is a failed check, and the components' own errors are [`serlab_api::Error`]s, quoted.
//!
//! The data are synthetic and small (a few dozen utterances, three classes, separable)
//! so that the whole suite takes seconds; heavy components take smaller parameters through
//! [`Options::params`].

mod data;
mod extractor;
mod fusion;
mod model;
mod report;

pub use report::{Check, Outcome, Report};

use serlab_api::plugin::{ComponentKind, Registrar};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How to run the suite.
#[derive(Clone, Debug)]
pub struct Options {
    /// Parameter overrides per component name, as TOML tables (`epochs = 2`), for
    /// components whose defaults are too slow for a test; keys not given keep their
    /// defaults.
    pub params: BTreeMap<String, String>,
    /// How long `fit` may run after its stop handle is set.
    pub stop_deadline: Duration,
    /// Where saved models go (a fresh folder under the system's temporary folder when `None`).
    pub scratch: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            params: BTreeMap::new(),
            stop_deadline: Duration::from_secs(10),
            scratch: None,
        }
    }
}

impl Options {
    /// These options with `toml` as the parameters of `component`.
    pub fn with_params(mut self, component: &str, toml: &str) -> Self {
        self.params.insert(component.into(), toml.into());
        self
    }
}

/// Run every check on every component of `registrar`.
pub fn check(registrar: &Registrar, opts: &Options) -> Report {
    let scratch = opts.scratch.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "serlab-conformance-{}-{}",
            std::process::id(),
            registrar.plugin()
        ))
    });
    let mut report = Report::new(registrar.plugin());
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        report.push(
            "-",
            ComponentKind::Model,
            "scratch folder",
            Outcome::Fail(format!("{}: {e}", scratch.display())),
        );
        return report;
    }
    let params = |name: &str| opts.params.get(name).cloned().unwrap_or_default();
    for f in registrar.extractor_factories() {
        let name = f.info().name;
        extractor::check(f.as_ref(), &params(&name), &mut report);
    }
    for f in registrar.model_factories() {
        let name = f.info().name;
        let dir = scratch.join(&name);
        model::check(f.as_ref(), &params(&name), &dir, opts, &mut report);
    }
    for f in registrar.fusion_factories() {
        let name = f.info().name;
        fusion::check(
            f.as_ref(),
            &params(&name),
            &scratch.join(&name),
            &mut report,
        );
    }
    for f in registrar.transcriber_factories() {
        let info = f.info();
        let outcome = match f.create(&params(&info.name)) {
            Ok(t) => {
                let audio = data::audio(t.sample_rate(), 1.0, 7);
                match t.transcribe(&audio) {
                    Err(e @ serlab_api::Error::PluginPanic { .. }) => {
                        Outcome::Fail(format!("panicked: {e}"))
                    }
                    _ => Outcome::Pass,
                }
            }
            Err(e @ serlab_api::Error::PluginPanic { .. }) => {
                Outcome::Fail(format!("panicked: {e}"))
            }
            // A transcriber wraps a system recogniser that may be absent: not a failure.
            Err(e) => Outcome::Skipped(format!("cannot be created here: {e}")),
        };
        report.push(
            &info.name,
            ComponentKind::Transcriber,
            "transcribe",
            outcome,
        );
        report.extend(report::params_checks(
            &info.name,
            ComponentKind::Transcriber,
            &info.defaults,
            |p| f.resolve(p),
        ));
    }
    if opts.scratch.is_none() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    report
}
