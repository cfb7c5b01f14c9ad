//! serlab plugin `random-forest`: a CART classification forest in the manner of
//! scikit-learn's `RandomForestClassifier`.
//!
//! Each tree is grown on a bootstrap sample (drawn as per-sample counts used as weights, as
//! scikit-learn does); at each node a random subset of `max_features` features is searched
//! exhaustively (the node's samples sorted per feature, thresholds at midpoints) for the
//! split with the largest Gini or entropy decrease; trees grow until leaves are pure or hit
//! `max_depth` / `min_samples_*`. Leaves keep their (class-weighted) class distribution and
//! [`serlab_api::Model::predict_proba`] averages the trees' leaf distributions (soft
//! voting, as `RandomForestClassifier.predict_proba`). `class_weight = "balanced"` is the
//! default because speech-emotion corpora are imbalanced.
//!
//! Why not a library forest: smartcore 0.7's `RandomForestClassifier` only returns majority
//! votes (no class probabilities) and keeps its trees private, so probabilities cannot be
//! rebuilt; linfa's ensemble is bagging with one feature subset per tree rather than per
//! split. Late fusion needs calibrated-ish per-class probabilities, hence this crate.
//!
//! Determinism: tree `t` draws from ChaCha8 stream `t` keyed by [`FitContext::seed`], and
//! results are gathered in tree order, so a fit is identical for a given seed whatever the
//! number of threads.
//!
//! Inputs are [`serlab_api::Features::as_vector`] of each utterance (frame features are
//! mean-pooled). NaN or infinite features are rejected with the offending column.

pub mod data;
pub mod forest;
pub mod params;
pub mod tree;

pub use forest::Forest;
pub use params::{ClassWeight, Criterion, MaxFeatures, RandomForestParams};

use serlab_api::persist::{load_json, not_fitted, save_json};
use serlab_api::{Component, Error, Features, FitContext, LabeledSet, Model, Result, RunEvent};
use std::path::Path;

/// The `serlab_plugin_declaration` symbol (in a private module: the macro's static has no
/// doc comment of its own, and `#[no_mangle]` exports it all the same).
mod declaration {
    serlab_api::export_plugin!("random-forest", super::register);
}

/// Registers the plugin's components.
pub fn register(r: &mut serlab_api::plugin::Registrar) {
    r.model::<RandomForest>();
}

/// The `random-forest` model.
pub struct RandomForest {
    params: RandomForestParams,
    forest: Option<Forest>,
}

impl RandomForest {
    /// The fitted forest, if any.
    pub fn forest(&self) -> Option<&Forest> {
        self.forest.as_ref()
    }

    /// Mean decrease in impurity per feature column (summing to 1), once fitted.
    pub fn feature_importances(&self) -> Option<&[f64]> {
        self.forest.as_ref().map(|f| f.importances.as_slice())
    }

    /// Out-of-bag accuracy, once fitted with `oob_score = true`.
    pub fn oob_accuracy(&self) -> Option<f64> {
        self.forest.as_ref().and_then(|f| f.oob_accuracy)
    }
}

impl Component for RandomForest {
    const NAME: &'static str = "random-forest";
    const SUMMARY: &'static str =
        "CART random forest (bootstrap, random features per split, Gini/entropy, class weights), soft-voted probabilities";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = params::PARAMS_HELP;
    type Params = RandomForestParams;

    fn new(params: RandomForestParams) -> Result<Self> {
        params.validate()?;
        Ok(RandomForest {
            params,
            forest: None,
        })
    }
}

impl Model for RandomForest {
    /// Fits on `train`; `valid` is not used (a forest has no early stopping).
    fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        _valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        let (m, y) = data::training_matrix(train)?;
        let total = self.params.n_trees;
        let mut progress = |done: usize| {
            if done > 0 {
                ctx.events.emit(RunEvent::Step {
                    fold: ctx.fold,
                    model: ctx.model_id.into(),
                    step: done,
                    total: Some(total),
                    loss: None,
                });
            }
            if done < total && ctx.stop.should_halt() {
                return Err(Error::Stopped);
            }
            Ok(())
        };
        let forest = forest::fit(
            &m,
            &y,
            train.classes.len(),
            &self.params,
            ctx.seed,
            &mut progress,
        )?;
        self.forest = Some(forest);
        Ok(())
    }

    fn predict_proba(&self, inputs: &[&Features]) -> Result<Vec<Vec<f32>>> {
        use rayon::prelude::*;
        let forest = self
            .forest
            .as_ref()
            .ok_or_else(|| not_fitted(Self::NAME, "predict_proba"))?;
        let rows = data::vectors(inputs, Some(forest.n_features))?;
        Ok(rows.par_iter().map(|r| forest.predict_row(r)).collect())
    }

    fn save(&self, path: &Path) -> Result<()> {
        let forest = self
            .forest
            .as_ref()
            .ok_or_else(|| not_fitted(Self::NAME, "save"))?;
        save_json(path, forest)
    }

    fn load(&mut self, path: &Path) -> Result<()> {
        let forest: Forest = load_json(path, Self::NAME)?;
        forest.check()?;
        self.forest = Some(forest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn registers_the_model_with_its_defaults() {
        let mut r = serlab_api::plugin::Registrar::new("random-forest");
        super::register(&mut r);
        let c = r.components();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "random-forest");
        assert!(c[0].defaults.contains("n_trees = 300"), "{}", c[0].defaults);
        assert_eq!(c[0].params.len(), super::params::PARAMS_HELP.len());
    }
}
