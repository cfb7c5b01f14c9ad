//! The reducer proper: how each [`RunEvent`] changes the [`LiveRun`]. Kept apart from the
//! state and its queries (`mod.rs`) because it is the one place that follows the runner's
//! event vocabulary; a new event is handled here and nowhere else.

use super::*;

impl LiveRun {
    /// Take one event from the runner.
    pub fn apply(&mut self, event: &RunEvent, at: Duration) {
        // Patterns end in `..` so that fields added to the events later do not break this.
        match event {
            RunEvent::Progress {
                stage, done, total, ..
            } => {
                if !matches!(self.phase, Phase::Features { .. }) {
                    self.stage_started = at;
                    self.note(format!("{stage}: {total} utterances"), false, at);
                }
                self.phase = Phase::Features {
                    stage: stage.clone(),
                    done: *done,
                    total: *total,
                };
            }
            RunEvent::RunStarted {
                name,
                folds,
                models,
                classes,
                ..
            } => {
                self.experiment = name.clone();
                self.folds = *folds;
                self.models = models.clone();
                self.systems = models.clone();
                self.classes = classes.clone();
                self.fold_info = vec![FoldInfo::default(); *folds];
                self.phase = Phase::Training;
                self.stage_started = at;
                self.note(
                    format!(
                        "training {} model(s) on {folds} folds, {} classes",
                        models.len(),
                        classes.len()
                    ),
                    false,
                    at,
                );
            }
            RunEvent::FoldStarted {
                fold,
                folds,
                test_speakers,
                validation_speakers,
                ..
            } => {
                if self.fold_info.len() < *folds {
                    self.fold_info.resize(*folds, FoldInfo::default());
                    self.folds = *folds;
                }
                for f in self.fold_info.iter_mut().take(*fold) {
                    if !f.finished && !f.test.is_empty() {
                        f.skipped = true;
                    }
                }
                if let Some(f) = self.fold_info.get_mut(*fold) {
                    f.test = test_speakers.clone();
                    f.validation = validation_speakers.clone();
                }
                self.current = None;
                self.note(
                    format!(
                        "fold {}/{folds}: test {}; validation {}",
                        fold + 1,
                        test_speakers.join(","),
                        validation_speakers.join(",")
                    ),
                    false,
                    at,
                );
            }
            RunEvent::ModelStarted { fold, model, .. } => {
                self.current = Some((*fold, model.clone()));
                self.fits.push(Fit::new(*fold, model));
            }
            RunEvent::Step {
                fold,
                model,
                step,
                total,
                loss,
                ..
            } => {
                let fit = self.fit_mut(*fold, model);
                fit.last_step = *step;
                fit.total_steps = *total;
                if let Some(l) = loss {
                    fit.steps.push(*step as f64, *l);
                }
            }
            RunEvent::Epoch {
                fold,
                model,
                epoch,
                train_loss,
                valid_loss,
                valid_ua,
                valid_wa,
                lr,
                valid_confusion,
            } => {
                let fit = self.fit_mut(*fold, model);
                if fit.steps_per_epoch.is_none() && fit.last_step > 0 {
                    fit.steps_per_epoch = Some(fit.last_step / (epoch + 1)).filter(|&s| s > 0);
                }
                fit.epochs.push(EpochPoint {
                    epoch: *epoch,
                    train_loss: *train_loss,
                    valid_loss: *valid_loss,
                    valid_ua: *valid_ua,
                    valid_wa: *valid_wa,
                    lr: *lr,
                    valid_confusion: valid_confusion.clone(),
                });
            }
            RunEvent::Evaluated {
                fold,
                model,
                ua,
                wa,
                confusion,
                ..
            } => {
                if !self.systems.contains(model) {
                    self.systems.push(model.clone());
                }
                self.evals.entry(model.clone()).or_default().insert(
                    *fold,
                    Eval {
                        ua: *ua,
                        wa: *wa,
                        confusion: confusion.clone(),
                    },
                );
                self.note(
                    format!("fold {} {model}: UA {ua:.3} WA {wa:.3}", fold + 1),
                    false,
                    at,
                );
            }
            RunEvent::FoldFinished { fold, .. } => {
                if let Some(f) = self.fold_info.get_mut(*fold) {
                    f.finished = true;
                }
                self.current = None;
            }
            RunEvent::Warning { message, .. } => self.note(message.clone(), true, at),
            RunEvent::RunFinished {
                output, stopped, ..
            } => {
                self.output = Some(output.clone());
                self.finished_folder = true;
                self.phase = Phase::Finished { stopped: *stopped };
                self.current = None;
                self.end(at);
                let how = if *stopped { "stopped" } else { "finished" };
                self.note(format!("run {how}: {output}"), false, at);
            }
            // Events added to serlab-engine later are ignored until the dashboard shows them.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}
