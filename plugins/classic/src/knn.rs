//! The `knn` model: k nearest neighbours by Euclidean distance, with class probabilities
//! as scikit-learn's `KNeighborsClassifier.predict_proba`.
//!
//! Brute force: every query is compared with every training row. Speech corpora have
//! hundreds to a few thousand training utterances, so a tree index would not pay for
//! itself in high-dimensional functionals. With `weights = "uniform"` a class's
//! probability is its share of the k neighbours; with `"distance"` each neighbour weighs
//! `1 / distance`, except that when some neighbours are at distance 0 only those count
//! (scikit-learn's `_get_weights`). Ties in distance are broken by training order.

use crate::data::{self, Scaler, Standardize};
use crate::fitted;
use serde::{Deserialize, Serialize};
use serlab_api::{Component, Error, Features, FitContext, LabeledSet, Model, Result};
use std::path::Path;

/// How the k neighbours vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weights {
    /// Each neighbour counts once.
    Uniform,
    /// Each neighbour counts `1 / distance`.
    Distance,
}

/// Parameters of the `knn` model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnnParams {
    /// Number of neighbours (scikit-learn's `n_neighbors`).
    pub k: usize,
    /// Voting weights.
    pub weights: Weights,
    /// Column scaling before distances are taken.
    pub standardize: Standardize,
}

impl Default for KnnParams {
    fn default() -> Self {
        KnnParams {
            k: 5,
            weights: Weights::Uniform,
            standardize: Standardize::Global,
        }
    }
}

/// Help per parameter key, for `serlab plugins`.
pub const PARAMS_HELP: &[(&str, &str)] = &[
    ("k", "number of neighbours (default 5)"),
    (
        "weights",
        "\"uniform\" (default) or \"distance\" (1 / distance; exact matches win)",
    ),
    (
        "standardize",
        "\"global\" (default: mean 0, sd 1 per column from the training set) or \"none\"",
    ),
];

/// What `save` writes: the (standardised) training rows are the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    scaler: Scaler,
    rows: Vec<Vec<f64>>,
    labels: Vec<usize>,
    classes: usize,
    k: usize,
    weights: Weights,
}

impl fitted::Fitted for Fitted {
    fn scaler(&self) -> &Scaler {
        &self.scaler
    }

    fn rows_proba(&self, rows: &[Vec<f64>]) -> Result<Vec<Vec<f32>>> {
        Ok(rows.iter().map(|q| self.predict_row(q)).collect())
    }

    fn check(&self, path: &Path) -> Result<()> {
        self.scaler.check(Knn::NAME)?;
        let d = self.scaler.dim();
        let bad = self.rows.len() != self.labels.len()
            || self.rows.iter().any(|r| r.len() != d)
            || self.labels.iter().any(|&y| y >= self.classes)
            || self.k == 0
            || self.k > self.rows.len();
        if bad {
            return Err(Error::invalid(format!(
                "knn: {} is malformed ({} rows, {} labels, {} classes, k = {})",
                path.display(),
                self.rows.len(),
                self.labels.len(),
                self.classes,
                self.k
            )));
        }
        Ok(())
    }
}

impl Fitted {
    /// Class probabilities of one standardised row.
    fn predict_row(&self, q: &[f64]) -> Vec<f32> {
        let mut dist: Vec<(f64, usize)> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let s: f64 = r.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum();
                (s.sqrt(), i)
            })
            .collect();
        let by_distance =
            |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        if self.k < dist.len() {
            dist.select_nth_unstable_by(self.k - 1, by_distance);
            dist.truncate(self.k);
        }
        let mut votes = vec![0.0f64; self.classes];
        let exact = dist.iter().any(|(d, _)| *d == 0.0);
        for &(d, i) in &dist {
            let w = match self.weights {
                Weights::Uniform => 1.0,
                Weights::Distance if exact => f64::from(u8::from(d == 0.0)),
                Weights::Distance => 1.0 / d,
            };
            votes[self.labels[i]] += w;
        }
        let total: f64 = votes.iter().sum();
        votes.iter().map(|v| (v / total) as f32).collect()
    }
}

/// The `knn` model.
pub struct Knn {
    params: KnnParams,
    fitted: Option<Fitted>,
}

impl Component for Knn {
    const NAME: &'static str = "knn";
    const SUMMARY: &'static str =
        "k nearest neighbours (Euclidean, uniform or 1/distance votes) on vector features, as scikit-learn's KNeighborsClassifier";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = PARAMS_HELP;
    type Params = KnnParams;

    fn new(params: KnnParams) -> Result<Self> {
        if params.k == 0 {
            return Err(Error::config(Self::NAME, "k", "must be at least 1"));
        }
        Ok(Knn {
            params,
            fitted: None,
        })
    }
}

impl Model for Knn {
    /// Stores the (standardised) training rows; `valid` is not used.
    fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        _valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        if ctx.stop.should_halt() {
            return Err(Error::Stopped);
        }
        let (mut rows, d) = data::training_rows(Self::NAME, train)?;
        if self.params.k > rows.len() {
            return Err(Error::invalid(format!(
                "knn: k = {} but the training set has only {} utterances",
                self.params.k,
                rows.len()
            )));
        }
        let scaler = Scaler::fit(&rows, d, self.params.standardize);
        scaler.apply(&mut rows);
        self.fitted = Some(Fitted {
            scaler,
            rows,
            labels: train.labels.to_vec(),
            classes: train.classes.len(),
            k: self.params.k,
            weights: self.params.weights,
        });
        Ok(())
    }

    fn predict_proba(&self, inputs: &[&Features]) -> Result<Vec<Vec<f32>>> {
        fitted::predict_proba(Self::NAME, self.fitted.as_ref(), inputs)
    }

    fn save(&self, path: &Path) -> Result<()> {
        fitted::save(Self::NAME, self.fitted.as_ref(), path)
    }

    fn load(&mut self, path: &Path) -> Result<()> {
        self.fitted = Some(fitted::load(Self::NAME, path)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fitted(rows: Vec<Vec<f64>>, labels: Vec<usize>, k: usize, weights: Weights) -> Fitted {
        Fitted {
            scaler: Scaler::fit(&rows, rows[0].len(), Standardize::None),
            rows,
            labels,
            classes: 3,
            k,
            weights,
        }
    }

    #[test]
    fn votes_by_count_and_by_inverse_distance() {
        // On a line: class 0 at 0 and 1, class 1 at 3, class 2 at 10. Query at 2:
        // neighbours 1 (d 1, class 0), 3 (d 1, class 1), 0 (d 2, class 0).
        let rows = vec![vec![0.0], vec![1.0], vec![3.0], vec![10.0]];
        let labels = vec![0, 0, 1, 2];
        let u = fitted(rows.clone(), labels.clone(), 3, Weights::Uniform);
        assert_eq!(u.predict_row(&[2.0]), vec![2.0 / 3.0, 1.0 / 3.0, 0.0]);
        let d = fitted(rows, labels, 3, Weights::Distance);
        // Weights 1, 1, 0.5: class 0 gets 1.5 / 2.5.
        assert_eq!(d.predict_row(&[2.0]), vec![0.6, 0.4, 0.0]);
        // An exact match takes all the weight.
        assert_eq!(d.predict_row(&[10.0]), vec![0.0, 0.0, 1.0]);
    }

    #[test]
    fn params_are_checked() {
        let p: KnnParams = toml::from_str("k = 0").unwrap();
        let e = Knn::new(p).err().unwrap().to_string();
        assert!(e.contains("knn") && e.contains('k'), "{e}");
        let e = toml::from_str::<KnnParams>("weights = \"gauss\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("weights") || e.contains("uniform"), "{e}");
        let e = toml::from_str::<KnnParams>("n_neighbors = 3")
            .unwrap_err()
            .to_string();
        assert!(e.contains("n_neighbors"), "{e}");
    }
}
