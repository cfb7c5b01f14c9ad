//! Multinomial logistic regression with an L2 penalty, fit by L-BFGS.
//!
//! Minimises, over the weights `W` (classes × features) and intercepts `b`,
//! `(1 / S) Σ_i s_i · CE(softmax(W x_i + b), y_i) + ||W||² / (2 C S)`, where `s_i` is the
//! weight of sample `i`'s class (1, or `n / (k · n_c)` when balanced) and `S = Σ s_i`.
//! That is scikit-learn's `LogisticRegression` objective divided by `C · S`, so the
//! minimiser is the same.

use crate::sparse::Csr;
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use serde::{Deserialize, Serialize};
use serlab_api::{Error, Result};
use std::sync::Mutex;

/// How samples are weighted in the loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Every sample weighs 1.
    #[default]
    None,
    /// A sample of class `c` weighs `n / (k · n_c)` (k = classes present), as
    /// scikit-learn's `class_weight="balanced"`: minority classes count as much as the
    /// majority in the loss.
    Balanced,
}

/// Hyperparameters of [`LogisticRegression::fit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogRegParams {
    /// Inverse L2 strength (scikit-learn's `C`): larger fits the training data more closely.
    pub c: f64,
    /// Sample weighting.
    pub class_weight: ClassWeight,
    /// Most L-BFGS iterations.
    pub max_iter: u64,
    /// Stop when the gradient's L2 norm falls below this.
    pub tol: f64,
}

impl Default for LogRegParams {
    fn default() -> Self {
        LogRegParams {
            c: 1.0,
            class_weight: ClassWeight::None,
            max_iter: 500,
            tol: 1e-6,
        }
    }
}

/// A fitted multinomial logistic regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Number of classes.
    pub classes: usize,
    /// Number of input columns.
    pub features: usize,
    /// Weights, class-major: class `c`, feature `f` is `coef[c * features + f]`.
    pub coef: Vec<f64>,
    /// One intercept per class.
    pub intercept: Vec<f64>,
    /// L-BFGS iterations the fit took.
    pub iterations: u64,
}

/// A point of the objective: parameters, cost, gradient.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

/// The objective over the parameter vector `[coef (k × d), intercept (k)]`.
struct Problem<'a> {
    x: &'a Csr,
    y: &'a [usize],
    weights: Vec<f64>,
    total_weight: f64,
    k: usize,
    c: f64,
    stop: &'a (dyn Fn() -> bool + Sync),
    /// The last (parameters, cost, gradient): argmin asks for the cost and the gradient
    /// of the same point separately, and both come from one pass over the data.
    cache: Mutex<Option<Evaluated>>,
}

impl Problem<'_> {
    fn eval(&self, theta: &[f64]) -> std::result::Result<(f64, Vec<f64>), argmin::core::Error> {
        if let Some((p, f, g)) = self.cache.lock().expect("not poisoned").as_ref() {
            if p.as_slice() == theta {
                return Ok((*f, g.clone()));
            }
        }
        if (self.stop)() {
            return Err(argmin::core::Error::msg("stopped"));
        }
        let (k, d) = (self.k, self.x.cols);
        let (w, b) = theta.split_at(k * d);
        let mut grad = vec![0.0; theta.len()];
        let mut loss = 0.0;
        let mut z = vec![0.0f64; k];
        for i in 0..self.x.rows() {
            let (cols, vals) = self.x.row(i);
            for (c, zc) in z.iter_mut().enumerate() {
                let wc = &w[c * d..(c + 1) * d];
                *zc = b[c]
                    + cols
                        .iter()
                        .zip(vals)
                        .map(|(&j, &v)| wc[j as usize] * f64::from(v))
                        .sum::<f64>();
            }
            let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
            let s = self.weights[i] / self.total_weight;
            loss += s * (lse - z[self.y[i]]);
            for c in 0..k {
                let g = s * ((z[c] - lse).exp() - f64::from(u8::from(c == self.y[i])));
                let gc = &mut grad[c * d..(c + 1) * d];
                for (&j, &v) in cols.iter().zip(vals) {
                    gc[j as usize] += g * f64::from(v);
                }
                grad[k * d + c] += g;
            }
        }
        let l2 = 1.0 / (self.c * self.total_weight);
        loss += 0.5 * l2 * w.iter().map(|v| v * v).sum::<f64>();
        for (g, v) in grad[..k * d].iter_mut().zip(w) {
            *g += l2 * v;
        }
        *self.cache.lock().expect("not poisoned") = Some((theta.to_vec(), loss, grad.clone()));
        Ok((loss, grad))
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        self.eval(p).map(|(f, _)| f)
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        self.eval(p).map(|(_, g)| g)
    }
}

impl LogisticRegression {
    /// Fit on the rows of `x` with labels `y` (below `classes`). `stop` is polled at every
    /// evaluation of the objective; when it returns true the fit ends with
    /// [`Error::Stopped`].
    pub fn fit(
        x: &Csr,
        y: &[usize],
        classes: usize,
        params: &LogRegParams,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<LogisticRegression> {
        let n = x.rows();
        if n == 0 {
            return Err(Error::invalid(
                "logistic regression: the training set is empty",
            ));
        }
        if y.len() != n {
            return Err(Error::invalid(format!(
                "logistic regression: {n} rows but {} labels",
                y.len()
            )));
        }
        if classes < 2 {
            return Err(Error::invalid(format!(
                "logistic regression needs at least 2 classes, got {classes}"
            )));
        }
        if let Some((i, &c)) = y.iter().enumerate().find(|(_, &c)| c >= classes) {
            return Err(Error::invalid(format!(
                "logistic regression: row {i} has label {c} but there are {classes} classes"
            )));
        }
        if !(params.c > 0.0 && params.c.is_finite()) {
            return Err(Error::invalid(format!(
                "logistic regression: C must be a positive number, got {}",
                params.c
            )));
        }
        if let Some(v) = x.values.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(format!(
                "logistic regression: the inputs hold a non-finite value ({v})"
            )));
        }
        let mut counts = vec![0usize; classes];
        for &c in y {
            counts[c] += 1;
        }
        let present = counts.iter().filter(|&&n| n > 0).count();
        let weights: Vec<f64> = match params.class_weight {
            ClassWeight::None => vec![1.0; n],
            ClassWeight::Balanced => y
                .iter()
                .map(|&c| n as f64 / (present as f64 * counts[c] as f64))
                .collect(),
        };
        let total_weight = weights.iter().sum();
        let d = x.cols;
        let problem = Problem {
            x,
            y,
            weights,
            total_weight,
            k: classes,
            c: params.c,
            stop,
            cache: Mutex::new(None),
        };
        let argmin_err = |e: argmin::core::Error| {
            if stop() {
                Error::Stopped
            } else {
                Error::invalid(format!("logistic regression: L-BFGS failed: {e}"))
            }
        };
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(params.tol)
            .and_then(|s| s.with_tolerance_cost(1e-12))
            .map_err(argmin_err)?;
        let init = vec![0.0; classes * d + classes];
        let res = Executor::new(problem, solver)
            .configure(|s| s.param(init).max_iters(params.max_iter))
            .run()
            .map_err(argmin_err)?;
        let state = res.state();
        let theta = state
            .get_best_param()
            .ok_or_else(|| Error::invalid("logistic regression: L-BFGS returned no parameters"))?;
        let (coef, intercept) = theta.split_at(classes * d);
        Ok(LogisticRegression {
            classes,
            features: d,
            coef: coef.to_vec(),
            intercept: intercept.to_vec(),
            iterations: state.get_iter(),
        })
    }

    /// Class probabilities of each row of `x`.
    pub fn predict_proba(&self, x: &Csr) -> Result<Vec<Vec<f32>>> {
        if x.cols != self.features {
            return Err(Error::invalid(format!(
                "logistic regression: fit on {} columns but given {}",
                self.features, x.cols
            )));
        }
        let (k, d) = (self.classes, self.features);
        Ok((0..x.rows())
            .map(|i| {
                let (cols, vals) = x.row(i);
                let z: Vec<f64> = (0..k)
                    .map(|c| {
                        let wc = &self.coef[c * d..(c + 1) * d];
                        self.intercept[c]
                            + cols
                                .iter()
                                .zip(vals)
                                .map(|(&j, &v)| wc[j as usize] * f64::from(v))
                                .sum::<f64>()
                    })
                    .collect();
                let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
                let s: f64 = e.iter().sum();
                e.iter().map(|v| (v / s) as f32).collect()
            })
            .collect())
    }

    /// Check a deserialised model's sizes.
    pub fn check(&self) -> Result<()> {
        if self.coef.len() != self.classes * self.features || self.intercept.len() != self.classes {
            return Err(Error::invalid(format!(
                "logistic regression: {} weights and {} intercepts do not fit {} classes x {} features",
                self.coef.len(),
                self.intercept.len(),
                self.classes,
                self.features
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 12 samples, 3 features, 3 classes (class 2 rare).
    fn data() -> (Vec<Vec<f32>>, Vec<usize>) {
        let x = vec![
            vec![1.0, 0.2, 0.0],
            vec![0.9, 0.1, 0.3],
            vec![1.2, 0.0, 0.1],
            vec![0.8, 0.4, 0.0],
            vec![0.7, 0.3, 0.2],
            vec![0.1, 1.0, 0.2],
            vec![0.0, 0.9, 0.0],
            vec![0.3, 1.1, 0.1],
            vec![0.2, 0.8, 0.4],
            vec![0.5, 0.5, 0.5],
            vec![0.1, 0.2, 1.0],
            vec![0.4, 0.1, 0.9],
        ];
        let y = vec![0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 2, 2];
        (x, y)
    }

    fn fit(weight: ClassWeight, c: f64) -> LogisticRegression {
        let (x, y) = data();
        let params = LogRegParams {
            c,
            class_weight: weight,
            max_iter: 1000,
            tol: 1e-10,
        };
        LogisticRegression::fit(&Csr::from_dense(&x, 3), &y, 3, &params, &|| false).unwrap()
    }

    fn assert_close(got: &[Vec<f32>], want: &[[f32; 3]]) {
        for (g, w) in got.iter().zip(want) {
            for (a, b) in g.iter().zip(w) {
                assert!((a - b).abs() < 2e-4, "{got:?} vs {want:?}");
            }
        }
    }

    // Reference values from scikit-learn 1.9.1 (sklearn.linear_model.LogisticRegression,
    // solver="lbfgs", tol=1e-10, max_iter=10000) fit on `data()`, predict_proba of rows
    // 0, 4 and 10:
    //   LogisticRegression(C=1.0)
    //   LogisticRegression(C=10.0, class_weight="balanced")
    #[test]
    fn probabilities_match_scikit_learn() {
        let (x, _) = data();
        let rows = Csr::from_dense(&[x[0].clone(), x[4].clone(), x[10].clone()], 3);
        let m = fit(ClassWeight::None, 1.0);
        assert_close(
            &m.predict_proba(&rows).unwrap(),
            &[
                [0.672_800_9, 0.233_679_3, 0.093_519_8],
                [0.532_089, 0.326_481_7, 0.141_429_3],
                [0.257_165_6, 0.323_131_7, 0.419_702_7],
            ],
        );
        let m = fit(ClassWeight::Balanced, 10.0);
        assert_close(
            &m.predict_proba(&rows).unwrap(),
            &[
                [0.870_649_4, 0.111_367_9, 0.017_982_7],
                [0.655_411, 0.266_410_6, 0.078_178_3],
                [0.030_972_7, 0.050_354_5, 0.918_672_8],
            ],
        );
    }

    #[test]
    fn rows_sum_to_one_and_errors_are_clear() {
        let m = fit(ClassWeight::None, 1.0);
        let (x, y) = data();
        for p in m.predict_proba(&Csr::from_dense(&x, 3)).unwrap() {
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        let e = m
            .predict_proba(&Csr::from_dense(&[vec![1.0]], 1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("fit on 3 columns but given 1"), "{e}");
        let p = LogRegParams::default();
        let xs = Csr::from_dense(&x, 3);
        assert!(LogisticRegression::fit(&xs, &y[..3], 3, &p, &|| false).is_err());
        assert!(LogisticRegression::fit(&xs, &y, 2, &p, &|| false)
            .unwrap_err()
            .to_string()
            .contains("label 2"));
        let bad_c = LogRegParams {
            c: 0.0,
            ..LogRegParams::default()
        };
        assert!(LogisticRegression::fit(&xs, &y, 3, &bad_c, &|| false).is_err());
        assert!(matches!(
            LogisticRegression::fit(&xs, &y, 3, &p, &|| true),
            Err(Error::Stopped)
        ));
    }
}
