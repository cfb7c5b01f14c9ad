//! Matrix products for the custom ops, through the `gemm` crate (the same kernel crate
//! dfdx's CPU matmul uses, called directly so an op can use any strides, accumulate into
//! its output and choose between a multithreaded product and a single-threaded one that
//! runs inside a rayon loop over the batch).

use crate::Float;

/// A strided view of a matrix: element `(i, j)` is `data[i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub struct View<'a, E> {
    /// The values.
    pub data: &'a [E],
    /// Row stride.
    pub rs: usize,
    /// Column stride.
    pub cs: usize,
}

impl<'a, E> View<'a, E> {
    /// A row-major `rows x cols` matrix.
    pub fn rows(data: &'a [E], cols: usize) -> Self {
        View {
            data,
            rs: cols,
            cs: 1,
        }
    }

    /// The transpose of a row-major `rows x cols` matrix (a `cols x rows` view).
    pub fn t(data: &'a [E], cols: usize) -> Self {
        View {
            data,
            rs: 1,
            cs: cols,
        }
    }
}

fn fits(len: usize, r: usize, c: usize, rs: usize, cs: usize) -> bool {
    r == 0 || c == 0 || (r - 1) * rs + (c - 1) * cs < len
}

/// `c (m x n, row-major with row stride ldc) = [c +] a (m x k) · b (k x n)`.
///
/// `parallel` lets gemm use the current rayon pool; pass `false` inside a parallel loop.
/// Panics when a view is too short for its shape (a bug in the calling op).
#[allow(clippy::too_many_arguments)]
pub fn matmul<E: Float>(
    m: usize,
    n: usize,
    k: usize,
    a: View<'_, E>,
    b: View<'_, E>,
    c: &mut [E],
    ldc: usize,
    accumulate: bool,
    parallel: bool,
) {
    assert!(fits(a.data.len(), m, k, a.rs, a.cs), "gemm: lhs too short");
    assert!(fits(b.data.len(), k, n, b.rs, b.cs), "gemm: rhs too short");
    assert!(fits(c.len(), m, n, ldc, 1), "gemm: dst too short");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                c[i * ldc..i * ldc + n].fill(E::zero());
            }
        }
        return;
    }
    let par = if parallel {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: every index the kernel touches, (i, j) with i < rows and j < cols of each
    // operand, lies inside its slice (checked above); `c` is borrowed mutably and does not
    // alias `a` or `b`, which are shared borrows.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            ldc as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            E::one(),
            E::one(),
            false,
            false,
            false,
            par,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(m: usize, n: usize, k: usize, a: View<f64>, b: View<f64>) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                for l in 0..k {
                    c[i * n + j] += a.data[i * a.rs + l * a.cs] * b.data[l * b.rs + j * b.cs];
                }
            }
        }
        c
    }

    #[test]
    fn matches_the_naive_product_for_every_transpose_and_accumulates() {
        let (m, n, k) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..k * n).map(|i| (i as f64 * 0.91).cos()).collect();
        for (av, bv) in [
            (View::rows(&a, k), View::rows(&b, n)),
            (View::t(&a, m), View::rows(&b, n)),
            (View::rows(&a, k), View::t(&b, k)),
            (View::t(&a, m), View::t(&b, k)),
        ] {
            let want = naive(m, n, k, av, bv);
            for par in [false, true] {
                let mut c = vec![1.0; m * n];
                matmul(m, n, k, av, bv, &mut c, n, true, par);
                for (x, w) in c.iter().zip(&want) {
                    assert!((x - 1.0 - w).abs() < 1e-12);
                }
                matmul(m, n, k, av, bv, &mut c, n, false, par);
                for (x, w) in c.iter().zip(&want) {
                    assert!((x - w).abs() < 1e-12);
                }
            }
        }
    }
}
