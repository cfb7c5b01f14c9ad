//! Batch normalisation over one channel axis, with an optional mask of valid positions.
//!
//! In training the statistics of the batch are used (and returned, for the layer to update
//! its running averages); in evaluation the running averages. Padded frames of a batch of
//! unequal lengths would otherwise bias the statistics, so a mask (one flag per position
//! outside the channel axis) excludes them: masked positions get no statistics weight, a
//! zero output and no gradient.

use super::kernels;
use crate::error::{NnError, Result};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::Float;
use rayon::prelude::*;
use std::sync::Arc;

/// Which statistics normalise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchNormMode {
    /// The batch's own mean and (biased) variance.
    Batch,
    /// Given running mean and variance.
    Running,
}

/// What a training-mode pass measured: per-channel mean and unbiased variance.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchStats<E> {
    /// Mean per channel.
    pub mean: Vec<E>,
    /// Unbiased variance per channel (PyTorch updates its running variance with it).
    pub var_unbiased: Vec<E>,
}

/// Normalise `x` per channel of axis `axis`, scale by `gamma` and shift by `beta`.
///
/// `running` = (mean, var) is required in [`BatchNormMode::Running`]. `mask`, if given, has
/// one flag per position of `x` outside the channel axis (`outer * inner`, row-major).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm<E: Float>(
    g: &Graph<E>,
    x: &Var<E>,
    axis: usize,
    gamma: &Var<E>,
    beta: &Var<E>,
    running: Option<(&[E], &[E])>,
    mode: BatchNormMode,
    eps: f64,
    mask: Option<&[bool]>,
) -> Result<(Var<E>, Option<BatchStats<E>>)> {
    let d = x.dims();
    if axis >= d.len() {
        return Err(NnError::shape(
            "batch_norm",
            format!("channel axis {axis} of {d:?}"),
        ));
    }
    let (outer, c, inner) = (
        d[..axis].iter().product::<usize>(),
        d[axis],
        d[axis + 1..].iter().product::<usize>(),
    );
    if gamma.len() != c || beta.len() != c {
        return Err(NnError::shape(
            "batch_norm",
            format!(
                "{c} channels but gamma {:?}, beta {:?}",
                gamma.dims(),
                beta.dims()
            ),
        ));
    }
    if let Some(m) = mask {
        if m.len() != outer * inner {
            return Err(NnError::shape(
                "batch_norm",
                format!("mask of {} for {} positions", m.len(), outer * inner),
            ));
        }
    }
    let mask: Option<Arc<Vec<bool>>> = mask.map(|m| Arc::new(m.to_vec()));
    let xv = x.values();
    let valid = |o: usize, i: usize| mask.as_ref().is_none_or(|m| m[o * inner + i]);
    let eps = E::of(eps);

    // Per-channel statistics.
    let (mean, inv_std, stats) = match mode {
        BatchNormMode::Batch => {
            let per: Vec<(E, E, usize)> = (0..c)
                .into_par_iter()
                .map(|ch| {
                    if mask.is_none() {
                        // No padding: whole contiguous runs, vectorised.
                        let run = |o: usize| &xv[(o * c + ch) * inner..(o * c + ch + 1) * inner];
                        let s: E = (0..outer).map(|o| kernels::sum(run(o))).sum();
                        let n = outer * inner;
                        let m = s / E::of(n.max(1) as f64);
                        let v: E = (0..outer).map(|o| kernels::sum_sq_dev(run(o), m)).sum();
                        return (m, v, n);
                    }
                    let (mut s, mut n) = (E::zero(), 0usize);
                    for o in 0..outer {
                        let base = (o * c + ch) * inner;
                        for i in 0..inner {
                            if valid(o, i) {
                                s += xv[base + i];
                                n += 1;
                            }
                        }
                    }
                    let m = if n > 0 {
                        s / E::of(n as f64)
                    } else {
                        E::zero()
                    };
                    let mut v = E::zero();
                    for o in 0..outer {
                        let base = (o * c + ch) * inner;
                        for i in 0..inner {
                            if valid(o, i) {
                                let t = xv[base + i] - m;
                                v += t * t;
                            }
                        }
                    }
                    (m, v, n)
                })
                .collect();
            if per.iter().any(|p| p.2 < 2) {
                return Err(NnError::shape(
                    "batch_norm",
                    "a training batch needs at least 2 valid positions per channel",
                ));
            }
            let mean: Vec<E> = per.iter().map(|p| p.0).collect();
            let inv: Vec<E> = per
                .iter()
                .map(|p| E::one() / (p.1 / E::of(p.2 as f64) + eps).sqrt())
                .collect();
            let stats = BatchStats {
                mean: mean.clone(),
                var_unbiased: per.iter().map(|p| p.1 / E::of((p.2 - 1) as f64)).collect(),
            };
            (mean, inv, Some(stats))
        }
        BatchNormMode::Running => {
            let (rm, rv) = running.ok_or_else(|| {
                NnError::shape("batch_norm", "running statistics are needed in eval mode")
            })?;
            if rm.len() != c || rv.len() != c {
                return Err(NnError::shape("batch_norm", "running statistics size"));
            }
            let inv: Vec<E> = rv.iter().map(|v| E::one() / (*v + eps).sqrt()).collect();
            (rm.to_vec(), inv, None)
        }
    };

    let (gv, bv) = (gamma.values(), beta.values());
    let mut y = vec![E::zero(); x.len()];
    y.par_chunks_mut(c * inner).enumerate().for_each(|(o, yo)| {
        for ch in 0..c {
            let (sc, m) = (gv[ch] * inv_std[ch], mean[ch]);
            let base = ch * inner;
            if mask.is_none() {
                let xs = &xv[o * c * inner + base..o * c * inner + base + inner];
                kernels::affine(&mut yo[base..base + inner], xs, m, sc, bv[ch]);
                continue;
            }
            for i in 0..inner {
                if valid(o, i) {
                    yo[base + i] = (xv[o * c * inner + base + i] - m) * sc + bv[ch];
                }
            }
        }
    });

    let (out, node) = g.output(y, d, &[x, gamma, beta])?;
    if let Some(yn) = node {
        let xv = x.shared();
        let gv = gamma.shared();
        let (xn, gn, bn) = (
            x.node().cloned(),
            gamma.node().cloned(),
            beta.node().cloned(),
        );
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            let valid = |o: usize, i: usize| mask.as_ref().is_none_or(|m| m[o * inner + i]);
            // Per channel: sum of dy, sum of dy * xhat, count.
            let sums: Vec<(E, E, usize)> = (0..c)
                .into_par_iter()
                .map(|ch| {
                    if mask.is_none() {
                        let (m, k) = (mean[ch], inv_std[ch]);
                        let (mut sd, mut sdx) = (E::zero(), E::zero());
                        for o in 0..outer {
                            let r = (o * c + ch) * inner..(o * c + ch + 1) * inner;
                            let (xs, gs) = (&xv[r.clone()], &gy[r]);
                            let (a, b) = kernels::sum_and_centered_dot(gs, xs, m, k);
                            sd += a;
                            sdx += b;
                        }
                        return (sd, sdx, outer * inner);
                    }
                    let (mut sd, mut sdx, mut n) = (E::zero(), E::zero(), 0usize);
                    for o in 0..outer {
                        let base = (o * c + ch) * inner;
                        for i in 0..inner {
                            if valid(o, i) {
                                let xh = (xv[base + i] - mean[ch]) * inv_std[ch];
                                sd += gy[base + i];
                                sdx += gy[base + i] * xh;
                                n += 1;
                            }
                        }
                    }
                    (sd, sdx, n)
                })
                .collect();
            if let Some(xn) = xn {
                let gx = grad_of(gr, &xn)?;
                gx.par_chunks_mut(c * inner)
                    .enumerate()
                    .for_each(|(o, gxo)| {
                        for ch in 0..c {
                            let k = gv[ch] * inv_std[ch];
                            let (sd, sdx, n) = sums[ch];
                            let nf = E::of(n.max(1) as f64);
                            if mask.is_none() {
                                let r = (o * c + ch) * inner..(o * c + ch + 1) * inner;
                                let (xs, gs) = (&xv[r.clone()], &gy[r]);
                                let dst = &mut gxo[ch * inner..(ch + 1) * inner];
                                let (m, is) = (mean[ch], inv_std[ch]);
                                match mode {
                                    BatchNormMode::Batch => {
                                        let (a, b) = (sd / nf, sdx / nf);
                                        kernels::batch_norm_grad(dst, gs, xs, k, a, m, is, b);
                                    }
                                    BatchNormMode::Running => {
                                        for (d, g) in dst.iter_mut().zip(gs) {
                                            *d += k * *g;
                                        }
                                    }
                                }
                                continue;
                            }
                            for i in 0..inner {
                                if !valid(o, i) {
                                    continue;
                                }
                                let at = (o * c + ch) * inner + i;
                                gxo[ch * inner + i] += match mode {
                                    BatchNormMode::Batch => {
                                        let xh = (xv[at] - mean[ch]) * inv_std[ch];
                                        k * (gy[at] - sd / nf - xh * sdx / nf)
                                    }
                                    BatchNormMode::Running => k * gy[at],
                                };
                            }
                        }
                    });
            }
            if let Some(gn) = gn {
                let gg = grad_of(gr, &gn)?;
                for (a, s) in gg.iter_mut().zip(&sums) {
                    *a += s.1;
                }
            }
            if let Some(bn) = bn {
                let gb = grad_of(gr, &bn)?;
                for (a, s) in gb.iter_mut().zip(&sums) {
                    *a += s.0;
                }
            }
            Ok(())
        });
    }
    Ok((out, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{check, values, Tolerance};
    use crate::params::ParamStore;

    fn run(mode: BatchNormMode, dims: &[usize], axis: usize, mask: Option<Vec<bool>>) {
        let c = dims[axis];
        let mut store = ParamStore::new();
        let gm = store.add("g", &[c], values(c, 7), false).unwrap();
        let bt = store.add("b", &[c], values(c, 8), false).unwrap();
        let rm = values(c, 9);
        let rv: Vec<f64> = values(c, 10).iter().map(|v| v.abs() + 0.5).collect();
        let x = (values(dims.iter().product(), 11), dims.to_vec());
        check(&mut store, &[x], true, Tolerance::default(), |g, p, xs| {
            batch_norm(
                g,
                &xs[0],
                axis,
                &p.var(g, gm),
                &p.var(g, bt),
                Some((&rm, &rv)),
                mode,
                1e-5,
                mask.as_deref(),
            )
            .map(|r| r.0)
        })
        .unwrap_or_else(|e| panic!("{mode:?} {dims:?} axis {axis}: {e}"));
    }

    #[test]
    fn batch_norm_gradients_match_finite_differences() {
        for mode in [BatchNormMode::Batch, BatchNormMode::Running] {
            run(mode, &[5, 3], 1, None);
            run(mode, &[2, 3, 4, 2], 1, None);
            run(mode, &[2, 4, 3], 2, None);
            let mask: Vec<bool> = (0..2 * 4 * 2).map(|i| i % 8 < 6).collect();
            run(mode, &[2, 3, 4, 2], 1, Some(mask));
        }
    }

    #[test]
    fn batch_statistics_normalise_and_are_reported() {
        let g = Graph::<f64>::train();
        let x = g
            .constant(vec![1.0, 10.0, 3.0, 20.0, 5.0, 30.0], &[3, 2])
            .unwrap();
        let one = g.constant(vec![1.0, 1.0], &[2]).unwrap();
        let zero = g.constant(vec![0.0, 0.0], &[2]).unwrap();
        let (y, s) = batch_norm(
            &g,
            &x,
            1,
            &one,
            &zero,
            None,
            BatchNormMode::Batch,
            0.0,
            None,
        )
        .unwrap();
        let s = s.unwrap();
        assert_eq!(s.mean, vec![3.0, 20.0]);
        assert_eq!(s.var_unbiased, vec![4.0, 100.0]);
        let k = (1.5f64).sqrt();
        let want = [-k, -k, 0.0, 0.0, k, k];
        for (a, b) in y.values().iter().zip(want) {
            assert!((a - b).abs() < 1e-12);
        }
        // A masked position takes no part and outputs zero.
        let mask = [true, true, false];
        let (y, s) = batch_norm(
            &g,
            &x,
            1,
            &one,
            &zero,
            None,
            BatchNormMode::Batch,
            0.0,
            Some(&mask),
        )
        .unwrap();
        assert_eq!(s.unwrap().mean, vec![2.0, 15.0]);
        assert_eq!(&y.values()[4..], &[0.0, 0.0]);
    }
}
