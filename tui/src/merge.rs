//! `serlab merge RUN`: pool the fold parts written by `serlab run --fold K` tasks into the
//! run folder's `results.json` and `predictions.csv`.

use clap::Args;
use std::path::PathBuf;

/// Arguments of `serlab merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The run folder the fold tasks wrote into.
    pub run: PathBuf,
}

/// Run `serlab merge`, printing the pooled results table.
pub fn execute(args: MergeArgs) -> serlab_engine::Result<()> {
    let summary = serlab_engine::runner::merge(&args.run)?;
    println!("{}", crate::table::render(&summary.results));
    println!("run folder: {}", summary.dir.display());
    Ok(())
}
