//! The inner loops of the elementwise ops and BatchNorm, compiled per CPU.
//!
//! serlab builds for baseline x86-64 (SSE2), where LLVM vectorises these loops four
//! floats wide. Each function here is compiled again for AVX-512 and AVX2 (and NEON)
//! by `multiversion` and the widest one the CPU supports is picked at run time. The
//! loops contain no fused multiply-adds (Rust does not contract `a * b + c`) and the
//! sums use a fixed order (16 interleaved partial sums, then the lanes in order),
//! so every version gives the same bits. Measured on the CNN training benchmark: see
//! `plugins/neural/RESULTS.md`.

use crate::Float;
use multiversion::multiversion;
use std::mem::MaybeUninit;

/// Interleaved partial sums of a reduction (a fixed order, whatever the target).
const LANES: usize = 16;

/// Reduce `n` values, value `j` given by `f(j)`, in [`LANES`] interleaved partial sums.
#[inline(always)]
fn lanes<E: Float>(n: usize, f: impl Fn(usize) -> E) -> E {
    let mut acc = [E::zero(); LANES];
    let full = n / LANES * LANES;
    let mut base = 0;
    while base < full {
        for (l, a) in acc.iter_mut().enumerate() {
            *a += f(base + l);
        }
        base += LANES;
    }
    for (l, j) in (full..n).enumerate() {
        acc[l] += f(j);
    }
    acc.iter().copied().fold(E::zero(), |s, v| s + v)
}

/// `Σ x`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn sum<E: Float>(x: &[E]) -> E {
    lanes(x.len(), |j| x[j])
}

/// `Σ (x - m)²`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn sum_sq_dev<E: Float>(x: &[E], m: E) -> E {
    lanes(x.len(), |j| (x[j] - m) * (x[j] - m))
}

/// `(Σ g, Σ g · (x - m) · k)`: BatchNorm backward's two sums over one channel run.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn sum_and_centered_dot<E: Float>(g: &[E], x: &[E], m: E, k: E) -> (E, E) {
    let n = g.len();
    let x = &x[..n];
    let (mut s, mut d) = ([E::zero(); LANES], [E::zero(); LANES]);
    let full = n / LANES * LANES;
    for (gc, xc) in g[..full]
        .chunks_exact(LANES)
        .zip(x[..full].chunks_exact(LANES))
    {
        for l in 0..LANES {
            s[l] += gc[l];
            d[l] += gc[l] * ((xc[l] - m) * k);
        }
    }
    for (l, j) in (full..n).enumerate() {
        s[l] += g[j];
        d[l] += g[j] * ((x[j] - m) * k);
    }
    let total = |a: [E; LANES]| a.iter().copied().fold(E::zero(), |t, v| t + v);
    (total(s), total(d))
}

/// `y = (x - m) · s + b`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn affine<E: Float>(y: &mut [E], x: &[E], m: E, s: E, b: E) {
    for (y, x) in y.iter_mut().zip(x) {
        *y = (*x - m) * s + b;
    }
}

/// BatchNorm's input gradient with batch statistics:
/// `d += k · (g - a - (x - m) · is · b)`.
#[allow(clippy::too_many_arguments)]
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn batch_norm_grad<E: Float>(d: &mut [E], g: &[E], x: &[E], k: E, a: E, m: E, is: E, b: E) {
    for ((d, g), x) in d.iter_mut().zip(g).zip(x) {
        *d += k * (*g - a - (*x - m) * is * b);
    }
}

/// `y = f(x)` elementwise, into uninitialised memory (no zero-fill first).
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn map<E: Float, F: Fn(E) -> E>(y: &mut [MaybeUninit<E>], x: &[E], f: &F) {
    for (y, x) in y.iter_mut().zip(x) {
        y.write(f(*x));
    }
}

/// `gx += gy · d(x, y)`: the backward of an elementwise op with derivative `d`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn map_grad<E: Float, D: Fn(E, E) -> E>(gx: &mut [E], gy: &[E], x: &[E], y: &[E], d: &D) {
    for (((g, dy), x), y) in gx.iter_mut().zip(gy).zip(x).zip(y) {
        *g += *dy * d(*x, *y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_match_plain_sums_for_every_length_around_the_lanes() {
        for n in [0, 1, 15, 16, 17, 33, 100] {
            let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
            let g: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).cos()).collect();
            let plain: f64 = x.iter().sum();
            assert!((sum(&x) - plain).abs() < 1e-12, "n {n}");
            let sq: f64 = x.iter().map(|v| (v - 0.2) * (v - 0.2)).sum();
            assert!((sum_sq_dev(&x, 0.2) - sq).abs() < 1e-12);
            let (sg, dot) = sum_and_centered_dot(&g, &x, 0.2, 3.0);
            let want: f64 = g.iter().zip(&x).map(|(g, x)| g * (x - 0.2) * 3.0).sum();
            assert!((sg - g.iter().sum::<f64>()).abs() < 1e-12 && (dot - want).abs() < 1e-12);
        }
    }

    #[test]
    fn elementwise_kernels_compute_their_formulas() {
        let x = [1.0f32, -2.0, 3.5];
        let mut y = [0.0f32; 3];
        affine(&mut y, &x, 1.0, 2.0, 0.5);
        assert_eq!(y, [0.5, -5.5, 5.5]);
        let mut m = [MaybeUninit::uninit(); 3];
        map(&mut m, &x, &|v: f32| v.max(0.0));
        // SAFETY: `map` wrote all three values.
        let y = m.map(|v| unsafe { v.assume_init() });
        assert_eq!(y, [1.0, 0.0, 3.5]);
        let mut gx = [1.0f32; 3];
        map_grad(&mut gx, &[2.0; 3], &x, &y, &|x: f32, _| x);
        assert_eq!(gx, [3.0, -3.0, 8.0]);
        let mut d = [0.0f32; 3];
        batch_norm_grad(&mut d, &[1.0; 3], &x, 2.0, 0.5, 1.0, 1.0, 0.0);
        assert_eq!(d, [1.0; 3]);
    }
}
