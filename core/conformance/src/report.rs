//! Check results, the table `serlab check-plugin` prints, and the checks every kind of
//! component shares (its parameter table).

use serlab_api::plugin::ComponentKind;
use serlab_api::{Error, Result};
use std::fmt::Write;

/// How one check ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The component behaved as the trait requires.
    Pass,
    /// It did not; the message says what was seen.
    Fail(String),
    /// The check could not run here (a system library is missing); not a failure.
    Skipped(String),
}

/// One check of one component.
#[derive(Clone, Debug)]
pub struct Check {
    /// The component's name.
    pub component: String,
    /// Its kind.
    pub kind: ComponentKind,
    /// What was checked (`probabilities`, `save-load`, ...).
    pub check: &'static str,
    /// The result.
    pub outcome: Outcome,
}

/// Every check of one plugin.
#[derive(Clone, Debug)]
pub struct Report {
    /// The plugin's name.
    pub plugin: String,
    /// Checks in the order they ran.
    pub checks: Vec<Check>,
}

impl Report {
    pub(crate) fn new(plugin: &str) -> Self {
        Report {
            plugin: plugin.into(),
            checks: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        component: &str,
        kind: ComponentKind,
        check: &'static str,
        outcome: Outcome,
    ) {
        self.checks.push(Check {
            component: component.into(),
            kind,
            check,
            outcome,
        });
    }

    pub(crate) fn extend(&mut self, checks: Vec<Check>) {
        self.checks.extend(checks);
    }

    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
            .collect()
    }

    /// True when no check failed (skipped checks do not fail a plugin).
    pub fn passed(&self) -> bool {
        self.failures().is_empty()
    }

    /// The report as a table, one line per check, then a summary line.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let width = self
            .checks
            .iter()
            .map(|c| c.component.len())
            .max()
            .unwrap_or(9)
            .max(9);
        let _ = writeln!(s, "plugin `{}`", self.plugin);
        let _ = writeln!(
            s,
            "{:<width$}  {:<18}  {:<22}  result",
            "component", "kind", "check"
        );
        for c in &self.checks {
            let (word, msg) = match &c.outcome {
                Outcome::Pass => ("PASS", String::new()),
                Outcome::Fail(m) => ("FAIL", format!(": {m}")),
                Outcome::Skipped(m) => ("SKIPPED", format!(": {m}")),
            };
            let _ = writeln!(
                s,
                "{:<width$}  {:<18}  {:<22}  {word}{msg}",
                c.component,
                c.kind.label(),
                c.check
            );
        }
        let count = |f: fn(&Outcome) -> bool| self.checks.iter().filter(|c| f(&c.outcome)).count();
        let _ = writeln!(
            s,
            "{} passed, {} failed, {} skipped",
            count(|o| matches!(o, Outcome::Pass)),
            count(|o| matches!(o, Outcome::Fail(_))),
            count(|o| matches!(o, Outcome::Skipped(_)))
        );
        s
    }

    /// Panic with the table when a check failed: for a plugin's own `#[test]`.
    #[track_caller]
    pub fn assert_passed(&self) {
        assert!(self.passed(), "conformance failures:\n{}", self.render());
    }
}

/// `Fail` naming a panic, for results that should have been errors or values.
pub(crate) fn no_panic<T>(r: &Result<T>) -> Option<Outcome> {
    match r {
        Err(e @ Error::PluginPanic { .. }) => Some(Outcome::Fail(format!("panicked: {e}"))),
        _ => None,
    }
}

/// A key no component has.
pub(crate) const UNKNOWN_KEY: &str = "serlab_conformance_unknown_key";

/// The parameter checks: the defaults a component shows read back as the same defaults,
/// and an unknown key is refused (a misspelt key must not be silently ignored).
pub(crate) fn params_checks(
    component: &str,
    kind: ComponentKind,
    defaults: &str,
    resolve: impl Fn(&str) -> Result<String>,
) -> Vec<Check> {
    let round_trip = match resolve(defaults) {
        Ok(again) => match (
            defaults.parse::<toml::Table>(),
            again.parse::<toml::Table>(),
        ) {
            (Ok(a), Ok(b)) if a == b => Outcome::Pass,
            (Ok(_), Ok(_)) => Outcome::Fail(format!(
                "the defaults read back differently:\n{defaults}\nbecame\n{again}"
            )),
            (Err(e), _) | (_, Err(e)) => {
                Outcome::Fail(format!("the defaults are not a TOML table: {e}"))
            }
        },
        Err(e) => Outcome::Fail(format!("its own defaults are refused: {e}")),
    };
    let unknown = match resolve(&format!("{UNKNOWN_KEY} = 1")) {
        Ok(_) => Outcome::Fail(format!(
            "the unknown key `{UNKNOWN_KEY}` was accepted; use #[serde(default, \
             deny_unknown_fields)] on the parameter struct"
        )),
        Err(e @ Error::PluginPanic { .. }) => Outcome::Fail(format!("panicked: {e}")),
        Err(e) if e.to_string().contains(UNKNOWN_KEY) => Outcome::Pass,
        Err(e) => Outcome::Fail(format!("refused without naming the key: {e}")),
    };
    let check = |check, outcome| Check {
        component: component.into(),
        kind,
        check,
        outcome,
    };
    vec![
        check("defaults round trip", round_trip),
        check("unknown key refused", unknown),
    ]
}

/// Save a fitted component into `dir/file`, create a fresh one and load it back, and
/// return what the fresh one computes: the save-load check of models and fusions alike.
pub(crate) fn round_trip<T, C>(
    dir: &std::path::Path,
    file: &str,
    save: impl FnOnce(&std::path::Path) -> serlab_api::Result<()>,
    create: impl FnOnce() -> serlab_api::Result<C>,
    load_and_compute: impl FnOnce(&mut C, &std::path::Path) -> serlab_api::Result<T>,
) -> serlab_api::Result<T> {
    let path = dir.join(file);
    std::fs::create_dir_all(dir).map_err(|e| serlab_api::Error::io(dir, e))?;
    save(&path)?;
    let mut fresh = create()?;
    load_and_compute(&mut fresh, &path)
}
