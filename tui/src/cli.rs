//! Command-line parsing and the subcommands.

use clap::{Parser, Subcommand};
use serlab_engine::plugin::PluginSet;
use std::ffi::OsString;
use std::path::PathBuf;

/// serlab: reproducible speech emotion recognition experiments.
#[derive(Parser, Debug)]
#[command(name = "serlab", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run an experiment file end to end (or one fold of it, or resume a run) and write a
    /// run folder.
    Run(crate::run::RunArgs),
    /// Pool the fold parts of a run folder (from `serlab run --fold K`) into its results.
    Merge(crate::merge::MergeArgs),
    /// Show the folds of an experiment (test and validation speakers) without running it.
    Folds(crate::folds::FoldsArgs),
    /// Predict a recording with a finished run's fitted models: class probabilities per
    /// model and fusion, and the transcript the text models read; with --window/--hop, a
    /// timeline (CSV + PNG) of a long recording.
    Predict(crate::predict::PredictArgs),
    /// Serve a finished run as an HTTP JSON API (POST /predict, GET /health, GET /info).
    Serve(crate::serve::ServeArgs),
    /// Predict a live source (raw PCM on stdin, or the microphone) window by window.
    Live(crate::live::LiveArgs),
    /// Interactive dashboard: browse experiments and runs, train live, compare runs.
    Tui {
        /// Folder of experiment TOML files.
        #[arg(default_value = "experiments")]
        dir: PathBuf,
    },
    /// List the plugins found, their components and parameters with defaults.
    Plugins {
        /// Extra plugin folders or files.
        #[arg(long = "path")]
        paths: Vec<PathBuf>,
    },
    /// Write a new plugin crate (a working model, extractor or fusion) that builds and loads
    /// at once.
    NewPlugin(crate::new_plugin::NewArgs),
    /// Run the conformance suite on a built plugin library; fails if any check fails.
    CheckPlugin(crate::check_plugin::CheckArgs),
    /// Export a corpus' features (every feature set, or --extractor ID) to an HDF5 file.
    Features(crate::export::FeaturesArgs),
    /// Measure each feature extractor's speed (real-time factor) on a corpus.
    BenchFeatures(crate::bench::BenchArgs),
    /// Write report.md (tables, per-class, per-speaker, intervals, plots) in a run folder.
    Report {
        /// The run folder.
        run: PathBuf,
    },
    /// Compare runs side by side, each against the first, with paired tests.
    Compare {
        /// Run folders; the first is the baseline.
        #[arg(num_args = 2.., required = true)]
        runs: Vec<PathBuf>,
        /// System to compare in every run (default: each run's fusion, else its first model).
        #[arg(long)]
        system: Option<String>,
    },
}

/// Parse `args` and run; returns the process exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match execute(cli.command) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            crate::exit_code(&e)
        }
    }
}

/// Run one subcommand, printing to stdout.
pub fn execute(command: Command) -> serlab_engine::Result<()> {
    match command {
        Command::Run(args) => crate::run::execute(args),
        Command::Merge(args) => crate::merge::execute(args),
        Command::Folds(args) => crate::folds::execute(args),
        Command::Predict(args) => crate::predict::execute(&args),
        Command::Serve(args) => crate::serve::execute(args),
        Command::Live(args) => crate::live::execute(&args),
        Command::Tui { dir } => {
            crate::dashboard::run(&dir).map_err(|e| serlab_engine::Error::invalid(e.to_string()))
        }
        Command::Report { run } => {
            println!("{}", crate::report::write(&run)?.display());
            Ok(())
        }
        Command::Compare { runs, system } => {
            let sides = runs
                .iter()
                .map(|r| crate::compare::Side::load(r, system.as_deref()))
                .collect::<serlab_engine::Result<Vec<_>>>()?;
            print!("{}", crate::compare::report(&sides)?);
            Ok(())
        }
        Command::NewPlugin(args) => crate::new_plugin::execute(&args),
        Command::CheckPlugin(args) => match crate::check_plugin::execute(&args)? {
            true => Ok(()),
            false => Err(serlab_engine::Error::invalid(format!(
                "{} failed the conformance suite",
                args.library.display()
            ))),
        },
        Command::Plugins { paths } => {
            let plugins = PluginSet::load_default(&paths);
            print!("{}", plugins_report(&plugins));
            Ok(())
        }
        Command::Features(args) => {
            let summary = crate::export::run(&args)?;
            for w in &summary.warnings {
                eprintln!("warning: {w}");
            }
            println!("{}", crate::export::report(&summary));
            Ok(())
        }
        Command::BenchFeatures(args) => {
            print!("{}", crate::bench::render(&crate::bench::run(&args)?));
            Ok(())
        }
    }
}

/// The text of `serlab plugins`.
pub fn plugins_report(plugins: &PluginSet) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    if plugins.plugins.is_empty() {
        let _ = writeln!(
            s,
            "no plugin found (searched next to the executable and in SERLAB_PLUGIN_PATH)"
        );
    }
    for p in &plugins.plugins {
        let at = p
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "built in".into());
        let _ = writeln!(s, "plugin {} {} ({at})", p.name, p.version);
        for c in p.components() {
            let _ = writeln!(s, "  {} `{}`: {}", c.kind.label(), c.name, c.summary);
            // A transcriber wraps a recogniser that may not be installed: say so here.
            if c.kind == serlab_engine::plugin::ComponentKind::Transcriber {
                if let Err(e) = plugins.transcriber(&c.name, "") {
                    let _ = writeln!(s, "      UNAVAILABLE: {e}");
                }
            }
            let help: std::collections::HashMap<&str, &str> = c
                .params
                .iter()
                .map(|(k, h)| (k.as_str(), h.as_str()))
                .collect();
            for line in c.defaults.lines().filter(|l| !l.trim().is_empty()) {
                let key = line.split('=').next().unwrap_or("").trim();
                match help.get(key) {
                    Some(h) => {
                        let _ = writeln!(s, "      {line:<40} # {h}");
                    }
                    None => {
                        let _ = writeln!(s, "      {line}");
                    }
                }
            }
        }
    }
    for r in &plugins.refused {
        match &r.error {
            serlab_engine::Error::PluginShadowed { .. } => {
                let _ = writeln!(s, "warning: {}", r.error);
            }
            e => {
                let _ = writeln!(s, "refused {}: {e}", r.path.display());
            }
        }
    }
    s
}
