//! `highest-confidence`: per utterance, trust the member that is most sure.

use crate::shape::{check, check_labels, normalise, unit_row};
use crate::NoParams;
use serlab_api::fusion::MemberProbs;
use serlab_api::{Component, Fusion, Result};

/// The `highest-confidence` fusion.
#[derive(Debug, Default)]
pub struct HighestConfidence;

impl Component for HighestConfidence {
    const NAME: &'static str = "highest-confidence";
    const SUMMARY: &'static str =
        "per utterance, the distribution of the member whose top probability is largest";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[];
    type Params = NoParams;

    fn new(_params: NoParams) -> Result<Self> {
        Ok(HighestConfidence)
    }
}

impl Fusion for HighestConfidence {
    /// Nothing to learn; only checks the shapes.
    fn fit(&mut self, members: MemberProbs<'_>, labels: &[usize]) -> Result<()> {
        let shape = check(Self::NAME, members)?;
        check_labels(Self::NAME, &shape, labels)
    }

    /// Rows are compared after scaling each to sum 1; ties go to the first member.
    fn combine(&self, members: MemberProbs<'_>) -> Result<Vec<Vec<f32>>> {
        let s = check(Self::NAME, members)?;
        Ok((0..s.utterances)
            .map(|u| {
                let mut best: Option<(f64, Vec<f64>)> = None;
                for member in members {
                    let row = unit_row(&member[u]);
                    let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    if best.as_ref().is_none_or(|(b, _)| top > *b) {
                        best = Some((top, row));
                    }
                }
                best.map(|(_, row)| normalise(&row)).unwrap_or_default()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_confident_member_wins() {
        let a = vec![vec![0.6, 0.4], vec![0.5, 0.5], vec![0.7, 0.3]];
        let b = vec![vec![0.3, 0.7], vec![0.45, 0.55], vec![0.3, 0.7]];
        let out = HighestConfidence.combine(&[a, b]).unwrap();
        // u0: max A = 0.6 < max B = 0.7 -> B; u1: 0.5 < 0.55 -> B;
        // u2: 0.7 = 0.7, a tie -> the first member, A.
        assert_eq!(out, vec![vec![0.3, 0.7], vec![0.45, 0.55], vec![0.7, 0.3]]);
    }

    #[test]
    fn unnormalised_rows_are_scaled_first() {
        // A's row [2, 2] is [0.5, 0.5] once scaled, less sure than B's [0.6, 0.4].
        let out = HighestConfidence
            .combine(&[vec![vec![2.0, 2.0]], vec![vec![0.6, 0.4]]])
            .unwrap();
        assert_eq!(out, vec![vec![0.6, 0.4]]);
    }

    #[test]
    fn mismatched_members_are_refused() {
        assert!(HighestConfidence
            .combine(&[vec![vec![1.0, 0.0]], vec![vec![1.0]]])
            .is_err());
        assert!(HighestConfidence
            .fit(&[vec![vec![1.0, 0.0]]], &[2])
            .is_err());
    }
}
