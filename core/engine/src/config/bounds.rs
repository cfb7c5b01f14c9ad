//! Bounds on the sizes an experiment file sets directly, checked while the file is read so
//! a typo (`seconds = 1e8`, `inf`, `nan`, `sample_rate = 1`, a billion bootstrap resamples)
//! is a message with the file and line, not an abort or an out-of-memory kill mid-run.
//! Component parameters (`n_trees`, ...) are bounded by their plugins' own validation.

use super::origin::Origin;
use crate::audio::{MAX_RATE, MIN_RATE};
use crate::corpus::synthetic::SyntheticConfig;
use crate::metrics::MetricsConfig;
use crate::Result;

/// Longest synthetic utterance, in seconds (a minute is far beyond any speech corpus).
pub const MAX_SYNTHETIC_SECONDS: f32 = 60.0;
/// Shortest synthetic utterance, in seconds (the extractors need some frames).
pub const MIN_SYNTHETIC_SECONDS: f32 = 0.05;
/// Most synthetic speakers, and most utterances per speaker and class.
pub const MAX_SYNTHETIC_COUNT: usize = 1000;
/// Most bootstrap resamples (the interval is stable to 3 decimals long before this).
pub const MAX_BOOTSTRAP: usize = 100_000;

/// Check the synthetic corpus' sizes; keys are named `corpus.<key>`.
pub(super) fn synthetic(o: &Origin, c: &SyntheticConfig) -> Result<()> {
    if !c.seconds.is_finite()
        || !(MIN_SYNTHETIC_SECONDS..=MAX_SYNTHETIC_SECONDS).contains(&c.seconds)
    {
        return Err(o.value_error(
            "corpus.seconds",
            format!(
                "expected a duration from {MIN_SYNTHETIC_SECONDS} to {MAX_SYNTHETIC_SECONDS} seconds, found {}",
                c.seconds
            ),
        ));
    }
    if !(MIN_RATE..=MAX_RATE).contains(&c.sample_rate) {
        return Err(o.value_error(
            "corpus.sample_rate",
            format!(
                "expected {MIN_RATE} to {MAX_RATE} Hz (16000 is usual for speech), found {}",
                c.sample_rate
            ),
        ));
    }
    for (key, n, min) in [("speakers", c.speakers, 2), ("per_class", c.per_class, 1)] {
        if !(min..=MAX_SYNTHETIC_COUNT).contains(&n) {
            return Err(o.value_error(
                &format!("corpus.{key}"),
                format!("expected {min} to {MAX_SYNTHETIC_COUNT}, found {n}"),
            ));
        }
    }
    Ok(())
}

/// Check the bootstrap's size (the rest of `[metrics]` is checked by
/// [`MetricsConfig::check`]).
pub(super) fn metrics(o: &Origin, m: &MetricsConfig) -> Result<()> {
    if m.bootstrap > MAX_BOOTSTRAP {
        return Err(o.value_error(
            "metrics.bootstrap",
            format!(
                "expected at most {MAX_BOOTSTRAP} resamples (1000 is usual; 0 turns the interval off), found {}",
                m.bootstrap
            ),
        ));
    }
    Ok(())
}
