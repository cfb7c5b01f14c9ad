//! A stacked, optionally bidirectional LSTM over padded sequences.

use crate::error::{NnError, Result};
use crate::graph::{Graph, Var};
use crate::ops::{self, LstmWeights};
use crate::params::{Init, ParamId, ParamStore};
use crate::Float;

#[derive(Clone, Debug)]
struct Direction {
    w_ih: ParamId,
    w_hh: ParamId,
    bias: ParamId,
}

/// `layers` LSTM layers of `hidden` units (per direction); the output has `hidden` or
/// `2 * hidden` (bidirectional) features per frame. Between layers, dropout `dropout`.
#[derive(Clone, Debug)]
pub struct Lstm {
    layers: Vec<Vec<Direction>>,
    /// Units per direction.
    pub hidden: usize,
    /// Whether each layer also reads the sequence backwards.
    pub bidirectional: bool,
    /// Dropout between layers (training only).
    pub dropout: f64,
}

impl Lstm {
    /// Register `<name>.l<k>[_reverse].{weight_ih, weight_hh, bias}` for every layer.
    #[allow(clippy::too_many_arguments)]
    pub fn new<E: Float>(
        store: &mut ParamStore<E>,
        name: &str,
        inputs: usize,
        hidden: usize,
        layers: usize,
        bidirectional: bool,
        dropout: f64,
        rng: &mut impl rand::Rng,
    ) -> Result<Self> {
        if hidden == 0 || layers == 0 {
            return Err(NnError::config(
                name,
                "an LSTM needs at least one layer of at least one unit",
            ));
        }
        let bound = 1.0 / (hidden as f64).sqrt();
        let dirs = if bidirectional { 2 } else { 1 };
        let mut all = Vec::new();
        for l in 0..layers {
            let inp = if l == 0 { inputs } else { hidden * dirs };
            let mut v = Vec::new();
            for d in 0..dirs {
                let p = format!("{name}.l{l}{}", if d == 1 { "_reverse" } else { "" });
                let mut add = |n: &str, dims: &[usize], decay| {
                    store.add_init(&format!("{p}.{n}"), dims, Init::Uniform(bound), decay, rng)
                };
                v.push(Direction {
                    w_ih: add("weight_ih", &[4 * hidden, inp], true)?,
                    w_hh: add("weight_hh", &[4 * hidden, hidden], true)?,
                    bias: add("bias", &[4 * hidden], false)?,
                });
            }
            all.push(v);
        }
        Ok(Lstm {
            layers: all,
            hidden,
            bidirectional,
            dropout,
        })
    }

    /// Output features per frame.
    pub fn output_dim(&self) -> usize {
        self.hidden * if self.bidirectional { 2 } else { 1 }
    }

    /// Run over `x (B, T, In)` with `lengths` valid frames per sequence: `(B, T, out)`.
    pub fn forward<E: Float>(
        &self,
        g: &Graph<E>,
        p: &ParamStore<E>,
        x: &Var<E>,
        lengths: &[usize],
        rng: &mut impl rand::Rng,
    ) -> Result<Var<E>> {
        let mut h = x.clone();
        for (l, dirs) in self.layers.iter().enumerate() {
            if l > 0 {
                h = ops::dropout(g, &h, self.dropout, rng)?;
            }
            let outs: Vec<Var<E>> = dirs
                .iter()
                .enumerate()
                .map(|(d, w)| {
                    let weights = LstmWeights {
                        w_ih: &p.var(g, w.w_ih),
                        w_hh: &p.var(g, w.w_hh),
                        bias: &p.var(g, w.bias),
                    };
                    ops::lstm(g, &h, lengths, weights, d == 1)
                })
                .collect::<Result<_>>()?;
            h = if outs.len() == 1 {
                outs.into_iter().next().expect("one direction")
            } else {
                ops::concat_last(g, &[&outs[0], &outs[1]])?
            };
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testutil::{check_layer, rng};

    #[test]
    fn stacked_bilstm_gradients_match_finite_differences() {
        let mut store = ParamStore::new();
        let l = Lstm::new(&mut store, "lstm", 3, 2, 2, true, 0.0, &mut rng()).unwrap();
        assert_eq!(l.output_dim(), 4);
        assert!(store.find("lstm.l1_reverse.weight_hh").is_some());
        check_layer(&mut store, &[2, 4, 3], true, |g, p, x| {
            l.forward(g, p, x, &[4, 3], &mut rng())
        });
    }
}
