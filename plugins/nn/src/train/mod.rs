//! The training loop shared by the neural model plugins.
//!
//! A model plugin supplies an [`Architecture`] (its parameter struct, which builds a
//! [`Network`]); [`NeuralModel`] does the rest, the same way for every model:
//! - inputs are checked and standardised ([`Normalize`]: statistics of the training set, or
//!   of each speaker's own inputs), classes re-weighted (`balanced`);
//! - each epoch shuffles the training utterances with the fit's seed, augments them
//!   (noise at an SNR, SpecAugment masks, crops, Gaussian noise, mixup), and takes one
//!   AdamW step per batch after gradient clipping, emitting a `Step` event and checking the
//!   stop handle (which also pauses) between batches;
//! - after each epoch the validation speakers (never the test fold) are scored, an `Epoch`
//!   event carries train/validation loss, validation UA/WA, the validation confusion
//!   matrix and the learning rate; the best epoch's weights are kept and training stops
//!   early after `patience` epochs without improvement.
//!
//! Everything random draws from one ChaCha8 stream seeded by the fit's seed, and every op
//! reduces in a thread-count-independent order, so a fit is reproducible on CPU.

pub mod data;
pub mod heads;
mod model;
pub mod params;

pub use data::{Batch, InputKind, Normalizer, Sample};
pub use heads::{Heads, NetSpec, TaskHeads};
pub use model::{EpochRecord, NeuralModel};
pub use params::{ArchParams, ClassWeight, NeuralParams, Normalize, Select, TrainParams};

use crate::error::Result;
use crate::graph::Graph;
use crate::params::ParamStore;
use rand_chacha::ChaCha8Rng;

/// A network: a forward pass from a batch to its heads.
pub trait Network: Send + Sync {
    /// Run on `batch`; `rng` drives dropout in training graphs.
    fn forward(
        &self,
        g: &Graph<f32>,
        p: &ParamStore<f32>,
        batch: &Batch,
        rng: &mut ChaCha8Rng,
    ) -> Result<Heads>;
}

/// A model's architecture: its parameter table builds its network.
pub trait Architecture: ArchParams {
    /// The network it builds.
    type Net: Network;
    /// What the network reads.
    fn input(&self) -> InputKind;
    /// Check ranges serde cannot.
    fn validate(&self) -> Result<()>;
    /// Register the parameters in `store` and return the network.
    fn build(
        &self,
        store: &mut ParamStore<f32>,
        spec: &NetSpec,
        rng: &mut ChaCha8Rng,
    ) -> Result<Self::Net>;
}
