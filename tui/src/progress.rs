//! A plain renderer: progress bars on stderr while a run goes, warnings printed above them.

use indicatif::{ProgressBar, ProgressStyle};
use serlab_engine::{EventSink, RunEvent};

/// Shows feature extraction and fold progress; collects warnings.
pub struct ProgressSink {
    bar: Option<ProgressBar>,
    quiet: bool,
    folds: usize,
    /// Warnings seen during the run.
    pub warnings: Vec<String>,
}

impl ProgressSink {
    /// `quiet` hides bars (for tests and non-terminal output); warnings are printed either way.
    pub fn new(quiet: bool) -> Self {
        ProgressSink {
            bar: None,
            quiet,
            folds: 0,
            warnings: Vec::new(),
        }
    }

    fn bar(&mut self, len: usize, prefix: &str) -> &ProgressBar {
        let style =
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {msg} ({eta})")
                .expect("valid template")
                .progress_chars("=> ");
        let b = if self.quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(len as u64)
        };
        b.set_style(style);
        b.set_prefix(prefix.to_string());
        self.bar.insert(b)
    }

    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl EventSink for ProgressSink {
    fn emit(&mut self, event: RunEvent) {
        match event {
            RunEvent::Progress { done, total, .. } => {
                if self.bar.is_none() {
                    self.bar(total, "features");
                }
                if let Some(b) = &self.bar {
                    b.set_position(done as u64);
                }
                if done >= total {
                    self.finish();
                }
            }
            RunEvent::RunStarted { folds, .. } => {
                self.folds = folds;
                self.bar(folds, "folds");
            }
            RunEvent::FoldStarted {
                fold,
                test_speakers,
                ..
            } => {
                if let Some(b) = &self.bar {
                    b.set_message(format!(
                        "fold {} (test: {})",
                        fold + 1,
                        test_speakers.join(",")
                    ));
                }
            }
            RunEvent::FoldFinished { .. } => {
                if let Some(b) = &self.bar {
                    b.inc(1);
                }
            }
            RunEvent::Warning { message } => {
                // Always printed, bars or not: without a terminal (CI, Slurm logs) stderr is
                // where warnings are read. The run folder's results.json records them too.
                match &self.bar {
                    Some(b) => b.suspend(|| eprintln!("warning: {message}")),
                    None => eprintln!("warning: {message}"),
                }
                self.warnings.push(message);
            }
            RunEvent::RunFinished { .. } => self.finish(),
            _ => {}
        }
    }
}
