//! `stacking`: a meta-classifier (multinomial logistic regression) that reads the
//! members' class probabilities side by side and predicts the class.
//!
//! It is fit on the members' predictions for the validation speakers of the fold: speakers
//! drawn from the training side whom no member was trained on, so the predictions are
//! out-of-fold, as stacking requires (predictions on a member's own training data are
//! over-confident and would teach the meta-classifier to trust it blindly). The test
//! speakers are never seen. With one validation speaker the meta-classifier has few
//! utterances to learn from; `validation_speakers = 2` or more, and a small `c`, help.

use crate::shape::{check, check_labels};
use serde::{Deserialize, Serialize};
use serlab_api::fusion::MemberProbs;
use serlab_api::{Component, Error, Fusion, Result};
use serlab_linear::{ClassWeight, Csr, LogRegParams, LogisticRegression};
use std::path::Path;

/// Parameters of `stacking`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackingParams {
    /// Inverse L2 strength of the meta-classifier.
    pub c: f64,
    /// `none` or `balanced` class weights in the meta-classifier's loss.
    pub class_weight: ClassWeight,
}

impl Default for StackingParams {
    fn default() -> Self {
        StackingParams {
            c: 1.0,
            class_weight: ClassWeight::None,
        }
    }
}

/// The `stacking` fusion.
#[derive(Debug)]
pub struct Stacking {
    params: StackingParams,
    fitted: Option<Fitted>,
}

/// What a fitted `stacking` saves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Fitted {
    members: usize,
    /// Validation utterances it was fit on.
    fit_utterances: usize,
    model: LogisticRegression,
}

impl Stacking {
    /// The fitted meta-classifier.
    pub fn meta_classifier(&self) -> Option<&LogisticRegression> {
        self.fitted.as_ref().map(|f| &f.model)
    }
}

impl Component for Stacking {
    const NAME: &'static str = "stacking";
    const SUMMARY: &'static str =
        "logistic regression on the members' probabilities, fit on their out-of-fold predictions for the validation speakers";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[
        (
            "c",
            "inverse L2 strength of the meta-classifier (default 1.0; smaller for few validation utterances)",
        ),
        ("class_weight", "`none` (default) or `balanced`"),
    ];
    type Params = StackingParams;

    fn new(params: StackingParams) -> Result<Self> {
        if !(params.c > 0.0 && params.c.is_finite()) {
            return Err(Error::config(
                Self::NAME,
                "c",
                format!("must be a positive number, got {}", params.c),
            ));
        }
        Ok(Stacking {
            params,
            fitted: None,
        })
    }
}

/// Row `u` is member 0's probabilities, then member 1's, ...
fn stacked(members: MemberProbs<'_>, utterances: usize, classes: usize) -> Csr {
    let rows: Vec<Vec<f32>> = (0..utterances)
        .map(|u| members.iter().flat_map(|m| m[u].iter().copied()).collect())
        .collect();
    Csr::from_dense(&rows, members.len() * classes)
}

impl Fusion for Stacking {
    fn fit(&mut self, members: MemberProbs<'_>, labels: &[usize]) -> Result<()> {
        let s = check(Self::NAME, members)?;
        check_labels(Self::NAME, &s, labels)?;
        if s.utterances == 0 {
            return Err(Error::invalid(
                "fusion `stacking`: no validation utterance to fit the meta-classifier on",
            ));
        }
        let x = stacked(members, s.utterances, s.classes);
        let params = LogRegParams {
            c: self.params.c,
            class_weight: self.params.class_weight,
            max_iter: 1000,
            tol: 1e-8,
        };
        let model = LogisticRegression::fit(&x, labels, s.classes, &params, &|| false)?;
        self.fitted = Some(Fitted {
            members: s.members,
            fit_utterances: s.utterances,
            model,
        });
        Ok(())
    }

    fn combine(&self, members: MemberProbs<'_>) -> Result<Vec<Vec<f32>>> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| Error::invalid("fusion `stacking`: combine called before fit"))?;
        let s = check(Self::NAME, members)?;
        if s.members != f.members {
            return Err(Error::invalid(format!(
                "fusion `stacking`: fit on {} members but given {}",
                f.members, s.members
            )));
        }
        if s.utterances == 0 {
            return Ok(Vec::new());
        }
        f.model
            .predict_proba(&stacked(members, s.utterances, s.classes))
    }

    fn save(&self, path: &Path) -> Result<()> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| Error::invalid("fusion `stacking`: save called before fit"))?;
        crate::save_json(Self::NAME, path, f)
    }

    fn load(&mut self, path: &Path) -> Result<()> {
        let f: Fitted = crate::load_json(Self::NAME, path)?;
        f.model.check()?;
        if f.model.features != f.members * f.model.classes {
            return Err(Error::invalid(format!(
                "fusion `stacking`: {} does not hold a meta-classifier for {} members",
                path.display(),
                f.members
            )));
        }
        self.fitted = Some(f);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fusion(c: f64) -> Stacking {
        Stacking::new(StackingParams {
            c,
            ..Default::default()
        })
        .unwrap()
    }

    /// Member A is right on every validation utterance, member B always says class 0.
    /// The meta-classifier learns to follow A, so on a test utterance where they disagree
    /// it sides with A (an average of A and B would side with B: 0.4/0.6 + 0.9/0.1).
    #[test]
    fn learns_to_follow_the_reliable_member() {
        let a = vec![
            vec![0.8, 0.2],
            vec![0.3, 0.7],
            vec![0.9, 0.1],
            vec![0.2, 0.8],
            vec![0.7, 0.3],
            vec![0.4, 0.6],
        ];
        let b = vec![vec![0.9, 0.1]; 6];
        let labels = [0, 1, 0, 1, 0, 1];
        let mut f = fusion(100.0);
        f.fit(&[a, b], &labels).unwrap();
        let out = f
            .combine(&[vec![vec![0.4, 0.6]], vec![vec![0.9, 0.1]]])
            .unwrap();
        assert!(out[0][1] > 0.5, "{out:?}");
        // The exact minimiser of the objective (C = 100; scipy 1.x optimize.minimize, BFGS,
        // gtol 1e-12, on np.hstack([A, B])) predicts [0.0875571, 0.9124429] here.
        // (scikit-learn 1.9.1's lbfgs stops early on this nearly flat problem, at 0.8739,
        // through its function-change criterion.)
        assert!((out[0][1] - 0.912_442_9).abs() < 1e-4, "{out:?}");
    }

    // Reference from scikit-learn 1.9.1: LogisticRegression(C=1.0, tol=1e-10,
    // max_iter=10000).fit(X, y) with X = np.hstack([A, B]) (the members' validation
    // probabilities below), then predict_proba(np.hstack([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3]]))
    // = [[0.3357209, 0.4182073, 0.2460718]].
    #[test]
    fn meta_classifier_matches_scikit_learn() {
        let a = vec![
            vec![0.7, 0.2, 0.1],
            vec![0.6, 0.3, 0.1],
            vec![0.2, 0.7, 0.1],
            vec![0.1, 0.8, 0.1],
            vec![0.2, 0.2, 0.6],
            vec![0.3, 0.3, 0.4],
            vec![0.5, 0.4, 0.1],
        ];
        let b = vec![
            vec![0.5, 0.3, 0.2],
            vec![0.3, 0.4, 0.3],
            vec![0.3, 0.6, 0.1],
            vec![0.2, 0.5, 0.3],
            vec![0.1, 0.1, 0.8],
            vec![0.2, 0.2, 0.6],
            vec![0.4, 0.4, 0.2],
        ];
        let labels = [0, 0, 1, 1, 2, 2, 1];
        let mut f = fusion(1.0);
        f.fit(&[a, b], &labels).unwrap();
        let out = f
            .combine(&[vec![vec![0.6, 0.3, 0.1]], vec![vec![0.2, 0.5, 0.3]]])
            .unwrap();
        let want = [0.335_720_9, 0.418_207_3, 0.246_071_8];
        for (g, w) in out[0].iter().zip(want) {
            assert!((g - w).abs() < 1e-4, "{out:?}");
        }
        // Save and load give the same combination.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("stack");
        f.save(&p).unwrap();
        let mut g = fusion(1.0);
        g.load(&p).unwrap();
        assert_eq!(
            g.combine(&[vec![vec![0.6, 0.3, 0.1]], vec![vec![0.2, 0.5, 0.3]]])
                .unwrap(),
            out
        );
    }

    #[test]
    fn errors() {
        let mut f = fusion(1.0);
        let a = vec![vec![0.5, 0.5]];
        assert!(f.combine(std::slice::from_ref(&a)).is_err(), "before fit");
        assert!(f.fit(&[vec![], vec![]], &[]).is_err(), "no validation");
        f.fit(&[a.clone(), a.clone()], &[1]).unwrap();
        assert!(f.combine(std::slice::from_ref(&a)).is_err(), "member count");
        assert!(Stacking::new(StackingParams {
            c: 0.0,
            ..Default::default()
        })
        .is_err());
    }
}
