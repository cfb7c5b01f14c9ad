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
    /// `exp`, branch-free and inlinable so loops over it vectorise: for `f32` a
    /// polynomial (Cephes' `expf`, relative error below 3e-7 on [-87, 88], clamped
    /// outside), for `f64` the exact `exp` (the gradient checks stay exact).
    fn exp_fast(self) -> Self;
}

/// The logistic function through [`Float::exp_fast`] (branch-free).
#[inline(always)]
pub fn sigmoid_fast<E: Float>(x: E) -> E {
    E::one() / (E::one() + (-x).exp_fast())
}

/// `tanh(x) = 2 sigmoid(2x) - 1` through [`Float::exp_fast`] (absolute error below 1e-6
/// in `f32`).
#[inline(always)]
pub fn tanh_fast<E: Float>(x: E) -> E {
    let two = E::one() + E::one();
    two * sigmoid_fast(two * x) - E::one()
}

impl Float for f32 {
    fn of(x: f64) -> Self {
        x as f32
    }
    fn f(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn exp_fast(self) -> Self {
        // exp(x) = 2^n exp(r), n = round(x / ln 2), |r| <= ln 2 / 2 (Cody-Waite split of
        // ln 2), exp(r) by Cephes' degree-7 polynomial, 2^n by building the exponent bits.
        let x = self.clamp(-87.0, 88.0);
        // Round to nearest by adding and subtracting 1.5 * 2^23 (exact for |v| < 2^22):
        // `f32::round` is a libm call on baseline x86-64, which stops vectorisation. The
        // sum's low mantissa bits are then `n` itself, so no float-to-int conversion (a
        // scalar, saturating one in Rust) is needed for the exponent either.
        const SHIFT: f32 = 12_582_912.0;
        let t = x * std::f32::consts::LOG2_E + SHIFT;
        let n = t - SHIFT;
        let ni = (t.to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32);
        let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
        let p = 1.987_569_2e-4_f32;
        let p = p * r + 1.398_199_9e-3;
        let p = p * r + 8.333_452e-3;
        let p = p * r + 4.166_579_6e-2;
        let p = p * r + 1.666_666_5e-1;
        let p = p * r + 0.5;
        let e = p * r * r + r + 1.0;
        e * f32::from_bits(((ni + 127) as u32) << 23)
    }
}

impl Float for f64 {
    fn of(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn exp_fast(self) -> Self {
        self.exp()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_f32_exp_sigmoid_and_tanh_are_accurate() {
        let mut worst = (0.0f64, 0.0f64, 0.0f64);
        for i in -200_000..=200_000 {
            let x = i as f32 * 4.3e-4; // [-86, 86]
            let e = f64::from(x).exp();
            worst.0 = worst.0.max((f64::from(x.exp_fast()) - e).abs() / e);
            let xs = x / 10.0;
            let s = 1.0 / (1.0 + (-f64::from(xs)).exp());
            worst.1 = worst.1.max((f64::from(sigmoid_fast(xs)) - s).abs());
            worst.2 = worst
                .2
                .max((f64::from(tanh_fast(xs)) - f64::from(xs).tanh()).abs());
        }
        assert!(worst.0 < 3e-7, "exp relative error {}", worst.0);
        assert!(worst.1 < 3e-7 && worst.2 < 1e-6, "{worst:?}");
        // Far outside: clamped, finite, the right limits.
        assert!(sigmoid_fast(-200.0f32) < 1e-37 && sigmoid_fast(200.0f32) == 1.0);
        assert_eq!(tanh_fast(50.0f32), 1.0);
        assert_eq!(tanh_fast(-50.0f32), -1.0);
        assert_eq!(0.7f64.exp_fast(), 0.7f64.exp());
    }
}
