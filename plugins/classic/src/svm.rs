//! The `svm` model: C-support vector classification as libsvm (scikit-learn's `SVC`),
//! linear or RBF kernel, one-vs-one, with libsvm's probability outputs.
//!
//! For every pair of classes `i < j` a binary SVM (class `i` = +1) is fit by
//! [`smo`], with `C` times the class weight as each side's bound. Probabilities follow
//! libsvm's `svm_binary_svc_probability`: decision values from a 5-fold cross-validation
//! inside the pair's samples, a Platt sigmoid fit on them, and at prediction time the
//! pairs' sigmoids coupled into one distribution ([`probability`]). The folds are drawn
//! from [`FitContext::seed`]; libsvm draws them from its own generator, so probabilities
//! agree with scikit-learn's only as closely as two cross-validation splits do, while the
//! decision values and the coupling agree to rounding (tests/sklearn.rs).
//!
//! The Gram matrix of each pair's samples is computed once (8 bytes per entry: about
//! 60 MB for a pair of 2700 utterances), so very large corpora need a linear model instead.

pub mod params;
pub mod probability;
pub mod smo;

pub use params::{ClassWeight, Gamma, GammaRule, Kernel, SvmParams};

use crate::data::{self, Scaler};
use crate::fitted;
use serde::{Deserialize, Serialize};
use serlab_api::persist::not_fitted;
use serlab_api::{Component, Error, Features, FitContext, LabeledSet, Model, Result};
use std::path::Path;

/// One fitted pair of classes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Pair {
    /// Support vectors (rows of [`Fitted::vectors`]) and their `α y`.
    support: Vec<(usize, f64)>,
    rho: f64,
    /// Platt sigmoid.
    a: f64,
    b: f64,
}

/// What `save` writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    scaler: Scaler,
    kernel: Kernel,
    gamma: f64,
    classes: usize,
    /// The classes with training samples, ascending; absent ones get probability 0.
    present: Vec<usize>,
    /// Training rows (standardised); only those that are support vectors are used.
    vectors: Vec<Vec<f64>>,
    /// Pairs of present classes `(0,1), (0,2), …, (1,2), …` as libsvm orders them.
    pairs: Vec<Pair>,
}

fn kernel(kind: Kernel, gamma: f64, a: &[f64], b: &[f64]) -> f64 {
    match kind {
        Kernel::Linear => a.iter().zip(b).map(|(x, y)| x * y).sum(),
        Kernel::Rbf => {
            let d: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
            (-gamma * d).exp()
        }
    }
}

impl Fitted {
    /// The one-vs-one decision values of one standardised row, pair by pair (positive
    /// for the pair's first class, as libsvm and scikit-learn's `decision_function_shape
    /// = "ovo"`).
    pub fn decisions(&self, q: &[f64]) -> Vec<f64> {
        self.pairs
            .iter()
            .map(|p| {
                p.support
                    .iter()
                    .map(|&(i, c)| c * kernel(self.kernel, self.gamma, &self.vectors[i], q))
                    .sum::<f64>()
                    - p.rho
            })
            .collect()
    }

    fn proba(&self, q: &[f64]) -> Vec<f32> {
        let sig: Vec<(f64, f64)> = self.pairs.iter().map(|p| (p.a, p.b)).collect();
        let within = pair_proba(&self.decisions(q), &sig, self.present.len());
        let mut out = vec![0.0f32; self.classes];
        for (&c, p) in self.present.iter().zip(within) {
            out[c] = p as f32;
        }
        out
    }
}

impl fitted::Fitted for Fitted {
    fn scaler(&self) -> &Scaler {
        &self.scaler
    }

    fn rows_proba(&self, rows: &[Vec<f64>]) -> Result<Vec<Vec<f32>>> {
        Ok(rows.iter().map(|q| self.proba(q)).collect())
    }

    fn check(&self, path: &Path) -> Result<()> {
        self.scaler.check(Svm::NAME)?;
        let m = self.present.len();
        let bad = self.pairs.len() != m * m.saturating_sub(1) / 2
            || self.present.iter().any(|&c| c >= self.classes)
            || self.vectors.iter().any(|v| v.len() != self.scaler.dim())
            || self
                .pairs
                .iter()
                .any(|p| p.support.iter().any(|&(i, _)| i >= self.vectors.len()));
        if bad || m == 0 {
            return Err(Error::invalid(format!(
                "svm: {} is malformed ({} classes present, {} pairs, {} vectors)",
                path.display(),
                m,
                self.pairs.len(),
                self.vectors.len()
            )));
        }
        Ok(())
    }
}

/// libsvm's `svm_predict_probability` over `m` classes from each pair's decision value and
/// sigmoid `(A, B)`, pairs in libsvm's order.
#[allow(clippy::needless_range_loop)] // libsvm's r[i][j] / r[j][i] filling.
pub fn pair_proba(decisions: &[f64], sigmoids: &[(f64, f64)], m: usize) -> Vec<f64> {
    const MIN_PROB: f64 = 1e-7;
    if m == 1 {
        return vec![1.0];
    }
    let mut r = vec![vec![0.0f64; m]; m];
    let mut n = 0;
    for i in 0..m {
        for j in i + 1..m {
            let (a, b) = sigmoids[n];
            let p =
                probability::sigmoid_predict(decisions[n], a, b).clamp(MIN_PROB, 1.0 - MIN_PROB);
            r[i][j] = p;
            r[j][i] = 1.0 - p;
            n += 1;
        }
    }
    probability::couple(&r)
}

/// The `svm` model.
pub struct Svm {
    params: SvmParams,
    fitted: Option<Fitted>,
}

impl Svm {
    /// One-vs-one decision values per input (pairs of the classes present in training,
    /// in libsvm's order), as scikit-learn's `decision_function` with
    /// `decision_function_shape = "ovo"`.
    pub fn decision_function(&self, inputs: &[&Features]) -> Result<Vec<Vec<f64>>> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| not_fitted(Self::NAME, "decision_function"))?;
        let mut rows = data::vectors(Self::NAME, inputs, Some(f.scaler.dim()))?;
        f.scaler.apply(&mut rows);
        Ok(rows.iter().map(|q| f.decisions(q)).collect())
    }

    /// The fitted RBF width (after `"scale"` or `"auto"`).
    pub fn gamma(&self) -> Option<f64> {
        self.fitted.as_ref().map(|f| f.gamma)
    }
}

impl Component for Svm {
    const NAME: &'static str = "svm";
    const SUMMARY: &'static str =
        "C-SVM (linear or RBF, one-vs-one SMO) with Platt-scaled, pairwise-coupled probabilities, as libsvm / scikit-learn's SVC(probability=True)";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = params::PARAMS_HELP;
    type Params = SvmParams;

    fn new(params: SvmParams) -> Result<Self> {
        params.validate()?;
        Ok(Svm {
            params,
            fitted: None,
        })
    }
}

impl Model for Svm {
    /// Fits every pair of classes on `train`; `valid` is not used.
    fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        _valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        let (mut rows, d) = data::training_rows(Self::NAME, train)?;
        let scaler = Scaler::fit(&rows, d, self.params.standardize);
        scaler.apply(&mut rows);
        let p = &self.params;
        let gamma = match p.gamma {
            Gamma::Value(g) => g,
            Gamma::Rule(GammaRule::Auto) => 1.0 / d as f64,
            Gamma::Rule(GammaRule::Scale) => {
                let n = (rows.len() * d) as f64;
                let mean = rows.iter().flatten().sum::<f64>() / n;
                let var = rows
                    .iter()
                    .flatten()
                    .map(|v| (v - mean) * (v - mean))
                    .sum::<f64>()
                    / n;
                if var > 0.0 {
                    1.0 / (d as f64 * var)
                } else {
                    1.0
                }
            }
        };
        let k = train.classes.len();
        let mut members = vec![Vec::new(); k];
        for (i, &y) in train.labels.iter().enumerate() {
            members[y].push(i);
        }
        let present: Vec<usize> = (0..k).filter(|&c| !members[c].is_empty()).collect();
        let n = rows.len() as f64;
        let c_of = |c: usize| match p.class_weight {
            ClassWeight::None => p.c,
            ClassWeight::Balanced => p.c * n / (present.len() as f64 * members[c].len() as f64),
        };
        let stop = ctx.stop;
        let halt = || stop.should_halt();
        let mut pairs = Vec::new();
        let mut used = vec![None; rows.len()];
        let mut vectors = Vec::new();
        for (a, &ci) in present.iter().enumerate() {
            for &cj in &present[a + 1..] {
                if halt() {
                    return Err(Error::Stopped);
                }
                let idx: Vec<usize> = members[ci].iter().chain(&members[cj]).copied().collect();
                let y: Vec<f64> = idx
                    .iter()
                    .map(|&i| if train.labels[i] == ci { 1.0 } else { -1.0 })
                    .collect();
                let l = idx.len();
                let mut gram = vec![0.0f64; l * l];
                for s in 0..l {
                    for t in s..l {
                        let v = kernel(p.kernel, gamma, &rows[idx[s]], &rows[idx[t]]);
                        gram[s * l + t] = v;
                        gram[t * l + s] = v;
                    }
                }
                let local: Vec<usize> = (0..l).collect();
                let problem = smo::Problem {
                    gram: &gram,
                    stride: l,
                    idx: &local,
                    y: &y,
                    c_pos: c_of(ci),
                    c_neg: c_of(cj),
                };
                let seed_stream = pairs.len() as u64;
                let (sa, sb) = probability::cross_validated_sigmoid(
                    &problem,
                    p.tol,
                    p.max_iter,
                    (ctx.seed, seed_stream),
                    &halt,
                )?;
                let sol = problem
                    .solve(p.tol, p.max_iter, &halt)
                    .ok_or(Error::Stopped)?;
                let support = sol
                    .coef
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c != 0.0)
                    .map(|(s, &c)| {
                        let g = idx[s];
                        let at = *used[g].get_or_insert_with(|| {
                            vectors.push(rows[g].clone());
                            vectors.len() - 1
                        });
                        (at, c)
                    })
                    .collect();
                pairs.push(Pair {
                    support,
                    rho: sol.rho,
                    a: sa,
                    b: sb,
                });
            }
        }
        self.fitted = Some(Fitted {
            scaler,
            kernel: p.kernel,
            gamma,
            classes: k,
            present,
            vectors,
            pairs,
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
