//! `average`: the unweighted mean of the members' distributions.

use crate::shape::{check, check_labels, normalise};
use crate::NoParams;
use serlab_api::fusion::MemberProbs;
use serlab_api::{Component, Fusion, Result};

/// The `average` fusion.
#[derive(Debug, Default)]
pub struct Average;

impl Component for Average {
    const NAME: &'static str = "average";
    const SUMMARY: &'static str = "mean of the members' class probabilities";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[];
    type Params = NoParams;

    fn new(_params: NoParams) -> Result<Self> {
        Ok(Average)
    }
}

/// `out[u][c] = mean_m members[m][u][c]`, renormalised.
pub fn mean(
    members: MemberProbs<'_>,
    weights: &[f64],
    classes: usize,
    utterances: usize,
) -> Vec<Vec<f32>> {
    (0..utterances)
        .map(|u| {
            let mut row = vec![0.0f64; classes];
            for (member, &w) in members.iter().zip(weights) {
                row.iter_mut()
                    .zip(&member[u])
                    .for_each(|(r, &p)| *r += w * f64::from(p));
            }
            normalise(&row)
        })
        .collect()
}

impl Fusion for Average {
    /// Nothing to learn; only checks the shapes.
    fn fit(&mut self, members: MemberProbs<'_>, labels: &[usize]) -> Result<()> {
        let shape = check(Self::NAME, members)?;
        check_labels(Self::NAME, &shape, labels)
    }

    fn combine(&self, members: MemberProbs<'_>) -> Result<Vec<Vec<f32>>> {
        let s = check(Self::NAME, members)?;
        let w = vec![1.0 / s.members as f64; s.members];
        Ok(mean(members, &w, s.classes, s.utterances))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[Vec<f32>], b: &[Vec<f32>]) -> bool {
        a.len() == b.len()
            && a.iter()
                .flatten()
                .zip(b.iter().flatten())
                .all(|(x, y)| (x - y).abs() < 1e-6)
    }

    #[test]
    fn mean_of_two_members() {
        let a = vec![vec![0.6, 0.4], vec![0.2, 0.8]];
        let b = vec![vec![0.2, 0.8], vec![0.4, 0.6]];
        let out = Average.combine(&[a, b]).unwrap();
        // (0.6 + 0.2) / 2 = 0.4, (0.4 + 0.8) / 2 = 0.6; (0.2 + 0.4) / 2 = 0.3, (0.8 + 0.6) / 2 = 0.7
        assert!(close(&out, &[vec![0.4, 0.6], vec![0.3, 0.7]]), "{out:?}");
    }

    #[test]
    fn three_members_three_classes() {
        let a = vec![vec![0.7, 0.2, 0.1]];
        let b = vec![vec![0.1, 0.6, 0.3]];
        let c = vec![vec![0.1, 0.1, 0.8]];
        let out = Average.combine(&[a, b, c]).unwrap();
        // 0.9 / 3 = 0.3, 0.9 / 3 = 0.3, 1.2 / 3 = 0.4
        assert!(close(&out, &[vec![0.3, 0.3, 0.4]]), "{out:?}");
        assert!((out[0].iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn errors_and_empty() {
        let mut f = Average;
        assert!(f.fit(&[vec![vec![0.5, 0.5]], vec![]], &[0]).is_err());
        assert!(f.fit(&[vec![vec![0.5, 0.5]]], &[]).is_err());
        f.fit(&[vec![vec![0.5, 0.5]]], &[1]).unwrap();
        assert_eq!(
            f.combine(&[vec![], vec![]]).unwrap(),
            Vec::<Vec<f32>>::new()
        );
        assert!(f.combine(&[]).is_err());
    }
}
