//! Attention pooling over time (additive attention, as in the SER attention-pooling
//! literature: `score_t = vᵀ tanh(W h_t + b)`, weights = softmax over the valid frames).

use crate::error::Result;
use crate::graph::{Graph, Var};
use crate::layers::Linear;
use crate::ops;
use crate::params::ParamStore;
use crate::Float;

/// Attention pooling of `(B, T, D)` frames into `(B, D)`.
#[derive(Clone, Debug)]
pub struct AttentionPool {
    /// `D -> A` projection.
    pub proj: Linear,
    /// `A -> 1` scoring vector.
    pub score: Linear,
}

impl AttentionPool {
    /// Register `<name>.proj.*` and `<name>.score.weight` for `dim` features and an
    /// attention size `att`.
    pub fn new<E: Float>(
        store: &mut ParamStore<E>,
        name: &str,
        dim: usize,
        att: usize,
        rng: &mut impl rand::Rng,
    ) -> Result<Self> {
        Ok(AttentionPool {
            proj: Linear::new(store, &format!("{name}.proj"), dim, att, true, rng)?,
            score: Linear::new(store, &format!("{name}.score"), att, 1, false, rng)?,
        })
    }

    /// The frame scores `(B, T)` and the pooled vectors `(B, D)`.
    pub fn forward<E: Float>(
        &self,
        g: &Graph<E>,
        p: &ParamStore<E>,
        h: &Var<E>,
        lengths: &[usize],
    ) -> Result<(Var<E>, Var<E>)> {
        ops::expect_rank("attention pooling", h, 3)?;
        let (b, t) = (h.dims()[0], h.dims()[1]);
        let e = ops::tanh(g, &self.proj.forward(g, p, h)?)?;
        let s = self.score.forward(g, p, &e)?.reshape(&[b, t])?;
        let y = ops::attention_pool(g, h, &s, lengths)?;
        Ok((s, y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testutil::{check_layer, rng};

    #[test]
    fn attention_layer_gradients_match_finite_differences() {
        let mut store = ParamStore::new();
        let a = AttentionPool::new(&mut store, "att", 4, 3, &mut rng()).unwrap();
        check_layer(&mut store, &[2, 5, 4], true, |g, p, x| {
            Ok(a.forward(g, p, x, &[5, 3])?.1)
        });
    }
}
