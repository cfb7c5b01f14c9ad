//! The gate arithmetic of one LSTM time step for a whole batch, forward and backward.
//!
//! Between the two small gemms of a step, an LSTM spends its time here: four gate
//! activations and the cell update for every unit of every sequence. Written as plain
//! loops over contiguous slices (no libm calls: the activations go through the
//! polynomial [`Float::exp_fast`]), LLVM vectorises them; `multiversion` compiles them
//! once more for AVX-512 and AVX2 and picks at run time, so the default x86-64 build
//! (SSE2 only) runs 16-wide on machines that have it without a `target-cpu` flag.
//! No fused multiply-add is formed (Rust does not contract `a * b + c`), so every target
//! gives the same bits.
//!
//! Layout: a step's gates are `(B, 4H)` rows in PyTorch's order `i, f, g, o`; states
//! and the saved `tanh(c)` are `(B, H)`.

use crate::{sigmoid_fast as sigmoid, tanh_fast, Float};
use multiversion::multiversion;

/// Forward of one step. `z` holds the pre-activations `W_ih x + b + W_hh h` and is
/// overwritten with the activated gates; from the previous cell state `c_prev` it
/// writes the new state `c`, `tanh(c)` to `tc` and the hidden state `o * tanh(c)` to `h_out`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn step_forward<E: Float>(
    z: &mut [E],
    c_prev: &[E],
    c: &mut [E],
    tc: &mut [E],
    h_out: &mut [E],
    h: usize,
) {
    for ((((zr, cp), cn), t), ho) in z
        .chunks_exact_mut(4 * h)
        .zip(c_prev.chunks_exact(h))
        .zip(c.chunks_exact_mut(h))
        .zip(tc.chunks_exact_mut(h))
        .zip(h_out.chunks_exact_mut(h))
    {
        let (zi, rest) = zr.split_at_mut(h);
        let (zf, rest) = rest.split_at_mut(h);
        let (zg, zo) = rest.split_at_mut(h);
        for v in zi.iter_mut() {
            *v = sigmoid(*v);
        }
        for v in zf.iter_mut() {
            *v = sigmoid(*v);
        }
        for v in zg.iter_mut() {
            *v = tanh_fast(*v);
        }
        for v in zo.iter_mut() {
            *v = sigmoid(*v);
        }
        let (zf, zg, zo, cp) = (&zf[..h], &zg[..h], &zo[..h], &cp[..h]);
        let (cn, t, ho) = (&mut cn[..h], &mut t[..h], &mut ho[..h]);
        for j in 0..h {
            let cv = zf[j] * cp[j] + zi[j] * zg[j];
            cn[j] = cv;
            let tv = tanh_fast(cv);
            t[j] = tv;
            ho[j] = zo[j] * tv;
        }
    }
}

/// What backward needs of one step, saved by forward (rows of inactive sequences zero).
pub struct StepSaved<'a, E> {
    /// Activated gates `(B, 4H)`.
    pub acts: &'a [E],
    /// `tanh(c)` `(B, H)`.
    pub tc: &'a [E],
    /// The cell state before the step `(B, H)`.
    pub c_prev: &'a [E],
}

/// Backward of one step. `gy` is the gradient reaching the step's hidden output from
/// above, `dh` the one from the next step (through `W_hh`); `dc` carries the cell-state
/// gradient from the next step in and to the previous step out. Writes the gradient of
/// the pre-activations to `dz (B, 4H)`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn step_backward<E: Float>(
    saved: &StepSaved<'_, E>,
    gy: &[E],
    dh: &[E],
    dc: &mut [E],
    dz: &mut [E],
    h: usize,
) {
    let one = E::one();
    for (((((a, t), cp), (g, d)), dcr), dzr) in saved
        .acts
        .chunks_exact(4 * h)
        .zip(saved.tc.chunks_exact(h))
        .zip(saved.c_prev.chunks_exact(h))
        .zip(gy.chunks_exact(h).zip(dh.chunks_exact(h)))
        .zip(dc.chunks_exact_mut(h))
        .zip(dz.chunks_exact_mut(4 * h))
    {
        let (ai, af, ag, ao) = (&a[..h], &a[h..2 * h], &a[2 * h..3 * h], &a[3 * h..4 * h]);
        let (t, cp, g, d, dcr) = (&t[..h], &cp[..h], &g[..h], &d[..h], &mut dcr[..h]);
        let (di, rest) = dzr.split_at_mut(h);
        let (df, rest) = rest.split_at_mut(h);
        let (dg, dout) = rest.split_at_mut(h);
        let (df, dg, dout) = (&mut df[..h], &mut dg[..h], &mut dout[..h]);
        for j in 0..h {
            let (i_, f_, g_, o_, tv) = (ai[j], af[j], ag[j], ao[j], t[j]);
            let dhv = g[j] + d[j];
            let dcv = dhv * o_ * (one - tv * tv) + dcr[j];
            di[j] = dcv * g_ * i_ * (one - i_);
            df[j] = dcv * cp[j] * f_ * (one - f_);
            dg[j] = dcv * i_ * (one - g_ * g_);
            dout[j] = dhv * tv * o_ * (one - o_);
            dcr[j] = dcv * f_;
        }
    }
}
