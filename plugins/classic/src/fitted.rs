//! What the three models share once fitted: standardise the query rows with the training
//! scaler, ask the fitted state for probabilities, and save/load it as JSON with a sanity
//! check of its sizes. One copy here instead of one per model.

use crate::data::{self, Scaler};
use serde::{de::DeserializeOwned, Serialize};
use serlab_api::persist::{load_json, not_fitted, save_json};
use serlab_api::{Features, Result};
use std::path::Path;

/// A model's fitted state, as `save` writes it.
pub trait Fitted: Serialize + DeserializeOwned {
    /// The training scaler (its dimension is the feature dimension).
    fn scaler(&self) -> &Scaler;
    /// Class probabilities of standardised rows.
    fn rows_proba(&self, rows: &[Vec<f64>]) -> Result<Vec<Vec<f32>>>;
    /// An error naming `path` when the loaded state's sizes disagree.
    fn check(&self, path: &Path) -> Result<()>;
}

/// `Model::predict_proba` of `model` given its fitted state (if any).
pub fn predict_proba<F: Fitted>(
    model: &str,
    fitted: Option<&F>,
    inputs: &[&Features],
) -> Result<Vec<Vec<f32>>> {
    let f = fitted.ok_or_else(|| not_fitted(model, "predict_proba"))?;
    let mut rows = data::vectors(model, inputs, Some(f.scaler().dim()))?;
    f.scaler().apply(&mut rows);
    f.rows_proba(&rows)
}

/// `Model::save`.
pub fn save<F: Fitted>(model: &str, fitted: Option<&F>, path: &Path) -> Result<()> {
    save_json(path, fitted.ok_or_else(|| not_fitted(model, "save"))?)
}

/// `Model::load`: the state, checked.
pub fn load<F: Fitted>(model: &str, path: &Path) -> Result<F> {
    let f: F = load_json(path, model)?;
    f.check(path)?;
    Ok(f)
}
