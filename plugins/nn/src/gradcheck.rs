//! Finite-difference gradient checks, used by the tests of every op and layer here and in
//! the model plugins.
//!
//! The network output is reduced to a scalar with fixed pseudo-random weights (so every
//! output element gets a different upstream gradient), the analytic gradient of each
//! input and each trainable parameter comes from one backward pass, and every element is
//! compared with a central difference `(L(x + h) - L(x - h)) / 2h` in `f64`.

use crate::error::Result;
use crate::graph::{Graph, Var};
use crate::params::ParamStore;

/// Tolerances of a check.
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    /// Finite-difference step.
    pub step: f64,
    /// Absolute tolerance.
    pub abs: f64,
    /// Relative tolerance (of the larger magnitude of the two gradients).
    pub rel: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            step: 1e-6,
            abs: 1e-6,
            rel: 1e-5,
        }
    }
}

/// What a check compared.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Gradient elements compared.
    pub checked: usize,
    /// Largest absolute difference seen.
    pub max_abs_diff: f64,
    /// Largest gradient magnitude seen (a check of all-zero gradients is no check).
    pub max_grad: f64,
}

fn weight(i: usize) -> f64 {
    ((i as f64) * 1.618_034 + 0.3).sin() + 0.1
}

/// `sum_i out_i * w_i` with fixed weights, as a scalar var.
pub fn project(g: &Graph<f64>, out: &Var<f64>) -> Result<Var<f64>> {
    let v: f64 = out
        .values()
        .iter()
        .enumerate()
        .map(|(i, x)| x * weight(i))
        .sum();
    let (y, node) = g.output(vec![v], &[1], &[out])?;
    if let (Some(yn), Some(on)) = (node, out.node().cloned()) {
        let n = out.len();
        g.push(move |gr| {
            let gy = crate::graph::take_grad(gr, &yn)?[0];
            let go = crate::graph::grad_of(gr, &on)?;
            for (i, x) in go.iter_mut().enumerate().take(n) {
                *x += gy * weight(i);
            }
            Ok(())
        });
    }
    Ok(y)
}

/// Check the gradients of `f` with respect to each of `inputs` and each trainable
/// parameter in `store`. `training` selects the graph mode (batch statistics, dropout);
/// `f` must be deterministic (seed any randomness inside it).
pub fn check<F>(
    store: &mut ParamStore<f64>,
    inputs: &[(Vec<f64>, Vec<usize>)],
    training: bool,
    tol: Tolerance,
    f: F,
) -> std::result::Result<Report, String>
where
    F: Fn(&Graph<f64>, &ParamStore<f64>, &[Var<f64>]) -> Result<Var<f64>>,
{
    let eval = |store: &ParamStore<f64>, xs: &[(Vec<f64>, Vec<usize>)]| -> Result<f64> {
        let g = Graph::make(false, training);
        let vars: Vec<Var<f64>> = xs
            .iter()
            .map(|(v, d)| g.constant(v.clone(), d))
            .collect::<Result<_>>()?;
        let out = f(&g, store, &vars)?;
        Ok(out
            .values()
            .iter()
            .enumerate()
            .map(|(i, x)| x * weight(i))
            .sum())
    };
    let g = Graph::make(true, training);
    let vars: Vec<Var<f64>> = inputs
        .iter()
        .map(|(v, d)| g.leaf(v.clone(), d))
        .collect::<Result<_>>()
        .map_err(|e| e.to_string())?;
    let out = f(&g, store, &vars).map_err(|e| e.to_string())?;
    let loss = project(&g, &out).map_err(|e| e.to_string())?;
    let mut grads = g.backward(&loss).map_err(|e| e.to_string())?;

    let mut report = Report::default();
    let mut compare = |what: &str, i: usize, a: f64, n: f64| -> std::result::Result<(), String> {
        let d = (a - n).abs();
        report.checked += 1;
        report.max_abs_diff = report.max_abs_diff.max(d);
        report.max_grad = report.max_grad.max(a.abs()).max(n.abs());
        if d > tol.abs + tol.rel * a.abs().max(n.abs()) {
            return Err(format!(
                "{what}[{i}]: analytic {a:.9e}, numeric {n:.9e} (diff {d:.3e})"
            ));
        }
        Ok(())
    };

    let mut xs: Vec<(Vec<f64>, Vec<usize>)> = inputs.to_vec();
    for (k, v) in vars.iter().enumerate() {
        let analytic: Vec<f64> = grads
            .of(v)
            .map(|s| s.to_vec())
            .unwrap_or_else(|| vec![0.0; v.len()]);
        for (i, &a) in analytic.iter().enumerate() {
            let x0 = xs[k].0[i];
            xs[k].0[i] = x0 + tol.step;
            let lp = eval(store, &xs).map_err(|e| e.to_string())?;
            xs[k].0[i] = x0 - tol.step;
            let lm = eval(store, &xs).map_err(|e| e.to_string())?;
            xs[k].0[i] = x0;
            compare(&format!("input {k}"), i, a, (lp - lm) / (2.0 * tol.step))?;
        }
    }
    let ids: Vec<_> = store.ids().filter(|&id| store.trainable(id)).collect();
    for id in ids {
        let analytic: Vec<f64> = store
            .grad(&mut grads, id)
            .map(|s| s.to_vec())
            .unwrap_or_else(|| vec![0.0; store.values(id).len()]);
        let mut p = store.values(id).to_vec();
        let name = store.name(id).to_string();
        for i in 0..p.len() {
            let x0 = p[i];
            p[i] = x0 + tol.step;
            store.set(id, &p).map_err(|e| e.to_string())?;
            let lp = eval(store, inputs).map_err(|e| e.to_string())?;
            p[i] = x0 - tol.step;
            store.set(id, &p).map_err(|e| e.to_string())?;
            let lm = eval(store, inputs).map_err(|e| e.to_string())?;
            p[i] = x0;
            store.set(id, &p).map_err(|e| e.to_string())?;
            compare(&name, i, analytic[i], (lp - lm) / (2.0 * tol.step))?;
        }
    }
    Ok(report)
}

/// Deterministic test values in roughly `[-1, 1]`, distinct enough to avoid ties in max
/// pooling and kinks of ReLU.
pub fn values(n: usize, seed: u64) -> Vec<f64> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}
