//! Ops of token models: looking up embedding rows by token id, and max pooling over the
//! valid time steps of a padded sequence (the max-over-time of text CNNs).
//!
//! dfdx 0.13's `gather` works on compile-time shapes and its CPU backward was a hot spot
//! (issue #5), and it has no masked reduction over time, hence these two ops. Token id 0 is
//! the padding token: its lookup gives zeros and takes no gradient (PyTorch's
//! `padding_idx = 0`), so a padded position reads exactly as a convolution's zero padding
//! and an utterance's outputs do not depend on how long its batch's longest utterance is.

use super::expect_rank;
use crate::error::{NnError, Result};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::Float;
use std::sync::Arc;

/// The rows of `table (V, E)` for `ids` (any shape `dims`, `ids.len() = prod(dims)`):
/// `(dims..., E)`. Id 0 gives a zero row and no gradient; an id `>= V` is an error.
pub fn embedding<E: Float>(
    g: &Graph<E>,
    table: &Var<E>,
    ids: &[usize],
    dims: &[usize],
) -> Result<Var<E>> {
    expect_rank("embedding", table, 2)?;
    let [v, e] = [table.dims()[0], table.dims()[1]];
    if dims.iter().product::<usize>() != ids.len() {
        return Err(NnError::shape(
            "embedding",
            format!("{} ids do not fill dimensions {dims:?}", ids.len()),
        ));
    }
    if let Some(bad) = ids.iter().find(|&&i| i >= v) {
        return Err(NnError::shape(
            "embedding",
            format!("token id {bad} is outside the table of {v} rows"),
        ));
    }
    let tv = table.values();
    let mut y = vec![E::zero(); ids.len() * e];
    for (r, &i) in ids.iter().enumerate() {
        if i != 0 {
            y[r * e..(r + 1) * e].copy_from_slice(&tv[i * e..(i + 1) * e]);
        }
    }
    let mut out_dims = dims.to_vec();
    out_dims.push(e);
    let (out, node) = g.output(y, &out_dims, &[table])?;
    if let (Some(yn), Some(tn)) = (node, table.node().cloned()) {
        let ids = ids.to_vec();
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            let gt = grad_of(gr, &tn)?;
            // Sequential in id order of appearance: a row's sum is thread-independent.
            for (r, &i) in ids.iter().enumerate() {
                if i != 0 {
                    for (a, b) in gt[i * e..(i + 1) * e].iter_mut().zip(&gy[r * e..]) {
                        *a += *b;
                    }
                }
            }
            Ok(())
        });
    }
    Ok(out)
}

/// The maximum of each feature over the first `lengths[b]` steps of `h (B, T, D)`:
/// `(B, D)`. The gradient goes to the (first) winning step.
pub fn max_pool_time<E: Float>(g: &Graph<E>, h: &Var<E>, lengths: &[usize]) -> Result<Var<E>> {
    expect_rank("max_pool_time", h, 3)?;
    let [b, t, d] = [h.dims()[0], h.dims()[1], h.dims()[2]];
    if lengths.len() != b || lengths.iter().any(|&l| l == 0 || l > t) {
        return Err(NnError::shape(
            "max_pool_time",
            format!("lengths {lengths:?} for {b} sequences of at most {t} steps (each >= 1)"),
        ));
    }
    let hv = h.values();
    let mut y = vec![E::zero(); b * d];
    let mut arg = vec![0usize; b * d];
    for bi in 0..b {
        for j in 0..d {
            let mut best = 0;
            for k in 1..lengths[bi] {
                if hv[(bi * t + k) * d + j] > hv[(bi * t + best) * d + j] {
                    best = k;
                }
            }
            y[bi * d + j] = hv[(bi * t + best) * d + j];
            arg[bi * d + j] = (bi * t + best) * d + j;
        }
    }
    let (out, node) = g.output(y, &[b, d], &[h])?;
    if let (Some(yn), Some(hn)) = (node, h.node().cloned()) {
        let arg = Arc::new(arg);
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            let gh = grad_of(gr, &hn)?;
            for (i, &a) in arg.iter().enumerate() {
                gh[a] += gy[i];
            }
            Ok(())
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{check, values, Tolerance};
    use crate::ops::testutil::check_op;
    use crate::params::ParamStore;

    #[test]
    fn lookup_copies_rows_and_padding_reads_zero() {
        let g = Graph::<f64>::inference();
        let table = g
            .constant((0..8).map(f64::from).collect(), &[4, 2])
            .unwrap();
        let y = embedding(&g, &table, &[2, 0, 3, 2], &[2, 2]).unwrap();
        assert_eq!(y.dims(), &[2, 2, 2]);
        assert_eq!(y.values(), &[4.0, 5.0, 0.0, 0.0, 6.0, 7.0, 4.0, 5.0]);
        let e = embedding(&g, &table, &[4], &[1]).unwrap_err().to_string();
        assert!(e.contains("token id 4") && e.contains("4 rows"), "{e}");
    }

    /// Repeated ids accumulate their gradients; the padding row gets none.
    #[test]
    fn lookup_gradients_match_finite_differences() {
        let mut store = ParamStore::new();
        let id = store
            .add("emb.weight", &[5, 3], values(15, 3), true)
            .unwrap();
        let ids = [1, 4, 0, 1, 2, 1];
        let r = check(&mut store, &[], true, Tolerance::default(), |g, p, _| {
            embedding(g, &p.var(g, id), &ids, &[2, 3])
        })
        .unwrap();
        assert_eq!(r.checked, 15);
        assert!(r.max_grad > 1e-3);
        let g = Graph::<f64>::train();
        let y = embedding(&g, &store.var(&g, id), &ids, &[2, 3]).unwrap();
        let l = crate::ops::sum_all(&g, &y).unwrap();
        let mut grads = g.backward(&l).unwrap();
        let gr = store.grad(&mut grads, id).unwrap();
        // Row 0 (padding) untouched, row 1 used three times, row 3 never.
        assert_eq!(&gr[0..3], &[0.0; 3]);
        assert_eq!(&gr[3..6], &[3.0; 3]);
        assert_eq!(&gr[9..12], &[0.0; 3]);
    }

    #[test]
    fn max_over_valid_steps_ignores_padding() {
        let g = Graph::<f64>::inference();
        // Sequence 0: 2 valid steps of 2 features, then a padded step holding 9s.
        let h = g
            .constant(
                vec![1.0, -2.0, 3.0, -1.0, 9.0, 9.0, 0.5, 0.5, 9.0, 9.0, 9.0, 9.0],
                &[2, 3, 2],
            )
            .unwrap();
        let y = max_pool_time(&g, &h, &[2, 1]).unwrap();
        assert_eq!(y.values(), &[3.0, -1.0, 0.5, 0.5]);
        assert!(max_pool_time(&g, &h, &[0, 1]).is_err());
    }

    #[test]
    fn max_pool_gradients_match_finite_differences() {
        check_op(&[&[2, 4, 3]], true, |g, x| max_pool_time(g, &x[0], &[4, 2]));
    }
}
