//! The training parameters every neural model shares, and the TOML table that joins them
//! with a model's own architecture keys.
//!
//! An experiment writes all keys of a model flat in its table (`hidden = [50, 50, 50]`,
//! `epochs = 60`). [`NeuralParams`] splits the table: keys of [`TrainParams`] go to the
//! training loop, the rest to the architecture; an unknown key is an error that names it
//! and the closest valid key (serde's `flatten` cannot be combined with
//! `deny_unknown_fields`, hence the hand-written split).

use crate::error::{NnError, Result};
use crate::optim::{OptimizerKind, ScheduleKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serlab_api::augment::Augmentation;

/// How features are standardised before the network sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalize {
    /// Per feature dimension, mean and standard deviation of the training set.
    Global,
    /// Per speaker and dimension, from that speaker's own (unlabelled) inputs; applies to
    /// validation and test speakers alike.
    Speaker,
    /// Features as extracted.
    None,
}

/// Class re-weighting of the classification loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// `n / (k * n_c)` from the training labels.
    Balanced,
    /// Every utterance counts once.
    None,
}

/// What model selection maximises on the validation speakers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Select {
    /// Unweighted accuracy (ties broken by the lower loss).
    Ua,
    /// Negative validation loss.
    Loss,
}

/// Training-loop parameters shared by every neural model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainParams {
    /// Maximum number of epochs.
    pub epochs: usize,
    /// Utterances per batch.
    pub batch_size: usize,
    /// Base learning rate.
    pub lr: f64,
    /// `adamw` (decoupled decay) or `adam` (L2).
    pub optimizer: OptimizerKind,
    /// Weight decay of weights (not biases, not normalisation scales).
    pub weight_decay: f64,
    /// Adam's (beta1, beta2).
    pub betas: [f64; 2],
    /// Learning-rate schedule: `cosine`, `constant` or `plateau`.
    pub schedule: ScheduleKind,
    /// Lowest learning rate of `cosine` and `plateau`.
    pub min_lr: f64,
    /// Epochs of linear warm-up.
    pub warmup_epochs: usize,
    /// `plateau`: factor applied when validation stalls.
    pub plateau_factor: f64,
    /// `plateau`: epochs without improvement before the rate is cut.
    pub plateau_patience: usize,
    /// Maximum gradient L2 norm; 0 disables clipping.
    pub grad_clip: f64,
    /// Stop after this many epochs without a better validation score; 0 never stops early.
    pub patience: usize,
    /// Validation score that selects the kept epoch: `ua` or `loss`.
    pub select: Select,
    /// `balanced` or `none`.
    pub class_weight: ClassWeight,
    /// `global`, `speaker` or `none`.
    pub normalize: Normalize,
    /// Training crops of at most this many frames (random position); 0 keeps whole
    /// utterances (batches are padded and masked).
    pub max_frames: usize,
    /// Additive white noise at an SNR (dB) drawn uniformly from this range, applied in the
    /// power domain of dB-scaled spectrogram features (log-mel); empty disables it.
    pub noise_snr_db: Vec<f64>,
    /// Probability that a training utterance gets additive noise.
    pub noise_prob: f64,
    /// Standard deviation of Gaussian noise added to the normalised features; 0 disables.
    pub gaussian_noise: f64,
    /// SpecAugment: number of time masks per training utterance (frame inputs).
    pub time_masks: usize,
    /// SpecAugment: widest time mask, frames.
    pub time_mask_width: usize,
    /// SpecAugment: number of feature (frequency) masks per training utterance.
    pub freq_masks: usize,
    /// SpecAugment: widest feature mask, dimensions.
    pub freq_mask_width: usize,
    /// Mixup's Beta(alpha, alpha); 0 disables mixup.
    pub mixup_alpha: f64,
    /// Speed perturbation (frame inputs): time-stretch rate drawn uniformly from
    /// `[lo, hi]` (1.1 = 10% faster); empty disables it.
    pub speed_perturb: Vec<f64>,
    /// Pitch perturbation (frame inputs): shift of the feature axis by up to this many
    /// columns (mel bands) either way; 0 disables it.
    pub pitch_shift: f64,
    /// Probability of each of speed and pitch perturbation per training utterance.
    pub perturb_prob: f64,
    /// Test-time augmentation (frame inputs): probabilities (and V/A/D) are averaged over
    /// the input time-stretched by each of these rates (include 1.0 to keep the original);
    /// applies to validation scoring and prediction alike. Empty: the input as is.
    pub tta_speeds: Vec<f64>,
    /// The experiment's `[augmentation]` table (core's feature augmentation: extra copies
    /// of each training utterance with masks and noise), handed to the model by the runner.
    pub augmentation: Augmentation,
    /// Weight of the V/A/D regression head's CCC loss; 0 means no such head.
    pub vad_weight: f64,
    /// Weight of the auxiliary gender classification head; 0 means no such head.
    pub gender_weight: f64,
    /// Weight of the auxiliary intensity classification head; 0 means no such head.
    pub intensity_weight: f64,
    /// Worker threads; 0 uses all cores. Results do not depend on it.
    pub threads: usize,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            epochs: 60,
            batch_size: 32,
            lr: 1e-3,
            optimizer: OptimizerKind::AdamW,
            weight_decay: 1e-3,
            betas: [0.9, 0.999],
            schedule: ScheduleKind::Cosine,
            min_lr: 1e-5,
            warmup_epochs: 0,
            plateau_factor: 0.5,
            plateau_patience: 3,
            grad_clip: 5.0,
            patience: 15,
            select: Select::Ua,
            class_weight: ClassWeight::Balanced,
            normalize: Normalize::Global,
            max_frames: 0,
            noise_snr_db: Vec::new(),
            noise_prob: 0.5,
            gaussian_noise: 0.0,
            time_masks: 0,
            time_mask_width: 20,
            freq_masks: 0,
            freq_mask_width: 8,
            mixup_alpha: 0.0,
            speed_perturb: Vec::new(),
            pitch_shift: 0.0,
            perturb_prob: 0.5,
            tta_speeds: Vec::new(),
            augmentation: Augmentation::default(),
            vad_weight: 0.0,
            gender_weight: 0.0,
            intensity_weight: 0.0,
            threads: 0,
        }
    }
}

/// The keys of [`TrainParams`].
pub const TRAIN_KEYS: &[&str] = &[
    "epochs",
    "batch_size",
    "lr",
    "optimizer",
    "weight_decay",
    "betas",
    "schedule",
    "min_lr",
    "warmup_epochs",
    "plateau_factor",
    "plateau_patience",
    "grad_clip",
    "patience",
    "select",
    "class_weight",
    "normalize",
    "max_frames",
    "noise_snr_db",
    "noise_prob",
    "gaussian_noise",
    "time_masks",
    "time_mask_width",
    "freq_masks",
    "freq_mask_width",
    "mixup_alpha",
    "speed_perturb",
    "pitch_shift",
    "perturb_prob",
    "tta_speeds",
    "augmentation",
    "vad_weight",
    "gender_weight",
    "intensity_weight",
    "threads",
];

/// Help lines of the training keys followed by `$entries` (the architecture's), as one
/// `&[(&str, &str)]` for [`serlab_api::Component::PARAMS_HELP`].
#[macro_export]
macro_rules! params_help {
    ($($entry:expr),* $(,)?) => {
        &[
            $($entry,)*
            ("epochs", "maximum epochs (default 60)"),
            ("batch_size", "utterances per batch (default 32)"),
            ("lr", "base learning rate (default 1e-3)"),
            ("optimizer", "\"adamw\" (default, decoupled weight decay) or \"adam\" (L2)"),
            ("weight_decay", "weight decay of weights, not biases or norm scales (default 1e-3)"),
            ("betas", "Adam's [beta1, beta2] (default [0.9, 0.999])"),
            ("schedule", "\"cosine\" (default), \"constant\" or \"plateau\" (halve when validation stalls)"),
            ("min_lr", "lowest learning rate of cosine/plateau (default 1e-5)"),
            ("warmup_epochs", "epochs of linear warm-up (default 0)"),
            ("plateau_factor", "plateau: factor applied to the rate (default 0.5)"),
            ("plateau_patience", "plateau: stalled epochs before a cut (default 3)"),
            ("grad_clip", "maximum gradient L2 norm, 0 = off (default 5)"),
            ("patience", "early stopping: epochs without a better validation score, 0 = off (default 15)"),
            ("select", "validation score that picks the kept epoch: \"ua\" (default) or \"loss\""),
            ("class_weight", "\"balanced\" (default) or \"none\""),
            ("normalize", "feature standardisation: \"global\" (training set, default), \"speaker\" (each speaker's own inputs) or \"none\""),
            ("max_frames", "random training crops of at most this many frames; 0 = whole utterances, padded and masked (default 0)"),
            ("noise_snr_db", "additive white noise at an SNR drawn from [lo, hi] dB, for dB spectrograms (log-mel); [] = off (default)"),
            ("noise_prob", "probability of additive noise per training utterance (default 0.5)"),
            ("gaussian_noise", "std of Gaussian noise on normalised features, 0 = off (default 0)"),
            ("time_masks", "SpecAugment time masks per utterance (default 0)"),
            ("time_mask_width", "widest time mask in frames (default 20)"),
            ("freq_masks", "SpecAugment feature masks per utterance (default 0)"),
            ("freq_mask_width", "widest feature mask in dimensions (default 8)"),
            ("mixup_alpha", "mixup Beta(alpha, alpha), 0 = off (default 0)"),
            ("speed_perturb", "time-stretch rate drawn from [lo, hi] (frame inputs; 1.1 = 10% faster); [] = off (default)"),
            ("pitch_shift", "shift of the feature axis (mel bands) by up to this many columns either way (frame inputs), 0 = off (default 0)"),
            ("perturb_prob", "probability of each of speed and pitch perturbation per training utterance (default 0.5)"),
            ("tta_speeds", "test-time augmentation: average over the input time-stretched by each rate, e.g. [0.9, 1.0, 1.1]; [] = off (default)"),
            ("augmentation", "the experiment's [augmentation] table (extra masked/noisy copies of training utterances; see experiments/README.md)"),
            ("vad_weight", "weight of a V/A/D regression head trained with a CCC loss, 0 = no head (default 0)"),
            ("gender_weight", "weight of an auxiliary gender classification head, 0 = no head (default 0)"),
            ("intensity_weight", "weight of an auxiliary intensity (RAVDESS) classification head, 0 = no head (default 0)"),
            ("threads", "worker threads, 0 = all cores; results do not depend on it (default 0)"),
        ]
    };
}

impl TrainParams {
    /// Check ranges serde cannot.
    pub fn validate(&self) -> Result<()> {
        let bad = |k: &str, m: &str| Err(NnError::config(k, m));
        if self.epochs == 0 {
            return bad("epochs", "must be at least 1");
        }
        if self.batch_size < 2 {
            return bad("batch_size", "must be at least 2 (BatchNorm needs a batch)");
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return bad("lr", "must be a positive number");
        }
        if self.weight_decay < 0.0 {
            return bad("weight_decay", "must not be negative");
        }
        if self.betas.iter().any(|b| !(0.0..1.0).contains(b)) {
            return bad("betas", "both must be in [0, 1)");
        }
        if !(0.0..1.0).contains(&self.plateau_factor) {
            return bad("plateau_factor", "must be in [0, 1)");
        }
        if !self.noise_snr_db.is_empty()
            && (self.noise_snr_db.len() != 2 || self.noise_snr_db[0] > self.noise_snr_db[1])
        {
            return bad("noise_snr_db", "must be [] or [lo, hi] with lo <= hi");
        }
        let rates_ok = match self.speed_perturb[..] {
            [] => true,
            [lo, hi] => lo > 0.0 && lo <= hi && hi.is_finite(),
            _ => false,
        };
        if !rates_ok {
            return bad(
                "speed_perturb",
                "must be [] or [lo, hi] with 0 < lo <= hi (rates)",
            );
        }
        if self.tta_speeds.iter().any(|r| !(*r > 0.0 && r.is_finite())) {
            return bad("tta_speeds", "rates must be positive numbers");
        }
        if !(self.pitch_shift >= 0.0 && self.pitch_shift.is_finite()) {
            return bad("pitch_shift", "must be a non-negative number of columns");
        }
        if !(0.0..=1.0).contains(&self.perturb_prob) {
            return bad("perturb_prob", "must be in [0, 1]");
        }
        if let Some((key, m)) = self.augmentation.check() {
            return Err(NnError::config(format!("augmentation.{key}"), m));
        }
        if !(0.0..=1.0).contains(&self.noise_prob) {
            return bad("noise_prob", "must be in [0, 1]");
        }
        if self.gaussian_noise < 0.0 || self.mixup_alpha < 0.0 {
            return bad(
                "gaussian_noise",
                "noise and mixup_alpha must not be negative",
            );
        }
        for (k, w) in [
            ("vad_weight", self.vad_weight),
            ("gender_weight", self.gender_weight),
            ("intensity_weight", self.intensity_weight),
        ] {
            if w < 0.0 || !w.is_finite() {
                return bad(k, "must be a non-negative number");
            }
        }
        Ok(())
    }
}

/// A model's architecture parameters: a serde struct (with `#[serde(default,
/// deny_unknown_fields)]`) and the list of its keys.
pub trait ArchParams: Serialize + DeserializeOwned + Default + Clone + PartialEq + Send {
    /// Every key of the architecture table.
    const KEYS: &'static [&'static str];
}

/// A model's full parameter table: architecture plus training loop.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NeuralParams<A> {
    /// The architecture's keys.
    pub arch: A,
    /// The training loop's keys.
    pub train: TrainParams,
}

impl<A: ArchParams> Serialize for NeuralParams<A> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let mut t = toml::Table::try_from(&self.arch).map_err(S::Error::custom)?;
        let tr = toml::Table::try_from(&self.train).map_err(S::Error::custom)?;
        t.extend(tr);
        t.serialize(s)
    }
}

impl<'de, A: ArchParams> Deserialize<'de> for NeuralParams<A> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let table = toml::Table::deserialize(d)?;
        let (mut arch, mut train) = (toml::Table::new(), toml::Table::new());
        for (k, v) in table {
            if TRAIN_KEYS.contains(&k.as_str()) {
                train.insert(k, v);
            } else if A::KEYS.contains(&k.as_str()) {
                arch.insert(k, v);
            } else {
                let all = A::KEYS.iter().chain(TRAIN_KEYS).copied();
                let hint = serlab_api::suggest::closest(&k, all)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(D::Error::custom(format!("unknown parameter `{k}`{hint}")));
            }
        }
        Ok(NeuralParams {
            arch: toml::Value::Table(arch)
                .try_into()
                .map_err(D::Error::custom)?,
            train: toml::Value::Table(train)
                .try_into()
                .map_err(D::Error::custom)?,
        })
    }
}

#[cfg(test)]
mod tests;
