//! Classification metrics as the SER literature reports them.
//!
//! WA (weighted accuracy) is plain accuracy; UA (unweighted accuracy) is the mean of the
//! per-class recalls, i.e. macro recall, over the classes present in the reference.
//! Beside the confusion matrix: [`topk`] accuracy from class probabilities, [`ccc`] for
//! dimensional (valence/arousal/dominance) outputs, a [`bootstrap`] confidence interval of
//! UA, and the `[metrics]` table that configures them ([`settings`]).

pub mod bootstrap;
pub mod ccc;
pub mod settings;
pub mod topk;

pub use settings::{BootstrapUnit, MetricsConfig};

pub use serlab_api::metrics::{argmax, Confusion};
