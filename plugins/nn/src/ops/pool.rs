//! Non-overlapping max and average pooling over `(H, W)` (stride = kernel, remainder
//! dropped, as PyTorch's `MaxPool2d(k)` / `AvgPool2d(k)`). dfdx 0.13's pool ops need
//! nightly. Max pooling remembers the winning position of each window for backward.

use super::{expect_rank, PAR_MIN};
use crate::error::{NnError, Result};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::Float;
use rayon::prelude::*;

/// Which reduction a pool applies to its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// The largest value.
    Max,
    /// The mean.
    Avg,
}

/// Pool `x (B, C, H, W)` over `kh x kw` windows: `(B, C, H / kh, W / kw)`.
pub fn pool2d<E: Float>(
    g: &Graph<E>,
    x: &Var<E>,
    kernel: (usize, usize),
    kind: PoolKind,
) -> Result<Var<E>> {
    expect_rank("pool2d", x, 4)?;
    let [b, c, h, w] = [x.dims()[0], x.dims()[1], x.dims()[2], x.dims()[3]];
    let (kh, kw) = kernel;
    if kh == 0 || kw == 0 || h < kh || w < kw {
        return Err(NnError::shape(
            "pool2d",
            format!("kernel {kernel:?} does not fit input {:?}", x.dims()),
        ));
    }
    if kernel == (1, 1) {
        return Ok(x.clone());
    }
    let (ho, wo) = (h / kh, w / kw);
    let planes = b * c;
    let (isz, osz) = (h * w, ho * wo);
    let mut y = vec![E::zero(); planes * osz];
    let mut arg = vec![
        0u32;
        if kind == PoolKind::Max {
            planes * osz
        } else {
            0
        }
    ];
    let xv = x.values();
    let norm = E::of(1.0 / (kh * kw) as f64);
    // Row by row: each input row of a window band is read once, contiguously.
    let plane = |p: usize, ys: &mut [E], args: &mut [u32]| {
        let xp = &xv[p * isz..(p + 1) * isz];
        for oy in 0..ho {
            let yrow = &mut ys[oy * wo..(oy + 1) * wo];
            match kind {
                PoolKind::Max => {
                    let arow = &mut args[oy * wo..(oy + 1) * wo];
                    // Window scanned row i, then column j: the first maximum wins. Best
                    // value and position stay in registers and are updated by selects:
                    // on real data the comparison is unpredictable, and a mispredicted
                    // branch per value cost more than the rest of the pool.
                    for (ox, (yv, av)) in yrow.iter_mut().zip(arow.iter_mut()).enumerate() {
                        let (mut best, mut at) = (E::neg_infinity(), 0usize);
                        for i in 0..kh {
                            let base = (oy * kh + i) * w + ox * kw;
                            for (j, &v) in xp[base..base + kw].iter().enumerate() {
                                let gt = v > best;
                                best = if gt { v } else { best };
                                at = if gt { base + j } else { at };
                            }
                        }
                        *yv = best;
                        *av = at as u32;
                    }
                }
                PoolKind::Avg => {
                    yrow.fill(E::zero());
                    for i in 0..kh {
                        let r0 = (oy * kh + i) * w;
                        let xr = &xp[r0..r0 + wo * kw];
                        for (yv, win) in yrow.iter_mut().zip(xr.chunks_exact(kw)) {
                            *yv += win.iter().copied().sum::<E>();
                        }
                    }
                    yrow.iter_mut().for_each(|v| *v *= norm);
                }
            }
        }
    };
    if kind == PoolKind::Max {
        y.par_chunks_mut(osz)
            .zip(arg.par_chunks_mut(osz))
            .enumerate()
            .with_min_len((PAR_MIN / isz.max(1)).max(1))
            .for_each(|(p, (ys, args))| plane(p, ys, args));
    } else {
        y.par_chunks_mut(osz)
            .enumerate()
            .with_min_len((PAR_MIN / isz.max(1)).max(1))
            .for_each(|(p, ys)| plane(p, ys, &mut []));
    }
    let (out, node) = g.output(y, &[b, c, ho, wo], &[x])?;
    if let (Some(yn), Some(xn)) = (node, x.node().cloned()) {
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            let gx = grad_of(gr, &xn)?;
            gx.par_chunks_mut(isz)
                .enumerate()
                .with_min_len((PAR_MIN / isz.max(1)).max(1))
                .for_each(|(p, gxp)| {
                    let gyp = &gy[p * osz..(p + 1) * osz];
                    match kind {
                        PoolKind::Max => {
                            for (o, v) in gyp.iter().enumerate() {
                                gxp[arg[p * osz + o] as usize] += *v;
                            }
                        }
                        PoolKind::Avg => {
                            for oy in 0..ho {
                                for ox in 0..wo {
                                    let v = gyp[oy * wo + ox] * norm;
                                    for i in 0..kh {
                                        for j in 0..kw {
                                            gxp[(oy * kh + i) * w + ox * kw + j] += v;
                                        }
                                    }
                                }
                            }
                        }
                    }
                });
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
    fn pools_match_hand_computed_windows() {
        let g = Graph::<f64>::inference();
        let x = g
            .constant((0..20).map(f64::from).collect(), &[1, 1, 4, 5])
            .unwrap();
        let m = pool2d(&g, &x, (2, 2), PoolKind::Max).unwrap();
        assert_eq!(m.dims(), &[1, 1, 2, 2]);
        assert_eq!(m.values(), &[6.0, 8.0, 16.0, 18.0]);
        let a = pool2d(&g, &x, (2, 2), PoolKind::Avg).unwrap();
        assert_eq!(a.values(), &[3.0, 5.0, 13.0, 15.0]);
    }

    #[test]
    fn pool_gradients_match_finite_differences() {
        for kind in [PoolKind::Max, PoolKind::Avg] {
            check_op(&[&[2, 3, 6, 5]], true, |g, x| {
                pool2d(g, &x[0], (2, 2), kind)
            });
            check_op(&[&[2, 3, 6, 5]], true, |g, x| {
                pool2d(g, &x[0], (3, 1), kind)
            });
        }
    }
}
