//! Custom ops: each computes its forward pass on the values of its input [`Var`]s (in
//! parallel where the work is large) and records one backward closure on the graph's dfdx
//! tape that *adds* into its inputs' gradients. Every op has a finite-difference gradient
//! test in `f64` in its module.
//!
//! Parallel loops split work into a fixed number of chunks that does not depend on the
//! number of threads, and reduce partial sums in chunk order, so results are bit-identical
//! whatever the thread count (a requirement for seeded, reproducible training).

pub mod attention;
pub mod conv;
pub mod elementwise;
pub mod embedding;
pub mod kernels;
pub mod linear;
pub mod loss;
pub mod lstm;
pub mod lstm_cell;
pub mod norm;
pub mod pool;
pub mod shape;

pub use attention::{attention_pool, mean_pool_time};
pub use conv::{conv2d, Conv2dSpec};
pub use elementwise::{add, dropout, relu, scale_sum, sigmoid, sum_all, tanh};
pub use embedding::{embedding, max_pool_time};
pub use linear::linear;
pub use loss::{ccc, ccc_loss, cross_entropy, softmax_rows};
pub use lstm::{lstm, LstmWeights};
pub use norm::{batch_norm, BatchNormMode, BatchStats};
pub use pool::{pool2d, PoolKind};
pub use shape::{concat_last, swap_axes12};

use crate::error::{NnError, Result};
use crate::graph::Var;
use crate::Float;

/// Number of chunks a batch-parallel loop is split into (fixed, for determinism).
pub(crate) const CHUNKS: usize = 16;

/// Split `0..n` into at most [`CHUNKS`] contiguous ranges.
pub(crate) fn chunks(n: usize) -> Vec<std::ops::Range<usize>> {
    let k = CHUNKS.min(n.max(1));
    let base = n / k;
    let extra = n % k;
    let mut out = Vec::with_capacity(k);
    let mut start = 0;
    for i in 0..k {
        let len = base + usize::from(i < extra);
        out.push(start..start + len);
        start += len;
    }
    out
}

/// Elementwise work below this many values runs on one thread.
pub(crate) const PAR_MIN: usize = 1 << 15;

/// Fail unless `x` has `rank` dimensions.
pub fn expect_rank<E: Float>(op: &'static str, x: &Var<E>, rank: usize) -> Result<()> {
    if x.dims().len() != rank {
        return Err(NnError::shape(
            op,
            format!(
                "expected a rank-{rank} input, got dimensions {:?}",
                x.dims()
            ),
        ));
    }
    Ok(())
}

/// Add `src` into `dst` elementwise.
pub(crate) fn add_into<E: Float>(dst: &mut [E], src: &[E]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d += *s;
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::gradcheck::{check, values, Tolerance};
    use crate::graph::{Graph, Var};
    use crate::params::ParamStore;

    /// Gradient-check a parameter-free op on random inputs of the given dimensions.
    pub fn check_op<F>(dims: &[&[usize]], training: bool, f: F)
    where
        F: Fn(&Graph<f64>, &[Var<f64>]) -> crate::Result<Var<f64>>,
    {
        let inputs: Vec<(Vec<f64>, Vec<usize>)> = dims
            .iter()
            .enumerate()
            .map(|(k, d)| (values(d.iter().product(), 11 + k as u64), d.to_vec()))
            .collect();
        let mut store = ParamStore::new();
        let r = check(
            &mut store,
            &inputs,
            training,
            Tolerance::default(),
            |g, _, xs| f(g, xs),
        )
        .unwrap_or_else(|e| panic!("gradient check failed: {e}"));
        assert!(r.checked > 0 && r.max_grad > 1e-3, "{r:?}");
    }
}
