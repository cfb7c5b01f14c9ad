//! Convolution layers over feature maps `(B, C, H, W)` and sequences `(B, C, T)`.

use crate::error::{NnError, Result};
use crate::graph::{Graph, Var};
use crate::ops::{self, Conv2dSpec};
use crate::params::{Init, ParamId, ParamStore};
use crate::Float;

/// A 2-D convolution with bias.
#[derive(Clone, Debug)]
pub struct Conv2d {
    /// `(out, in, kh, kw)`.
    pub weight: ParamId,
    /// `(out)`.
    pub bias: Option<ParamId>,
    /// Kernel, stride, padding.
    pub spec: Conv2dSpec,
}

impl Conv2d {
    /// Register `<name>.weight` and `<name>.bias` for `inputs -> outputs` channels.
    pub fn new<E: Float>(
        store: &mut ParamStore<E>,
        name: &str,
        inputs: usize,
        outputs: usize,
        spec: Conv2dSpec,
        bias: bool,
        rng: &mut impl rand::Rng,
    ) -> Result<Self> {
        let (kh, kw) = spec.kernel;
        if kh == 0 || kw == 0 || spec.stride.0 == 0 || spec.stride.1 == 0 {
            return Err(NnError::config(
                name,
                format!(
                    "kernel {:?} and stride {:?} must be positive",
                    spec.kernel, spec.stride
                ),
            ));
        }
        let bound = 1.0 / ((inputs * kh * kw).max(1) as f64).sqrt();
        let weight = store.add_init(
            &format!("{name}.weight"),
            &[outputs, inputs, kh, kw],
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
        Ok(Conv2d { weight, bias, spec })
    }

    /// Apply to `x (B, in, H, W)`.
    pub fn forward<E: Float>(&self, g: &Graph<E>, p: &ParamStore<E>, x: &Var<E>) -> Result<Var<E>> {
        let b = self.bias.map(|b| p.var(g, b));
        ops::conv2d(g, x, &p.var(g, self.weight), b.as_ref(), self.spec)
    }
}

/// A 1-D convolution over time, as a 2-D one with a `(k, 1)` kernel on `(B, C, T, 1)`.
#[derive(Clone, Debug)]
pub struct Conv1d {
    inner: Conv2d,
}

impl Conv1d {
    /// Register `<name>.weight (out, in, k, 1)` and `<name>.bias`; stride 1, padding `k / 2`.
    pub fn new<E: Float>(
        store: &mut ParamStore<E>,
        name: &str,
        inputs: usize,
        outputs: usize,
        kernel: usize,
        rng: &mut impl rand::Rng,
    ) -> Result<Self> {
        let spec = Conv2dSpec {
            kernel: (kernel, 1),
            stride: (1, 1),
            padding: (kernel / 2, 0),
        };
        Ok(Conv1d {
            inner: Conv2d::new(store, name, inputs, outputs, spec, true, rng)?,
        })
    }

    /// Apply to `x (B, in, T)`: `(B, out, T')`.
    pub fn forward<E: Float>(&self, g: &Graph<E>, p: &ParamStore<E>, x: &Var<E>) -> Result<Var<E>> {
        ops::expect_rank("conv1d", x, 3)?;
        let d = x.dims();
        let y = self
            .inner
            .forward(g, p, &x.reshape(&[d[0], d[1], d[2], 1])?)?;
        let e = y.dims().to_vec();
        y.reshape(&e[..3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testutil::{check_layer, rng};

    #[test]
    fn conv2d_layer_gradients_match_finite_differences() {
        let mut store = ParamStore::new();
        let c = Conv2d::new(
            &mut store,
            "c",
            2,
            3,
            Conv2dSpec::same(3, 3),
            true,
            &mut rng(),
        )
        .unwrap();
        check_layer(&mut store, &[2, 2, 5, 4], true, |g, p, x| {
            c.forward(g, p, x)
        });
    }

    #[test]
    fn conv1d_layer_gradients_match_finite_differences_and_keep_length() {
        let mut store = ParamStore::new();
        let c = Conv1d::new(&mut store, "c", 3, 2, 5, &mut rng()).unwrap();
        check_layer(&mut store, &[2, 3, 7], true, |g, p, x| {
            let y = c.forward(g, p, x)?;
            assert_eq!(y.dims(), &[2, 2, 7]);
            Ok(y)
        });
    }
}
