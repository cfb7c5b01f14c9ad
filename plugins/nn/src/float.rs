//! The element types the layers run in: `f32` for training, `f64` for finite-difference
//! gradient checks (central differences in `f32` are too noisy to catch small errors).

use std::fmt::{Debug, Display};

/// A floating-point element type of tensors: `f32` or `f64`.
pub trait Float:
    dfdx::dtypes::Dtype + num_traits::Float + std::iter::Sum + Display + Debug + 'static
{
    /// Convert from `f64` (rounding for `f32`).
    fn of(x: f64) -> Self;
    /// Widen to `f64`.
    fn f(self) -> f64;
}

impl Float for f32 {
    fn of(x: f64) -> Self {
        x as f32
    }
    fn f(self) -> f64 {
        f64::from(self)
    }
}

impl Float for f64 {
    fn of(x: f64) -> Self {
        x
    }
    fn f(self) -> f64 {
        self
    }
}

/// The logistic function, stable for large |x|.
#[inline]
pub fn sigmoid<E: Float>(x: E) -> E {
    if x >= E::zero() {
        E::one() / (E::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (E::one() + e)
    }
}
