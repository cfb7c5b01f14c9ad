//! Lin's concordance correlation coefficient (CCC), the usual score of dimensional emotion
//! (valence, arousal, dominance): `2·cov(x, y) / (var x + var y + (mean x − mean y)²)`, with
//! population (1/n) moments as in Lin (1989) and the AVEC challenges. Unlike Pearson's r it
//! punishes a shift or a scale error, not only a lack of correlation.

use serde::{Deserialize, Serialize};

/// CCC of `pred` against `truth`; `None` for fewer than two pairs or when both are constant.
pub fn ccc(truth: &[f64], pred: &[f64]) -> Option<f64> {
    let n = truth.len().min(pred.len());
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mt = truth[..n].iter().sum::<f64>() / nf;
    let mp = pred[..n].iter().sum::<f64>() / nf;
    let (mut vt, mut vp, mut cov) = (0.0, 0.0, 0.0);
    for (t, p) in truth.iter().zip(pred) {
        vt += (t - mt) * (t - mt);
        vp += (p - mp) * (p - mp);
        cov += (t - mt) * (p - mp);
    }
    let den = vt / nf + vp / nf + (mt - mp) * (mt - mp);
    (den > 0.0).then(|| 2.0 * cov / nf / den)
}

/// CCC per dimension.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VadCcc {
    /// Valence.
    pub valence: Option<f64>,
    /// Arousal.
    pub arousal: Option<f64>,
    /// Dominance.
    pub dominance: Option<f64>,
    /// Utterances with both a reference and a prediction.
    pub n: usize,
}

/// CCC of each dimension over `(reference, prediction)` pairs; `None` without pairs.
pub fn vad_ccc(pairs: impl IntoIterator<Item = ([f32; 3], [f32; 3])>) -> Option<VadCcc> {
    let mut cols: [(Vec<f64>, Vec<f64>); 3] = Default::default();
    for (t, p) in pairs {
        for d in 0..3 {
            cols[d].0.push(f64::from(t[d]));
            cols[d].1.push(f64::from(p[d]));
        }
    }
    let n = cols[0].0.len();
    (n > 0).then(|| VadCcc {
        valence: ccc(&cols[0].0, &cols[0].1),
        arousal: ccc(&cols[1].0, &cols[1].1),
        dominance: ccc(&cols[2].0, &cols[2].1),
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        // x = 1..4, y = x + 1: means 2.5 / 3.5, variances 1.25, covariance 1.25;
        // CCC = 2.5 / (1.25 + 1.25 + 1) = 0.714285…, though Pearson's r is 1.
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [2.0, 3.0, 4.0, 5.0];
        assert!((ccc(&x, &y).unwrap() - 2.5 / 3.5).abs() < 1e-12);
        assert_eq!(ccc(&x, &x), Some(1.0));
        // y = -x around a zero mean: perfect disagreement.
        assert_eq!(ccc(&[-1.0, 1.0], &[1.0, -1.0]), Some(-1.0));
        // y = 2x: var 5, cov 2.5, mean gap 2.5 → 5 / (1.25 + 5 + 6.25) = 0.4.
        let y2 = x.map(|v| 2.0 * v);
        assert!((ccc(&x, &y2).unwrap() - 0.4).abs() < 1e-12);
        assert_eq!(ccc(&[1.0], &[1.0]), None);
        assert_eq!(ccc(&[1.0, 1.0], &[1.0, 1.0]), None);
    }

    #[test]
    fn per_dimension() {
        let pairs = [
            ([1.0, 1.0, 1.0], [1.0, 2.0, 5.0]),
            ([2.0, 2.0, 2.0], [2.0, 3.0, 5.0]),
            ([3.0, 3.0, 3.0], [3.0, 4.0, 5.0]),
            ([4.0, 4.0, 4.0], [4.0, 5.0, 5.0]),
        ];
        let c = vad_ccc(pairs).unwrap();
        assert_eq!(c.n, 4);
        assert_eq!(c.valence, Some(1.0));
        assert!((c.arousal.unwrap() - 2.5 / 3.5).abs() < 1e-12);
        // A constant prediction has zero covariance: CCC 0.
        assert_eq!(c.dominance, Some(0.0));
        assert!(vad_ccc([]).is_none());
    }
}
