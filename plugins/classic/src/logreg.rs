//! The `logreg` model: dense multinomial logistic regression with an L2 penalty.
//!
//! The fit is serlab-linear's L-BFGS on scikit-learn's `LogisticRegression` objective
//! (the same code the linguistic and fusion plugins use, tested there against
//! scikit-learn); this module adds what a model plugin needs around it: parameters from
//! TOML, standardisation, dense rows, save and load.

use crate::data::{self, Scaler, Standardize};
use crate::fitted;
use serde::{Deserialize, Serialize};
use serlab_api::{Component, Error, Features, FitContext, LabeledSet, Model, Result};
use serlab_linear::{ClassWeight, Csr, LogRegParams, LogisticRegression};
use std::path::Path;

/// Parameters of the `logreg` model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogRegModelParams {
    /// Inverse L2 strength (scikit-learn's `C`).
    pub c: f64,
    /// Sample weighting: `"balanced"` or `"none"`.
    pub class_weight: ClassWeight,
    /// Most L-BFGS iterations.
    pub max_iter: u64,
    /// Stop when the gradient norm of the (per-sample averaged) objective is below this.
    pub tol: f64,
    /// Column scaling before the fit.
    pub standardize: Standardize,
}

impl Default for LogRegModelParams {
    fn default() -> Self {
        LogRegModelParams {
            c: 1.0,
            class_weight: ClassWeight::Balanced,
            max_iter: 1000,
            tol: 1e-6,
            standardize: Standardize::Global,
        }
    }
}

impl LogRegModelParams {
    /// Check ranges that serde cannot.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, msg: &str| Err(Error::config(LogReg::NAME, key, msg));
        if !(self.c > 0.0 && self.c.is_finite()) {
            return bad("c", "must be a positive number (inverse L2 strength)");
        }
        if self.max_iter == 0 {
            return bad("max_iter", "must be at least 1");
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return bad("tol", "must be a positive number");
        }
        Ok(())
    }
}

/// Help per parameter key, for `serlab plugins`.
pub const PARAMS_HELP: &[(&str, &str)] = &[
    ("c", "inverse L2 strength, scikit-learn's C (default 1.0)"),
    (
        "class_weight",
        "\"balanced\" (default: n / (k * n_c)) or \"none\"",
    ),
    ("max_iter", "most L-BFGS iterations (default 1000)"),
    (
        "tol",
        "gradient-norm tolerance of the averaged objective (default 1e-6)",
    ),
    (
        "standardize",
        "\"global\" (default: mean 0, sd 1 per column from the training set) or \"none\"",
    ),
];

/// What `save` writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Fitted {
    scaler: Scaler,
    model: LogisticRegression,
}

/// The `logreg` model.
pub struct LogReg {
    params: LogRegModelParams,
    fitted: Option<Fitted>,
}

impl LogReg {
    /// The fitted regression (on standardised columns), if any.
    pub fn regression(&self) -> Option<&LogisticRegression> {
        self.fitted.as_ref().map(|f| &f.model)
    }
}

impl Component for LogReg {
    const NAME: &'static str = "logreg";
    const SUMMARY: &'static str =
        "multinomial logistic regression (L2, optional balanced class weights, L-BFGS) on vector features, as scikit-learn's LogisticRegression";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = PARAMS_HELP;
    type Params = LogRegModelParams;

    fn new(params: LogRegModelParams) -> Result<Self> {
        params.validate()?;
        Ok(LogReg {
            params,
            fitted: None,
        })
    }
}

impl Model for LogReg {
    /// Fits on `train`; `valid` is not used (C is a parameter, not searched here).
    fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        _valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        let (mut rows, d) = data::training_rows(Self::NAME, train)?;
        let scaler = Scaler::fit(&rows, d, self.params.standardize);
        scaler.apply(&mut rows);
        let x = dense_csr(&rows, d);
        let p = &self.params;
        let params = LogRegParams {
            c: p.c,
            class_weight: p.class_weight,
            max_iter: p.max_iter,
            tol: p.tol,
        };
        let stop = ctx.stop;
        let halt = || stop.should_halt();
        let model = LogisticRegression::fit(&x, train.labels, train.classes.len(), &params, &halt)
            .map_err(|e| match e {
                Error::InvalidInput(m) => Error::invalid(format!("{}: {m}", Self::NAME)),
                other => other,
            })?;
        self.fitted = Some(Fitted { scaler, model });
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

impl fitted::Fitted for Fitted {
    fn scaler(&self) -> &Scaler {
        &self.scaler
    }

    fn rows_proba(&self, rows: &[Vec<f64>]) -> Result<Vec<Vec<f32>>> {
        self.model
            .predict_proba(&dense_csr(rows, self.scaler.dim()))
    }

    fn check(&self, path: &Path) -> Result<()> {
        self.scaler.check(LogReg::NAME)?;
        self.model.check()?;
        if self.model.features != self.scaler.dim() {
            return Err(Error::invalid(format!(
                "{}: {} has weights for {} columns but a scaler for {}",
                LogReg::NAME,
                path.display(),
                self.model.features,
                self.scaler.dim()
            )));
        }
        Ok(())
    }
}

/// Dense rows as the CSR matrix serlab-linear takes (every value kept). The values become
/// `f32` there; after standardisation they are of order 1, so that costs nothing that
/// matters next to the features' own `f32` precision.
fn dense_csr(rows: &[Vec<f64>], d: usize) -> Csr {
    let mut m = Csr::new(d);
    for r in rows {
        m.push_row(r.iter().enumerate().map(|(j, &v)| (j as u32, v as f32)));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<LogRegModelParams, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn params_parse_and_validate() {
        let p = parse("c = 0.5\nclass_weight = \"none\"\nstandardize = \"none\"").unwrap();
        assert_eq!(p.c, 0.5);
        assert_eq!(p.class_weight, ClassWeight::None);
        assert_eq!(p.standardize, Standardize::None);
        let e = parse("C = 1.0").unwrap_err().to_string();
        assert!(e.contains("unknown field `C`"), "{e}");
        let e = parse("class_weight = \"auto\"").unwrap_err().to_string();
        assert!(e.contains("class_weight"), "{e}");
        let e = LogReg::new(parse("c = -1.0").unwrap())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("logreg") && e.contains("c"), "{e}");
        assert!(LogReg::new(parse("tol = 0.0").unwrap()).is_err());
    }
}
