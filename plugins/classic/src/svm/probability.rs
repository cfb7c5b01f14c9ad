//! libsvm's probability outputs: Platt's sigmoid per pair of classes, fit on
//! cross-validated decision values (Lin, Lin and Weng 2007, "A note on Platt's
//! probabilistic outputs"), and pairwise coupling of the pairs' probabilities into one
//! distribution (Wu, Lin and Weng 2004, method 2), as libsvm's `sigmoid_train`,
//! `sigmoid_predict` and `multiclass_probability`.

use super::smo;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serlab_api::{Error, Result};

/// Folds of libsvm's cross-validation for the Platt sigmoids.
const PROBABILITY_FOLDS: usize = 5;

/// Fit `P(+1 | f) = 1 / (1 + exp(A f + B))` on decision values `dec` with labels
/// `positive`; returns `(A, B)`. Newton's method with backtracking, on Platt's smoothed
/// targets.
pub fn sigmoid_train(dec: &[f64], positive: &[bool]) -> (f64, f64) {
    let prior1 = positive.iter().filter(|&&p| p).count() as f64;
    let prior0 = dec.len() as f64 - prior1;
    let (max_iter, min_step, sigma, eps) = (100, 1e-10, 1e-12, 1e-5);
    let hi = (prior1 + 1.0) / (prior1 + 2.0);
    let lo = 1.0 / (prior0 + 2.0);
    let t: Vec<f64> = positive.iter().map(|&p| if p { hi } else { lo }).collect();
    let objective = |a: f64, b: f64| -> f64 {
        dec.iter()
            .zip(&t)
            .map(|(&f, &ti)| {
                let z = f * a + b;
                if z >= 0.0 {
                    ti * z + (-z).exp().ln_1p()
                } else {
                    (ti - 1.0) * z + z.exp().ln_1p()
                }
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
    let mut fval = objective(a, b);
    for _ in 0..max_iter {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (sigma, sigma, 0.0, 0.0, 0.0);
        for (&f, &ti) in dec.iter().zip(&t) {
            let z = f * a + b;
            let (p, q) = if z >= 0.0 {
                let e = (-z).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = z.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += f * f * d2;
            h22 += d2;
            h21 += f * d2;
            let d1 = ti - p;
            g1 += f * d1;
            g2 += d1;
        }
        if g1.abs() < eps && g2.abs() < eps {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let da = -(h22 * g1 - h21 * g2) / det;
        let db = -(-h21 * g1 + h11 * g2) / det;
        let gd = g1 * da + g2 * db;
        let mut step = 1.0;
        while step >= min_step {
            let (na, nb) = (a + step * da, b + step * db);
            let nf = objective(na, nb);
            if nf < fval + 0.0001 * step * gd {
                (a, b, fval) = (na, nb, nf);
                break;
            }
            step /= 2.0;
        }
        if step < min_step {
            break;
        }
    }
    (a, b)
}

/// `P(+1 | f)` under the sigmoid `(A, B)`, computed without overflow.
pub fn sigmoid_predict(f: f64, a: f64, b: f64) -> f64 {
    let z = f * a + b;
    if z >= 0.0 {
        (-z).exp() / (1.0 + (-z).exp())
    } else {
        1.0 / (1.0 + z.exp())
    }
}

/// One distribution over `k` classes from pairwise probabilities `r[i][j]` =
/// `P(i | i or j)` (with `r[j][i] = 1 − r[i][j]`).
pub fn couple(r: &[Vec<f64>]) -> Vec<f64> {
    let k = r.len();
    let max_iter = 100.max(k);
    let eps = 0.005 / k as f64;
    let mut q = vec![vec![0.0f64; k]; k];
    let mut p = vec![1.0 / k as f64; k];
    for t in 0..k {
        for j in 0..k {
            if j == t {
                continue;
            }
            q[t][t] += r[j][t] * r[j][t];
            if j > t {
                q[t][j] = -r[j][t] * r[t][j];
            } else {
                q[t][j] = q[j][t];
            }
        }
    }
    let mut qp = vec![0.0f64; k];
    for _ in 0..max_iter {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = (0..k).map(|j| q[t][j] * p[j]).sum();
            pqp += p[t] * qp[t];
        }
        let max_error = qp.iter().map(|v| (v - pqp).abs()).fold(0.0, f64::max);
        if max_error < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t][t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t][t] + 2.0 * qp[t])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t][j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
    p
}

/// libsvm's `svm_binary_svc_probability`: decision values of each sample from a fit on
/// the other folds, then Platt's sigmoid on them. Returns `(A, B)`.
/// The folds are a permutation drawn from ChaCha8 stream `seed.1` keyed by `seed.0`.
pub fn cross_validated_sigmoid(
    pair: &smo::Problem<'_>,
    tol: f64,
    max_iter: usize,
    seed: (u64, u64),
    halt: &dyn Fn() -> bool,
) -> Result<(f64, f64)> {
    let l = pair.idx.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed.0);
    rng.set_stream(seed.1);
    let mut perm: Vec<usize> = (0..l).collect();
    for i in (1..l).rev() {
        perm.swap(i, rng.random_range(0..=i));
    }
    let mut dec = vec![0.0f64; l];
    for fold in 0..PROBABILITY_FOLDS {
        let (begin, end) = (
            fold * l / PROBABILITY_FOLDS,
            (fold + 1) * l / PROBABILITY_FOLDS,
        );
        let sub: Vec<usize> = perm[..begin].iter().chain(&perm[end..]).copied().collect();
        let y: Vec<f64> = sub.iter().map(|&s| pair.y[s]).collect();
        let pos = y.iter().filter(|&&v| v > 0.0).count();
        let held = &perm[begin..end];
        let fixed = match (pos, y.len() - pos) {
            (0, 0) => Some(0.0),
            (_, 0) => Some(1.0),
            (0, _) => Some(-1.0),
            _ => None,
        };
        if let Some(v) = fixed {
            held.iter().for_each(|&h| dec[h] = v);
            continue;
        }
        let problem = smo::Problem {
            idx: &sub,
            y: &y,
            ..*pair
        };
        let sol = problem.solve(tol, max_iter, halt).ok_or(Error::Stopped)?;
        for &h in held {
            dec[h] = sub
                .iter()
                .zip(&sol.coef)
                .map(|(&s, c)| c * pair.gram[s * pair.stride + h])
                .sum::<f64>()
                - sol.rho;
        }
    }
    let positive: Vec<bool> = pair.y.iter().map(|&v| v > 0.0).collect();
    Ok(sigmoid_train(&dec, &positive))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_decreasing_in_a_separating_direction() {
        // Positive decision values for the positive class: A < 0, P(+1) rises with f.
        let dec = [-2.0, -1.5, -1.0, -0.2, 0.3, 0.8, 1.2, 2.0];
        let pos = [false, false, false, true, false, true, true, true];
        let (a, b) = sigmoid_train(&dec, &pos);
        assert!(a < 0.0, "{a} {b}");
        assert!(sigmoid_predict(2.0, a, b) > 0.8);
        assert!(sigmoid_predict(-2.0, a, b) < 0.2);
        assert!((sigmoid_predict(1e4, a, b) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn coupling_recovers_consistent_pairs() {
        // Pairs consistent with p = (0.5, 0.3, 0.2): r_ij = p_i / (p_i + p_j).
        let p = [0.5, 0.3, 0.2];
        let r: Vec<Vec<f64>> = (0..3)
            .map(|i| {
                (0..3)
                    .map(|j| if i == j { 0.0 } else { p[i] / (p[i] + p[j]) })
                    .collect()
            })
            .collect();
        let got = couple(&r);
        for (g, w) in got.iter().zip(p) {
            assert!((g - w).abs() < 5e-3, "{got:?}");
        }
        assert!((got.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
