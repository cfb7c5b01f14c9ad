//! One direction of an LSTM layer over padded sequences, fused into one op.
//!
//! dfdx has no LSTM, and composing one from per-step slices hits the slice-backward bug
//! of dfdx 0.13 (issue #5). Here the input projection of all frames is one gemm, the
//! recurrence runs step by step (one small gemm `h · W_hhᵀ` plus the vectorised gate
//! arithmetic of [`lstm_cell`] for the whole batch), and backward-through-time keeps the
//! gate gradients of every step so the weight gradients are again single large gemms.
//! What backward needs is saved step-major, so each step reads and writes contiguous
//! blocks. Gate order and weight layout are PyTorch's
//! (`i, f, g, o`; `weight_ih (4H, In)`, `weight_hh (4H, H)`); the single bias is PyTorch's
//! `bias_ih + bias_hh`.
//!
//! Sequence `b` has `lengths[b]` valid frames; frames after it are padding: they are not
//! read, their outputs are zero, and the state is not carried through them. With
//! `reverse`, sequence `b` is read from frame `lengths[b] - 1` down to 0 (the backward half
//! of a BiLSTM), so padding never enters either direction.

use super::expect_rank;
use super::lstm_cell;
use crate::error::{NnError, Result};
use crate::gemm::{matmul, View};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::Float;

/// The LSTM weights of one direction.
pub struct LstmWeights<'a, E: Float> {
    /// `(4H, In)`.
    pub w_ih: &'a Var<E>,
    /// `(4H, H)`.
    pub w_hh: &'a Var<E>,
    /// `(4H)`.
    pub bias: &'a Var<E>,
}

/// Run one LSTM direction over `x (B, T, In)`: hidden states `(B, T, H)`.
pub fn lstm<E: Float>(
    g: &Graph<E>,
    x: &Var<E>,
    lengths: &[usize],
    w: LstmWeights<'_, E>,
    reverse: bool,
) -> Result<Var<E>> {
    expect_rank("lstm", x, 3)?;
    let [b, t_max, inp] = [x.dims()[0], x.dims()[1], x.dims()[2]];
    let g4 = w.w_ih.dims().first().copied().unwrap_or(0);
    let h = g4 / 4;
    if g4 % 4 != 0 || w.w_ih.dims() != [g4, inp] || w.w_hh.dims() != [g4, h] || w.bias.len() != g4 {
        return Err(NnError::shape(
            "lstm",
            format!(
                "weights {:?}, {:?}, bias {:?} do not fit input {:?} (expected (4H, {inp}), (4H, H), (4H))",
                w.w_ih.dims(),
                w.w_hh.dims(),
                w.bias.dims(),
                x.dims()
            ),
        ));
    }
    if lengths.len() != b || lengths.iter().any(|&l| l > t_max) {
        return Err(NnError::shape(
            "lstm",
            format!("lengths {lengths:?} for a batch of {b} sequences of {t_max} frames"),
        ));
    }
    let rows = b * t_max;
    // Input projections of every frame, plus bias, in frame layout `(B, T, 4H)`.
    let mut xg = vec![E::zero(); rows * g4];
    for r in xg.chunks_exact_mut(g4) {
        r.copy_from_slice(w.bias.values());
    }
    matmul(
        rows,
        g4,
        inp,
        View::rows(x.values(), inp),
        View::t(w.w_ih.values(), inp),
        &mut xg,
        g4,
        true,
        true,
    );
    // The frame sequence `b` reads at step `s`, or `None` once it has ended.
    let frame = {
        let lens = lengths.to_vec();
        move |bi: usize, s: usize| -> Option<usize> {
            (s < lens[bi]).then(|| if reverse { lens[bi] - 1 - s } else { s })
        }
    };
    let steps = lengths.iter().copied().max().unwrap_or(0);
    // Saved for backward in step layout `(S, B, ..)`, so each step is one contiguous
    // block: activated gates, tanh(c), and the states before and after every step
    // (`hs[s]`, `cs[s]` are the states entering step `s`; block 0 is the zero state).
    // Rows of sequences that have ended are zero.
    let (bg, bh) = (b * g4, b * h);
    let mut acts = vec![E::zero(); steps * bg];
    let mut tcs = vec![E::zero(); steps * bh];
    let mut hs = vec![E::zero(); (steps + 1) * bh];
    let mut cs = vec![E::zero(); (steps + 1) * bh];
    let whh = w.w_hh.values();
    for s in 0..steps {
        let z = &mut acts[s * bg..(s + 1) * bg];
        for bi in 0..b {
            if let Some(f) = frame(bi, s) {
                let r = bi * t_max + f;
                z[bi * g4..(bi + 1) * g4].copy_from_slice(&xg[r * g4..(r + 1) * g4]);
            }
        }
        let (h_before, h_after) = hs[s * bh..(s + 2) * bh].split_at_mut(bh);
        matmul(
            b,
            g4,
            h,
            View::rows(h_before, h),
            View::t(whh, h),
            z,
            g4,
            true,
            false,
        );
        let (c_before, c_after) = cs[s * bh..(s + 2) * bh].split_at_mut(bh);
        let tc = &mut tcs[s * bh..(s + 1) * bh];
        lstm_cell::step_forward(z, c_before, c_after, tc, h_after, h);
        for bi in 0..b {
            if frame(bi, s).is_none() {
                z[bi * g4..(bi + 1) * g4].fill(E::zero());
                for v in [&mut *tc, &mut *c_after, &mut *h_after] {
                    v[bi * h..(bi + 1) * h].fill(E::zero());
                }
            }
        }
    }
    let mut y = vec![E::zero(); rows * h];
    for s in 0..steps {
        for bi in 0..b {
            if let Some(f) = frame(bi, s) {
                let r = bi * t_max + f;
                let from = (s + 1) * bh + bi * h;
                y[r * h..(r + 1) * h].copy_from_slice(&hs[from..from + h]);
            }
        }
    }
    let (out, node) = g.output(y, &[b, t_max, h], &[x, w.w_ih, w.w_hh, w.bias])?;
    if let Some(yn) = node {
        let (xv, wih, whh) = (x.shared(), w.w_ih.shared(), w.w_hh.shared());
        let (xn, wihn, whhn, bn) = (
            x.node().cloned(),
            w.w_ih.node().cloned(),
            w.w_hh.node().cloned(),
            w.bias.node().cloned(),
        );
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            // Pre-activation gradients in step layout, then in frame layout.
            let mut dz = vec![E::zero(); steps * bg];
            let mut gy_s = vec![E::zero(); bh];
            let mut dh = vec![E::zero(); bh];
            let mut dc = vec![E::zero(); bh];
            for s in (0..steps).rev() {
                for bi in 0..b {
                    let row = &mut gy_s[bi * h..(bi + 1) * h];
                    match frame(bi, s) {
                        Some(f) => {
                            let r = bi * t_max + f;
                            row.copy_from_slice(&gy[r * h..(r + 1) * h]);
                        }
                        None => row.fill(E::zero()),
                    }
                }
                let saved = lstm_cell::StepSaved {
                    acts: &acts[s * bg..(s + 1) * bg],
                    tc: &tcs[s * bh..(s + 1) * bh],
                    c_prev: &cs[s * bh..(s + 1) * bh],
                };
                let dzs = &mut dz[s * bg..(s + 1) * bg];
                lstm_cell::step_backward(&saved, &gy_s, &dh, &mut dc, dzs, h);
                matmul(
                    b,
                    h,
                    g4,
                    View::rows(dzs, g4),
                    View::rows(&whh, h),
                    &mut dh,
                    h,
                    false,
                    false,
                );
            }
            if let Some(n) = whhn {
                // Σ over steps and sequences of dzᵀ · h_before (ended rows are zero).
                let gw = grad_of(gr, &n)?;
                matmul(
                    g4,
                    h,
                    steps * b,
                    View::t(&dz, g4),
                    View::rows(&hs[..steps * bh], h),
                    gw,
                    h,
                    true,
                    true,
                );
            }
            if let Some(n) = bn {
                let gb = grad_of(gr, &n)?;
                for r in dz.chunks_exact(g4) {
                    super::add_into(gb, r);
                }
            }
            if wihn.is_none() && xn.is_none() {
                return Ok(());
            }
            let mut dg = vec![E::zero(); rows * g4];
            for s in 0..steps {
                for bi in 0..b {
                    if let Some(f) = frame(bi, s) {
                        let r = bi * t_max + f;
                        let from = s * bg + bi * g4;
                        dg[r * g4..(r + 1) * g4].copy_from_slice(&dz[from..from + g4]);
                    }
                }
            }
            if let Some(n) = wihn {
                let gw = grad_of(gr, &n)?;
                matmul(
                    g4,
                    inp,
                    rows,
                    View::t(&dg, g4),
                    View::rows(&xv, inp),
                    gw,
                    inp,
                    true,
                    true,
                );
            }
            if let Some(n) = xn {
                let gx = grad_of(gr, &n)?;
                matmul(
                    rows,
                    inp,
                    g4,
                    View::rows(&dg, g4),
                    View::rows(&wih, inp),
                    gx,
                    inp,
                    true,
                    true,
                );
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

    fn weights(store: &mut ParamStore<f64>, inp: usize, h: usize) -> [crate::ParamId; 3] {
        [
            store
                .add("w_ih", &[4 * h, inp], values(4 * h * inp, 1), true)
                .unwrap(),
            store
                .add("w_hh", &[4 * h, h], values(4 * h * h, 2), true)
                .unwrap(),
            store.add("b", &[4 * h], values(4 * h, 3), false).unwrap(),
        ]
    }

    #[test]
    fn lstm_gradients_match_finite_differences_in_both_directions_with_padding() {
        for reverse in [false, true] {
            let mut store = ParamStore::new();
            let [wi, wh, bb] = weights(&mut store, 3, 4);
            let x = (values(3 * 5 * 3, 4), vec![3, 5, 3]);
            let lengths = [5, 2, 4];
            check(&mut store, &[x], true, Tolerance::default(), |g, p, xs| {
                let w = LstmWeights {
                    w_ih: &p.var(g, wi),
                    w_hh: &p.var(g, wh),
                    bias: &p.var(g, bb),
                };
                lstm(g, &xs[0], &lengths, w, reverse)
            })
            .unwrap_or_else(|e| panic!("reverse {reverse}: {e}"));
        }
    }

    /// One step by hand: h0 = c0 = 0, so gates are sigmoid/tanh of `W_ih x + b`.
    #[test]
    fn first_step_matches_the_lstm_equations_and_padding_is_zero() {
        let g = Graph::<f64>::inference();
        let x = g.constant(vec![0.5, 0.0], &[1, 2, 1]).unwrap();
        let wih = g.constant(vec![1.0, 2.0, 3.0, 4.0], &[4, 1]).unwrap();
        let whh = g.constant(vec![0.0; 4], &[4, 1]).unwrap();
        let b = g.constant(vec![0.1, 0.2, 0.3, 0.4], &[4]).unwrap();
        let w = LstmWeights {
            w_ih: &wih,
            w_hh: &whh,
            bias: &b,
        };
        let y = lstm(&g, &x, &[1], w, false).unwrap();
        let s = |v: f64| 1.0 / (1.0 + (-v).exp());
        let c = s(0.6) * (1.8f64).tanh();
        let want = s(2.4) * c.tanh();
        assert!((y.values()[0] - want).abs() < 1e-12);
        assert_eq!(y.values()[1], 0.0);
    }
}
