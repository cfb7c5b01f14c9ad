//! Linear prediction: Burg's method for the predictor and the Aberth–Ehrlich iteration
//! for the roots of its polynomial.
//!
//! Both are written here because they are small and on the hot path: formant tracking
//! needs the complex roots of one degree-`p` (`p` about 18) polynomial per voiced frame.
//! A general eigenvalue solver (the companion matrix through `nalgebra`'s Schur
//! decomposition) would bring a large dependency for this one use and costs an
//! `O(p^3)` decomposition per frame; Aberth's method warm-started from the previous
//! frame's roots converges in a few `O(p^2)` sweeps, and restarts from a circle when it
//! does not.

use realfft::num_complex::Complex;

type C64 = Complex<f64>;

/// Burg's method (Collomb's formulation): fills `a` (`order + 1` long) with the
/// prediction-error filter `1 + a1 z^-1 + ... + ap z^-p` of `x`; `f` and `b` are scratch.
/// Returns the final prediction-error power per sample (0 for a silent frame, whose
/// filter is left at `[1, 0, ...]`).
pub fn burg(x: &[f64], a: &mut [f64], f: &mut Vec<f64>, b: &mut Vec<f64>) -> f64 {
    let order = a.len() - 1;
    let n = x.len();
    a.iter_mut().for_each(|v| *v = 0.0);
    a[0] = 1.0;
    if n <= order + 1 {
        return 0.0;
    }
    f.clear();
    f.extend_from_slice(x);
    b.clear();
    b.extend_from_slice(x);
    let mut dk: f64 =
        x.iter().map(|v| 2.0 * v * v).sum::<f64>() - x[0] * x[0] - x[n - 1] * x[n - 1];
    let energy = x.iter().map(|v| v * v).sum::<f64>();
    if dk.is_nan() || dk <= 1e-20 * (1.0 + energy) {
        return 0.0;
    }
    for k in 0..order {
        let mut mu = 0.0;
        for i in 0..n - k - 1 {
            mu += f[i + k + 1] * b[i];
        }
        mu *= -2.0 / dk;
        if !mu.is_finite() {
            break;
        }
        for i in 0..=k.div_ceil(2) {
            let (t1, t2) = (a[i] + mu * a[k + 1 - i], a[k + 1 - i] + mu * a[i]);
            a[i] = t1;
            a[k + 1 - i] = t2;
        }
        for i in 0..n - k - 1 {
            let (t1, t2) = (f[i + k + 1] + mu * b[i], b[i] + mu * f[i + k + 1]);
            f[i + k + 1] = t1;
            b[i] = t2;
        }
        dk = (1.0 - mu * mu) * dk - f[k + 1] * f[k + 1] - b[n - k - 2] * b[n - k - 2];
        if dk.is_nan() || dk <= 1e-20 * (1.0 + energy) {
            break;
        }
    }
    // Mean squared prediction error of the final filter.
    let mut err = 0.0;
    for t in order..n {
        let e: f64 = (0..=order).map(|i| a[i] * x[t - i]).sum();
        err += e * e;
    }
    err / (n - order) as f64
}

/// `p(z)` and `p'(z)` for the monic polynomial `z^n + c[1] z^(n-1) + ... + c[n]`
/// (`c[0]` is taken as 1).
fn eval(c: &[f64], z: C64) -> (C64, C64) {
    let mut p = C64::new(1.0, 0.0);
    let mut dp = C64::new(0.0, 0.0);
    for &ci in &c[1..] {
        dp = dp * z + p;
        p = p * z + ci;
    }
    (p, dp)
}

/// Refine `roots` (as many as the degree of the monic polynomial `c`) in place by
/// Aberth–Ehrlich sweeps; true when every correction fell under the tolerance.
fn aberth(c: &[f64], roots: &mut [C64], max_iter: usize) -> bool {
    let n = roots.len();
    for _ in 0..max_iter {
        let mut worst = 0.0f64;
        for k in 0..n {
            let z = roots[k];
            let (p, dp) = eval(c, z);
            if p.norm_sqr() == 0.0 {
                continue;
            }
            let ratio = p / dp;
            let mut sum = C64::new(0.0, 0.0);
            for (j, r) in roots.iter().enumerate() {
                if j != k {
                    sum += (z - r).inv();
                }
            }
            let w = ratio / (C64::new(1.0, 0.0) - ratio * sum);
            if !(w.re.is_finite() && w.im.is_finite()) {
                return false;
            }
            roots[k] = z - w;
            // Squared relative step (no square roots on the hot path).
            worst = worst.max(w.norm_sqr() / (1.0 + z.norm_sqr()));
        }
        if worst < 1e-22 {
            return true;
        }
    }
    false
}

/// Roots of `1 + a1 z^-1 + ... + ap z^-p` (i.e. of `z^p + a1 z^(p-1) + ... + ap`) into
/// `roots` (`p` long). `roots` holds a starting guess when `warm` (the previous frame's
/// roots); otherwise, or when that does not converge, the iteration starts from a circle.
/// Returns false when no start converged (the roots are then unreliable).
pub fn poly_roots(a: &[f64], roots: &mut Vec<C64>, warm: bool) -> bool {
    let p = a.len() - 1;
    if roots.len() != p {
        roots.clear();
        roots.resize(p, C64::new(0.0, 0.0));
    }
    if p == 0 {
        return true;
    }
    if warm && roots.iter().all(|r| r.re.is_finite() && r.im.is_finite()) && aberth(a, roots, 30) {
        return true;
    }
    // Cold start: a circle a little inside the unit circle, rotated off the real axis.
    let radius = a[p].abs().powf(1.0 / p as f64).clamp(0.5, 1.0);
    for (k, r) in roots.iter_mut().enumerate() {
        let angle = 2.0 * std::f64::consts::PI * k as f64 / p as f64 + 0.4;
        *r = C64::from_polar(radius, angle);
    }
    aberth(a, roots, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_of_a_known_polynomial() {
        // (z - 0.5)(z + 0.25)(z^2 - 2 r cos(t) z + r^2) with r = 0.9, t = 1.
        let (r, t) = (0.9f64, 1.0f64);
        let q = [1.0, -2.0 * r * t.cos(), r * r];
        let lin = [1.0, -0.25, -0.125]; // (z - 0.5)(z + 0.25) = z^2 - 0.25 z - 0.125
        let mut c = [0.0; 5];
        for i in 0..3 {
            for j in 0..3 {
                c[i + j] += lin[i] * q[j];
            }
        }
        let mut roots = vec![];
        assert!(poly_roots(&c, &mut roots, false));
        let mut want = [
            C64::new(0.5, 0.0),
            C64::new(-0.25, 0.0),
            C64::from_polar(r, t),
            C64::from_polar(r, -t),
        ];
        for w in &mut want {
            let best = roots
                .iter()
                .map(|z| (z - *w).norm())
                .fold(f64::MAX, f64::min);
            assert!(best < 1e-9, "{w} not in {roots:?}");
            *w = C64::new(0.0, 0.0);
        }
        // Warm start from the answer converges at once.
        assert!(poly_roots(&c, &mut roots, true));
    }

    #[test]
    fn burg_recovers_an_ar2_process() {
        // x[n] = 1.6 x[n-1] - 0.9 x[n-2] + e[n]: the filter is [1, -1.6, 0.9].
        let mut s = 1u64;
        let mut noise = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let mut x = vec![0.0f64; 4000];
        for n in 2..x.len() {
            x[n] = 1.6 * x[n - 1] - 0.9 * x[n - 2] + noise();
        }
        let mut a = [0.0; 3];
        let (mut f, mut b) = (vec![], vec![]);
        let err = burg(&x, &mut a, &mut f, &mut b);
        assert!(
            (a[1] + 1.6).abs() < 0.02 && (a[2] - 0.9).abs() < 0.02,
            "{a:?}"
        );
        // Uniform noise on [-0.5, 0.5] has variance 1/12.
        assert!((err - 1.0 / 12.0).abs() < 0.01, "{err}");
        // Silence leaves the trivial filter.
        assert_eq!(burg(&[0.0; 100], &mut a, &mut f, &mut b), 0.0);
        assert_eq!(a, [1.0, 0.0, 0.0]);
    }
}
