//! `serlab check-plugin LIB`: the conformance suite on a built plugin library.
//!
//! The library goes through the same handshake as in a run (so a mismatch is reported the
//! same way), then every component it registers is checked by `serlab-conformance`; the
//! table is printed and any failure makes the command fail, so CI can gate on it.

use serlab_conformance::{Options, Report};
use serlab_engine::plugin::PluginSet;
use serlab_engine::{Error, Result};
use std::path::PathBuf;

/// Arguments of `serlab check-plugin`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The plugin library (`target/debug/libmy_plugin.so`).
    pub library: PathBuf,
    /// Parameters for one component, `NAME=TOML` (`--params 'mlp=epochs = 2'`), for
    /// components whose defaults are too slow to check; repeatable.
    #[arg(long = "params", value_parser = parse_params)]
    pub params: Vec<(String, String)>,
}

fn parse_params(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .ok_or_else(|| format!("expected NAME=TOML, got `{s}`"))
}

/// Load `args.library` and run the suite on it.
pub fn run(args: &CheckArgs) -> Result<Report> {
    let mut set = PluginSet::default();
    set.load(&args.library);
    if !set.refused.is_empty() {
        return Err(set.refused.remove(0).error);
    }
    let plugin = set
        .plugins
        .first()
        .ok_or_else(|| Error::invalid("the library registered no plugin"))?;
    let mut opts = Options::default();
    for (name, toml) in &args.params {
        opts = opts.with_params(name, toml);
    }
    Ok(serlab_conformance::check(plugin.registrar(), &opts))
}

/// Run, print the table; `Ok(false)` when a check failed.
pub fn execute(args: &CheckArgs) -> Result<bool> {
    let report = run(args)?;
    print!("{}", report.render());
    Ok(report.passed())
}
