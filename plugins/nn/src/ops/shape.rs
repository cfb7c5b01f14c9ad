//! Layout ops: swapping two axes (channels-first feature maps to frames-first sequences)
//! and concatenating along the last axis (the two directions of a BiLSTM).

use super::add_into;
use crate::error::{NnError, Result};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::Float;

/// `x (B, A, C, rest...) -> (B, C, A, rest...)`, e.g. `(B, channels, T, F) -> (B, T,
/// channels, F)` before flattening each frame into one feature vector.
pub fn swap_axes12<E: Float>(g: &Graph<E>, x: &Var<E>) -> Result<Var<E>> {
    if x.dims().len() < 3 {
        return Err(NnError::shape(
            "swap_axes12",
            format!("needs rank >= 3, got {:?}", x.dims()),
        ));
    }
    let d = x.dims();
    let (b, a, c) = (d[0], d[1], d[2]);
    let inner: usize = d[3..].iter().product();
    let mut dims = d.to_vec();
    dims.swap(1, 2);
    let src = x.values();
    let mut y = vec![E::zero(); x.len()];
    let copy = move |from: &[E], to: &mut [E], a: usize, c: usize| {
        for n in 0..b {
            for i in 0..a {
                for j in 0..c {
                    let s = ((n * a + i) * c + j) * inner;
                    let t = ((n * c + j) * a + i) * inner;
                    add_into(&mut to[t..t + inner], &from[s..s + inner]);
                }
            }
        }
    };
    copy(src, &mut y, a, c);
    let (out, node) = g.output(y, &dims, &[x])?;
    if let (Some(yn), Some(xn)) = (node, x.node().cloned()) {
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            copy(&gy, grad_of(gr, &xn)?, c, a);
            Ok(())
        });
    }
    Ok(out)
}

/// Concatenate vars with equal leading dimensions along their last dimension.
pub fn concat_last<E: Float>(g: &Graph<E>, xs: &[&Var<E>]) -> Result<Var<E>> {
    let first = xs
        .first()
        .ok_or_else(|| NnError::shape("concat_last", "nothing to concatenate"))?;
    let lead = &first.dims()[..first.dims().len() - 1];
    let widths: Vec<usize> = xs.iter().map(|x| *x.dims().last().unwrap_or(&0)).collect();
    if let Some(x) = xs
        .iter()
        .find(|x| x.dims().is_empty() || &x.dims()[..x.dims().len() - 1] != lead)
    {
        return Err(NnError::shape(
            "concat_last",
            format!("{:?} does not fit {:?}", x.dims(), first.dims()),
        ));
    }
    let rows: usize = lead.iter().product();
    let total: usize = widths.iter().sum();
    let mut y = vec![E::zero(); rows * total];
    for r in 0..rows {
        let mut at = r * total;
        for (x, &wd) in xs.iter().zip(&widths) {
            y[at..at + wd].copy_from_slice(&x.values()[r * wd..(r + 1) * wd]);
            at += wd;
        }
    }
    let mut dims = lead.to_vec();
    dims.push(total);
    let (out, node) = g.output(y, &dims, xs)?;
    if let Some(yn) = node {
        let nodes: Vec<_> = xs.iter().map(|x| x.node().cloned()).collect();
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            let mut off = 0;
            for (n, &wd) in nodes.iter().zip(&widths) {
                if let Some(n) = n {
                    let gx = grad_of(gr, n)?;
                    for r in 0..rows {
                        add_into(
                            &mut gx[r * wd..(r + 1) * wd],
                            &gy[r * total + off..r * total + off + wd],
                        );
                    }
                }
                off += wd;
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
    fn swap_moves_values_and_gradients() {
        let g = Graph::<f64>::inference();
        let x = g
            .constant((0..12).map(f64::from).collect(), &[1, 2, 3, 2])
            .unwrap();
        let y = swap_axes12(&g, &x).unwrap();
        assert_eq!(y.dims(), &[1, 3, 2, 2]);
        assert_eq!(
            y.values(),
            &[0.0, 1.0, 6.0, 7.0, 2.0, 3.0, 8.0, 9.0, 4.0, 5.0, 10.0, 11.0]
        );
        check_op(&[&[2, 3, 4, 2]], true, |g, x| swap_axes12(g, &x[0]));
    }

    #[test]
    fn concat_moves_values_and_gradients() {
        let g = Graph::<f64>::inference();
        let a = g.constant(vec![1.0, 2.0], &[2, 1]).unwrap();
        let b = g.constant(vec![3.0, 4.0, 5.0, 6.0], &[2, 2]).unwrap();
        let y = concat_last(&g, &[&a, &b]).unwrap();
        assert_eq!(y.values(), &[1.0, 3.0, 4.0, 2.0, 5.0, 6.0]);
        check_op(&[&[2, 3, 2], &[2, 3, 4]], true, |g, x| {
            concat_last(g, &[&x[0], &x[1]])
        });
    }
}
