//! `weighted-average`: a weighted mean of the members, the weights fit on the validation
//! speakers by exhaustive grid search over the simplex.

use crate::average::mean;
use crate::shape::{argmax, check, check_labels};
use serde::{Deserialize, Serialize};
use serlab_api::fusion::MemberProbs;
use serlab_api::metrics::Confusion;
use serlab_api::{Component, Error, Fusion, Result};
use std::path::Path;

/// Most weight vectors the grid search will try.
pub const MAX_GRID: usize = 2_000_000;

/// Parameters of `weighted-average`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WeightedAverageParams {
    /// Grid step of the weights; `1 / step` must be a whole number.
    pub step: f64,
}

impl Default for WeightedAverageParams {
    fn default() -> Self {
        WeightedAverageParams { step: 0.1 }
    }
}

/// The `weighted-average` fusion.
#[derive(Debug)]
pub struct WeightedAverage {
    /// Number of grid steps in the unit interval (`1 / step`).
    divisions: usize,
    weights: Option<Vec<f64>>,
    /// Validation utterances the weights were fit on.
    fit_utterances: usize,
}

/// What a fitted `weighted-average` saves: its weights and how many validation
/// utterances chose them.
#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    weights: Vec<f64>,
    fit_utterances: usize,
}

impl WeightedAverage {
    /// The fitted weights, one per member, summing to 1.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }
}

impl Component for WeightedAverage {
    const NAME: &'static str = "weighted-average";
    const SUMMARY: &'static str =
        "weighted mean of the members, weights chosen on validation speakers by grid search maximising UA";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[(
        "step",
        "grid step of the weights on the simplex (default 0.1; 1 / step must be a whole number); \
         ties in validation UA go to the weights closest to uniform",
    )];
    type Params = WeightedAverageParams;

    fn new(params: WeightedAverageParams) -> Result<Self> {
        let step = params.step;
        let divisions = (1.0 / step).round();
        if !(step > 0.0 && step <= 1.0) || ((1.0 / step) - divisions).abs() > 1e-6 {
            return Err(Error::config(
                Self::NAME,
                "step",
                format!("{step} is not a step that divides 1 into whole parts (0.1, 0.05, 0.25, 0.5, 1, ...)"),
            ));
        }
        Ok(WeightedAverage {
            divisions: divisions as usize,
            weights: None,
            fit_utterances: 0,
        })
    }
}

/// Number of ways to write `n` as an ordered sum of `k` non-negative parts,
/// `C(n + k - 1, k - 1)`, saturating.
fn compositions(n: usize, k: usize) -> usize {
    let mut c: usize = 1;
    for i in 1..k {
        c = match c.checked_mul(n + i) {
            Some(v) => v / i,
            None => return usize::MAX,
        };
    }
    c
}

/// Calls `visit` with every composition of `n` into `parts.len()` parts, in lexicographic
/// order (first part ascending).
fn each_composition(n: usize, parts: &mut [usize], at: usize, visit: &mut dyn FnMut(&[usize])) {
    if at + 1 == parts.len() {
        parts[at] = n;
        visit(parts);
        return;
    }
    for i in 0..=n {
        parts[at] = i;
        each_composition(n - i, parts, at + 1, visit);
    }
}

/// Validation UA of the weighted mean.
fn ua(
    members: MemberProbs<'_>,
    weights: &[f64],
    labels: &[usize],
    classes: usize,
    scratch: &mut Vec<f64>,
) -> f64 {
    let predicted: Vec<usize> = (0..labels.len())
        .map(|u| {
            scratch.clear();
            scratch.resize(classes, 0.0);
            for (member, &w) in members.iter().zip(weights) {
                if w > 0.0 {
                    scratch
                        .iter_mut()
                        .zip(&member[u])
                        .for_each(|(s, &p)| *s += w * f64::from(p));
                }
            }
            argmax(scratch)
        })
        .collect();
    Confusion::new(labels, &predicted, classes).ua()
}

impl Fusion for WeightedAverage {
    /// Tries every weight vector on the grid; keeps the best validation UA, ties going to
    /// the weights nearest (Euclidean) to uniform, then to the first in lexicographic order.
    fn fit(&mut self, members: MemberProbs<'_>, labels: &[usize]) -> Result<()> {
        let shape = check(Self::NAME, members)?;
        check_labels(Self::NAME, &shape, labels)?;
        if shape.utterances == 0 {
            return Err(Error::invalid(
                "fusion `weighted-average`: no validation utterance to fit the weights on",
            ));
        }
        let m = shape.members;
        let n = self.divisions;
        let grid = compositions(n, m);
        if grid > MAX_GRID {
            return Err(Error::invalid(format!(
                "fusion `weighted-average`: {m} members with step 1/{n} make {grid} weight vectors \
                 (more than {MAX_GRID}); use a larger step"
            )));
        }
        let uniform = 1.0 / m as f64;
        let mut best: Option<(f64, f64, Vec<f64>)> = None;
        let mut scratch = Vec::with_capacity(shape.classes);
        let mut parts = vec![0usize; m];
        each_composition(n, &mut parts, 0, &mut |parts| {
            let w: Vec<f64> = parts.iter().map(|&p| p as f64 / n as f64).collect();
            let score = ua(members, &w, labels, shape.classes, &mut scratch);
            let dist: f64 = w.iter().map(|x| (x - uniform) * (x - uniform)).sum();
            let better = match &best {
                None => true,
                Some((s, d, _)) => {
                    score > s + 1e-12 || ((score - s).abs() <= 1e-12 && dist < d - 1e-12)
                }
            };
            if better {
                best = Some((score, dist, w));
            }
        });
        self.weights = best.map(|(_, _, w)| w);
        self.fit_utterances = shape.utterances;
        Ok(())
    }

    fn combine(&self, members: MemberProbs<'_>) -> Result<Vec<Vec<f32>>> {
        let weights = self.weights.as_ref().ok_or_else(|| {
            Error::invalid("fusion `weighted-average`: combine called before fit")
        })?;
        let s = check(Self::NAME, members)?;
        if s.members != weights.len() {
            return Err(Error::invalid(format!(
                "fusion `weighted-average`: fit on {} members but given {}",
                weights.len(),
                s.members
            )));
        }
        Ok(mean(members, weights, s.classes, s.utterances))
    }

    fn save(&self, path: &Path) -> Result<()> {
        let weights = self
            .weights
            .clone()
            .ok_or_else(|| Error::invalid("fusion `weighted-average`: save called before fit"))?;
        crate::save_json(
            Self::NAME,
            path,
            &Saved {
                weights,
                fit_utterances: self.fit_utterances,
            },
        )
    }

    fn load(&mut self, path: &Path) -> Result<()> {
        let s: Saved = crate::load_json(Self::NAME, path)?;
        let total: f64 = s.weights.iter().sum();
        if s.weights.is_empty()
            || s.weights.iter().any(|w| w.is_nan() || *w < 0.0)
            || (total - 1.0).abs() > 1e-6
        {
            return Err(Error::invalid(format!(
                "fusion `weighted-average`: {} holds weights {:?} that are not a distribution",
                path.display(),
                s.weights
            )));
        }
        self.weights = Some(s.weights);
        self.fit_utterances = s.fit_utterances;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fusion() -> WeightedAverage {
        WeightedAverage::new(WeightedAverageParams::default()).unwrap()
    }

    #[test]
    fn grid_search_picks_the_best_and_most_uniform_weights() {
        // Weights (a, 1 - a). Class-1 probability of the fused rows:
        //   u0 (label 0): 0.1a + 0.4(1 - a) = 0.4 - 0.3a  < 0.5 for all a      -> always right
        //   u1 (label 1): 0.4a + 0.7(1 - a) = 0.7 - 0.3a  > 0.5 iff a < 2/3    -> right for a <= 0.6
        //   u2 (label 1): 0.3a + 0.53(1 - a) = 0.53 - 0.23a > 0.5 iff a < 0.13 -> right for a <= 0.1
        //                 (a = 0.1: 0.507; a = 0.2: 0.484: no grid point near the boundary)
        // UA = 1 for a in {0.0, 0.1}; of those, 0.1 is nearer to uniform (0.5).
        let a = vec![vec![0.9, 0.1], vec![0.6, 0.4], vec![0.7, 0.3]];
        let b = vec![vec![0.6, 0.4], vec![0.3, 0.7], vec![0.47, 0.53]];
        let mut f = fusion();
        f.fit(&[a, b], &[0, 1, 1]).unwrap();
        let w = f.weights().unwrap();
        assert!(
            (w[0] - 0.1).abs() < 1e-12 && (w[1] - 0.9).abs() < 1e-12,
            "{w:?}"
        );
        // 0.1 * [0.5, 0.5] + 0.9 * [1.0, 0.0] = [0.95, 0.05]
        let out = f
            .combine(&[vec![vec![0.5, 0.5]], vec![vec![1.0, 0.0]]])
            .unwrap();
        assert!(
            (out[0][0] - 0.95).abs() < 1e-6 && (out[0][1] - 0.05).abs() < 1e-6,
            "{out:?}"
        );
        // The weights survive save / load, with how many utterances chose them.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w");
        f.save(&path).unwrap();
        let mut g = fusion();
        g.load(&path).unwrap();
        assert_eq!(g.weights(), f.weights());
        assert_eq!(g.fit_utterances, 3);
        std::fs::write(&path, r#"{"weights": [0.7, 0.7], "fit_utterances": 1}"#).unwrap();
        assert!(g
            .load(&path)
            .unwrap_err()
            .to_string()
            .contains("not a distribution"));
    }

    #[test]
    fn all_ties_go_to_uniform() {
        // Identical members: every weighting predicts the same, so all UAs tie.
        let a = vec![vec![0.8, 0.2], vec![0.3, 0.7]];
        let mut f = fusion();
        f.fit(&[a.clone(), a.clone()], &[0, 0]).unwrap();
        assert_eq!(f.weights().unwrap(), &[0.5, 0.5]);
        // With 3 members 1/3 is off the 0.1 grid: (0.3, 0.3, 0.4), (0.3, 0.4, 0.3) and
        // (0.4, 0.3, 0.3) are equally near; the first in lexicographic order wins.
        f.fit(&[a.clone(), a.clone(), a], &[0, 1]).unwrap();
        let w = f.weights().unwrap();
        assert!(
            (w[0] - 0.3).abs() < 1e-12 && (w[1] - 0.3).abs() < 1e-12 && (w[2] - 0.4).abs() < 1e-12,
            "{w:?}"
        );
    }

    #[test]
    fn ua_not_accuracy_is_maximised() {
        // 3 utterances of class 0, 1 of class 1. Member A always says 0: accuracy 3/4,
        // recalls 1 and 0, UA 1/2. Member B predicts 0, 1, 1, 1: accuracy 2/4,
        // recalls 1/3 and 1, UA 2/3. Accuracy prefers A, UA prefers B.
        // Fused class-1 prob with weights (a, 1 - a): A gives 0.35 everywhere,
        // B gives 0.1, 0.9, 0.9, 0.9:
        //   u0: 0.35a + 0.1(1 - a) < 0.5 always -> 0 (right)
        //   u1..u3: 0.35a + 0.9(1 - a) = 0.9 - 0.55a > 0.5 iff a < 0.727 -> 1
        // so a <= 0.7 gives UA 2/3 and a >= 0.8 gives UA 1/2 (all class 0). Nearest to
        // uniform among a <= 0.7: a = 0.5.
        let a = vec![vec![0.65, 0.35]; 4];
        let b = vec![
            vec![0.9, 0.1],
            vec![0.1, 0.9],
            vec![0.1, 0.9],
            vec![0.1, 0.9],
        ];
        let mut f = fusion();
        f.fit(&[a, b], &[0, 0, 0, 1]).unwrap();
        assert_eq!(f.weights().unwrap(), &[0.5, 0.5]);
    }

    #[test]
    fn steps_and_errors() {
        assert!(WeightedAverage::new(WeightedAverageParams { step: 0.3 }).is_err());
        assert!(WeightedAverage::new(WeightedAverageParams { step: 0.0 }).is_err());
        assert!(WeightedAverage::new(WeightedAverageParams { step: 1.5 }).is_err());
        assert_eq!(
            WeightedAverage::new(WeightedAverageParams { step: 0.05 })
                .unwrap()
                .divisions,
            20
        );
        assert_eq!(compositions(10, 2), 11);
        assert_eq!(compositions(10, 3), 66);
        let mut f = fusion();
        let a = vec![vec![0.5, 0.5]];
        assert!(
            f.combine(std::slice::from_ref(&a)).is_err(),
            "combine before fit"
        );
        assert!(
            f.fit(&[vec![], vec![]], &[]).is_err(),
            "no validation utterance"
        );
        f.fit(&[a.clone(), a.clone()], &[1]).unwrap();
        assert!(
            f.combine(std::slice::from_ref(&a)).is_err(),
            "member count changed"
        );
        assert!(
            f.combine(&[a.clone(), vec![vec![0.2, 0.3, 0.5]]]).is_err(),
            "class count differs"
        );
        let mut many = WeightedAverage::new(WeightedAverageParams { step: 0.01 }).unwrap();
        assert!(many.fit(&vec![a; 8], &[0]).is_err(), "grid too large");
    }
}
