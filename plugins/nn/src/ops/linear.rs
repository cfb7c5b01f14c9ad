//! `y = x Wᵀ + b` over the last dimension, with PyTorch's weight layout `(out, in)`.
//!
//! One gemm forward; backward is two gemms (`dx = dy W`, `dW = dyᵀ x`) and a column sum,
//! all multithreaded by the gemm crate. dfdx's matmul backward was one of the hot spots
//! measured in issue #5.

use super::add_into;
use crate::error::{NnError, Result};
use crate::gemm::{matmul, View};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::Float;

/// `x (..., in) · wᵀ + b` with `w (out, in)` and `b (out)`.
pub fn linear<E: Float>(
    g: &Graph<E>,
    x: &Var<E>,
    w: &Var<E>,
    b: Option<&Var<E>>,
) -> Result<Var<E>> {
    let (&inp, lead) = x
        .dims()
        .split_last()
        .ok_or_else(|| NnError::shape("linear", "input has no dimension"))?;
    if w.dims().len() != 2 || w.dims()[1] != inp {
        return Err(NnError::shape(
            "linear",
            format!(
                "input {:?} does not fit weight {:?} (expected (out, {inp}))",
                x.dims(),
                w.dims()
            ),
        ));
    }
    let out_f = w.dims()[0];
    if let Some(b) = b {
        if b.len() != out_f {
            return Err(NnError::shape(
                "linear",
                format!("bias {:?} for {out_f} outputs", b.dims()),
            ));
        }
    }
    let n: usize = lead.iter().product();
    let mut y = vec![E::zero(); n * out_f];
    if let Some(b) = b {
        for row in y.chunks_exact_mut(out_f) {
            row.copy_from_slice(b.values());
        }
    }
    matmul(
        n,
        out_f,
        inp,
        View::rows(x.values(), inp),
        View::t(w.values(), inp),
        &mut y,
        out_f,
        b.is_some(),
        true,
    );
    let mut dims = lead.to_vec();
    dims.push(out_f);
    let mut inputs = vec![x, w];
    inputs.extend(b);
    let (out, node) = g.output(y, &dims, &inputs)?;
    if let Some(yn) = node {
        let (xv, wv) = (x.shared(), w.shared());
        let (xn, wn, bn) = (
            x.node().cloned(),
            w.node().cloned(),
            b.and_then(|b| b.node().cloned()),
        );
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            if let Some(xn) = xn {
                let gx = grad_of(gr, &xn)?;
                matmul(
                    n,
                    inp,
                    out_f,
                    View::rows(&gy, out_f),
                    View::rows(&wv, inp),
                    gx,
                    inp,
                    true,
                    true,
                );
            }
            if let Some(wn) = wn {
                let gw = grad_of(gr, &wn)?;
                matmul(
                    out_f,
                    inp,
                    n,
                    View::t(&gy, out_f),
                    View::rows(&xv, inp),
                    gw,
                    inp,
                    true,
                    true,
                );
            }
            if let Some(bn) = bn {
                let gb = grad_of(gr, &bn)?;
                for row in gy.chunks_exact(out_f) {
                    add_into(gb, row);
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
    use crate::gradcheck::{check, values, Tolerance};
    use crate::params::ParamStore;

    #[test]
    fn linear_matches_a_hand_computed_product() {
        let g = Graph::<f64>::inference();
        let x = g.constant(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
        let w = g
            .constant(vec![1.0, 0.0, 1.0, 1.0, 0.5, -1.0], &[3, 2])
            .unwrap();
        let b = g.constant(vec![0.0, 1.0, -1.0], &[3]).unwrap();
        let y = linear(&g, &x, &w, Some(&b)).unwrap();
        assert_eq!(y.dims(), &[2, 3]);
        assert_eq!(y.values(), &[1.0, 4.0, -2.5, 3.0, 8.0, -3.5]);
    }

    #[test]
    fn linear_gradients_match_finite_differences() {
        let mut store = ParamStore::new();
        let w = store.add("w", &[4, 3], values(12, 1), true).unwrap();
        let b = store.add("b", &[4], values(4, 2), false).unwrap();
        let x = (values(2 * 5 * 3, 3), vec![2, 5, 3]);
        let r = check(&mut store, &[x], true, Tolerance::default(), |g, p, xs| {
            linear(g, &xs[0], &p.var(g, w), Some(&p.var(g, b)))
        })
        .unwrap();
        assert_eq!(r.checked, 30 + 12 + 4);
    }
}
