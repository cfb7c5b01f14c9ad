//! Late fusion: combine several members' class probabilities into one.
//! Anything learnt (weights, a meta-classifier) is learnt on validation speakers only.

use crate::Result;
use std::path::Path;

/// Per member, per utterance, per class probabilities: `members[m][u][c]`.
pub type MemberProbs<'a> = &'a [Vec<Vec<f32>>];

/// A fusion strategy.
pub trait Fusion: Send {
    /// Learn from the members' probabilities on the validation set and its labels.
    fn fit(&mut self, members: MemberProbs<'_>, labels: &[usize]) -> Result<()>;
    /// Combine the members' probabilities into one distribution per utterance.
    fn combine(&self, members: MemberProbs<'_>) -> Result<Vec<Vec<f32>>>;
    /// Write what [`Fusion::fit`] learnt to `path` (a file the fusion owns), so that a run's
    /// fusion can be applied later (`serlab predict`). A fusion that learns nothing keeps
    /// this default, which writes nothing; one that learns must override both methods.
    fn save(&self, _path: &Path) -> Result<()> {
        Ok(())
    }
    /// Restore what [`Fusion::save`] wrote (the default, for fusions that learn nothing,
    /// reads nothing).
    fn load(&mut self, _path: &Path) -> Result<()> {
        Ok(())
    }
}
