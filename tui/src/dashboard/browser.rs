//! The experiment browser: the TOML files of a folder and the run folders their experiments
//! wrote, with the state of the two lists (selection, focus, runs marked for comparison).
//!
//! [`scan`] is the only part that reads the disk; the rest is plain state the reducer moves.

use serlab_engine::config::Experiment;
use serlab_engine::results::RunResults;
use std::path::{Path, PathBuf};

/// What the browser shows of a valid experiment file.
#[derive(Clone, Debug, PartialEq)]
pub struct ExperimentSummary {
    /// `[experiment] name`.
    pub name: String,
    /// Corpus kind, e.g. `synthetic` or `emodb`.
    pub corpus: String,
    /// Protocol, shortened (`LOSO speaker`).
    pub protocol: String,
    /// Model ids with their component (`forest-func (random-forest)`).
    pub models: Vec<String>,
    /// Fusion method, if any.
    pub fusion: Option<String>,
    /// Root of its run folders.
    pub output: PathBuf,
}

impl ExperimentSummary {
    /// Summarise a validated experiment.
    pub fn of(exp: &Experiment) -> Self {
        let kind = |v: Option<toml::Value>| {
            v.as_ref()
                .and_then(|v| v.get("kind"))
                .and_then(|k| k.as_str())
                .unwrap_or("?")
                .to_string()
        };
        let corpus = kind(toml::Value::try_from(&exp.corpus).ok());
        let protocol = match kind(toml::Value::try_from(&exp.protocol).ok()).as_str() {
            "leave-one-speaker-out" => "LOSO speaker".to_string(),
            "leave-one-session-out" => "LOSO session".to_string(),
            "speaker-folds" => format!("{} speaker folds", exp.protocol.folds.unwrap_or(0)),
            other => other.to_string(),
        };
        ExperimentSummary {
            name: exp.meta.name.clone(),
            corpus,
            protocol,
            models: exp
                .models
                .iter()
                .map(|m| format!("{} ({})", m.id, m.model))
                .collect(),
            fusion: (!exp.fusions.is_empty()).then(|| {
                exp.fusions
                    .iter()
                    .map(|f| f.method.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            output: exp.meta.output.clone(),
        }
    }
}

/// One TOML file of the folder.
#[derive(Clone, Debug, PartialEq)]
pub struct ExperimentEntry {
    /// The file.
    pub path: PathBuf,
    /// Its summary, or why it is not a valid experiment.
    pub summary: Result<ExperimentSummary, String>,
}

impl ExperimentEntry {
    /// The experiment's name, or the file stem when the file is invalid.
    pub fn name(&self) -> String {
        match &self.summary {
            Ok(s) => s.name.clone(),
            Err(_) => self
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// One run folder (`<output>/<name>/<timestamp>/` holding `results.json`).
#[derive(Clone, Debug, PartialEq)]
pub struct RunEntry {
    /// The run folder.
    pub dir: PathBuf,
    /// The experiment name (folder name).
    pub experiment: String,
    /// The timestamp (folder name).
    pub stamp: String,
    /// Its results, or why they could not be read.
    pub results: Result<RunResults, String>,
}

impl RunEntry {
    /// `status`, or `unreadable`.
    pub fn status(&self) -> &str {
        match &self.results {
            Ok(r) => &r.status,
            Err(_) => "unreadable",
        }
    }

    /// Headline system with its pooled UA and WA.
    pub fn headline(&self) -> Option<(&str, f64, f64)> {
        let r = self.results.as_ref().ok()?;
        let sys = r.main_system()?;
        let p = &r.pooled[sys];
        Some((sys, p.ua, p.wa))
    }

    /// A short label: `name@stamp`.
    pub fn label(&self) -> String {
        format!("{}@{}", self.experiment, self.stamp)
    }
}

/// The result of reading a folder.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scan {
    /// TOML files, by file name.
    pub experiments: Vec<ExperimentEntry>,
    /// Run folders, by experiment then newest first.
    pub runs: Vec<RunEntry>,
}

/// Read the experiments of `dir` and the run folders under their output roots.
pub fn scan(dir: &Path) -> Scan {
    let mut experiments: Vec<ExperimentEntry> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .map(|path| {
            let summary = Experiment::from_file(&path)
                .map(|e| ExperimentSummary::of(&e))
                .map_err(|e| e.to_string());
            ExperimentEntry { path, summary }
        })
        .collect();
    experiments.sort_by(|a, b| a.path.cmp(&b.path));
    let mut roots: Vec<PathBuf> = experiments
        .iter()
        .filter_map(|e| e.summary.as_ref().ok().map(|s| s.output.clone()))
        .collect();
    if roots.is_empty() {
        roots.push(PathBuf::from("runs"));
    }
    roots.sort();
    roots.dedup();
    let mut runs = Vec::new();
    for root in roots {
        runs.extend(scan_runs(&root));
    }
    runs.sort_by(|a, b| a.experiment.cmp(&b.experiment).then(b.stamp.cmp(&a.stamp)));
    Scan { experiments, runs }
}

/// The run folders under one output root: `<root>/<name>/<stamp>/results.json`.
pub fn scan_runs(root: &Path) -> Vec<RunEntry> {
    let subdirs = |p: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_dir()
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect()
    };
    let mut out = Vec::new();
    for exp_dir in subdirs(root) {
        for run in subdirs(&exp_dir) {
            if !run.join("results.json").is_file() {
                continue;
            }
            let name = |p: &Path| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            };
            out.push(RunEntry {
                experiment: name(&exp_dir),
                stamp: name(&run),
                results: serlab_engine::runner::load_results(&run).map_err(|e| e.to_string()),
                dir: run,
            });
        }
    }
    out
}

/// Which list has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    /// The experiment files.
    Experiments,
    /// The runs of the selected experiment.
    Runs,
}

/// The browser's state.
#[derive(Clone, Debug, PartialEq)]
pub struct Browser {
    /// The experiments folder.
    pub dir: PathBuf,
    /// Experiment files.
    pub experiments: Vec<ExperimentEntry>,
    /// All run folders found.
    pub runs: Vec<RunEntry>,
    /// Focused list.
    pub focus: Pane,
    /// Selected experiment.
    pub exp_sel: usize,
    /// Selected run among [`Browser::visible_runs`].
    pub run_sel: usize,
    /// Run folders marked for comparison, in marking order.
    pub marked: Vec<PathBuf>,
}

impl Browser {
    /// An empty browser of `dir` (fill it with [`Browser::set_scan`]).
    pub fn new(dir: &Path) -> Self {
        Browser {
            dir: dir.to_path_buf(),
            experiments: Vec::new(),
            runs: Vec::new(),
            focus: Pane::Experiments,
            exp_sel: 0,
            run_sel: 0,
            marked: Vec::new(),
        }
    }

    /// Take a new scan, keeping the selections where the same items still exist.
    pub fn set_scan(&mut self, scan: Scan) {
        let exp = self.selected_experiment().map(|e| e.path.clone());
        let run = self.selected_run().map(|r| r.dir.clone());
        self.experiments = scan.experiments;
        self.runs = scan.runs;
        self.marked
            .retain(|m| self.runs.iter().any(|r| &r.dir == m));
        self.exp_sel = exp
            .and_then(|p| self.experiments.iter().position(|e| e.path == p))
            .unwrap_or(self.exp_sel)
            .min(self.experiments.len().saturating_sub(1));
        let visible = self.visible_runs();
        self.run_sel = run
            .and_then(|d| visible.iter().position(|r| r.dir == d))
            .unwrap_or(0)
            .min(visible.len().saturating_sub(1));
    }

    /// The selected experiment file.
    pub fn selected_experiment(&self) -> Option<&ExperimentEntry> {
        self.experiments.get(self.exp_sel)
    }

    /// Runs of the selected experiment (all runs when no experiment is selected).
    pub fn visible_runs(&self) -> Vec<&RunEntry> {
        match self.selected_experiment() {
            Some(e) => {
                let name = e.name();
                self.runs.iter().filter(|r| r.experiment == name).collect()
            }
            None => self.runs.iter().collect(),
        }
    }

    /// The selected run.
    pub fn selected_run(&self) -> Option<&RunEntry> {
        self.visible_runs().get(self.run_sel).copied()
    }

    /// Move the selection of the focused list by `delta` rows (clamped).
    pub fn move_by(&mut self, delta: isize) {
        let clamp = |sel: usize, len: usize| {
            (sel as isize + delta).clamp(0, len.saturating_sub(1) as isize) as usize
        };
        match self.focus {
            Pane::Experiments => {
                let before = self.exp_sel;
                self.exp_sel = clamp(self.exp_sel, self.experiments.len());
                if before != self.exp_sel {
                    self.run_sel = 0;
                }
            }
            Pane::Runs => self.run_sel = clamp(self.run_sel, self.visible_runs().len()),
        }
    }

    /// Select row `i` of `pane` (mouse), focusing it.
    pub fn select(&mut self, pane: Pane, i: usize) {
        self.focus = pane;
        let cur = match pane {
            Pane::Experiments => self.exp_sel,
            Pane::Runs => self.run_sel,
        };
        self.move_by(i as isize - cur as isize);
    }

    /// Mark or unmark the selected run for comparison.
    pub fn toggle_mark(&mut self) -> Option<bool> {
        let dir = self.selected_run()?.dir.clone();
        if let Some(i) = self.marked.iter().position(|m| *m == dir) {
            self.marked.remove(i);
            Some(false)
        } else {
            self.marked.push(dir);
            Some(true)
        }
    }

    /// Whether `dir` is marked.
    pub fn is_marked(&self, dir: &Path) -> bool {
        self.marked.iter().any(|m| m == dir)
    }

    /// The marked runs that have results, in marking order.
    pub fn marked_results(&self) -> Vec<(&RunEntry, &RunResults)> {
        self.marked
            .iter()
            .filter_map(|m| self.runs.iter().find(|r| &r.dir == m))
            .filter_map(|r| r.results.as_ref().ok().map(|res| (r, res)))
            .collect()
    }
}
