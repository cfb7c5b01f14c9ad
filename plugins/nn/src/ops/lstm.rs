//! One direction of an LSTM layer over padded sequences, fused into one op.
//!
//! dfdx has no LSTM, and composing one from per-step slices hits the slice-backward bug
//! of dfdx 0.13 (issue #5). Here the input projection of all frames is one gemm, the
//! recurrence runs step by step (one small gemm `h · W_hhᵀ` plus the gate arithmetic per
//! step), and backward-through-time stores the gate gradients of every frame so the weight
//! gradients are again single large gemms. Gate order and weight layout are PyTorch's
//! (`i, f, g, o`; `weight_ih (4H, In)`, `weight_hh (4H, H)`); the single bias is PyTorch's
//! `bias_ih + bias_hh`.
//!
//! Sequence `b` has `lengths[b]` valid frames; frames after it are padding: they are not
//! read, their outputs are zero, and the state is not carried through them. With
//! `reverse`, sequence `b` is read from frame `lengths[b] - 1` down to 0 (the backward half
//! of a BiLSTM), so padding never enters either direction.

use super::expect_rank;
use crate::error::{NnError, Result};
use crate::gemm::{matmul, View};
use crate::graph::{grad_of, take_grad, Graph, Var};
use crate::{sigmoid_fast as sigmoid, tanh_fast, Float};

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
    // Input projections of every frame, plus bias.
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
    let lens = lengths.to_vec();
    let frame = move |bi: usize, s: usize| -> usize {
        if reverse {
            lens[bi] - 1 - s
        } else {
            s
        }
    };
    let whh = w.w_hh.values();
    // Saved for backward, in frame layout (b, t): activated gates, cell before and after,
    // hidden state before.
    let mut acts = vec![E::zero(); rows * g4];
    let mut c_prev = vec![E::zero(); rows * h];
    let mut c_new = vec![E::zero(); rows * h];
    let mut h_prev = vec![E::zero(); rows * h];
    let mut y = vec![E::zero(); rows * h];
    let mut hs = vec![E::zero(); b * h];
    let mut cs = vec![E::zero(); b * h];
    let mut hw = vec![E::zero(); b * g4];
    for s in 0..t_max {
        if lengths.iter().all(|&l| s >= l) {
            break;
        }
        matmul(
            b,
            g4,
            h,
            View::rows(&hs, h),
            View::t(whh, h),
            &mut hw,
            g4,
            false,
            false,
        );
        for bi in 0..b {
            if s >= lengths[bi] {
                continue;
            }
            let r = bi * t_max + frame(bi, s);
            let pre = &xg[r * g4..(r + 1) * g4];
            let rec = &hw[bi * g4..(bi + 1) * g4];
            let a = &mut acts[r * g4..(r + 1) * g4];
            h_prev[r * h..(r + 1) * h].copy_from_slice(&hs[bi * h..(bi + 1) * h]);
            c_prev[r * h..(r + 1) * h].copy_from_slice(&cs[bi * h..(bi + 1) * h]);
            for j in 0..h {
                let i_ = sigmoid(pre[j] + rec[j]);
                let f_ = sigmoid(pre[h + j] + rec[h + j]);
                let g_ = tanh_fast(pre[2 * h + j] + rec[2 * h + j]);
                let o_ = sigmoid(pre[3 * h + j] + rec[3 * h + j]);
                a[j] = i_;
                a[h + j] = f_;
                a[2 * h + j] = g_;
                a[3 * h + j] = o_;
                let c = f_ * cs[bi * h + j] + i_ * g_;
                cs[bi * h + j] = c;
                c_new[r * h + j] = c;
                let hv = o_ * tanh_fast(c);
                hs[bi * h + j] = hv;
                y[r * h + j] = hv;
            }
        }
    }
    let (out, node) = g.output(y, &[b, t_max, h], &[x, w.w_ih, w.w_hh, w.bias])?;
    if let Some(yn) = node {
        let lengths = lengths.to_vec();
        let (xv, wih, whh) = (x.shared(), w.w_ih.shared(), w.w_hh.shared());
        let (xn, wihn, whhn, bn) = (
            x.node().cloned(),
            w.w_ih.node().cloned(),
            w.w_hh.node().cloned(),
            w.bias.node().cloned(),
        );
        g.push(move |gr| {
            let gy = take_grad(gr, &yn)?;
            let mut dg = vec![E::zero(); rows * g4];
            let mut dh_next = vec![E::zero(); b * h];
            let mut dc_next = vec![E::zero(); b * h];
            let mut dgs = vec![E::zero(); b * g4];
            let one = E::one();
            for s in (0..t_max).rev() {
                if lengths.iter().all(|&l| s >= l) {
                    continue;
                }
                for bi in 0..b {
                    let row = &mut dgs[bi * g4..(bi + 1) * g4];
                    if s >= lengths[bi] {
                        row.fill(E::zero());
                        continue;
                    }
                    let r = bi * t_max + frame(bi, s);
                    let a = &acts[r * g4..(r + 1) * g4];
                    for j in 0..h {
                        let (i_, f_, g_, o_) = (a[j], a[h + j], a[2 * h + j], a[3 * h + j]);
                        let tc = tanh_fast(c_new[r * h + j]);
                        let dh = gy[r * h + j] + dh_next[bi * h + j];
                        let dc = dh * o_ * (one - tc * tc) + dc_next[bi * h + j];
                        row[j] = dc * g_ * i_ * (one - i_);
                        row[h + j] = dc * c_prev[r * h + j] * f_ * (one - f_);
                        row[2 * h + j] = dc * i_ * (one - g_ * g_);
                        row[3 * h + j] = dh * tc * o_ * (one - o_);
                        dc_next[bi * h + j] = dc * f_;
                    }
                    dg[r * g4..(r + 1) * g4].copy_from_slice(row);
                }
                matmul(
                    b,
                    h,
                    g4,
                    View::rows(&dgs, g4),
                    View::rows(&whh, h),
                    &mut dh_next,
                    h,
                    false,
                    false,
                );
            }
            if let Some(n) = whhn {
                let gw = grad_of(gr, &n)?;
                matmul(
                    g4,
                    h,
                    rows,
                    View::t(&dg, g4),
                    View::rows(&h_prev, h),
                    gw,
                    h,
                    true,
                    true,
                );
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
            if let Some(n) = bn {
                let gb = grad_of(gr, &n)?;
                for r in dg.chunks_exact(g4) {
                    super::add_into(gb, r);
                }
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
