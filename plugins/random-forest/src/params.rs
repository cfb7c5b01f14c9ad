//! The `random-forest` parameter table and its validation.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serlab_api::{Error, Result};

/// How many features each split considers (scikit-learn's `max_features`).
///
/// In TOML: `"sqrt"`, `"log2"` or `"all"`; an integer is a count (`max_features = 40`); a
/// float is a fraction of the features (`max_features = 0.3`), as in scikit-learn, where
/// `1` and `1.0` also mean different things.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaxFeatures {
    /// `max(1, floor(sqrt(d)))`.
    Sqrt,
    /// `max(1, floor(log2(d)))`.
    Log2,
    /// Every feature (plain bagged trees).
    All,
    /// A fixed number of features, at most `d`.
    Count(usize),
    /// A fraction in (0, 1]: `max(1, floor(fraction * d))`.
    Fraction(f64),
}

impl MaxFeatures {
    /// The number of features to draw per split for `d` features.
    pub fn resolve(self, d: usize) -> Result<usize> {
        let m = match self {
            MaxFeatures::Sqrt => (d as f64).sqrt().floor() as usize,
            MaxFeatures::Log2 => (d as f64).log2().floor() as usize,
            MaxFeatures::All => d,
            MaxFeatures::Count(n) => {
                if n > d {
                    return Err(Error::invalid(format!(
                        "random-forest: max_features = {n} but the features have only {d} columns"
                    )));
                }
                n
            }
            MaxFeatures::Fraction(f) => (f * d as f64).floor() as usize,
        };
        Ok(m.clamp(1, d.max(1)))
    }
}

impl Serialize for MaxFeatures {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MaxFeatures::Sqrt => s.serialize_str("sqrt"),
            MaxFeatures::Log2 => s.serialize_str("log2"),
            MaxFeatures::All => s.serialize_str("all"),
            MaxFeatures::Count(n) => s.serialize_u64(*n as u64),
            MaxFeatures::Fraction(f) => s.serialize_f64(*f),
        }
    }
}

impl<'de> Deserialize<'de> for MaxFeatures {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Float(f64),
            Name(String),
        }
        use serde::de::Error as _;
        match Raw::deserialize(d)? {
            Raw::Int(0) => Err(D::Error::custom("max_features must be at least 1")),
            Raw::Int(n) => Ok(MaxFeatures::Count(n as usize)),
            Raw::Float(f) if f > 0.0 && f <= 1.0 => Ok(MaxFeatures::Fraction(f)),
            Raw::Float(f) => Err(D::Error::custom(format!(
                "max_features = {f}: a float is a fraction of the features and must be in (0, 1]"
            ))),
            Raw::Name(s) => match s.as_str() {
                "sqrt" => Ok(MaxFeatures::Sqrt),
                "log2" => Ok(MaxFeatures::Log2),
                "all" => Ok(MaxFeatures::All),
                other => Err(D::Error::custom(format!(
                    "max_features = \"{other}\": expected \"sqrt\", \"log2\", \"all\", an integer count or a fraction in (0, 1]"
                ))),
            },
        }
    }
}

/// Impurity measure of a split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Gini impurity `1 - sum p_c^2`.
    Gini,
    /// Shannon entropy `-sum p_c log2 p_c` (scikit-learn also calls it `log_loss`).
    #[serde(alias = "log_loss")]
    Entropy,
}

/// Class re-weighting, as scikit-learn's `class_weight`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Every utterance counts once.
    None,
    /// Weight `n / (k * n_c)` from the whole training set.
    Balanced,
    /// Weight `n / (k * n_c)` recomputed on each tree's bootstrap sample.
    BalancedSubsample,
}

/// Parameters of the `random-forest` model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomForestParams {
    /// Number of trees.
    pub n_trees: usize,
    /// Maximum tree depth; absent for unlimited.
    pub max_depth: Option<usize>,
    /// A node with fewer (distinct) samples is not split.
    pub min_samples_split: usize,
    /// Each leaf keeps at least this many (distinct) samples.
    pub min_samples_leaf: usize,
    /// Features drawn at each split.
    pub max_features: MaxFeatures,
    /// Impurity measure.
    pub criterion: Criterion,
    /// Class re-weighting.
    pub class_weight: ClassWeight,
    /// Draw a bootstrap sample per tree (otherwise every tree sees every utterance).
    pub bootstrap: bool,
    /// Compute the out-of-bag accuracy after fitting (needs `bootstrap`).
    pub oob_score: bool,
    /// Worker threads; 0 uses rayon's default. Results do not depend on it.
    pub threads: usize,
}

impl Default for RandomForestParams {
    fn default() -> Self {
        RandomForestParams {
            n_trees: 300,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: MaxFeatures::Sqrt,
            criterion: Criterion::Gini,
            class_weight: ClassWeight::Balanced,
            bootstrap: true,
            oob_score: false,
            threads: 0,
        }
    }
}

/// Most trees one forest may grow. Every tree is kept in memory (and in the checkpoint), so
/// `n_trees = 9223372036854775807` used to overflow the vector's capacity on every fold.
pub const MAX_TREES: usize = 100_000;

impl RandomForestParams {
    /// Check ranges that serde cannot.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, msg: &str| Err(Error::config("random-forest", key, msg));
        if self.n_trees == 0 {
            return bad("n_trees", "must be at least 1");
        }
        if self.n_trees > MAX_TREES {
            return Err(Error::config(
                "random-forest",
                "n_trees",
                format!(
                    "must be at most {MAX_TREES} (found {}; past a few thousand trees the \
                     forest no longer changes, and each tree costs memory)",
                    self.n_trees
                ),
            ));
        }
        if self.max_depth == Some(0) {
            return bad(
                "max_depth",
                "must be at least 1 (leave it out for unlimited depth)",
            );
        }
        if self.min_samples_split < 2 {
            return bad("min_samples_split", "must be at least 2");
        }
        if self.min_samples_leaf < 1 {
            return bad("min_samples_leaf", "must be at least 1");
        }
        if self.oob_score && !self.bootstrap {
            return bad(
                "oob_score",
                "needs bootstrap = true (without bootstrap no sample is out of bag)",
            );
        }
        Ok(())
    }
}

/// Help per parameter key, for `serlab plugins`.
pub const PARAMS_HELP: &[(&str, &str)] = &[
    ("n_trees", "number of trees (default 300)"),
    ("max_depth", "maximum depth of a tree; leave out for unlimited (default)"),
    ("min_samples_split", "a node with fewer samples is not split (default 2)"),
    ("min_samples_leaf", "minimum samples per leaf (default 1)"),
    (
        "max_features",
        "features tried per split: \"sqrt\" (default), \"log2\", \"all\", an integer count or a fraction in (0, 1]",
    ),
    ("criterion", "\"gini\" (default) or \"entropy\""),
    (
        "class_weight",
        "\"balanced\" (default: n / (k * n_c) over the training set), \"balanced_subsample\" (per bootstrap sample) or \"none\"",
    ),
    ("bootstrap", "draw a bootstrap sample per tree (default true)"),
    ("oob_score", "compute the out-of-bag accuracy after fitting (default false)"),
    ("threads", "worker threads, 0 = all cores (default); results do not depend on it"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize)]
    struct Wrap {
        max_features: MaxFeatures,
    }

    fn parse(text: &str) -> std::result::Result<MaxFeatures, serde_json::Error> {
        serde_json::from_str::<Wrap>(text).map(|w| w.max_features)
    }

    #[test]
    fn max_features_forms() {
        assert_eq!(
            parse(r#"{"max_features":"sqrt"}"#).unwrap(),
            MaxFeatures::Sqrt
        );
        assert_eq!(
            parse(r#"{"max_features":"log2"}"#).unwrap(),
            MaxFeatures::Log2
        );
        assert_eq!(
            parse(r#"{"max_features":"all"}"#).unwrap(),
            MaxFeatures::All
        );
        assert_eq!(
            parse(r#"{"max_features":12}"#).unwrap(),
            MaxFeatures::Count(12)
        );
        assert_eq!(
            parse(r#"{"max_features":0.25}"#).unwrap(),
            MaxFeatures::Fraction(0.25)
        );
        assert!(parse(r#"{"max_features":0}"#).is_err());
        assert!(parse(r#"{"max_features":1.5}"#).is_err());
        assert!(parse(r#"{"max_features":"half"}"#).is_err());
        // Round trip keeps integer and float apart.
        let w = Wrap {
            max_features: MaxFeatures::Count(3),
        };
        assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"max_features":3}"#);
    }

    #[test]
    fn resolve_like_sklearn() {
        // sklearn: sqrt -> max(1, int(sqrt(d))), log2 -> max(1, int(log2(d))),
        // float -> max(1, int(f * d)).
        assert_eq!(MaxFeatures::Sqrt.resolve(1000).unwrap(), 31);
        assert_eq!(MaxFeatures::Log2.resolve(1000).unwrap(), 9);
        assert_eq!(MaxFeatures::Fraction(0.1).resolve(88).unwrap(), 8);
        assert_eq!(MaxFeatures::Fraction(0.01).resolve(10).unwrap(), 1);
        assert_eq!(MaxFeatures::Sqrt.resolve(1).unwrap(), 1);
        assert!(MaxFeatures::Count(20).resolve(10).is_err());
    }

    #[test]
    fn defaults_validate() {
        RandomForestParams::default().validate().unwrap();
        let p = RandomForestParams {
            n_trees: 0,
            ..Default::default()
        };
        assert!(p.validate().is_err());
        // Issue 21 case 2: `n_trees = 9223372036854775807` overflowed a vector's capacity.
        for n in [i64::MAX as usize, 1_000_000_000_000, MAX_TREES + 1] {
            let p = RandomForestParams {
                n_trees: n,
                ..Default::default()
            };
            let e = p.validate().unwrap_err().to_string();
            assert!(e.contains("n_trees") && e.contains("at most 100000"), "{e}");
        }
        let p = RandomForestParams {
            n_trees: MAX_TREES,
            ..Default::default()
        };
        p.validate().unwrap();
    }
}
