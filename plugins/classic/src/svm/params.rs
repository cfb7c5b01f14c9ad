//! The `svm` parameter table and its validation.

use crate::data::Standardize;
use serde::{Deserialize, Serialize};
use serlab_api::{Error, Result};

/// The kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kernel {
    /// `x · y`.
    Linear,
    /// `exp(−γ |x − y|²)`.
    Rbf,
}

/// The RBF width, as scikit-learn's `gamma`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Gamma {
    /// `"scale"` (`1 / (d · Var(X))` over all training values) or `"auto"` (`1 / d`).
    Rule(GammaRule),
    /// A fixed positive value.
    Value(f64),
}

/// A rule for [`Gamma`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GammaRule {
    /// `1 / (d · Var(X))`.
    Scale,
    /// `1 / d`.
    Auto,
}

/// Class re-weighting of `C`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// `C` for every class.
    None,
    /// `C · n / (k · n_c)`.
    Balanced,
}

/// Parameters of the `svm` model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SvmParams {
    /// The kernel.
    pub kernel: Kernel,
    /// Box constraint (scikit-learn's `C`).
    pub c: f64,
    /// RBF width.
    pub gamma: Gamma,
    /// Class re-weighting of `c`.
    pub class_weight: ClassWeight,
    /// Stopping tolerance of SMO (libsvm's `eps`, scikit-learn's `tol`).
    pub tol: f64,
    /// Most SMO iterations per binary problem.
    pub max_iter: usize,
    /// Column scaling before the fit.
    pub standardize: Standardize,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            kernel: Kernel::Rbf,
            c: 1.0,
            gamma: Gamma::Rule(GammaRule::Scale),
            class_weight: ClassWeight::None,
            tol: 1e-3,
            max_iter: 10_000_000,
            standardize: Standardize::Global,
        }
    }
}

impl SvmParams {
    /// Check ranges that serde cannot.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, msg: &str| Err(Error::config("svm", key, msg));
        if !(self.c > 0.0 && self.c.is_finite()) {
            return bad("c", "must be a positive number");
        }
        if let Gamma::Value(g) = self.gamma {
            if !(g > 0.0 && g.is_finite()) {
                return bad("gamma", "must be \"scale\", \"auto\" or a positive number");
            }
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return bad("tol", "must be a positive number");
        }
        if self.max_iter == 0 {
            return bad("max_iter", "must be at least 1");
        }
        Ok(())
    }
}

/// Help per parameter key, for `serlab plugins`.
pub const PARAMS_HELP: &[(&str, &str)] = &[
    ("kernel", "\"rbf\" (default) or \"linear\""),
    ("c", "box constraint, scikit-learn's C (default 1.0)"),
    (
        "gamma",
        "RBF width: \"scale\" (default, 1 / (d * Var(X))), \"auto\" (1 / d) or a positive number",
    ),
    (
        "class_weight",
        "\"none\" (default) or \"balanced\" (C * n / (k * n_c))",
    ),
    ("tol", "SMO stopping tolerance, libsvm's eps (default 1e-3)"),
    (
        "max_iter",
        "most SMO iterations per pair of classes (default 10000000)",
    ),
    (
        "standardize",
        "\"global\" (default: mean 0, sd 1 per column from the training set) or \"none\"",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<SvmParams, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn gamma_forms_and_errors() {
        assert_eq!(parse("").unwrap().gamma, Gamma::Rule(GammaRule::Scale));
        assert_eq!(
            parse("gamma = \"auto\"").unwrap().gamma,
            Gamma::Rule(GammaRule::Auto)
        );
        assert_eq!(parse("gamma = 0.5").unwrap().gamma, Gamma::Value(0.5));
        assert!(parse("gamma = \"wide\"").is_err());
        let e = parse("gamma = -1.0")
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("gamma"), "{e}");
        let e = parse("c = 0.0")
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("svm") && e.contains('c'), "{e}");
        let e = parse("kernel = \"poly\"").unwrap_err().to_string();
        assert!(e.contains("kernel") || e.contains("rbf"), "{e}");
        assert!(parse("degree = 3")
            .unwrap_err()
            .to_string()
            .contains("degree"));
    }
}
