//! A fully connected layer.

use crate::error::Result;
use crate::graph::{Graph, Var};
use crate::ops;
use crate::params::{Init, ParamId, ParamStore};
use crate::Float;

/// `y = x Wᵀ + b` over the last dimension.
#[derive(Clone, Debug)]
pub struct Linear {
    /// `(out, in)`.
    pub weight: ParamId,
    /// `(out)`, if any.
    pub bias: Option<ParamId>,
    /// Input features.
    pub inputs: usize,
    /// Output features.
    pub outputs: usize,
}

impl Linear {
    /// Register `<name>.weight` and (with `bias`) `<name>.bias`.
    pub fn new<E: Float>(
        store: &mut ParamStore<E>,
        name: &str,
        inputs: usize,
        outputs: usize,
        bias: bool,
        rng: &mut impl rand::Rng,
    ) -> Result<Self> {
        let bound = 1.0 / (inputs.max(1) as f64).sqrt();
        let weight = store.add_init(
            &format!("{name}.weight"),
            &[outputs, inputs],
            Init::Uniform(bound),
            true,
            rng,
        )?;
        let bias = if bias {
            Some(store.add_init(
                &format!("{name}.bias"),
                &[outputs],
                Init::Uniform(bound),
                false,
                rng,
            )?)
        } else {
            None
        };
        Ok(Linear {
            weight,
            bias,
            inputs,
            outputs,
        })
    }

    /// Apply to `x (..., inputs)`.
    pub fn forward<E: Float>(&self, g: &Graph<E>, p: &ParamStore<E>, x: &Var<E>) -> Result<Var<E>> {
        let b = self.bias.map(|b| p.var(g, b));
        ops::linear(g, x, &p.var(g, self.weight), b.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testutil::{check_layer, rng};

    #[test]
    fn linear_layer_gradients_match_finite_differences() {
        let mut store = ParamStore::new();
        let l = Linear::new(&mut store, "fc", 4, 3, true, &mut rng()).unwrap();
        assert_eq!(store.find("fc.weight"), Some(l.weight));
        check_layer(&mut store, &[2, 3, 4], true, |g, p, x| l.forward(g, p, x));
    }
}
