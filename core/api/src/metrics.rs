//! The confusion matrix and the two accuracies the SER literature reports, which plugins
//! also need (early stopping on validation UA, learnt fusion weights).
//!
//! WA (weighted accuracy) is plain accuracy; UA (unweighted accuracy) is the mean of the
//! per-class recalls, i.e. macro recall, over the classes present in the reference.

use serde::{Deserialize, Serialize};

/// A confusion matrix: `counts[true][predicted]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Counts, rows = reference class, columns = predicted class.
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    /// Count `(truth, prediction)` pairs over `n_classes` classes.
    pub fn new(truth: &[usize], predicted: &[usize], n_classes: usize) -> Self {
        let mut counts = vec![vec![0; n_classes]; n_classes];
        for (&t, &p) in truth.iter().zip(predicted) {
            counts[t][p] += 1;
        }
        Confusion { counts }
    }

    /// An all-zero matrix.
    pub fn zeros(n_classes: usize) -> Self {
        Confusion {
            counts: vec![vec![0; n_classes]; n_classes],
        }
    }

    /// Add another matrix of the same size (pooling folds).
    pub fn add(&mut self, other: &Confusion) {
        for (r, o) in self.counts.iter_mut().zip(&other.counts) {
            for (a, b) in r.iter_mut().zip(o) {
                *a += b;
            }
        }
    }

    /// Number of utterances counted.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Reference count per class.
    pub fn support(&self) -> Vec<usize> {
        self.counts.iter().map(|r| r.iter().sum()).collect()
    }

    /// Weighted accuracy: correct / total (0 for an empty matrix).
    pub fn wa(&self) -> f64 {
        let correct: usize = (0..self.counts.len()).map(|i| self.counts[i][i]).sum();
        ratio(correct, self.total())
    }

    /// Recall per class; `None` for a class absent from the reference.
    pub fn recalls(&self) -> Vec<Option<f64>> {
        self.counts
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let n: usize = r.iter().sum();
                (n > 0).then(|| ratio(r[i], n))
            })
            .collect()
    }

    /// Precision per class; `None` for a class never predicted.
    pub fn precisions(&self) -> Vec<Option<f64>> {
        let k = self.counts.len();
        (0..k)
            .map(|j| {
                let n: usize = (0..k).map(|i| self.counts[i][j]).sum();
                (n > 0).then(|| ratio(self.counts[j][j], n))
            })
            .collect()
    }

    /// F1 per class; `None` for a class absent from the reference (a present class that is
    /// never predicted has F1 0).
    pub fn f1s(&self) -> Vec<Option<f64>> {
        self.recalls()
            .into_iter()
            .zip(self.precisions())
            .map(|(r, p)| {
                r.map(|r| {
                    let p = p.unwrap_or(0.0);
                    if r + p > 0.0 {
                        2.0 * p * r / (p + r)
                    } else {
                        0.0
                    }
                })
            })
            .collect()
    }

    /// Unweighted accuracy: mean recall over classes present in the reference.
    pub fn ua(&self) -> f64 {
        mean_some(&self.recalls())
    }

    /// Macro F1 over classes present in the reference (a never-predicted class has F1 0).
    pub fn macro_f1(&self) -> f64 {
        mean_some(&self.f1s())
    }

    /// Weighted F1: per-class F1 weighted by the class' reference count (scikit-learn's
    /// `f1_score(average="weighted")`); MELD's usual figure of merit.
    pub fn weighted_f1(&self) -> f64 {
        let support = self.support();
        let total: usize = support.iter().sum();
        let sum: f64 = self
            .f1s()
            .iter()
            .zip(&support)
            .map(|(f, &n)| f.unwrap_or(0.0) * n as f64)
            .sum();
        if total == 0 {
            0.0
        } else {
            sum / total as f64
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn mean_some(v: &[Option<f64>]) -> f64 {
    let present: Vec<f64> = v.iter().flatten().copied().collect();
    if present.is_empty() {
        0.0
    } else {
        present.iter().sum::<f64>() / present.len() as f64
    }
}

/// Index of the largest value (the first on ties).
pub fn argmax(p: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in p.iter().enumerate() {
        if *v > p[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hand-computed example: 3 classes, 10 utterances.
    // truth:     0 0 0 0 1 1 1 2 2 2
    // predicted: 0 0 1 2 1 1 0 2 2 2
    // confusion = [[2,1,1],[1,2,0],[0,0,3]]
    // WA = 7/10; recalls = 2/4, 2/3, 3/3 -> UA = (0.5 + 0.6667 + 1)/3 = 0.72222
    // precisions = 2/3, 2/3, 3/4; F1 = 0.5714, 0.6667, 0.8571 -> macro-F1 = 0.69841
    fn example() -> Confusion {
        Confusion::new(
            &[0, 0, 0, 0, 1, 1, 1, 2, 2, 2],
            &[0, 0, 1, 2, 1, 1, 0, 2, 2, 2],
            3,
        )
    }

    #[test]
    fn confusion_counts() {
        assert_eq!(
            example().counts,
            vec![vec![2, 1, 1], vec![1, 2, 0], vec![0, 0, 3]]
        );
    }

    #[test]
    fn wa_ua_f1_match_hand_computation() {
        let c = example();
        assert!((c.wa() - 0.7).abs() < 1e-12);
        assert!((c.ua() - (0.5 + 2.0 / 3.0 + 1.0) / 3.0).abs() < 1e-12);
        let f1 = [
            2.0 * (2.0 / 3.0) * 0.5 / (2.0 / 3.0 + 0.5),
            2.0 / 3.0,
            2.0 * 0.75 / 1.75,
        ];
        assert!((c.macro_f1() - f1.iter().sum::<f64>() / 3.0).abs() < 1e-12);
        // Supports 4, 3, 3: weighted F1 = (4 * 0.5714 + 3 * 0.6667 + 3 * 0.8571) / 10.
        let w = (4.0 * f1[0] + 3.0 * f1[1] + 3.0 * f1[2]) / 10.0;
        assert!((c.weighted_f1() - w).abs() < 1e-12);
        // scikit-learn 1.x: f1_score([0,0,0,0,1,1,1,2,2,2], [0,0,1,2,1,1,0,2,2,2],
        // average="weighted") = 0.6857142857142857
        assert!((c.weighted_f1() - 0.685_714_285_714_285_7).abs() < 1e-12);
        for (got, want) in c.f1s().iter().zip(f1) {
            assert!((got.unwrap() - want).abs() < 1e-12);
        }
        let p = c.precisions();
        assert_eq!(p, vec![Some(2.0 / 3.0), Some(2.0 / 3.0), Some(0.75)]);
    }

    #[test]
    fn ua_differs_from_wa_under_imbalance() {
        // 9 of class 0 all right, 1 of class 1 wrong: WA 0.9, UA 0.5.
        let c = Confusion::new(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 1], &[0; 10], 2);
        assert!((c.wa() - 0.9).abs() < 1e-12);
        assert!((c.ua() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn absent_classes_are_left_out_of_ua() {
        let c = Confusion::new(&[0, 0], &[0, 1], 3);
        assert_eq!(c.recalls(), vec![Some(0.5), None, None]);
        assert!((c.ua() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn pooling_adds_counts() {
        let mut a = example();
        a.add(&example());
        assert_eq!(a.total(), 20);
        assert!((a.ua() - example().ua()).abs() < 1e-12);
    }

    #[test]
    fn argmax_takes_first_of_ties() {
        assert_eq!(argmax(&[0.2, 0.5, 0.5]), 1);
    }
}
