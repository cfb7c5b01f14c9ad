//! Bootstrap confidence interval of UA (percentile method, Efron & Tibshirani 1993, ch. 13).
//!
//! By default whole speakers are resampled (a cluster bootstrap): utterances of one speaker
//! share voice, recording and acting style, so treating them as independent draws would
//! make the interval too narrow. Resampling utterances is offered for comparison with
//! papers that do. The resampling is seeded, so the same run gives the same interval.

use super::{BootstrapUnit, Confusion, MetricsConfig};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A confidence interval and how it was drawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Coverage (0.95).
    pub level: f64,
    /// Resamples drawn.
    pub resamples: usize,
    /// What was resampled.
    pub unit: BootstrapUnit,
}

/// The `q`-quantile of sorted values, interpolating linearly between order statistics
/// (NumPy's default `linear` method).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// UA of every resample (unsorted), for tests and for callers that want the distribution.
pub fn ua_resamples(
    truth: &[usize],
    pred: &[usize],
    speakers: &[&str],
    n_classes: usize,
    unit: BootstrapUnit,
    resamples: usize,
    seed: u64,
) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(resamples);
    match unit {
        BootstrapUnit::Utterance => {
            let n = truth.len();
            for _ in 0..resamples {
                let mut c = Confusion::zeros(n_classes);
                for _ in 0..n {
                    let i = rng.random_range(0..n);
                    c.counts[truth[i]][pred[i]] += 1;
                }
                out.push(c.ua());
            }
        }
        BootstrapUnit::Speaker => {
            // One confusion matrix per speaker; a resample adds the drawn speakers' matrices.
            let mut per: BTreeMap<&str, Confusion> = BTreeMap::new();
            for ((&t, &p), &s) in truth.iter().zip(pred).zip(speakers) {
                per.entry(s)
                    .or_insert_with(|| Confusion::zeros(n_classes))
                    .counts[t][p] += 1;
            }
            let per: Vec<Confusion> = per.into_values().collect();
            for _ in 0..resamples {
                let mut c = Confusion::zeros(n_classes);
                for _ in 0..per.len() {
                    c.add(&per[rng.random_range(0..per.len())]);
                }
                out.push(c.ua());
            }
        }
    }
    out
}

/// The bootstrap interval of UA, or `None` when `cfg.bootstrap` is 0 or there is nothing to
/// resample.
pub fn ua_interval(
    truth: &[usize],
    pred: &[usize],
    speakers: &[&str],
    n_classes: usize,
    cfg: &MetricsConfig,
    seed: u64,
) -> Option<Interval> {
    if cfg.bootstrap == 0 || truth.is_empty() {
        return None;
    }
    let mut v = ua_resamples(
        truth,
        pred,
        speakers,
        n_classes,
        cfg.bootstrap_unit,
        cfg.bootstrap,
        seed,
    );
    v.sort_by(f64::total_cmp);
    let tail = (1.0 - cfg.confidence) / 2.0;
    Some(Interval {
        low: quantile(&v, tail),
        high: quantile(&v, 1.0 - tail),
        level: cfg.confidence,
        resamples: cfg.bootstrap,
        unit: cfg.bootstrap_unit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        // numpy.quantile([0, 1, 2, 3, 4], [0.25, 0.1, 1.0]) = [1.0, 0.4, 4.0]
        let v = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.25), 1.0);
        assert!((quantile(&v, 0.1) - 0.4).abs() < 1e-12);
        assert_eq!(quantile(&v, 1.0), 4.0);
    }

    // Speaker A gets both of its utterances right, speaker B both wrong (2 classes). A
    // speaker resample is {A, A} (UA 1) with probability 1/4, {B, B} (UA 0) with 1/4, and
    // one of each (UA 0.5) with 1/2, so the 95% interval is [0, 1] and a quarter of the
    // resamples have UA 1.
    fn two_speakers() -> (Vec<usize>, Vec<usize>, Vec<&'static str>) {
        (vec![0, 1, 0, 1], vec![0, 1, 1, 0], vec!["A", "A", "B", "B"])
    }

    #[test]
    fn speaker_bootstrap_has_the_hand_derived_distribution() {
        let (t, p, s) = two_speakers();
        let v = ua_resamples(&t, &p, &s, 2, BootstrapUnit::Speaker, 4000, 5);
        let share = |x: f64| v.iter().filter(|&&u| u == x).count() as f64 / v.len() as f64;
        assert!((share(1.0) - 0.25).abs() < 0.03, "{}", share(1.0));
        assert!((share(0.0) - 0.25).abs() < 0.03, "{}", share(0.0));
        assert!((share(0.5) - 0.5).abs() < 0.03, "{}", share(0.5));
        let cfg = MetricsConfig::default();
        let ci = ua_interval(&t, &p, &s, 2, &cfg, 5).unwrap();
        assert_eq!((ci.low, ci.high), (0.0, 1.0));
        assert_eq!(ci.unit, BootstrapUnit::Speaker);
        // Seeded: the same seed gives the same interval.
        assert_eq!(ua_interval(&t, &p, &s, 2, &cfg, 5), Some(ci));
    }

    #[test]
    fn perfect_predictions_have_a_point_interval_and_zero_resamples_none() {
        let t = [0, 1, 2, 0, 1, 2];
        let s = ["a", "a", "b", "b", "c", "c"];
        for unit in [BootstrapUnit::Speaker, BootstrapUnit::Utterance] {
            let cfg = MetricsConfig {
                bootstrap_unit: unit,
                bootstrap: 200,
                ..Default::default()
            };
            let ci = ua_interval(&t, &t, &s, 3, &cfg, 1).unwrap();
            assert_eq!((ci.low, ci.high), (1.0, 1.0));
        }
        let off = MetricsConfig {
            bootstrap: 0,
            ..Default::default()
        };
        assert!(ua_interval(&t, &t, &s, 3, &off, 1).is_none());
    }

    #[test]
    fn utterance_bootstrap_is_narrower_than_speaker_bootstrap_on_clustered_errors() {
        // 10 speakers, each all right or all wrong: errors are clustered by speaker.
        let mut t = Vec::new();
        let mut p = Vec::new();
        let mut s = Vec::new();
        let names: Vec<String> = (0..10).map(|i| format!("s{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            for k in 0..20 {
                let c = k % 2;
                t.push(c);
                p.push(if i < 6 { c } else { 1 - c });
                s.push(name.as_str());
            }
        }
        let width = |unit| {
            let cfg = MetricsConfig {
                bootstrap_unit: unit,
                ..Default::default()
            };
            let ci = ua_interval(&t, &p, &s, 2, &cfg, 3).unwrap();
            ci.high - ci.low
        };
        assert!(width(BootstrapUnit::Utterance) < width(BootstrapUnit::Speaker) / 2.0);
    }
}
