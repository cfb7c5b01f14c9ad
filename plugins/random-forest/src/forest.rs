//! The forest: bootstrap samples, class weights, parallel and seed-deterministic tree
//! growing, soft-voting prediction, out-of-bag accuracy and feature importances.

use crate::data::Matrix;
use crate::params::{ClassWeight, RandomForestParams};
use crate::tree::{grow, Tree, TreeConfig};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serlab_api::{Error, Result};

/// Bumped when the saved layout changes.
pub const FORMAT_VERSION: u32 = 1;

/// A fitted forest, as saved to disk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// [`FORMAT_VERSION`] of the writer.
    pub format: u32,
    /// Feature columns the forest was trained on.
    pub n_features: usize,
    /// Number of classes (outputs).
    pub n_classes: usize,
    /// The trees.
    pub trees: Vec<Tree>,
    /// Mean decrease in impurity per feature, summing to 1 (all zero if no tree split).
    pub importances: Vec<f64>,
    /// Out-of-bag accuracy, when asked for and some sample was out of bag.
    pub oob_accuracy: Option<f64>,
}

/// `n / (k * n_c)` per class from (weighted) class counts, `k` counting the classes present
/// (scikit-learn's `compute_class_weight("balanced")`); absent classes get 0.
pub fn balanced_weights(counts: &[f64]) -> Vec<f64> {
    let n: f64 = counts.iter().sum();
    let present = counts.iter().filter(|&&c| c > 0.0).count() as f64;
    counts
        .iter()
        .map(|&c| if c > 0.0 { n / (present * c) } else { 0.0 })
        .collect()
}

/// The random stream of tree `index`: one ChaCha key from the seed, one stream per tree, so
/// a tree's randomness does not depend on which thread grows it or on the other trees.
pub fn tree_rng(seed: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    rng
}

struct Fitted {
    tree: Tree,
    importances: Vec<f64>,
    out_of_bag: Vec<u32>,
}

/// Grow one tree: bootstrap, weights, then CART.
fn fit_tree(
    m: &Matrix,
    y: &[usize],
    params: &RandomForestParams,
    cfg: &TreeConfig,
    seed: u64,
    index: usize,
) -> Fitted {
    let n = m.n;
    let k = cfg.n_classes;
    let mut rng = tree_rng(seed, index);
    let mut counts = vec![0u32; n];
    if params.bootstrap {
        for _ in 0..n {
            counts[rng.random_range(0..n)] += 1;
        }
    } else {
        counts.iter_mut().for_each(|c| *c = 1);
    }
    let class_weight = match params.class_weight {
        ClassWeight::None => vec![1.0; k],
        ClassWeight::Balanced => {
            let mut per_class = vec![0.0; k];
            y.iter().for_each(|&c| per_class[c] += 1.0);
            balanced_weights(&per_class)
        }
        ClassWeight::BalancedSubsample => {
            let mut per_class = vec![0.0; k];
            y.iter()
                .zip(&counts)
                .for_each(|(&c, &n)| per_class[c] += f64::from(n));
            balanced_weights(&per_class)
        }
    };
    let weights: Vec<f64> = y
        .iter()
        .zip(&counts)
        .map(|(&c, &n)| f64::from(n) * class_weight[c])
        .collect();
    let samples: Vec<u32> = (0..n as u32).filter(|&i| counts[i as usize] > 0).collect();
    let out_of_bag: Vec<u32> = (0..n as u32).filter(|&i| counts[i as usize] == 0).collect();
    let grown = grow(m, y, &samples, &weights, cfg, &mut rng);
    Fitted {
        tree: grown.tree,
        importances: grown.importances,
        out_of_bag,
    }
}

/// Fit a forest. `progress(trees_done)` is called from the calling thread after each chunk
/// of trees; an error from it (a stop request) aborts the fit.
pub fn fit(
    m: &Matrix,
    y: &[usize],
    n_classes: usize,
    params: &RandomForestParams,
    seed: u64,
    progress: &mut dyn FnMut(usize) -> Result<()>,
) -> Result<Forest> {
    let cfg = TreeConfig {
        max_depth: params.max_depth.unwrap_or(usize::MAX),
        min_samples_split: params.min_samples_split,
        min_samples_leaf: params.min_samples_leaf,
        mtry: params.max_features.resolve(m.d)?,
        criterion: params.criterion,
        n_classes,
    };
    let pool = if params.threads > 0 {
        let p = rayon::ThreadPoolBuilder::new()
            .num_threads(params.threads)
            .build()
            .map_err(|e| {
                Error::invalid(format!(
                    "random-forest: cannot start {} threads: {e}",
                    params.threads
                ))
            })?;
        Some(p)
    } else {
        None
    };
    let threads = pool
        .as_ref()
        .map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
    let chunk = (2 * threads).max(8);

    let mut fitted: Vec<Fitted> = Vec::with_capacity(params.n_trees);
    progress(0)?;
    while fitted.len() < params.n_trees {
        let start = fitted.len();
        let end = (start + chunk).min(params.n_trees);
        let job = || {
            (start..end)
                .into_par_iter()
                .map(|t| fit_tree(m, y, params, &cfg, seed, t))
                .collect::<Vec<_>>()
        };
        let batch = match &pool {
            Some(p) => p.install(job),
            None => job(),
        };
        fitted.extend(batch);
        progress(fitted.len())?;
    }

    let oob_accuracy = if params.oob_score {
        oob_accuracy(m, y, n_classes, &fitted)
    } else {
        None
    };
    let importances = mean_importances(fitted.iter().map(|f| &f.importances), m.d);
    Ok(Forest {
        format: FORMAT_VERSION,
        n_features: m.d,
        n_classes,
        trees: fitted.into_iter().map(|f| f.tree).collect(),
        importances,
        oob_accuracy,
    })
}

/// scikit-learn's `feature_importances_`: each tree's impurity decreases normalised to sum 1
/// (trees that never split are left out), averaged, normalised again.
fn mean_importances<'a>(per_tree: impl Iterator<Item = &'a Vec<f64>>, d: usize) -> Vec<f64> {
    let mut mean = vec![0.0; d];
    for imp in per_tree {
        let s: f64 = imp.iter().sum();
        if s > 0.0 {
            mean.iter_mut().zip(imp).for_each(|(m, v)| *m += v / s);
        }
    }
    let s: f64 = mean.iter().sum();
    if s > 0.0 {
        mean.iter_mut().for_each(|m| *m /= s);
    }
    mean
}

/// Accuracy of each sample's soft vote over the trees it was out of bag for.
fn oob_accuracy(m: &Matrix, y: &[usize], k: usize, fitted: &[Fitted]) -> Option<f64> {
    let mut sums = vec![0.0f64; m.n * k];
    let mut row = vec![0.0f32; m.d];
    for f in fitted {
        for &i in &f.out_of_bag {
            let i = i as usize;
            row.iter_mut()
                .enumerate()
                .for_each(|(c, v)| *v = m.x[c * m.n + i]);
            let dist = f.tree.leaf_distribution(&row);
            sums[i * k..(i + 1) * k]
                .iter_mut()
                .zip(dist)
                .for_each(|(s, &p)| *s += f64::from(p));
        }
    }
    let (mut seen, mut correct) = (0usize, 0usize);
    for (i, &label) in y.iter().enumerate() {
        let s = &sums[i * k..(i + 1) * k];
        if s.iter().sum::<f64>() > 0.0 {
            seen += 1;
            let best = (0..k).fold(0, |b, c| if s[c] > s[b] { c } else { b });
            correct += usize::from(best == label);
        }
    }
    (seen > 0).then(|| correct as f64 / seen as f64)
}

impl Forest {
    /// Soft vote: the mean of the trees' leaf distributions, renormalised to sum to 1.
    pub fn predict_row(&self, row: &[f32]) -> Vec<f32> {
        let k = self.n_classes;
        let mut sums = vec![0.0f64; k];
        for t in &self.trees {
            sums.iter_mut()
                .zip(t.leaf_distribution(row))
                .for_each(|(s, &p)| *s += f64::from(p));
        }
        let total: f64 = sums.iter().sum();
        if total > 0.0 {
            sums.iter().map(|s| (s / total) as f32).collect()
        } else {
            vec![1.0 / k as f32; k]
        }
    }

    /// Check a forest read from a file.
    pub fn check(&self) -> Result<()> {
        if self.format != FORMAT_VERSION {
            return Err(Error::invalid(format!(
                "random-forest: model file format {} is not the supported format {FORMAT_VERSION}",
                self.format
            )));
        }
        if self.trees.is_empty() || self.n_classes == 0 || self.n_features == 0 {
            return Err(Error::invalid(
                "random-forest: corrupt model file: no tree, class or feature",
            ));
        }
        self.trees
            .iter()
            .try_for_each(|t| t.check(self.n_features, self.n_classes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_weights_like_sklearn() {
        // sklearn: compute_class_weight("balanced", classes=[0, 1], y=[0]*8 + [1]*2)
        // = 10 / (2 * [8, 2]) = [0.625, 2.5]; class 2 is absent and not counted in k.
        assert_eq!(balanced_weights(&[8.0, 2.0, 0.0]), vec![0.625, 2.5, 0.0]);
    }

    #[test]
    fn tree_streams_differ_and_repeat() {
        let a: u64 = tree_rng(7, 0).random();
        let b: u64 = tree_rng(7, 1).random();
        let c: u64 = tree_rng(7, 0).random();
        assert_ne!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn importances_normalise_per_tree() {
        // Tree 1 puts 4 on feature 0; tree 2 puts 1 on each feature; a stump adds nothing.
        // Per tree: [1, 0], [0.5, 0.5]; mean [0.75, 0.25].
        let t = [vec![4.0, 0.0], vec![1.0, 1.0], vec![0.0, 0.0]];
        assert_eq!(mean_importances(t.iter(), 2), vec![0.75, 0.25]);
    }
}
