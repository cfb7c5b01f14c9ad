//! Batch normalisation with running statistics (PyTorch's `BatchNorm1d/2d`: momentum 0.1,
//! running variance updated with the unbiased batch variance, eps 1e-5).

use crate::error::Result;
use crate::graph::{Graph, Var};
use crate::ops::{self, BatchNormMode};
use crate::params::{ParamId, ParamStore};
use crate::Float;

/// BatchNorm over one channel axis.
#[derive(Clone, Debug)]
pub struct BatchNorm {
    /// Scale `(C)`.
    pub gamma: ParamId,
    /// Shift `(C)`.
    pub beta: ParamId,
    /// Running mean buffer `(C)`.
    pub running_mean: ParamId,
    /// Running variance buffer `(C)`.
    pub running_var: ParamId,
    /// The channel axis of inputs.
    pub axis: usize,
    /// Weight of the newest batch in the running averages.
    pub momentum: f64,
    /// Added to the variance.
    pub eps: f64,
}

impl BatchNorm {
    /// Register `<name>.weight`, `.bias`, `.running_mean`, `.running_var` for `channels`
    /// channels on axis `axis` of the inputs.
    pub fn new<E: Float>(
        store: &mut ParamStore<E>,
        name: &str,
        channels: usize,
        axis: usize,
    ) -> Result<Self> {
        Ok(BatchNorm {
            gamma: store.add(
                &format!("{name}.weight"),
                &[channels],
                vec![E::one(); channels],
                false,
            )?,
            beta: store.add(
                &format!("{name}.bias"),
                &[channels],
                vec![E::zero(); channels],
                false,
            )?,
            running_mean: store.add_buffer(
                &format!("{name}.running_mean"),
                &[channels],
                vec![E::zero(); channels],
            )?,
            running_var: store.add_buffer(
                &format!("{name}.running_var"),
                &[channels],
                vec![E::one(); channels],
            )?,
            axis,
            momentum: 0.1,
            eps: 1e-5,
        })
    }

    /// Normalise `x`; `mask` marks the valid positions outside the channel axis. In a
    /// training graph the batch statistics are used and the running averages updated (the
    /// update is applied after the step, see [`ParamStore::apply_updates`]).
    pub fn forward<E: Float>(
        &self,
        g: &Graph<E>,
        p: &ParamStore<E>,
        x: &Var<E>,
        mask: Option<&[bool]>,
    ) -> Result<Var<E>> {
        let mode = if g.training() {
            BatchNormMode::Batch
        } else {
            BatchNormMode::Running
        };
        let (rm, rv) = (p.values(self.running_mean), p.values(self.running_var));
        let (y, stats) = ops::batch_norm(
            g,
            x,
            self.axis,
            &p.var(g, self.gamma),
            &p.var(g, self.beta),
            Some((rm, rv)),
            mode,
            self.eps,
            mask,
        )?;
        if let Some(s) = stats {
            let m = E::of(self.momentum);
            let keep = E::one() - m;
            let mean = rm
                .iter()
                .zip(&s.mean)
                .map(|(r, b)| keep * *r + m * *b)
                .collect();
            let var = rv
                .iter()
                .zip(&s.var_unbiased)
                .map(|(r, b)| keep * *r + m * *b)
                .collect();
            g.update_buffer(self.running_mean, mean);
            g.update_buffer(self.running_var, var);
        }
        Ok(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testutil::check_layer;

    #[test]
    fn batch_norm_layer_gradients_match_in_train_and_eval_mode() {
        for training in [true, false] {
            let mut store = ParamStore::new();
            let bn = BatchNorm::new(&mut store, "bn", 3, 1).unwrap();
            // Non-trivial scale, shift and running statistics.
            store.set(bn.gamma, &[0.5, 1.5, -1.0]).unwrap();
            store.set(bn.beta, &[0.1, -0.2, 0.3]).unwrap();
            store.set(bn.running_mean, &[0.1, 0.0, -0.1]).unwrap();
            store.set(bn.running_var, &[0.5, 2.0, 1.0]).unwrap();
            check_layer(&mut store, &[4, 3, 2], training, |g, p, x| {
                bn.forward(g, p, x, None)
            });
        }
    }

    #[test]
    fn running_statistics_follow_pytorch_momentum() {
        let mut store = ParamStore::<f64>::new();
        let bn = BatchNorm::new(&mut store, "bn", 1, 1).unwrap();
        let g = Graph::train();
        let x = g.constant(vec![1.0, 3.0], &[2, 1]).unwrap();
        let y = bn.forward(&g, &store, &x, None).unwrap();
        let loss = ops::sum_all(&g, &y).unwrap();
        let mut grads = g.backward(&loss).unwrap();
        store
            .apply_updates(ParamStore::take_updates(&mut grads))
            .unwrap();
        // mean 2, unbiased var 2: 0.9 * 0 + 0.1 * 2 and 0.9 * 1 + 0.1 * 2.
        assert!((store.values(bn.running_mean)[0] - 0.2).abs() < 1e-12);
        assert!((store.values(bn.running_var)[0] - 1.1).abs() < 1e-12);
    }
}
