//! Losses: weighted cross-entropy with soft targets (class weights, mixup, missing
//! auxiliary labels) and the concordance-correlation loss for dimensional V/A/D outputs.

use crate::error::{NnError, Result};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::Float;

/// Row-wise softmax of `(N, K)` logits.
pub fn softmax_rows<E: Float>(z: &[E], k: usize) -> Vec<E> {
    let mut p = z.to_vec();
    for row in p.chunks_exact_mut(k) {
        let m = row.iter().copied().fold(E::neg_infinity(), E::max);
        let mut s = E::zero();
        for v in row.iter_mut() {
            *v = (*v - m).exp();
            s += *v;
        }
        for v in row.iter_mut() {
            *v /= s;
        }
    }
    p
}

/// `sum_n w_n * CE(softmax(z_n), q_n) / sum_n w_n` for logits `z (N, K)`, target
/// distributions `q (N, K)` (one-hot for hard labels) and sample weights `w (N)` (class
/// weights; zero for a sample without this label). PyTorch's weighted `cross_entropy` with
/// `reduction="mean"` is the one-hot case.
pub fn cross_entropy<E: Float>(
    g: &Graph<E>,
    logits: &Var<E>,
    targets: &[E],
    weights: &[E],
) -> Result<Var<E>> {
    if logits.dims().len() != 2 {
        return Err(NnError::shape(
            "cross_entropy",
            format!("logits must be (N, K), got {:?}", logits.dims()),
        ));
    }
    let (n, k) = (logits.dims()[0], logits.dims()[1]);
    if targets.len() != n * k || weights.len() != n {
        return Err(NnError::shape(
            "cross_entropy",
            format!(
                "{} targets and {} weights for logits {:?}",
                targets.len(),
                weights.len(),
                logits.dims()
            ),
        ));
    }
    let total: E = weights.iter().copied().sum();
    if total <= E::zero() {
        // No labelled sample in this batch: a zero loss with zero gradient.
        let (out, _) = g.output(vec![E::zero()], &[1], &[])?;
        return Ok(out);
    }
    let p = softmax_rows(logits.values(), k);
    let mut loss = E::zero();
    for i in 0..n {
        if weights[i] == E::zero() {
            continue;
        }
        let mut l = E::zero();
        for j in 0..k {
            let q = targets[i * k + j];
            if q > E::zero() {
                l -= q * p[i * k + j].max(E::min_positive_value()).ln();
            }
        }
        loss += weights[i] * l;
    }
    let (out, node) = g.output(vec![loss / total], &[1], &[logits])?;
    if let (Some(yn), Some(zn)) = (node, logits.node().cloned()) {
        let (q, w) = (targets.to_vec(), weights.to_vec());
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?[0] / total;
            let gz = grad_of(gr, &zn)?;
            for i in 0..n {
                let qs: E = q[i * k..(i + 1) * k].iter().copied().sum();
                for j in 0..k {
                    gz[i * k + j] += gy * w[i] * (p[i * k + j] * qs - q[i * k + j]);
                }
            }
            Ok(())
        });
    }
    Ok(out)
}

/// Concordance correlation coefficient of two series (the V/A/D figure of merit).
pub fn ccc(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len()) as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sx, mut sy, mut sxy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sx += (a - mx) * (a - mx);
        sy += (b - my) * (b - my);
        sxy += (a - mx) * (b - my);
    }
    let den = sx / n + sy / n + (mx - my).powi(2);
    if den <= 0.0 {
        0.0
    } else {
        2.0 * sxy / n / den
    }
}

/// `mean_d (1 - CCC_d)` over the columns of `pred (N, D)` against `target (N, D)`, using
/// only the rows where `mask` is true (utterances with dimensional labels).
pub fn ccc_loss<E: Float>(
    g: &Graph<E>,
    pred: &Var<E>,
    target: &[E],
    mask: &[bool],
) -> Result<Var<E>> {
    if pred.dims().len() != 2 || target.len() != pred.len() || mask.len() != pred.dims()[0] {
        return Err(NnError::shape(
            "ccc_loss",
            format!(
                "predictions {:?}, {} targets, {} mask flags",
                pred.dims(),
                target.len(),
                mask.len()
            ),
        ));
    }
    let (n, d) = (pred.dims()[0], pred.dims()[1]);
    let rows: Vec<usize> = (0..n).filter(|&i| mask[i]).collect();
    if rows.len() < 2 {
        let (out, _) = g.output(vec![E::zero()], &[1], &[])?;
        return Ok(out);
    }
    let m = rows.len() as f64;
    let pv = pred.values();
    // Per column: means, (co)variances and the CCC pieces.
    struct Col {
        mx: f64,
        my: f64,
        num: f64,
        den: f64,
    }
    let cols: Vec<Col> = (0..d)
        .map(|j| {
            let x: Vec<f64> = rows.iter().map(|&i| pv[i * d + j].f()).collect();
            let y: Vec<f64> = rows.iter().map(|&i| target[i * d + j].f()).collect();
            let mx = x.iter().sum::<f64>() / m;
            let my = y.iter().sum::<f64>() / m;
            let (mut sx, mut sy, mut sxy) = (0.0, 0.0, 0.0);
            for (a, b) in x.iter().zip(&y) {
                sx += (a - mx) * (a - mx);
                sy += (b - my) * (b - my);
                sxy += (a - mx) * (b - my);
            }
            Col {
                mx,
                my,
                num: 2.0 * sxy / m,
                den: (sx / m + sy / m + (mx - my).powi(2)).max(1e-12),
            }
        })
        .collect();
    let loss = cols.iter().map(|c| 1.0 - c.num / c.den).sum::<f64>() / d as f64;
    let (out, node) = g.output(vec![E::of(loss)], &[1], &[pred])?;
    if let (Some(yn), Some(pn)) = (node, pred.node().cloned()) {
        let pv = pred.shared();
        let target = target.to_vec();
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?[0].f();
            let gp = grad_of(gr, &pn)?;
            for (j, c) in cols.iter().enumerate() {
                for &i in &rows {
                    let (x, y) = (pv[i * d + j].f(), target[i * d + j].f());
                    let dnum = 2.0 * (y - c.my) / m;
                    let dden = 2.0 * (x - c.mx) / m + 2.0 * (c.mx - c.my) / m;
                    let dccc = (dnum * c.den - c.num * dden) / (c.den * c.den);
                    gp[i * d + j] += E::of(-gy * dccc / d as f64);
                }
            }
            Ok(())
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::check_op;

    #[test]
    fn cross_entropy_matches_the_definition_and_its_gradient() {
        let g = Graph::<f64>::inference();
        let z = g
            .constant(vec![1.0, 2.0, 0.5, 0.0, 0.0, 0.0], &[2, 3])
            .unwrap();
        let q = [0.0, 1.0, 0.0, 1.0, 0.0, 0.0];
        let l = cross_entropy(&g, &z, &q, &[2.0, 1.0]).unwrap().scalar();
        let p = softmax_rows(z.values(), 3);
        let want = (-2.0 * p[1].ln() - p[3].ln()) / 3.0;
        assert!((l - want).abs() < 1e-12);
        let soft = [0.2, 0.5, 0.3, 0.6, 0.0, 0.4];
        check_op(&[&[2, 3]], true, |g, x| {
            cross_entropy(g, &x[0], &soft, &[0.7, 1.3])
        });
        check_op(&[&[2, 3]], true, |g, x| {
            cross_entropy(g, &x[0], &q, &[0.0, 1.3])
        });
    }

    #[test]
    fn ccc_loss_matches_the_definition_and_its_gradient() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((ccc(&x, &x) - 1.0).abs() < 1e-12);
        let y = [2.0, 3.0, 4.0, 5.0];
        // Lin (1989): 2 s_xy / (s_x + s_y + (mx - my)^2) = 2*1.25 / (1.25 + 1.25 + 1).
        assert!((ccc(&x, &y) - 2.5 / 3.5).abs() < 1e-12);
        let g = Graph::<f64>::inference();
        let p = g.constant(vec![1.0, 2.0, 3.0, 4.0], &[4, 1]).unwrap();
        let l = ccc_loss(&g, &p, &y, &[true; 4]).unwrap().scalar();
        assert!((l - (1.0 - 2.5 / 3.5)).abs() < 1e-12);
        let t: Vec<f64> = (0..15).map(|i| (i as f64 * 0.7).sin()).collect();
        let mask = [true, true, false, true, true];
        check_op(&[&[5, 3]], true, |g, x| ccc_loss(g, &x[0], &t, &mask));
    }
}
