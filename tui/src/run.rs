//! `serlab run`: one experiment, all folds or one (`--fold K`, for job arrays), in a new
//! run folder, a named one (`--output`, `--id`) or continuing a killed one (`--resume`).

use crate::progress::ProgressSink;
use clap::Args;
use serlab_engine::config::Experiment;
use serlab_engine::plugin::PluginSet;
use serlab_engine::results;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::{Error, StopHandle};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Arguments of `serlab run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The experiment TOML file (not with --resume, which reads the run folder's config.toml).
    #[arg(required_unless_present = "resume")]
    pub experiment: Option<PathBuf>,
    /// Run folder to write (default: <output>/<name>/<timestamp>).
    #[arg(long, conflicts_with = "id")]
    pub output: Option<PathBuf>,
    /// Run folder <output>/<name>/<ID>: the tasks of a job array agree on it by passing the
    /// same id (e.g. the array's job id).
    #[arg(long)]
    pub id: Option<String>,
    /// Run only fold K (from 0) and write its part into the run folder (needs --output, --id
    /// or --resume); `serlab merge RUN` pools the parts. A rerun task keeps what its fold
    /// finished.
    #[arg(long, value_name = "K")]
    pub fold: Option<usize>,
    /// Continue the run in RUN-DIR (killed, stopped or failed) with its own config.toml: its
    /// finished folds and saved models are kept, the rest is run.
    #[arg(long, value_name = "RUN-DIR", conflicts_with_all = ["experiment", "output", "id"])]
    pub resume: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Extract all features again; neither read nor write the feature cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// Run `serlab run`, printing the results table and the run folder to stdout.
pub fn execute(args: RunArgs) -> serlab_engine::Result<()> {
    let (exp, output) = match &args.resume {
        Some(dir) => {
            let config = dir.join("config.toml");
            if !config.is_file() {
                return Err(Error::RunFolder {
                    path: dir.clone(),
                    message: "nothing to resume: no config.toml (is this a serlab run folder?)"
                        .into(),
                });
            }
            (Experiment::from_file(&config)?, Some(dir.clone()))
        }
        None => {
            let file = args.experiment.as_ref().expect("clap requires it");
            let exp = Experiment::from_file(file)?;
            let output = match (&args.output, &args.id) {
                (Some(o), _) => Some(o.clone()),
                (None, Some(id)) => {
                    if id.is_empty() || id.contains(['/', '\\']) || id == "." || id == ".." {
                        return Err(Error::invalid(format!(
                            "--id `{id}`: a run id is one folder name (no `/`)"
                        )));
                    }
                    Some(exp.meta.output.join(&exp.meta.name).join(id))
                }
                (None, None) => None,
            };
            (exp, output)
        }
    };
    if args.fold.is_some() && output.is_none() {
        return Err(Error::invalid(
            "--fold needs a run folder shared by all folds: give --output DIR or --id ID",
        ));
    }
    let plugins = PluginSet::load_default(&exp.meta.plugin_paths);
    for r in &plugins.refused {
        eprintln!("warning: plugin refused: {}", r.error);
    }
    let quiet = args.quiet || !std::io::stderr().is_terminal();
    // The engine writes the whole run folder (epoch log and plots included); this front
    // end only renders progress.
    let mut sink = ProgressSink::new(quiet);
    let opts = RunOptions {
        output,
        resume: args.resume.is_some(),
        fold: args.fold,
        cache: serlab_engine::h5cache::open(&exp, args.no_cache),
    };
    let stop = StopHandle::new();
    let signals = crate::signals::Watch::start(&stop);
    let summary = runner::run(&exp, &plugins, &opts, &mut sink, &stop)?;
    if let Some(signal) = signals.caught() {
        if args.fold.is_none() {
            results::mark_interrupted(&summary.dir, signal)?;
        }
        return Err(Error::Interrupted {
            dir: summary.dir,
            signal,
        });
    }
    println!("{}", crate::table::render(&summary.results));
    match args.fold {
        Some(k) => println!(
            "fold {k} written to {}; pool the folds with `serlab merge {}`",
            runner::parts::path(&summary.dir, k).display(),
            summary.dir.display()
        ),
        None => println!("run folder: {}", summary.dir.display()),
    }
    let total: usize = summary
        .results
        .folds
        .iter()
        .map(|f| f.systems.len() + f.failures.len())
        .sum();
    let failed: usize = summary.results.folds.iter().map(|f| f.failures.len()).sum();
    if failed > 0 {
        return Err(Error::SystemsFailed {
            dir: summary.dir,
            failed,
            total,
        });
    }
    Ok(())
}
