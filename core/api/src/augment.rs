//! The `[augmentation]` table: feature-level data augmentation for the training speakers.
//!
//! Augmentation belongs to training, so it is applied by the models that support it, on
//! their training set only (never on validation or test utterances). A model supports it by
//! declaring a parameter `augmentation` of this type; the experiment's `[augmentation]`
//! table is then handed to it (see `config::Experiment::bind_plugins`), unless the model's
//! own table sets `augmentation` itself. Models that do not declare it never see it, and an
//! experiment whose `[augmentation]` no model would consume is refused, so a setting is
//! never silently ignored.
//!
//! What is offered works on any [`Features`], after extraction (audio-level perturbations
//! would have to be re-extracted per copy and cached per fold, which the feature cache does
//! not do): SpecAugment-style time and frequency masks (Park et al., 2019) and additive
//! Gaussian noise, on `copies` extra copies of each training utterance.

use crate::Features;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Parameters of feature augmentation (all off by default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Augmentation {
    /// Augmented copies added per training utterance (0: no augmentation).
    pub copies: usize,
    /// Time masks per copy (frame features only).
    pub time_masks: usize,
    /// Largest time mask, in frames.
    pub time_mask_width: usize,
    /// Frequency (column) masks per copy.
    pub freq_masks: usize,
    /// Largest frequency mask, in columns.
    pub freq_mask_width: usize,
    /// Standard deviation of Gaussian noise added to every value (feature units).
    pub noise_std: f32,
}

impl Default for Augmentation {
    fn default() -> Self {
        Augmentation {
            copies: 0,
            time_masks: 0,
            time_mask_width: 10,
            freq_masks: 0,
            freq_mask_width: 8,
            noise_std: 0.0,
        }
    }
}

impl Augmentation {
    /// The key and message of the first invalid setting, if any.
    pub fn check(&self) -> Option<(&'static str, String)> {
        if !(self.noise_std.is_finite() && self.noise_std >= 0.0) {
            return Some((
                "noise_std",
                format!("expected a number ≥ 0, found {}", self.noise_std),
            ));
        }
        if self.time_masks > 0 && self.time_mask_width == 0 {
            return Some(("time_mask_width", "expected at least 1 frame".into()));
        }
        if self.freq_masks > 0 && self.freq_mask_width == 0 {
            return Some(("freq_mask_width", "expected at least 1 column".into()));
        }
        if self.copies > 0 && self.time_masks == 0 && self.freq_masks == 0 && self.noise_std == 0.0
        {
            return Some((
                "copies",
                "copies > 0 but no masks and no noise: the copies would be identical".into(),
            ));
        }
        None
    }

    /// Whether any augmentation happens.
    pub fn is_active(&self) -> bool {
        self.copies > 0
    }

    /// One augmented copy of `f`. Masked values are set to the utterance's mean value.
    pub fn apply(&self, f: &Features, rng: &mut ChaCha8Rng) -> Features {
        let (frames, dim, mut data) = match f {
            Features::Frames { frames, dim, data } => (*frames, *dim, data.clone()),
            Features::Vector(v) => (1, v.len(), v.clone()),
            // Transcripts are not numbers to mask or perturb.
            Features::Text(_) => return f.clone(),
        };
        let mean = if data.is_empty() {
            0.0
        } else {
            data.iter().sum::<f32>() / data.len() as f32
        };
        if matches!(f, Features::Frames { .. }) {
            for _ in 0..self.time_masks {
                let (t0, w) = span(rng, frames, self.time_mask_width);
                for row in data.chunks_exact_mut(dim.max(1)).skip(t0).take(w) {
                    row.fill(mean);
                }
            }
        }
        for _ in 0..self.freq_masks {
            let (c0, w) = span(rng, dim, self.freq_mask_width);
            for row in data.chunks_exact_mut(dim.max(1)) {
                row[c0..c0 + w].fill(mean);
            }
        }
        if self.noise_std > 0.0 {
            for x in &mut data {
                *x += self.noise_std * gaussian(rng);
            }
        }
        match f {
            Features::Frames { .. } => Features::Frames { frames, dim, data },
            Features::Vector(_) | Features::Text(_) => Features::Vector(data),
        }
    }

    /// `copies` augmented copies of every input, with their labels, drawn from `seed`
    /// (use the fit's seed so runs are reproducible).
    pub fn expand(
        &self,
        inputs: &[&Features],
        labels: &[usize],
        seed: u64,
    ) -> Vec<(Features, usize)> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xA06_5EED);
        let mut out = Vec::with_capacity(inputs.len() * self.copies);
        for _ in 0..self.copies {
            for (f, &y) in inputs.iter().zip(labels) {
                out.push((self.apply(f, &mut rng), y));
            }
        }
        out
    }
}

/// A mask start and width (width uniform in `1..=max`, clipped to `len`).
fn span(rng: &mut ChaCha8Rng, len: usize, max: usize) -> (usize, usize) {
    if len == 0 {
        return (0, 0);
    }
    let w = rng.random_range(1..=max.max(1)).min(len);
    (rng.random_range(0..=len - w), w)
}

/// A standard normal draw (Box–Muller; `rand_distr` is not worth a dependency for this).
fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames() -> Features {
        Features::Frames {
            frames: 20,
            dim: 6,
            data: (0..120).map(|i| i as f32).collect(),
        }
    }

    #[test]
    fn masks_cover_whole_rows_and_columns_with_the_mean() {
        let a = Augmentation {
            copies: 1,
            time_masks: 1,
            time_mask_width: 3,
            ..Default::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let Features::Frames { data, .. } = a.apply(&frames(), &mut rng) else {
            panic!()
        };
        let mean = 59.5;
        let masked: Vec<usize> = data
            .chunks_exact(6)
            .enumerate()
            .filter(|(_, r)| r.iter().all(|&x| x == mean))
            .map(|(i, _)| i)
            .collect();
        assert!((1..=3).contains(&masked.len()), "{masked:?}");
        // Masked rows are consecutive; every other value is untouched.
        assert_eq!(masked.last().unwrap() - masked[0] + 1, masked.len());
        let changed = data
            .iter()
            .enumerate()
            .filter(|(i, &x)| x != *i as f32)
            .count();
        assert_eq!(changed, masked.len() * 6);

        let f = Augmentation {
            copies: 1,
            freq_masks: 1,
            freq_mask_width: 2,
            ..Default::default()
        };
        let Features::Vector(v) = f.apply(&Features::Vector(vec![1.0, 2.0, 3.0, 6.0]), &mut rng)
        else {
            panic!()
        };
        assert!(v.iter().filter(|&&x| x == 3.0).count() >= 1, "{v:?}");
    }

    #[test]
    fn noise_has_the_asked_spread_and_copies_are_reproducible() {
        let a = Augmentation {
            copies: 2,
            noise_std: 0.5,
            ..Default::default()
        };
        let zeros = Features::Vector(vec![0.0; 4000]);
        let out = a.expand(&[&zeros], &[3], 9);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].1, 3);
        let Features::Vector(v) = &out[0].0 else {
            panic!()
        };
        let sd = (v.iter().map(|x| x * x).sum::<f32>() / v.len() as f32).sqrt();
        assert!((sd - 0.5).abs() < 0.03, "sd {sd}");
        assert_eq!(a.expand(&[&zeros], &[3], 9), out);
        assert_ne!(a.expand(&[&zeros], &[3], 10), out);
    }

    #[test]
    fn settings_are_checked() {
        let bad = Augmentation {
            noise_std: -1.0,
            ..Default::default()
        };
        assert_eq!(bad.check().unwrap().0, "noise_std");
        let idle = Augmentation {
            copies: 2,
            ..Default::default()
        };
        assert_eq!(idle.check().unwrap().0, "copies");
        assert!(Augmentation::default().check().is_none());
    }
}
