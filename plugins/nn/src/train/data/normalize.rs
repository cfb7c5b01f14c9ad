//! Standardisation of the inputs: per-dimension statistics fitted on the training
//! utterances (globally or per speaker) and applied to any set, so the network sees
//! zero-mean, unit-variance features whatever the feature scale.

use crate::train::data::Sample;
use crate::train::params::Normalize;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Per-dimension mean and reciprocal standard deviation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Mean per dimension.
    pub mean: Vec<f32>,
    /// `1 / max(std, 1e-5)` per dimension.
    pub inv_std: Vec<f32>,
}

impl Stats {
    /// Statistics over every frame of `samples`.
    pub fn of<'a>(samples: impl Iterator<Item = &'a Sample>, dim: usize) -> Stats {
        let (mut s, mut s2, mut n) = (vec![0f64; dim], vec![0f64; dim], 0f64);
        for x in samples {
            for row in x.data.chunks_exact(dim) {
                for (j, v) in row.iter().enumerate() {
                    s[j] += f64::from(*v);
                    s2[j] += f64::from(*v) * f64::from(*v);
                }
                n += 1.0;
            }
        }
        let n = n.max(1.0);
        let mean: Vec<f64> = s.iter().map(|v| v / n).collect();
        Stats {
            mean: mean.iter().map(|m| *m as f32).collect(),
            inv_std: s2
                .iter()
                .zip(&mean)
                .map(|(q, m)| (1.0 / (q / n - m * m).max(0.0).sqrt().max(1e-5)) as f32)
                .collect(),
        }
    }

    /// The identity standardisation.
    pub fn identity(dim: usize) -> Stats {
        Stats {
            mean: vec![0.0; dim],
            inv_std: vec![1.0; dim],
        }
    }

    /// Standardise `x` in place.
    pub fn apply(&self, x: &mut Sample) {
        for row in x.data.chunks_exact_mut(x.dim) {
            for ((v, m), k) in row.iter_mut().zip(&self.mean).zip(&self.inv_std) {
                *v = (*v - m) * k;
            }
        }
    }
}

/// The fitted standardisation of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    /// How inputs are standardised.
    pub mode: Normalize,
    /// Training-set statistics (used by `global`).
    pub global: Stats,
}

impl Normalizer {
    /// Fit on the training samples.
    pub fn fit(mode: Normalize, train: &[Sample]) -> Normalizer {
        let dim = train.first().map_or(0, |s| s.dim);
        Normalizer {
            mode,
            global: Stats::of(train.iter(), dim),
        }
    }

    /// The statistics for each sample: one entry per distinct group and the group of each
    /// sample. In `speaker` mode a group is a speaker (all inputs form one group when the
    /// speakers are unknown); otherwise there is one group.
    pub fn groups(
        &self,
        samples: &[Sample],
        speakers: Option<&[&str]>,
    ) -> (Vec<Stats>, Vec<usize>) {
        let dim = self.global.mean.len();
        match self.mode {
            Normalize::Global => (vec![self.global.clone()], vec![0; samples.len()]),
            Normalize::None => (vec![Stats::identity(dim)], vec![0; samples.len()]),
            Normalize::Speaker => {
                let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
                let group: Vec<usize> = (0..samples.len())
                    .map(|i| {
                        let s = speakers.and_then(|s| s.get(i)).copied().unwrap_or("");
                        let n = ids.len();
                        *ids.entry(s).or_insert(n)
                    })
                    .collect();
                let stats = (0..ids.len())
                    .map(|k| {
                        Stats::of(
                            samples
                                .iter()
                                .zip(&group)
                                .filter(|(_, g)| **g == k)
                                .map(|(s, _)| s),
                            dim,
                        )
                    })
                    .collect();
                (stats, group)
            }
        }
    }

    /// Standardised copies of `samples`.
    pub fn normalise(&self, samples: &[Sample], speakers: Option<&[&str]>) -> Vec<Sample> {
        let (stats, group) = self.groups(samples, speakers);
        samples
            .iter()
            .zip(&group)
            .map(|(s, g)| {
                let mut c = s.clone();
                stats[*g].apply(&mut c);
                c
            })
            .collect()
    }
}
