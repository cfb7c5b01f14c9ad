//! Elementwise ops: activations, dropout, sums. Large inputs run in parallel chunks.

use super::{add_into, kernels, PAR_MIN};
use crate::error::{NnError, Result};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::{sigmoid as sig, tanh_fast, Float};
use rayon::prelude::*;

/// One parallel chunk of the backward pass: gradient in, upstream gradient, input, output.
type Chunks<'a, E> = (&'a mut [E], ((&'a [E], &'a [E]), &'a [E]));

fn map<E: Float>(x: &[E], f: impl Fn(E) -> E + Sync) -> Vec<E> {
    let mut y = Vec::with_capacity(x.len());
    let spare = &mut y.spare_capacity_mut()[..x.len()];
    if x.len() >= PAR_MIN {
        spare
            .par_chunks_mut(PAR_MIN)
            .zip(x.par_chunks(PAR_MIN))
            .for_each(|(ys, xs)| kernels::map(ys, xs, &f));
    } else {
        kernels::map(spare, x, &f);
    }
    // SAFETY: `kernels::map` wrote every one of the first `x.len()` values.
    unsafe { y.set_len(x.len()) };
    y
}

/// `dx += dy * d(x, y)` for an elementwise op with derivative `d` of input and output.
fn unary<E: Float>(
    g: &Graph<E>,
    x: &Var<E>,
    f: impl Fn(E) -> E + Sync,
    d: impl Fn(E, E) -> E + Send + Sync + 'static,
) -> Result<Var<E>> {
    let y = map(x.values(), f);
    let (out, node) = g.output(y, x.dims(), &[x])?;
    if let (Some(yn), Some(xn)) = (node, x.node().cloned()) {
        let (xv, yv) = (x.shared(), out.shared());
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            let gx = grad_of(gr, &xn)?;
            // In fixed-size parallel chunks, each through the per-CPU kernel.
            let body = |(gx, ((gy, xv), yv)): Chunks<'_, E>| {
                kernels::map_grad(gx, gy, xv, yv, &d);
            };
            let (xs, ys): (&[E], &[E]) = (&xv, &yv);
            gx.par_chunks_mut(PAR_MIN)
                .zip(
                    gy.par_chunks(PAR_MIN)
                        .zip(xs.par_chunks(PAR_MIN))
                        .zip(ys.par_chunks(PAR_MIN)),
                )
                .for_each(body);
            Ok(())
        });
    }
    Ok(out)
}

/// `max(x, 0)`.
pub fn relu<E: Float>(g: &Graph<E>, x: &Var<E>) -> Result<Var<E>> {
    unary(
        g,
        x,
        |v| v.max(E::zero()),
        |x, _| if x > E::zero() { E::one() } else { E::zero() },
    )
}

/// `tanh(x)`, through [`tanh_fast`] (no libm call, so the loop vectorises; absolute
/// error below 1e-6 in `f32`).
pub fn tanh<E: Float>(g: &Graph<E>, x: &Var<E>) -> Result<Var<E>> {
    unary(g, x, tanh_fast, |_, y| E::one() - y * y)
}

/// The logistic function.
pub fn sigmoid<E: Float>(g: &Graph<E>, x: &Var<E>) -> Result<Var<E>> {
    unary(g, x, sig, |_, y| y * (E::one() - y))
}

/// Inverted dropout: in training, zero each value with probability `p` and scale the rest
/// by `1 / (1 - p)`; identity in evaluation.
pub fn dropout<E: Float>(
    g: &Graph<E>,
    x: &Var<E>,
    p: f64,
    rng: &mut impl rand::Rng,
) -> Result<Var<E>> {
    if !(0.0..1.0).contains(&p) {
        return Err(NnError::config("dropout", format!("{p} is not in [0, 1)")));
    }
    if !g.training() || p == 0.0 {
        return Ok(x.clone());
    }
    use rand::RngExt;
    let keep = E::of(1.0 / (1.0 - p));
    let mask: Vec<E> = (0..x.len())
        .map(|_| {
            if rng.random::<f64>() < p {
                E::zero()
            } else {
                keep
            }
        })
        .collect();
    let y: Vec<E> = x.values().iter().zip(&mask).map(|(a, m)| *a * *m).collect();
    let (out, node) = g.output(y, x.dims(), &[x])?;
    if let (Some(yn), Some(xn)) = (node, x.node().cloned()) {
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            let gx = grad_of(gr, &xn)?;
            for ((a, b), m) in gx.iter_mut().zip(&gy).zip(&mask) {
                *a += *b * *m;
            }
            Ok(())
        });
    }
    Ok(out)
}

/// `a + b` for equal dimensions.
pub fn add<E: Float>(g: &Graph<E>, a: &Var<E>, b: &Var<E>) -> Result<Var<E>> {
    if a.dims() != b.dims() {
        return Err(NnError::shape(
            "add",
            format!("{:?} and {:?} differ", a.dims(), b.dims()),
        ));
    }
    let y: Vec<E> = a
        .values()
        .iter()
        .zip(b.values())
        .map(|(x, y)| *x + *y)
        .collect();
    let (out, node) = g.output(y, a.dims(), &[a, b])?;
    if let Some(yn) = node {
        let (an, bn) = (a.node().cloned(), b.node().cloned());
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            for n in [an, bn].into_iter().flatten() {
                add_into(grad_of(gr, &n)?, &gy);
            }
            Ok(())
        });
    }
    Ok(out)
}

/// `sum_i w_i * x_i` of scalar vars (a multitask loss from its terms).
pub fn scale_sum<E: Float>(g: &Graph<E>, terms: &[(&Var<E>, f64)]) -> Result<Var<E>> {
    if let Some((v, _)) = terms.iter().find(|(v, _)| v.len() != 1) {
        return Err(NnError::shape(
            "scale_sum",
            format!("terms must be scalars, got {:?}", v.dims()),
        ));
    }
    let y = terms
        .iter()
        .fold(E::zero(), |s, (v, w)| s + v.scalar() * E::of(*w));
    let inputs: Vec<&Var<E>> = terms.iter().map(|(v, _)| *v).collect();
    let (out, node) = g.output(vec![y], &[1], &inputs)?;
    if let Some(yn) = node {
        let parts: Vec<_> = terms
            .iter()
            .filter_map(|(v, w)| v.node().cloned().map(|n| (n, E::of(*w))))
            .collect();
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?[0];
            for (n, w) in &parts {
                grad_of(gr, n)?[0] += gy * *w;
            }
            Ok(())
        });
    }
    Ok(out)
}

/// The sum of all values, as a scalar.
pub fn sum_all<E: Float>(g: &Graph<E>, x: &Var<E>) -> Result<Var<E>> {
    let y: E = x.values().iter().copied().sum();
    let (out, node) = g.output(vec![y], &[1], &[x])?;
    if let (Some(yn), Some(xn)) = (node, x.node().cloned()) {
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?[0];
            grad_of(gr, &xn)?.iter_mut().for_each(|v| *v += gy);
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
    fn activation_gradients_match_finite_differences() {
        check_op(&[&[3, 7]], true, |g, x| relu(g, &x[0]));
        check_op(&[&[3, 7]], true, |g, x| tanh(g, &x[0]));
        check_op(&[&[3, 7]], true, |g, x| sigmoid(g, &x[0]));
    }

    #[test]
    fn add_and_scale_sum_gradients_match_finite_differences() {
        check_op(&[&[2, 5], &[2, 5]], true, |g, x| add(g, &x[0], &x[1]));
        check_op(&[&[2, 3]], true, |g, x| sum_all(g, &x[0]));
        check_op(&[&[1], &[1], &[1]], true, |g, x| {
            scale_sum(g, &[(&x[0], 0.5), (&x[1], -2.0), (&x[2], 1.5)])
        });
    }

    #[test]
    fn dropout_gradient_matches_and_eval_mode_is_identity() {
        use rand::SeedableRng;
        check_op(&[&[4, 9]], true, |g, x| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
            dropout(g, &x[0], 0.4, &mut rng)
        });
        let g = Graph::<f64>::inference();
        let x = g.constant(vec![1.0; 1000], &[1000]).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        assert_eq!(dropout(&g, &x, 0.5, &mut rng).unwrap().values(), x.values());
        let g = Graph::<f64>::train();
        let y = dropout(&g, &x, 0.5, &mut rng).unwrap();
        let zeros = y.values().iter().filter(|v| **v == 0.0).count();
        assert!(
            (400..600).contains(&zeros),
            "{zeros} of 1000 dropped at p = 0.5"
        );
        assert!(y.values().iter().all(|v| *v == 0.0 || *v == 2.0));
    }
}
