//! serlab plugin `fusion`: late fusion of the members' class probabilities.
//!
//! Components (all [`serlab_api::Fusion`]):
//! - `average`: the mean of the members' distributions;
//! - `weighted-average`: a weighted mean whose weights are fit on the validation speakers by
//!   grid search over the simplex, maximising UA (macro recall);
//! - `highest-confidence`: per utterance, the distribution of the member whose top
//!   probability is largest;
//! - `majority-vote`: the members' argmax votes, as vote shares;
//! - `stacking`: a logistic-regression meta-classifier over the members' probabilities,
//!   fit on their out-of-fold predictions for the validation speakers.
//!
//! Fusions that learn something (`weighted-average`, `stacking`) save it, so that a run's
//! fused prediction can be reproduced by `serlab predict`.
//!
//! Every component checks that all members have the same number of utterances and classes
//! and finite, non-negative probabilities, and returns rows that sum to 1.

pub mod average;
pub mod confidence;
pub mod shape;
pub mod stacking;
pub mod vote;
pub mod weighted;

pub use average::Average;
pub use confidence::HighestConfidence;
pub use stacking::{Stacking, StackingParams};
pub use vote::MajorityVote;
pub use weighted::{WeightedAverage, WeightedAverageParams};

use serde::{Deserialize, Serialize};

/// The `serlab_plugin_declaration` symbol (in a private module: the macro's static has no
/// doc comment of its own, and `#[no_mangle]` exports it all the same).
mod declaration {
    serlab_api::export_plugin!("fusion", super::register);
}

/// Registers the plugin's components.
pub fn register(r: &mut serlab_api::plugin::Registrar) {
    r.fusion::<Average>();
    r.fusion::<WeightedAverage>();
    r.fusion::<HighestConfidence>();
    r.fusion::<MajorityVote>();
    r.fusion::<Stacking>();
}

/// Write `value` as JSON to `path` (what a fitted fusion saves).
pub(crate) fn save_json(
    fusion: &str,
    path: &std::path::Path,
    value: &impl Serialize,
) -> serlab_api::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| {
        serlab_api::Error::invalid(format!("fusion `{fusion}`: cannot serialise: {e}"))
    })?;
    std::fs::write(path, bytes).map_err(|e| serlab_api::Error::io(path, e))
}

/// Read what [`save_json`] wrote.
pub(crate) fn load_json<T: serde::de::DeserializeOwned>(
    fusion: &str,
    path: &std::path::Path,
) -> serlab_api::Result<T> {
    let bytes = std::fs::read(path).map_err(|e| serlab_api::Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        serlab_api::Error::invalid(format!(
            "fusion `{fusion}`: {} is not a saved `{fusion}`: {e}",
            path.display()
        ))
    })
}

/// The parameter table of components that take no parameter (any key is refused).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoParams {}

#[cfg(test)]
mod tests {
    #[test]
    fn registers_five_fusions() {
        let mut r = serlab_api::plugin::Registrar::new("fusion");
        super::register(&mut r);
        let names: Vec<String> = r.components().into_iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "average",
                "weighted-average",
                "highest-confidence",
                "majority-vote",
                "stacking"
            ]
        );
        let weighted = &r.components()[1];
        assert!(
            weighted.defaults.contains("step = 0.1"),
            "{}",
            weighted.defaults
        );
    }
}
