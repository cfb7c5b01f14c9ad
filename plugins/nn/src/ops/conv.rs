//! 2-D convolution (and 1-D as its `W = 1` case) by im2col + gemm, parallel over the batch.
//!
//! dfdx 0.13's `conv2d` needs the nightly compiler; building it from dfdx's `gather` and
//! `matmul` was the slowest part of a training step (issue #5). Here each sample's patches
//! are unfolded into a `(C·kh·kw, Ho·Wo)` matrix in a per-thread buffer and multiplied by the
//! `(O, C·kh·kw)` weight with one gemm. Backward recomputes the unfolded patches (cheaper
//! than keeping them) for `dW += dY · colsᵀ`, and folds `Wᵀ · dY` back into `dx`.
//! Weight and bias gradients are accumulated per fixed chunk of samples and summed in
//! chunk order, so the result does not depend on the thread count.

use super::{add_into, chunks, expect_rank};
use crate::error::{NnError, Result};
use crate::gemm::{matmul, View};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::Float;
use rayon::prelude::*;
use std::sync::Arc;

/// Kernel size, stride and zero padding of a convolution over `(H, W)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dSpec {
    /// Kernel height and width.
    pub kernel: (usize, usize),
    /// Stride along height and width.
    pub stride: (usize, usize),
    /// Zero padding on each side of height and width.
    pub padding: (usize, usize),
}

impl Conv2dSpec {
    /// A stride-1 convolution padded to keep the size ("same" for odd kernels).
    pub fn same(kh: usize, kw: usize) -> Self {
        Conv2dSpec {
            kernel: (kh, kw),
            stride: (1, 1),
            padding: (kh / 2, kw / 2),
        }
    }

    /// Output height and width for an `h x w` input.
    pub fn output(&self, h: usize, w: usize) -> Option<(usize, usize)> {
        let (kh, kw) = self.kernel;
        let (sh, sw) = self.stride;
        let (ph, pw) = self.padding;
        if kh == 0 || kw == 0 || sh == 0 || sw == 0 || h + 2 * ph < kh || w + 2 * pw < kw {
            return None;
        }
        Some(((h + 2 * ph - kh) / sh + 1, (w + 2 * pw - kw) / sw + 1))
    }
}

#[derive(Clone, Copy)]
struct Geom {
    c: usize,
    h: usize,
    w: usize,
    ho: usize,
    wo: usize,
    s: Conv2dSpec,
}

impl Geom {
    fn k(&self) -> usize {
        self.c * self.s.kernel.0 * self.s.kernel.1
    }
    fn p(&self) -> usize {
        self.ho * self.wo
    }
    /// The input column of output column `ox` for kernel column `j`, if inside.
    #[inline]
    fn col(&self, ox: usize, j: usize) -> Option<usize> {
        (ox * self.s.stride.1 + j)
            .checked_sub(self.s.padding.1)
            .filter(|&x| x < self.w)
    }

    /// For stride 1 along the width: the output columns `lo..hi` whose input column
    /// `ox + j - pad` lies inside, for kernel column `j` (empty when none does).
    #[inline]
    fn span(&self, j: usize) -> (usize, usize) {
        let pw = self.s.padding.1;
        let lo = pw.saturating_sub(j).min(self.wo);
        let hi = (self.w + pw).saturating_sub(j).min(self.wo).max(lo);
        (lo, hi)
    }

    /// Unfold one sample `(C, H, W)` into `cols (C·kh·kw, Ho·Wo)`.
    fn im2col<E: Float>(&self, x: &[E], cols: &mut [E]) {
        let (kh, kw) = self.s.kernel;
        let (sh, sw) = (self.s.stride.0, self.s.stride.1);
        let ph = self.s.padding.0;
        let p = self.p();
        for c in 0..self.c {
            let xc = &x[c * self.h * self.w..(c + 1) * self.h * self.w];
            for i in 0..kh {
                for j in 0..kw {
                    let row = &mut cols[((c * kh + i) * kw + j) * p..][..p];
                    for oy in 0..self.ho {
                        let dst = &mut row[oy * self.wo..(oy + 1) * self.wo];
                        let iy = (oy * sh + i).checked_sub(ph).filter(|&y| y < self.h);
                        let Some(iy) = iy else {
                            dst.fill(E::zero());
                            continue;
                        };
                        let src = &xc[iy * self.w..(iy + 1) * self.w];
                        if sw == 1 {
                            // Contiguous run of valid columns; zeros at the padded ends.
                            let (lo, hi) = self.span(j);
                            dst[..lo].fill(E::zero());
                            dst[hi..].fill(E::zero());
                            if hi > lo {
                                let x0 = lo + j - self.s.padding.1;
                                dst[lo..hi].copy_from_slice(&src[x0..x0 + hi - lo]);
                            }
                        } else {
                            for (ox, d) in dst.iter_mut().enumerate() {
                                *d = self.col(ox, j).map_or(E::zero(), |ix| src[ix]);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fold `cols` back into one sample's gradient `dx (C, H, W)`, adding.
    fn col2im<E: Float>(&self, cols: &[E], dx: &mut [E]) {
        let (kh, kw) = self.s.kernel;
        let sh = self.s.stride.0;
        let ph = self.s.padding.0;
        let p = self.p();
        for c in 0..self.c {
            let dxc = &mut dx[c * self.h * self.w..(c + 1) * self.h * self.w];
            for i in 0..kh {
                for j in 0..kw {
                    let row = &cols[((c * kh + i) * kw + j) * p..][..p];
                    for oy in 0..self.ho {
                        let Some(iy) = (oy * sh + i).checked_sub(ph).filter(|&y| y < self.h) else {
                            continue;
                        };
                        let dst = &mut dxc[iy * self.w..(iy + 1) * self.w];
                        let src = &row[oy * self.wo..(oy + 1) * self.wo];
                        if self.s.stride.1 == 1 {
                            let (lo, hi) = self.span(j);
                            if hi > lo {
                                let x0 = lo + j - self.s.padding.1;
                                for (d, v) in dst[x0..x0 + hi - lo].iter_mut().zip(&src[lo..hi]) {
                                    *d += *v;
                                }
                            }
                        } else {
                            for (ox, v) in src.iter().enumerate() {
                                if let Some(ix) = self.col(ox, j) {
                                    dst[ix] += *v;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Convolve `x (B, C, H, W)` with `w (O, C, kh, kw)` plus `b (O)`: `(B, O, Ho, Wo)`.
pub fn conv2d<E: Float>(
    g: &Graph<E>,
    x: &Var<E>,
    w: &Var<E>,
    b: Option<&Var<E>>,
    spec: Conv2dSpec,
) -> Result<Var<E>> {
    expect_rank("conv2d", x, 4)?;
    let [bsz, c, h, wd] = [x.dims()[0], x.dims()[1], x.dims()[2], x.dims()[3]];
    let o = w.dims().first().copied().unwrap_or(0);
    if w.dims() != [o, c, spec.kernel.0, spec.kernel.1] {
        return Err(NnError::shape(
            "conv2d",
            format!(
                "weight {:?} does not fit input {:?} and kernel {:?} (expected (O, {c}, {}, {}))",
                w.dims(),
                x.dims(),
                spec.kernel,
                spec.kernel.0,
                spec.kernel.1
            ),
        ));
    }
    if let Some(b) = b {
        if b.len() != o {
            return Err(NnError::shape(
                "conv2d",
                format!("bias {:?} for {o} outputs", b.dims()),
            ));
        }
    }
    let (ho, wo) = spec.output(h, wd).ok_or_else(|| {
        NnError::shape(
            "conv2d",
            format!(
                "input {h}x{wd} is smaller than kernel {:?} with padding",
                spec.kernel
            ),
        )
    })?;
    let geo = Geom {
        c,
        h,
        w: wd,
        ho,
        wo,
        s: spec,
    };
    let (k, p) = (geo.k(), geo.p());
    let in_sz = c * h * wd;
    let out_sz = o * p;
    let mut y = vec![E::zero(); bsz * out_sz];
    let (xv, wv) = (x.values(), w.values());
    let bias = b.map(|b| b.values());
    y.par_chunks_mut(out_sz).enumerate().for_each_init(
        || vec![E::zero(); k * p],
        |cols, (s, ys)| {
            geo.im2col(&xv[s * in_sz..(s + 1) * in_sz], cols);
            if let Some(bias) = bias {
                for (row, bv) in ys.chunks_exact_mut(p).zip(bias) {
                    row.fill(*bv);
                }
            }
            matmul(
                o,
                p,
                k,
                View::rows(wv, k),
                View::rows(cols, p),
                ys,
                p,
                bias.is_some(),
                false,
            );
        },
    );
    let mut inputs = vec![x, w];
    inputs.extend(b);
    let (out, node) = g.output(y, &[bsz, o, ho, wo], &inputs)?;
    if let Some(yn) = node {
        let (xv, wv) = (x.shared(), w.shared());
        let (xn, wn, bn) = (
            x.node().cloned(),
            w.node().cloned(),
            b.and_then(|b| b.node().cloned()),
        );
        g.push(move |gr| {
            let gy = Arc::new(take_grad(gr, &yn)?);
            if let Some(xn) = xn {
                let gx = grad_of(gr, &xn)?;
                gx.par_chunks_mut(in_sz).enumerate().for_each_init(
                    || vec![E::zero(); k * p],
                    |cols, (s, gxs)| {
                        matmul(
                            k,
                            p,
                            o,
                            View::t(&wv, k),
                            View::rows(&gy[s * out_sz..(s + 1) * out_sz], p),
                            cols,
                            p,
                            false,
                            false,
                        );
                        geo.col2im(cols, gxs);
                    },
                );
            }
            if wn.is_some() || bn.is_some() {
                let parts: Vec<(Vec<E>, Vec<E>)> = chunks(bsz)
                    .into_par_iter()
                    .map(|range| {
                        let mut gw = vec![E::zero(); o * k];
                        let mut gb = vec![E::zero(); o];
                        let mut cols = vec![E::zero(); k * p];
                        for s in range {
                            let gys = &gy[s * out_sz..(s + 1) * out_sz];
                            if wn.is_some() {
                                geo.im2col(&xv[s * in_sz..(s + 1) * in_sz], &mut cols);
                                matmul(
                                    o,
                                    k,
                                    p,
                                    View::rows(gys, p),
                                    View::t(&cols, p),
                                    &mut gw,
                                    k,
                                    true,
                                    false,
                                );
                            }
                            for (acc, row) in gb.iter_mut().zip(gys.chunks_exact(p)) {
                                *acc += row.iter().copied().sum::<E>();
                            }
                        }
                        (gw, gb)
                    })
                    .collect();
                if let Some(wn) = wn {
                    let gw = grad_of(gr, &wn)?;
                    for (pw, _) in &parts {
                        add_into(gw, pw);
                    }
                }
                if let Some(bn) = bn {
                    let gb = grad_of(gr, &bn)?;
                    for (_, pb) in &parts {
                        add_into(gb, pb);
                    }
                }
            }
            Ok(())
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
