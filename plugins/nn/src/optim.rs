//! Optimisation: Adam / AdamW, learning-rate schedules and gradient-norm clipping.
//!
//! dfdx's `Adam` updates modules through its `TensorCollection` visitor, which the
//! runtime-sized layers here do not implement; the update rule itself is a few lines, so
//! it is written out over the [`ParamStore`] (PyTorch's `torch.optim.Adam` / `AdamW`
//! formulas, bias-corrected; a parameter that took no part in a step is not touched, as
//! in PyTorch when its `.grad` is `None`). Weight decay applies to parameters registered
//! with `decay = true` (weights, not biases or normalisation scales).

use crate::error::{NnError, Result};
use crate::graph::Grads;
use crate::params::ParamStore;
use crate::Float;
use serde::{Deserialize, Serialize};

/// How weight decay enters the update.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam with L2 regularisation (`g += wd * p`), as `torch.optim.Adam(weight_decay=)`.
    Adam,
    /// AdamW, decoupled decay (`p -= lr * wd * p`), as `torch.optim.AdamW`.
    AdamW,
}

/// Adam / AdamW state.
pub struct Adam<E: Float> {
    kind: OptimizerKind,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    m: Vec<Vec<E>>,
    v: Vec<Vec<E>>,
    t: Vec<u64>,
}

impl<E: Float> Adam<E> {
    /// A fresh optimiser for the tensors of `store`.
    pub fn new(
        store: &ParamStore<E>,
        kind: OptimizerKind,
        betas: (f64, f64),
        eps: f64,
        weight_decay: f64,
    ) -> Self {
        let n = store.len();
        Adam {
            kind,
            beta1: betas.0,
            beta2: betas.1,
            eps,
            weight_decay,
            m: store
                .ids()
                .map(|i| vec![E::zero(); store.values(i).len()])
                .collect(),
            v: store
                .ids()
                .map(|i| vec![E::zero(); store.values(i).len()])
                .collect(),
            t: vec![0; n],
        }
    }

    /// One update of every parameter that has a gradient in `grads`, at learning rate `lr`.
    pub fn step(&mut self, store: &mut ParamStore<E>, grads: &mut Grads<E>, lr: f64) -> Result<()> {
        let ids: Vec<_> = store.ids().collect();
        for id in ids {
            let Some(gr) = store.grad(grads, id) else {
                continue;
            };
            let gr = gr.to_vec();
            let k = id.0;
            self.t[k] += 1;
            let t = self.t[k] as i32;
            let (b1, b2) = (E::of(self.beta1), E::of(self.beta2));
            let bc1 = 1.0 - self.beta1.powi(t);
            let bc2 = 1.0 - self.beta2.powi(t);
            let step = E::of(lr / bc1);
            let bc2s = E::of(bc2.sqrt());
            let eps = E::of(self.eps);
            let decay = store.decays(id) && self.weight_decay > 0.0;
            let wd = E::of(self.weight_decay);
            let mut p = store.values(id).to_vec();
            let (m, v) = (&mut self.m[k], &mut self.v[k]);
            for i in 0..p.len() {
                let mut g = gr[i];
                match self.kind {
                    OptimizerKind::Adam if decay => g += wd * p[i],
                    OptimizerKind::AdamW if decay => {
                        let shrink = E::of(lr) * wd * p[i];
                        p[i] -= shrink;
                    }
                    _ => {}
                }
                m[i] = b1 * m[i] + (E::one() - b1) * g;
                v[i] = b2 * v[i] + (E::one() - b2) * g * g;
                p[i] -= step * m[i] / (v[i].sqrt() / bc2s + eps);
            }
            store.set(id, &p)?;
        }
        Ok(())
    }
}

/// Scale all gradients so their joint L2 norm is at most `max_norm` (PyTorch's
/// `clip_grad_norm_`: factor `max_norm / (norm + 1e-6)` when the norm exceeds it).
/// Returns the norm before clipping; fails when it is not finite.
pub fn clip_grad_norm<E: Float>(
    store: &ParamStore<E>,
    grads: &mut Grads<E>,
    max_norm: f64,
) -> Result<f64> {
    let ids: Vec<_> = store.ids().collect();
    let mut sq = 0.0;
    for &id in &ids {
        if let Some(g) = store.grad(grads, id) {
            sq += g.iter().map(|v| v.f() * v.f()).sum::<f64>();
        }
    }
    let norm = sq.sqrt();
    if !norm.is_finite() {
        return Err(NnError::NonFinite(format!("gradient norm is {norm}")));
    }
    if max_norm > 0.0 && norm > max_norm {
        let f = E::of(max_norm / (norm + 1e-6));
        for &id in &ids {
            if let Some(g) = store.grad(grads, id) {
                g.iter_mut().for_each(|v| *v *= f);
            }
        }
    }
    Ok(norm)
}

/// A learning-rate schedule over epochs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleKind {
    /// The base rate throughout.
    Constant,
    /// Cosine decay from the base rate to `min_lr` over the epochs.
    Cosine,
    /// Multiply by `factor` whenever the validation metric has not improved for
    /// `plateau_patience` epochs (PyTorch's `ReduceLROnPlateau`).
    Plateau,
}

/// Learning rate per epoch: linear warm-up, then the schedule.
#[derive(Clone, Debug)]
pub struct LrSchedule {
    kind: ScheduleKind,
    base: f64,
    min_lr: f64,
    warmup: usize,
    epochs: usize,
    factor: f64,
    patience: usize,
    plateau_lr: f64,
    best: Option<f64>,
    bad: usize,
}

impl LrSchedule {
    /// A schedule for `epochs` epochs from `base`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: ScheduleKind,
        base: f64,
        min_lr: f64,
        warmup: usize,
        epochs: usize,
        factor: f64,
        patience: usize,
    ) -> Self {
        LrSchedule {
            kind,
            base,
            min_lr,
            warmup,
            epochs,
            factor,
            patience,
            plateau_lr: base,
            best: None,
            bad: 0,
        }
    }

    /// The rate for epoch `epoch` (from 0).
    pub fn lr(&self, epoch: usize) -> f64 {
        if epoch < self.warmup {
            return self.base * (epoch + 1) as f64 / (self.warmup + 1) as f64;
        }
        match self.kind {
            ScheduleKind::Constant => self.base,
            ScheduleKind::Cosine => {
                let span = self.epochs.saturating_sub(self.warmup).max(1) as f64;
                let x = ((epoch - self.warmup) as f64 / span).min(1.0);
                self.min_lr
                    + 0.5 * (self.base - self.min_lr) * (1.0 + (std::f64::consts::PI * x).cos())
            }
            ScheduleKind::Plateau => self.plateau_lr,
        }
    }

    /// Report the epoch's validation score (higher is better) to the plateau schedule.
    pub fn observe(&mut self, score: f64) {
        if self.kind != ScheduleKind::Plateau {
            return;
        }
        match self.best {
            Some(b) if score <= b + 1e-12 => {
                self.bad += 1;
                if self.bad > self.patience {
                    self.plateau_lr = (self.plateau_lr * self.factor).max(self.min_lr);
                    self.bad = 0;
                }
            }
            _ => {
                self.best = Some(score);
                self.bad = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;
    use crate::ops;

    /// Minimise sum(w * x) for one step and compare with the AdamW formula by hand.
    #[test]
    fn adamw_first_steps_follow_the_pytorch_formula() {
        for kind in [OptimizerKind::Adam, OptimizerKind::AdamW] {
            let mut store = ParamStore::<f64>::new();
            let w = store.add("w", &[2], vec![1.0, -2.0], true).unwrap();
            let mut opt = Adam::new(&store, kind, (0.9, 0.999), 1e-8, 0.1);
            let (lr, x) = (0.01, [3.0, 0.5]);
            let (mut p, mut m, mut v) = ([1.0f64, -2.0], [0.0f64; 2], [0.0f64; 2]);
            for t in 1..=3 {
                let g = Graph::train();
                let xv = g.constant(x.to_vec(), &[1, 2]).unwrap();
                let y = ops::linear(&g, &xv, &store.var(&g, w).reshape(&[1, 2]).unwrap(), None)
                    .unwrap();
                let mut grads = g.backward(&y).unwrap();
                opt.step(&mut store, &mut grads, lr).unwrap();
                for i in 0..2 {
                    let mut gi = x[i];
                    if kind == OptimizerKind::Adam {
                        gi += 0.1 * p[i];
                    } else {
                        p[i] -= lr * 0.1 * p[i];
                    }
                    m[i] = 0.9 * m[i] + 0.1 * gi;
                    v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                    let mh = m[i] / (1.0 - 0.9f64.powi(t));
                    let vh = v[i] / (1.0 - 0.999f64.powi(t));
                    p[i] -= lr * mh / (vh.sqrt() + 1e-8);
                }
                for (a, b) in store.values(w).iter().zip(&p) {
                    assert!((a - b).abs() < 1e-12, "{kind:?} step {t}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn unused_parameters_are_not_updated_and_clipping_bounds_the_norm() {
        let mut store = ParamStore::<f64>::new();
        let w = store.add("w", &[2], vec![1.0, 1.0], true).unwrap();
        let unused = store.add("u", &[1], vec![5.0], true).unwrap();
        let mut opt = Adam::new(&store, OptimizerKind::AdamW, (0.9, 0.999), 1e-8, 0.5);
        let g = Graph::train();
        let xv = g.constant(vec![30.0, 40.0], &[1, 2]).unwrap();
        let y = ops::linear(&g, &xv, &store.var(&g, w).reshape(&[1, 2]).unwrap(), None).unwrap();
        let mut grads = g.backward(&y).unwrap();
        let norm = clip_grad_norm(&store, &mut grads, 1.0).unwrap();
        assert!((norm - 50.0).abs() < 1e-9);
        let clipped = store.grad(&mut grads, w).unwrap().to_vec();
        assert!((clipped[0] - 0.6).abs() < 1e-6 && (clipped[1] - 0.8).abs() < 1e-6);
        opt.step(&mut store, &mut grads, 0.1).unwrap();
        assert_eq!(store.values(unused), &[5.0]);
    }

    #[test]
    fn schedules_warm_up_decay_and_reduce_on_plateau() {
        let s = LrSchedule::new(ScheduleKind::Cosine, 1.0, 0.0, 1, 11, 0.5, 1);
        assert!((s.lr(0) - 0.5).abs() < 1e-12);
        assert!((s.lr(1) - 1.0).abs() < 1e-12);
        assert!((s.lr(6) - 0.5).abs() < 1e-12);
        assert!(s.lr(11).abs() < 1e-12);
        let mut p = LrSchedule::new(ScheduleKind::Plateau, 1.0, 0.1, 0, 10, 0.5, 1);
        for score in [0.5, 0.6, 0.6, 0.6] {
            p.observe(score);
        }
        assert!((p.lr(5) - 0.5).abs() < 1e-12);
    }
}
