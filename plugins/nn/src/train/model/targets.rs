//! Per-utterance training targets of a batch (emotion, V/A/D, gender, intensity), their
//! mixup blend, the class weights and the multi-task loss built from them: what a batch is
//! trained towards, apart from the loop that trains it.

use crate::error::Result;
use crate::graph::Graph;
use crate::ops::{self};
use crate::train::heads::Heads;
use crate::train::params::ClassWeight;
use serlab_api::{Gender, Intensity, LabeledSet};

/// Per-utterance targets of a batch.
#[derive(Clone)]
pub(super) struct Targets {
    k: usize,
    q: Vec<f32>,
    w: Vec<f32>,
    vad: Vec<f32>,
    vad_mask: Vec<bool>,
    gq: Vec<f32>,
    gw: Vec<f32>,
    iq: Vec<f32>,
    iw: Vec<f32>,
}

impl Targets {
    pub(super) fn of(set: &LabeledSet<'_>, idx: &[usize], k: usize, cw: &[f32]) -> Targets {
        let b = idx.len();
        let mut t = Targets {
            k,
            q: vec![0.0; b * k],
            w: vec![0.0; b],
            vad: vec![0.0; b * 3],
            vad_mask: vec![false; b],
            gq: vec![0.0; b * 2],
            gw: vec![0.0; b],
            iq: vec![0.0; b * 2],
            iw: vec![0.0; b],
        };
        for (r, &i) in idx.iter().enumerate() {
            let y = set.labels[i];
            t.q[r * k + y] = 1.0;
            t.w[r] = cw[y];
            if let Some(v) = set.vad.get(i).copied().flatten() {
                t.vad[r * 3..r * 3 + 3].copy_from_slice(&v);
                t.vad_mask[r] = true;
            }
            let aux = set.aux_of(i);
            if let Some(gd) = aux.gender {
                t.gq[r * 2 + usize::from(gd == Gender::Male)] = 1.0;
                t.gw[r] = 1.0;
            }
            if let Some(it) = aux.intensity {
                t.iq[r * 2 + usize::from(it == Intensity::Strong)] = 1.0;
                t.iw[r] = 1.0;
            }
        }
        t
    }

    /// Mixup targets: `lam * self[i] + (1 - lam) * self[perm[i]]`; an auxiliary label
    /// counts only where both utterances have it.
    pub(super) fn mixed(&self, perm: &[usize], lam: f32) -> Targets {
        let mix = |v: &[f32], w: usize| -> Vec<f32> {
            let mut out = vec![0.0; v.len()];
            for (i, &j) in perm.iter().enumerate() {
                for c in 0..w {
                    out[i * w + c] = lam * v[i * w + c] + (1.0 - lam) * v[j * w + c];
                }
            }
            out
        };
        let both = |w: &[f32]| -> Vec<f32> {
            perm.iter()
                .enumerate()
                .map(|(i, &j)| if w[i] > 0.0 && w[j] > 0.0 { 1.0 } else { 0.0 })
                .collect()
        };
        Targets {
            k: self.k,
            q: mix(&self.q, self.k),
            w: mix(&self.w, 1),
            vad: mix(&self.vad, 3),
            vad_mask: perm
                .iter()
                .enumerate()
                .map(|(i, &j)| self.vad_mask[i] && self.vad_mask[j])
                .collect(),
            gq: mix(&self.gq, 2),
            gw: both(&self.gw),
            iq: mix(&self.iq, 2),
            iw: both(&self.iw),
        }
    }
}

/// Class weights `n / (k * n_c)` (`balanced`) or ones.
pub fn class_weights(labels: &[usize], k: usize, mode: ClassWeight) -> Vec<f32> {
    let mut counts = vec![0usize; k];
    for &y in labels {
        counts[y] += 1;
    }
    counts
        .iter()
        .map(|&c| match mode {
            ClassWeight::None => 1.0,
            ClassWeight::Balanced if c == 0 => 0.0,
            ClassWeight::Balanced => labels.len() as f32 / (k * c) as f32,
        })
        .collect()
}

pub(super) fn total_loss(
    g: &Graph<f32>,
    h: &Heads,
    t: &Targets,
    p: &crate::train::TrainParams,
) -> Result<crate::Var<f32>> {
    let ce = ops::cross_entropy(g, &h.logits, &t.q, &t.w)?;
    let mut terms = vec![(ce, 1.0)];
    if let Some(v) = &h.vad {
        terms.push((ops::ccc_loss(g, v, &t.vad, &t.vad_mask)?, p.vad_weight));
    }
    if let Some(v) = &h.gender {
        terms.push((ops::cross_entropy(g, v, &t.gq, &t.gw)?, p.gender_weight));
    }
    if let Some(v) = &h.intensity {
        terms.push((ops::cross_entropy(g, v, &t.iq, &t.iw)?, p.intensity_weight));
    }
    if terms.len() == 1 {
        return Ok(terms.pop().expect("one term").0);
    }
    let refs: Vec<(&crate::Var<f32>, f64)> = terms.iter().map(|(v, w)| (v, *w)).collect();
    ops::scale_sum(g, &refs)
}
