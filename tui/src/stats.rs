//! Paired significance tests for `serlab compare`.
//!
//! - Over folds (the same folds in both runs): Wilcoxon's signed-rank test, exact, and the
//!   paired t-test. With 5–10 folds the exact distribution matters: the normal
//!   approximation scipy falls back on with ties is poor at that size. The exact null
//!   distribution of the rank sum is counted by dynamic programming over doubled ranks, so
//!   tied differences (average ranks, halves) are handled exactly as a permutation test.
//! - Over utterances (the same utterances in both runs): McNemar's test on the discordant
//!   pairs, exact (two-sided binomial with p = 1/2), valid at any count.
//!
//! statrs supplies the t and binomial distributions; the rank-sum count is written here
//! because no maintained crate offers an exact signed-rank test.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};

/// A test's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The test's name as printed.
    pub test: &'static str,
    /// The statistic (t; W = min(W+, W−); or the smaller discordant count for McNemar).
    pub statistic: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Pairs used (non-zero differences for Wilcoxon; discordant pairs for McNemar).
    pub n: usize,
}

/// Paired t-test of `a` against `b`; `None` with fewer than 2 pairs.
pub fn paired_t(a: &[f64], b: &[f64]) -> Option<Outcome> {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = d.len();
    if n < 2 {
        return None;
    }
    let mean = d.iter().sum::<f64>() / n as f64;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let (t, p) = if var == 0.0 {
        if mean == 0.0 {
            (0.0, 1.0)
        } else {
            (f64::INFINITY.copysign(mean), 0.0)
        }
    } else {
        let t = mean / (var / n as f64).sqrt();
        let dist = StudentsT::new(0.0, 1.0, (n - 1) as f64).ok()?;
        (t, (2.0 * (1.0 - dist.cdf(t.abs()))).min(1.0))
    };
    Some(Outcome {
        test: "paired t-test",
        statistic: t,
        p,
        n,
    })
}

/// Wilcoxon signed-rank test of `a` against `b` (zero differences dropped, ties given
/// average ranks), with the exact two-sided p-value for up to 60 non-zero differences and
/// the normal approximation (tie-corrected, no continuity correction) beyond.
pub fn wilcoxon(a: &[f64], b: &[f64]) -> Option<Outcome> {
    let mut d: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| x - y)
        .filter(|x| x.abs() > 1e-12)
        .collect();
    let n = d.len();
    if n == 0 {
        return Some(Outcome {
            test: "Wilcoxon signed-rank (exact)",
            statistic: 0.0,
            p: 1.0,
            n: 0,
        });
    }
    d.sort_by(|x, y| x.abs().total_cmp(&y.abs()));
    // Doubled average ranks (integers).
    let mut r2 = vec![0usize; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && (d[j + 1].abs() - d[i].abs()).abs() <= 1e-12 {
            j += 1;
        }
        for r in &mut r2[i..=j] {
            *r = i + j + 2; // 2 × the mean of ranks i+1 ..= j+1
        }
        i = j + 1;
    }
    let w_plus2: usize = d
        .iter()
        .zip(&r2)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, r)| r)
        .sum();
    let total2: usize = r2.iter().sum();
    let w2 = w_plus2.min(total2 - w_plus2);
    if n <= 60 {
        // counts[s] = number of sign patterns whose positive doubled-rank sum is s.
        let mut counts = vec![0f64; total2 + 1];
        counts[0] = 1.0;
        let mut reach = 0;
        for &r in &r2 {
            for s in (0..=reach).rev() {
                if counts[s] > 0.0 {
                    counts[s + r] += counts[s];
                }
            }
            reach += r;
        }
        let all = 2f64.powi(n as i32);
        let below: f64 = counts[..=w2].iter().sum();
        Some(Outcome {
            test: "Wilcoxon signed-rank (exact)",
            statistic: w2 as f64 / 2.0,
            p: (2.0 * below / all).min(1.0),
            n,
        })
    } else {
        let nf = n as f64;
        let mean = nf * (nf + 1.0) / 4.0;
        // Tie correction: Σ (t³ − t) / 48 over groups of tied ranks.
        let mut ties = 0.0;
        let mut k = 0;
        while k < n {
            let t = r2.iter().filter(|&&r| r == r2[k]).count();
            ties += (t.pow(3) - t) as f64 / 48.0;
            k += t;
        }
        let sd = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - ties).sqrt();
        let z = (w2 as f64 / 2.0 - mean) / sd;
        let normal = statrs::distribution::Normal::new(0.0, 1.0).ok()?;
        Some(Outcome {
            test: "Wilcoxon signed-rank (normal approximation)",
            statistic: w2 as f64 / 2.0,
            p: (2.0 * normal.cdf(-z.abs())).min(1.0),
            n,
        })
    }
}

/// McNemar's exact test from the discordant counts: `b` utterances only the first system
/// got right, `c` only the second.
pub fn mcnemar(b: usize, c: usize) -> Outcome {
    let n = b + c;
    let p = if n == 0 {
        1.0
    } else {
        let dist = Binomial::new(0.5, n as u64).expect("valid binomial");
        (2.0 * dist.cdf(b.min(c) as u64)).min(1.0)
    };
    Outcome {
        test: "McNemar (exact binomial)",
        statistic: b.min(c) as f64,
        p,
        n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values from scipy 1.17.1 (Python 3.11):
    //   a = [0.71, 0.64, 0.80, 0.55, 0.68, 0.73, 0.62, 0.77, 0.59, 0.70]
    //   b = [0.66, 0.65, 0.72, 0.50, 0.61, 0.70, 0.58, 0.71, 0.60, 0.63]
    //   scipy.stats.ttest_rel(a, b) -> t = 4.297613100010363, p = 0.0019976327483902266
    //   the differences have ties (0.05, 0.07, -0.01 twice each):
    //   scipy.stats.wilcoxon(a, b, method=PermutationMethod(n_resamples=inf))
    //     -> W = 3.0, p = 0.009765625
    //   without ties: scipy.stats.wilcoxon([1, 2, -3, 4, 5, -6, 7, 8, 9, 10],
    //     method="exact") -> W = 9.0, p = 0.064453125
    const A: [f64; 10] = [0.71, 0.64, 0.80, 0.55, 0.68, 0.73, 0.62, 0.77, 0.59, 0.70];
    const B: [f64; 10] = [0.66, 0.65, 0.72, 0.50, 0.61, 0.70, 0.58, 0.71, 0.60, 0.63];

    #[test]
    fn paired_t_matches_scipy() {
        let o = paired_t(&A, &B).unwrap();
        assert!((o.statistic - 4.297613100010363).abs() < 1e-9, "{o:?}");
        assert!((o.p - 0.0019976327483902266).abs() < 1e-9, "{o:?}");
    }

    #[test]
    fn wilcoxon_exact_matches_scipy() {
        let o = wilcoxon(&A, &B).unwrap();
        assert_eq!(o.statistic, 3.0);
        assert!((o.p - 0.009765625).abs() < 1e-12, "{o:?}");
        assert_eq!(o.n, 10);
        let d = [1.0, 2.0, -3.0, 4.0, 5.0, -6.0, 7.0, 8.0, 9.0, 10.0];
        let o = wilcoxon(&d, &[0.0; 10]).unwrap();
        assert_eq!(o.statistic, 9.0);
        assert!((o.p - 0.064453125).abs() < 1e-12, "{o:?}");
    }

    #[test]
    fn wilcoxon_with_ties_and_zeros_counts_every_sign_pattern() {
        // d = [1, -1, 2, 0]: the zero is dropped; |d| ranks 1.5, 1.5, 3; W+ = 4.5, W- = 1.5.
        // The 8 sign patterns give W+ ∈ {0, 1.5, 1.5, 3, 3, 4.5, 4.5, 6}, so
        // P(W ≤ 1.5) = 3/8 and the two-sided p = 0.75 (scipy's permutation method agrees:
        // scipy.stats.wilcoxon(d, method=PermutationMethod()) -> p = 0.75).
        let o = wilcoxon(&[1.0, -1.0, 2.0, 5.0], &[0.0, 0.0, 0.0, 5.0]).unwrap();
        assert_eq!(o.n, 3);
        assert_eq!(o.statistic, 1.5);
        assert!((o.p - 0.75).abs() < 1e-12, "{o:?}");
    }

    #[test]
    fn mcnemar_exact_by_hand() {
        // b = 2, c = 8: 2 · P(X ≤ 2), X ~ Bin(10, 1/2) = 2 · 56/1024 = 0.109375.
        let o = mcnemar(2, 8);
        assert!((o.p - 0.109375).abs() < 1e-12, "{o:?}");
        assert_eq!(mcnemar(0, 0).p, 1.0);
        assert_eq!(mcnemar(5, 5).p, 1.0);
    }
}
