//! Pooling a padded sequence `(B, T, D)` into one vector per sequence.
//!
//! Attention pooling takes one score per frame (computed by the layer from the frames),
//! turns the scores of the valid frames into weights with a softmax, and returns the
//! weighted sum of the frames; padded frames get weight zero. The softmax and the sum are
//! fused in one op, so its backward never materialises a `(B, T, D)` weight tensor.

use super::expect_rank;
use crate::error::{NnError, Result};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::Float;
use std::sync::Arc;

fn check_lengths(op: &'static str, lengths: &[usize], b: usize, t: usize) -> Result<()> {
    if lengths.len() != b || lengths.iter().any(|&l| l == 0 || l > t) {
        return Err(NnError::shape(
            op,
            format!("lengths {lengths:?} for {b} sequences of at most {t} frames (each >= 1)"),
        ));
    }
    Ok(())
}

/// The softmax weights over the valid frames of each sequence, `(B, T)`.
pub fn attention_weights<E: Float>(scores: &[E], lengths: &[usize], t: usize) -> Vec<E> {
    let mut a = vec![E::zero(); scores.len()];
    for (bi, &l) in lengths.iter().enumerate() {
        let s = &scores[bi * t..bi * t + l];
        let m = s.iter().copied().fold(E::neg_infinity(), E::max);
        let mut z = E::zero();
        for (k, v) in s.iter().enumerate() {
            let e = (*v - m).exp();
            a[bi * t + k] = e;
            z += e;
        }
        for v in &mut a[bi * t..bi * t + l] {
            *v /= z;
        }
    }
    a
}

/// `sum_t softmax(scores)_t * h_t` over the valid frames: `h (B, T, D)`, `scores (B, T)`,
/// result `(B, D)`.
pub fn attention_pool<E: Float>(
    g: &Graph<E>,
    h: &Var<E>,
    scores: &Var<E>,
    lengths: &[usize],
) -> Result<Var<E>> {
    expect_rank("attention_pool", h, 3)?;
    let [b, t, d] = [h.dims()[0], h.dims()[1], h.dims()[2]];
    if scores.len() != b * t {
        return Err(NnError::shape(
            "attention_pool",
            format!("scores {:?} for frames {:?}", scores.dims(), h.dims()),
        ));
    }
    check_lengths("attention_pool", lengths, b, t)?;
    let alpha = Arc::new(attention_weights(scores.values(), lengths, t));
    let hv = h.values();
    let mut y = vec![E::zero(); b * d];
    for bi in 0..b {
        let yb = &mut y[bi * d..(bi + 1) * d];
        for k in 0..lengths[bi] {
            let a = alpha[bi * t + k];
            let hk = &hv[(bi * t + k) * d..(bi * t + k + 1) * d];
            for (o, x) in yb.iter_mut().zip(hk) {
                *o += a * *x;
            }
        }
    }
    let (out, node) = g.output(y, &[b, d], &[h, scores])?;
    if let Some(yn) = node {
        let hv = h.shared();
        let (hn, sn) = (h.node().cloned(), scores.node().cloned());
        let lengths = lengths.to_vec();
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            if let Some(sn) = sn {
                let gs = grad_of(gr, &sn)?;
                for bi in 0..b {
                    let gyb = &gy[bi * d..(bi + 1) * d];
                    // da_k = gy · h_k;  ds_k = a_k (da_k - sum_j a_j da_j)
                    let da: Vec<E> = (0..lengths[bi])
                        .map(|k| {
                            let hk = &hv[(bi * t + k) * d..(bi * t + k + 1) * d];
                            gyb.iter().zip(hk).map(|(a, b)| *a * *b).sum()
                        })
                        .collect();
                    let mean: E = da
                        .iter()
                        .enumerate()
                        .map(|(k, v)| alpha[bi * t + k] * *v)
                        .sum();
                    for (k, v) in da.iter().enumerate() {
                        gs[bi * t + k] += alpha[bi * t + k] * (*v - mean);
                    }
                }
            }
            if let Some(hn) = hn {
                let gh = grad_of(gr, &hn)?;
                for bi in 0..b {
                    let gyb = &gy[bi * d..(bi + 1) * d];
                    for k in 0..lengths[bi] {
                        let a = alpha[bi * t + k];
                        let ghk = &mut gh[(bi * t + k) * d..(bi * t + k + 1) * d];
                        for (o, x) in ghk.iter_mut().zip(gyb) {
                            *o += a * *x;
                        }
                    }
                }
            }
            Ok(())
        });
    }
    Ok(out)
}

/// The mean of the valid frames: `h (B, T, D)` to `(B, D)`.
pub fn mean_pool_time<E: Float>(g: &Graph<E>, h: &Var<E>, lengths: &[usize]) -> Result<Var<E>> {
    expect_rank("mean_pool_time", h, 3)?;
    let [b, t] = [h.dims()[0], h.dims()[1]];
    check_lengths("mean_pool_time", lengths, b, t)?;
    let scores = g.constant(vec![E::zero(); b * t], &[b, t])?;
    attention_pool(g, h, &scores, lengths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::check_op;

    #[test]
    fn attention_pool_gradients_match_finite_differences() {
        let lengths = [4, 2, 3];
        check_op(&[&[3, 4, 5], &[3, 4]], true, |g, x| {
            attention_pool(g, &x[0], &x[1], &lengths)
        });
    }

    #[test]
    fn padding_takes_no_weight_and_equal_scores_give_the_mean() {
        let g = Graph::<f64>::inference();
        let h = g
            .constant(vec![1.0, 2.0, 3.0, 4.0, 100.0, 100.0], &[1, 3, 2])
            .unwrap();
        let y = mean_pool_time(&g, &h, &[2]).unwrap();
        assert_eq!(y.values(), &[2.0, 3.0]);
        let s = g.constant(vec![0.0, 50.0, -1e9], &[1, 3]).unwrap();
        let y = attention_pool(&g, &h, &s, &[3]).unwrap();
        assert!((y.values()[0] - 3.0).abs() < 1e-12);
    }
}
