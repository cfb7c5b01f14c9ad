//! Layers: sizes chosen at run time, parameters registered by name in a
//! [`crate::ParamStore`] when the layer is built, forward passes that add ops to a
//! [`crate::Graph`]. A layer holds only [`crate::ParamId`]s and hyperparameters, so a
//! network is a plain struct of layers plus one store.
//!
//! Initialisation follows PyTorch's defaults (uniform `±1/sqrt(fan_in)` for linear and
//! conv weights and biases, `±1/sqrt(H)` for LSTM weights, ones and zeros for BatchNorm),
//! so a network here starts from the same distribution as its PyTorch twin.

mod attention;
mod conv;
mod embedding;
mod linear;
mod lstm;
mod norm;

pub use attention::AttentionPool;
pub use conv::{Conv1d, Conv2d};
pub use embedding::Embedding;
pub use linear::Linear;
pub use lstm::Lstm;
pub use norm::BatchNorm;

/// The dropout op as a layer-style call (no parameters).
pub use crate::ops::dropout;

#[cfg(test)]
pub(crate) mod testutil {
    use crate::gradcheck::{check, values, Tolerance};
    use crate::graph::{Graph, Var};
    use crate::params::ParamStore;

    /// Gradient-check `f` with respect to its input (random values of `dims`) and every
    /// trainable parameter of `store`.
    pub fn check_layer<F>(store: &mut ParamStore<f64>, dims: &[usize], training: bool, f: F)
    where
        F: Fn(&Graph<f64>, &ParamStore<f64>, &Var<f64>) -> crate::Result<Var<f64>>,
    {
        let x = (values(dims.iter().product(), 99), dims.to_vec());
        let r = check(store, &[x], training, Tolerance::default(), |g, p, xs| {
            f(g, p, &xs[0])
        })
        .unwrap_or_else(|e| panic!("gradient check failed: {e}"));
        let params: usize = store
            .ids()
            .filter(|&i| store.trainable(i))
            .map(|i| store.values(i).len())
            .sum();
        assert_eq!(r.checked, dims.iter().product::<usize>() + params);
    }

    pub fn rng() -> rand_chacha::ChaCha8Rng {
        use rand::SeedableRng;
        rand_chacha::ChaCha8Rng::seed_from_u64(5)
    }
}
