//! `majority-vote`: each member votes for its argmax class.

use crate::shape::{argmax, check, check_labels, normalise, unit_row};
use crate::NoParams;
use serlab_api::fusion::MemberProbs;
use serlab_api::{Component, Fusion, Result};

/// Weight of the mean member probability added to the vote counts (see [`MajorityVote`]).
/// Below 1, so it can only reorder classes with the same number of votes.
pub const TIE_BREAK: f64 = 1e-3;

/// The `majority-vote` fusion.
///
/// The output row is the vote share, `(votes_c + TIE_BREAK * mean_c) / (M + TIE_BREAK)`,
/// where `mean_c` is the members' mean probability of class `c`: within 0.1 % of the plain
/// vote share `votes_c / M`, and its argmax is the majority class with ties broken by summed
/// probability (then by class order), so UA/WA computed from it follow the vote.
#[derive(Debug, Default)]
pub struct MajorityVote;

impl Component for MajorityVote {
    const NAME: &'static str = "majority-vote";
    const SUMMARY: &'static str =
        "argmax votes of the members as vote shares; ties broken by summed probability";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[];
    type Params = NoParams;

    fn new(_params: NoParams) -> Result<Self> {
        Ok(MajorityVote)
    }
}

impl Fusion for MajorityVote {
    /// Nothing to learn; only checks the shapes.
    fn fit(&mut self, members: MemberProbs<'_>, labels: &[usize]) -> Result<()> {
        let shape = check(Self::NAME, members)?;
        check_labels(Self::NAME, &shape, labels)
    }

    fn combine(&self, members: MemberProbs<'_>) -> Result<Vec<Vec<f32>>> {
        let s = check(Self::NAME, members)?;
        let m = s.members as f64;
        Ok((0..s.utterances)
            .map(|u| {
                let mut votes = vec![0.0f64; s.classes];
                let mut mean = vec![0.0f64; s.classes];
                for member in members {
                    let row = unit_row(&member[u]);
                    votes[argmax(&row)] += 1.0;
                    mean.iter_mut().zip(&row).for_each(|(a, p)| *a += p / m);
                }
                let out: Vec<f64> = votes
                    .iter()
                    .zip(&mean)
                    .map(|(v, p)| (v + TIE_BREAK * p) / (m + TIE_BREAK))
                    .collect();
                normalise(&out)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serlab_api::metrics::argmax as argmax32;

    fn close(a: &[f32], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (f64::from(*x) - y).abs() < 1e-6)
    }

    #[test]
    fn votes_and_tie_breaks() {
        let a = vec![vec![0.6, 0.3, 0.1], vec![0.5, 0.4, 0.1]];
        let b = vec![vec![0.2, 0.7, 0.1], vec![0.6, 0.2, 0.2]];
        let c = vec![vec![0.1, 0.3, 0.6], vec![0.2, 0.7, 0.1]];
        let out = MajorityVote.combine(&[a, b, c]).unwrap();

        // u0: votes 0, 1, 2 -> one each, a three-way tie. Summed probability:
        //   class 0: 0.6 + 0.2 + 0.1 = 0.9, class 1: 0.3 + 0.7 + 0.3 = 1.3, class 2: 0.8
        // so class 1 wins. Means 0.3, 1.3/3, 0.8/3; row = (1 + 0.001 * mean) / 3.001:
        //   (1.0003) / 3.001, (1 + 0.0013/3) / 3.001, (1 + 0.0008/3) / 3.001
        let e0 = [
            1.0003 / 3.001,
            (1.0 + 0.0013 / 3.0) / 3.001,
            (1.0 + 0.0008 / 3.0) / 3.001,
        ];
        assert!(close(&out[0], &e0), "{:?}", out[0]);
        assert_eq!(argmax32(&out[0]), 1);

        // u1: votes 0, 0, 1 -> [2, 1, 0], shares ~ [2/3, 1/3, 0]. Means 1.3/3, 1.3/3, 0.4/3:
        //   (2 + 0.0013/3) / 3.001, (1 + 0.0013/3) / 3.001, (0.0004/3) / 3.001
        let e1 = [
            (2.0 + 0.0013 / 3.0) / 3.001,
            (1.0 + 0.0013 / 3.0) / 3.001,
            (0.0004 / 3.0) / 3.001,
        ];
        assert!(close(&out[1], &e1), "{:?}", out[1]);
        assert!((out[1][0] - 2.0 / 3.0).abs() < 1e-3 && (out[1][1] - 1.0 / 3.0).abs() < 1e-3);

        for row in &out {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn a_vote_beats_any_probability() {
        // Two members vote class 1 weakly (0.51); one votes class 0 with certainty. Summed
        // probability favours class 0 (1 + 0.49 + 0.49 = 1.98 vs 1.02) but votes are 2 to 1.
        let a = vec![vec![1.0, 0.0]];
        let b = vec![vec![0.49, 0.51]];
        let out = MajorityVote.combine(&[a, b.clone(), b]).unwrap();
        assert_eq!(argmax32(&out[0]), 1);
    }

    #[test]
    fn shape_errors() {
        assert!(MajorityVote
            .combine(&[vec![vec![1.0, 0.0]], vec![]])
            .is_err());
        assert!(MajorityVote.fit(&[vec![vec![1.0, 0.0]]], &[0, 1]).is_err());
    }
}
