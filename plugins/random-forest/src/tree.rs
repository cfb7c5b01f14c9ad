//! One CART classification tree: growing (exhaustive threshold search over a random subset
//! of features per node, as in scikit-learn's `BestSplitter`) and prediction.

use crate::data::Matrix;
use crate::params::Criterion;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use serlab_api::{Error, Result};

/// A node of a fitted tree.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Node {
    /// Samples with `x[feature] <= threshold` go to `left`, the others to `right`.
    Split {
        /// Feature column.
        feature: u32,
        /// Threshold (a midpoint between two training values).
        threshold: f32,
        /// Index of the left child.
        left: u32,
        /// Index of the right child.
        right: u32,
    },
    /// A leaf; its class distribution is row `index` of [`Tree::leaves`].
    Leaf {
        /// Row in the leaf table.
        index: u32,
    },
}

/// A fitted tree: nodes (root first, children after their parent) and one class
/// distribution per leaf.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Nodes; node 0 is the root.
    pub nodes: Vec<Node>,
    /// Leaf class distributions, row-major, `n_classes` per leaf, each row summing to 1.
    pub leaves: Vec<f32>,
    /// Number of classes.
    pub n_classes: usize,
}

impl Tree {
    /// The class distribution of the leaf `row` falls into.
    pub fn leaf_distribution(&self, row: &[f32]) -> &[f32] {
        let mut i = 0usize;
        loop {
            match self.nodes[i] {
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    i = if row[feature as usize] <= threshold {
                        left as usize
                    } else {
                        right as usize
                    };
                }
                Node::Leaf { index } => {
                    let k = self.n_classes;
                    let start = index as usize * k;
                    return &self.leaves[start..start + k];
                }
            }
        }
    }

    /// Check a tree read from a file, so that prediction cannot index out of bounds or loop.
    pub fn check(&self, n_features: usize, n_classes: usize) -> Result<()> {
        let bad = |what: String| {
            Err(Error::invalid(format!(
                "random-forest: corrupt model file: {what}"
            )))
        };
        if self.n_classes != n_classes {
            return bad(format!(
                "a tree has {} classes instead of {n_classes}",
                self.n_classes
            ));
        }
        if self.nodes.is_empty() || self.leaves.len() % n_classes.max(1) != 0 {
            return bad("a tree has no node or a ragged leaf table".into());
        }
        let n_leaves = self.leaves.len() / n_classes.max(1);
        for (i, node) in self.nodes.iter().enumerate() {
            match *node {
                Node::Split {
                    feature,
                    left,
                    right,
                    threshold,
                } => {
                    // Children always come after their parent: no cycle is possible.
                    let ok = |c: u32| (c as usize) > i && (c as usize) < self.nodes.len();
                    if feature as usize >= n_features
                        || !ok(left)
                        || !ok(right)
                        || threshold.is_nan()
                    {
                        return bad(format!("node {i} is invalid"));
                    }
                }
                Node::Leaf { index } => {
                    if index as usize >= n_leaves {
                        return bad(format!("leaf {i} points past the leaf table"));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Settings shared by all trees of a forest.
#[derive(Clone, Copy, Debug)]
pub struct TreeConfig {
    /// Depth at which nodes become leaves (`usize::MAX` for unlimited).
    pub max_depth: usize,
    /// Minimum distinct samples to split a node.
    pub min_samples_split: usize,
    /// Minimum distinct samples per child.
    pub min_samples_leaf: usize,
    /// Features drawn per node.
    pub mtry: usize,
    /// Impurity measure.
    pub criterion: Criterion,
    /// Number of classes.
    pub n_classes: usize,
}

/// A grown tree and its unnormalised impurity decrease per feature.
pub struct Grown {
    /// The tree.
    pub tree: Tree,
    /// Weighted impurity decrease per feature (mean decrease in impurity, before scaling).
    pub importances: Vec<f64>,
}

/// Impurity of a node from its weighted class sums.
fn impurity(criterion: Criterion, sums: &[f64], total: f64) -> f64 {
    if total <= 0.0 {
        return 0.0;
    }
    match criterion {
        Criterion::Gini => 1.0 - sums.iter().map(|s| (s / total) * (s / total)).sum::<f64>(),
        Criterion::Entropy => -sums
            .iter()
            .filter(|&&s| s > 0.0)
            .map(|&s| {
                let p = s / total;
                p * p.log2()
            })
            .sum::<f64>(),
    }
}

/// `sum_c s_c ln(s_c / total)`: minus the total weight times the entropy (in nats), the
/// part of the entropy criterion that differs between candidate splits.
fn neg_weighted_entropy(sums: &[f64], total: f64) -> f64 {
    if total <= 0.0 {
        return 0.0;
    }
    sums.iter()
        .filter(|&&s| s > 0.0)
        .map(|&s| s * (s / total).ln())
        .sum()
}

struct Best {
    proxy: f64,
    feature: usize,
    threshold: f32,
}

struct Task {
    start: usize,
    end: usize,
    depth: usize,
    node: usize,
    parent_feature: Option<usize>,
}

/// Grow one tree on the distinct `samples` (indices into `m`'s rows) with per-sample
/// `weights` (bootstrap count times class weight, indexed by row).
pub fn grow<R: rand::Rng + ?Sized>(
    m: &Matrix,
    y: &[usize],
    samples: &[u32],
    weights: &[f64],
    cfg: &TreeConfig,
    rng: &mut R,
) -> Grown {
    let k = cfg.n_classes;
    let d = m.d;
    let mut idx: Vec<u32> = samples.to_vec();
    let mut features: Vec<u32> = (0..d as u32).collect();
    let mut buf: Vec<(f32, u32)> = Vec::with_capacity(idx.len());
    let mut nodes: Vec<Node> = vec![Node::Leaf { index: 0 }];
    let mut leaves: Vec<f32> = Vec::new();
    let mut importances = vec![0.0f64; d];
    let mut sums = vec![0.0f64; k];
    let mut left = vec![0.0f64; k];
    let mut right = vec![0.0f64; k];
    let mut stack = vec![Task {
        start: 0,
        end: idx.len(),
        depth: 0,
        node: 0,
        parent_feature: None,
    }];

    while let Some(task) = stack.pop() {
        let node_idx = &idx[task.start..task.end];
        let count = node_idx.len();
        sums.iter_mut().for_each(|s| *s = 0.0);
        for &i in node_idx {
            sums[y[i as usize]] += weights[i as usize];
        }
        let total: f64 = sums.iter().sum();
        let imp = impurity(cfg.criterion, &sums, total);
        if let Some(f) = task.parent_feature {
            importances[f] -= total * imp;
        }

        let is_leaf = task.depth >= cfg.max_depth
            || count < cfg.min_samples_split
            || count < 2 * cfg.min_samples_leaf
            || imp <= 1e-12;
        let best = if is_leaf {
            None
        } else {
            best_split(
                m,
                y,
                weights,
                node_idx,
                &sums,
                total,
                cfg,
                rng,
                &mut features,
                &mut buf,
                &mut left,
                &mut right,
            )
        };

        let Some(best) = best else {
            let index = (leaves.len() / k.max(1)) as u32;
            if total > 0.0 {
                leaves.extend(sums.iter().map(|s| (s / total) as f32));
            } else {
                leaves.extend(std::iter::repeat_n(1.0 / k as f32, k));
            }
            nodes[task.node] = Node::Leaf { index };
            continue;
        };

        // Partition the node's samples: `x <= threshold` first.
        let col = m.column(best.feature);
        let slice = &mut idx[task.start..task.end];
        let mut mid = 0;
        for j in 0..slice.len() {
            if col[slice[j] as usize] <= best.threshold {
                slice.swap(mid, j);
                mid += 1;
            }
        }
        debug_assert!(mid > 0 && mid < slice.len());
        importances[best.feature] += total * imp;
        let l = nodes.len();
        nodes.push(Node::Leaf { index: 0 });
        nodes.push(Node::Leaf { index: 0 });
        nodes[task.node] = Node::Split {
            feature: best.feature as u32,
            threshold: best.threshold,
            left: l as u32,
            right: (l + 1) as u32,
        };
        let depth = task.depth + 1;
        let pf = Some(best.feature);
        stack.push(Task {
            start: task.start + mid,
            end: task.end,
            depth,
            node: l + 1,
            parent_feature: pf,
        });
        stack.push(Task {
            start: task.start,
            end: task.start + mid,
            depth,
            node: l,
            parent_feature: pf,
        });
    }

    Grown {
        tree: Tree {
            nodes,
            leaves,
            n_classes: k,
        },
        importances,
    }
}

/// The best split of a node over `cfg.mtry` randomly drawn non-constant features (more
/// are drawn while the ones drawn are constant on the node, as scikit-learn does).
#[allow(clippy::too_many_arguments)]
fn best_split<R: rand::Rng + ?Sized>(
    m: &Matrix,
    y: &[usize],
    weights: &[f64],
    node_idx: &[u32],
    sums: &[f64],
    total: f64,
    cfg: &TreeConfig,
    rng: &mut R,
    features: &mut [u32],
    buf: &mut Vec<(f32, u32)>,
    left: &mut [f64],
    right: &mut [f64],
) -> Option<Best> {
    let d = features.len();
    let count = node_idx.len();
    let min_leaf = cfg.min_samples_leaf;
    let mut best: Option<Best> = None;
    let mut visited = 0usize;
    let mut drawn = 0usize;
    while drawn < d && visited < cfg.mtry {
        // Partial Fisher-Yates: `features[..drawn]` are this node's draws so far.
        let j = rng.random_range(drawn..d);
        features.swap(drawn, j);
        let f = features[drawn] as usize;
        drawn += 1;

        let col = m.column(f);
        buf.clear();
        buf.extend(node_idx.iter().map(|&i| (col[i as usize], i)));
        buf.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        if buf[count - 1].0 <= buf[0].0 {
            continue; // constant on this node: does not count towards mtry
        }
        visited += 1;

        left.iter_mut().for_each(|s| *s = 0.0);
        right.copy_from_slice(sums);
        let (mut lw, mut rw) = (0.0f64, total);
        let mut sq_left = 0.0f64;
        let mut sq_right: f64 = sums.iter().map(|s| s * s).sum();
        for pos in 0..count - 1 {
            let (v, i) = buf[pos];
            let c = y[i as usize];
            let w = weights[i as usize];
            if cfg.criterion == Criterion::Gini {
                sq_left += w * (2.0 * left[c] + w);
                sq_right -= w * (2.0 * right[c] - w);
            }
            left[c] += w;
            right[c] -= w;
            lw += w;
            rw -= w;
            let next = buf[pos + 1].0;
            let n_left = pos + 1;
            if next <= v || n_left < min_leaf || count - n_left < min_leaf || lw <= 0.0 || rw <= 0.0
            {
                continue;
            }
            // Larger is better; both are monotone in the impurity decrease.
            let proxy = match cfg.criterion {
                Criterion::Gini => sq_left / lw + sq_right / rw,
                Criterion::Entropy => {
                    neg_weighted_entropy(left, lw) + neg_weighted_entropy(right, rw)
                }
            };
            if best.as_ref().is_none_or(|b| proxy > b.proxy) {
                let mut threshold = v + (next - v) / 2.0;
                if threshold >= next || !threshold.is_finite() {
                    threshold = v; // adjacent floats: `v` still separates them
                }
                best = Some(Best {
                    proxy,
                    feature: f,
                    threshold,
                });
            }
        }
    }
    best
}

#[cfg(test)]
mod tests;
