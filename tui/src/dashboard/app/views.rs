//! The reducer for what the screens show and what the runs list launches: a past run
//! opened on the live screens, the epoch chosen for the confusion screen, the log's scroll,
//! the training screen's recall chart; resuming a run folder and opening the variant form.

use super::*;
use crate::dashboard::browser::RunEntry;

impl App {
    /// Take a past run read from its folder; the screens show it until `x`.
    pub fn set_past(&mut self, run: Result<LiveRun, String>) {
        match run {
            Ok(r) => {
                self.message = Some(format!(
                    "showing past run {} on screens 2-4 (x: back)",
                    r.output.as_deref().unwrap_or("?")
                ));
                self.past = Some(r);
                self.fold_sel = None;
                self.system_sel = None;
                self.epoch_sel = None;
                self.log_scroll = 0;
                self.screen = Screen::Training;
            }
            Err(e) => self.message = Some(format!("cannot open the run: {e}")),
        }
    }

    /// Take a resource sample.
    pub fn set_usage(&mut self, u: Usage) {
        self.usage = Some(u);
    }

    /// The model whose epochs the epoch keys walk: the chosen system if it is a model with
    /// epochs, else the first model with epochs (on the chosen fold).
    pub fn epoch_model(&self) -> Option<String> {
        let run = self.shown()?;
        let has = |m: &str| {
            run.fits.iter().any(|f| {
                f.model == m && !f.epochs.is_empty() && self.fold_sel.is_none_or(|k| k == f.fold)
            })
        };
        if let Some(s) = self.system_sel.as_deref().filter(|s| has(s)) {
            return Some(s.to_string());
        }
        run.models.iter().find(|m| has(m)).cloned()
    }

    /// The epochs of [`App::epoch_model`] on the chosen fold (any fold when pooled), sorted.
    pub fn epoch_options(&self) -> Vec<usize> {
        let (Some(run), Some(model)) = (self.shown(), self.epoch_model()) else {
            return Vec::new();
        };
        let mut v: Vec<usize> = run
            .fits
            .iter()
            .filter(|f| f.model == model && self.fold_sel.is_none_or(|k| k == f.fold))
            .flat_map(|f| f.epochs.iter().map(|e| e.epoch))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The best epoch of [`App::epoch_model`] on the chosen fold, or the most common best
    /// epoch over the folds when pooled.
    pub fn best_epoch(&self) -> Option<usize> {
        let run = self.shown()?;
        let model = self.epoch_model()?;
        let mut best: Vec<usize> = run
            .fits
            .iter()
            .filter(|f| f.model == model && self.fold_sel.is_none_or(|k| k == f.fold))
            .filter_map(|f| f.best_epoch().map(|e| e.epoch))
            .collect();
        best.sort_unstable();
        // The mode; ties to the earliest epoch.
        let mut top: Option<(usize, usize)> = None;
        for chunk in best.chunk_by(|a, b| a == b) {
            if top.is_none_or(|(_, n)| chunk.len() > n) {
                top = Some((chunk[0], chunk.len()));
            }
        }
        top.map(|(e, _)| e)
    }

    pub(super) fn view_action(&mut self, action: Action, now: Duration) -> Vec<Effect> {
        match action {
            Action::ViewRun => match self.browser.selected_run() {
                Some(r) if self.browser.focus == Pane::Runs => {
                    vec![Effect::LoadPast(r.dir.clone())]
                }
                _ => {
                    self.message = Some("choose a run in the runs list first (→ or l)".into());
                    Vec::new()
                }
            },
            Action::CloseView => {
                if self.past.take().is_some() {
                    self.fold_sel = None;
                    self.system_sel = None;
                    self.epoch_sel = None;
                    self.message = Some(if self.live.is_some() {
                        "back to the run started here".into()
                    } else {
                        "past run closed".into()
                    });
                }
                Vec::new()
            }
            Action::PrevEpoch | Action::NextEpoch => {
                let opts = self.epoch_options();
                if opts.is_empty() {
                    self.message = Some("this model reports no epochs".into());
                    return Vec::new();
                }
                // The cycle: test result (None), then each epoch.
                let mut cycle: Vec<Option<usize>> = vec![None];
                cycle.extend(opts.into_iter().map(Some));
                let at = cycle.iter().position(|o| *o == self.epoch_sel).unwrap_or(0) as isize;
                let by = if action == Action::NextEpoch { 1 } else { -1 };
                let n = cycle.len() as isize;
                self.epoch_sel = cycle[(at + by).rem_euclid(n) as usize];
                Vec::new()
            }
            Action::BestEpoch => {
                match self.best_epoch() {
                    Some(e) => self.epoch_sel = Some(e),
                    None => {
                        self.message = Some("no validation scores per epoch for this model".into())
                    }
                }
                Vec::new()
            }
            Action::ToggleRecall => {
                self.show_recall = !self.show_recall;
                Vec::new()
            }
            Action::Resume => self.resume(now),
            Action::Variant => self.open_form(),
            _ => Vec::new(),
        }
    }

    /// Scroll the log of the training screen by `d` lines (positive: back in time).
    pub(super) fn scroll_log(&mut self, d: isize) {
        let len = self.shown().map(|r| r.log.len()).unwrap_or(0);
        self.log_scroll =
            (self.log_scroll as isize + d).clamp(0, len.saturating_sub(1) as isize) as usize;
    }

    fn resume(&mut self, now: Duration) -> Vec<Effect> {
        if self.running() {
            self.message = Some("a run is going: stop it first (s)".into());
            return Vec::new();
        }
        let Some(r) = self
            .browser
            .selected_run()
            .filter(|_| self.browser.focus == Pane::Runs)
        else {
            self.message = Some("choose a run in the runs list first (→ or l)".into());
            return Vec::new();
        };
        if r.status() == "finished" {
            self.message = Some("this run is finished: nothing to resume".into());
            return Vec::new();
        }
        let (dir, name) = (r.dir.clone(), r.experiment.clone());
        self.begin_live(&name, format!("resuming {}", dir.display()), now);
        vec![Effect::ResumeRun(dir)]
    }

    /// A new live run of `name` starts: the screens follow it.
    pub(super) fn begin_live(&mut self, name: &str, note: String, now: Duration) {
        let mut live = LiveRun::new(name, now);
        live.note(note, false, now);
        self.live = Some(live);
        self.past = None;
        self.screen = Screen::Training;
        self.fold_sel = None;
        self.system_sel = None;
        self.epoch_sel = None;
        self.log_scroll = 0;
    }

    fn open_form(&mut self) -> Vec<Effect> {
        if self.running() {
            self.message = Some("a run is going: stop it first (s)".into());
            return Vec::new();
        }
        let form = match self.browser.focus {
            Pane::Runs => self.browser.selected_run().map(VariantForm::of_run),
            Pane::Experiments => self
                .browser
                .selected_experiment()
                .and_then(|e| e.summary.as_ref().ok().map(|s| (e, s)))
                .map(|(e, s)| VariantForm::new(e.path.clone(), &s.name, None)),
        };
        match form {
            Some(f) => self.form = Some(f),
            None => self.message = Some("choose a valid experiment or a run first".into()),
        }
        Vec::new()
    }
}

impl VariantForm {
    /// The form for a variant of run `r` (its resolved `config.toml`).
    pub fn of_run(r: &RunEntry) -> VariantForm {
        let seed = r.results.as_ref().ok().map(|x| x.seed);
        VariantForm::new(r.dir.join("config.toml"), &r.experiment, seed)
    }
}
