//! `serlab folds EXPERIMENT`: the folds an experiment will run (test and validation
//! speakers), without running it; `--count` prints only their number, for scripts that
//! start one job per fold (`scripts/slurm-array.sh`).

use clap::Args;
use serlab_engine::config::Experiment;
use std::path::PathBuf;

/// Arguments of `serlab folds`.
#[derive(Args, Debug)]
pub struct FoldsArgs {
    /// The experiment TOML file.
    pub experiment: PathBuf,
    /// Print only the number of folds.
    #[arg(long)]
    pub count: bool,
}

/// Run `serlab folds`.
pub fn execute(args: FoldsArgs) -> serlab_engine::Result<()> {
    let exp = Experiment::from_file(&args.experiment)?;
    let folds = serlab_engine::runner::plan(&exp)?;
    if args.count {
        println!("{}", folds.len());
        return Ok(());
    }
    println!("experiment `{}`: {} folds", exp.meta.name, folds.len());
    for f in &folds {
        println!(
            "fold {}: test {}; validation {}; {} training speakers",
            f.index,
            f.test.join(","),
            f.validation.join(","),
            f.train.len()
        );
    }
    Ok(())
}
