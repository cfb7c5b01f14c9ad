//! Inputs as dense `f64` rows, checked, and the per-column standardisation both models use.
//!
//! Logistic regression's L2 penalty and kNN's Euclidean distance both depend on the scale
//! of each column, and speech functionals span orders of magnitude (Hz next to ratios), so
//! by default each column is centred and divided by its training standard deviation, as
//! scikit-learn's `StandardScaler` (population deviation; a constant column keeps scale 1).

use serde::{Deserialize, Serialize};
use serlab_api::{Error, Features, LabeledSet, Result};

/// Per-column scaling before the model sees the features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Standardize {
    /// Mean 0 and standard deviation 1 per column, from the training set.
    #[default]
    Global,
    /// The features as extracted.
    None,
}

/// A fitted per-column affine map `(x - mean) / scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// Column means (zeros when not standardising).
    pub mean: Vec<f64>,
    /// Column scales (ones when not standardising).
    pub scale: Vec<f64>,
}

impl Scaler {
    /// Fit on `rows` (all `d` long) as `how` says.
    pub fn fit(rows: &[Vec<f64>], d: usize, how: Standardize) -> Scaler {
        let mut mean = vec![0.0; d];
        let mut scale = vec![1.0; d];
        if how == Standardize::Global && !rows.is_empty() {
            let n = rows.len() as f64;
            for r in rows {
                for (m, v) in mean.iter_mut().zip(r) {
                    *m += v;
                }
            }
            mean.iter_mut().for_each(|m| *m /= n);
            let mut var = vec![0.0; d];
            for r in rows {
                for ((s, v), m) in var.iter_mut().zip(r).zip(&mean) {
                    *s += (v - m) * (v - m);
                }
            }
            for (s, v) in scale.iter_mut().zip(var) {
                let sd = (v / n).sqrt();
                // As sklearn's `_handle_zeros_in_scale`: a (numerically) constant column is
                // only centred.
                *s = if sd > 10.0 * f64::EPSILON { sd } else { 1.0 };
            }
        }
        Scaler { mean, scale }
    }

    /// Apply to every row in place.
    pub fn apply(&self, rows: &mut [Vec<f64>]) {
        for r in rows {
            for ((v, m), s) in r.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = (*v - m) / s;
            }
        }
    }

    /// Number of columns.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Check a deserialised scaler.
    pub fn check(&self, model: &str) -> Result<()> {
        if self.mean.len() != self.scale.len()
            || self.scale.iter().any(|s| !(s.is_finite() && *s > 0.0))
            || self.mean.iter().any(|m| !m.is_finite())
        {
            return Err(Error::invalid(format!(
                "{model}: the saved standardisation is malformed ({} means, {} scales, all \
                 scales must be positive)",
                self.mean.len(),
                self.scale.len()
            )));
        }
        Ok(())
    }
}

/// The vector of every input as `f64`, checked for a common dimension (`d` when given)
/// and for finite values; errors name `model`, the utterance and the column.
pub fn vectors(model: &str, inputs: &[&Features], d: Option<usize>) -> Result<Vec<Vec<f64>>> {
    let mut expected = d;
    let mut out = Vec::with_capacity(inputs.len());
    for (i, f) in inputs.iter().enumerate() {
        let v = f.as_vector();
        match expected {
            None => expected = Some(v.len()),
            Some(d) if d != v.len() => {
                return Err(Error::invalid(format!(
                    "{model}: utterance {i} has {} features but {d} were expected (all inputs \
                     must have the dimension the model was trained on)",
                    v.len()
                )));
            }
            Some(_) => {}
        }
        if let Some((col, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::invalid(format!(
                "{model}: feature column {col} of utterance {i} is {x}; the model needs finite \
                 features (check the extractor)"
            )));
        }
        out.push(v.iter().map(|&x| f64::from(x)).collect());
    }
    Ok(out)
}

/// Check a training set and return its rows, labels and column count.
pub fn training_rows(model: &str, set: &LabeledSet<'_>) -> Result<(Vec<Vec<f64>>, usize)> {
    if set.is_empty() {
        return Err(Error::invalid(format!(
            "{model}: the training set is empty"
        )));
    }
    if set.inputs.len() != set.labels.len() {
        return Err(Error::invalid(format!(
            "{model}: {} inputs but {} labels",
            set.inputs.len(),
            set.labels.len()
        )));
    }
    let k = set.classes.len();
    if let Some((i, &y)) = set.labels.iter().enumerate().find(|(_, &y)| y >= k) {
        return Err(Error::invalid(format!(
            "{model}: utterance {i} has label {y} but there are only {k} classes"
        )));
    }
    let rows = vectors(model, set.inputs, None)?;
    let d = rows[0].len();
    if d == 0 {
        return Err(Error::invalid(format!(
            "{model}: the features have no column (text features need a text model)"
        )));
    }
    Ok((rows, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaler_matches_standard_scaler() {
        // Column 0: mean 2, population sd sqrt(2/3); column 1 constant: centred, scale 1.
        let rows = vec![vec![1.0, 5.0], vec![2.0, 5.0], vec![3.0, 5.0]];
        let s = Scaler::fit(&rows, 2, Standardize::Global);
        assert_eq!(s.mean, vec![2.0, 5.0]);
        assert!((s.scale[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(s.scale[1], 1.0);
        let mut r = rows.clone();
        s.apply(&mut r);
        assert!((r[2][0] - 1.224_744_871_391_589).abs() < 1e-12);
        assert_eq!(r[0][1], 0.0);
        let none = Scaler::fit(&rows, 2, Standardize::None);
        assert_eq!((none.mean, none.scale), (vec![0.0; 2], vec![1.0; 2]));
    }

    #[test]
    fn bad_inputs_are_named() {
        let a = Features::Vector(vec![1.0, 2.0]);
        let b = Features::Vector(vec![1.0]);
        let c = Features::Vector(vec![1.0, f32::NAN]);
        let e = vectors("knn", &[&a, &b], None).unwrap_err().to_string();
        assert!(e.contains("knn: utterance 1 has 1 features but 2"), "{e}");
        let e = vectors("knn", &[&c], Some(2)).unwrap_err().to_string();
        assert!(e.contains("feature column 1 of utterance 0 is NaN"), "{e}");
    }
}
