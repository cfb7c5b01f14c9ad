//! Checks shared by all fusions, and row normalisation.

use serlab_api::fusion::MemberProbs;
use serlab_api::{Error, Result};

/// The common shape of the members' probability tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Number of members.
    pub members: usize,
    /// Utterances per member.
    pub utterances: usize,
    /// Classes per utterance (0 when there is no utterance).
    pub classes: usize,
}

/// Check that there is at least one member, that all members have the same number of
/// utterances and classes, and that every probability is finite and non-negative.
pub fn check(fusion: &str, members: MemberProbs<'_>) -> Result<Shape> {
    let Some(first) = members.first() else {
        return Err(Error::invalid(format!(
            "fusion `{fusion}`: there is no member to fuse"
        )));
    };
    let utterances = first.len();
    let classes = first.first().map_or(0, Vec::len);
    if utterances > 0 && classes == 0 {
        return Err(Error::invalid(format!(
            "fusion `{fusion}`: member 0 gives no class probability"
        )));
    }
    for (m, member) in members.iter().enumerate() {
        if member.len() != utterances {
            return Err(Error::invalid(format!(
                "fusion `{fusion}`: member {m} has {} utterances but member 0 has {utterances}",
                member.len()
            )));
        }
        for (u, row) in member.iter().enumerate() {
            if row.len() != classes {
                return Err(Error::invalid(format!(
                    "fusion `{fusion}`: member {m}, utterance {u} has {} classes but member 0 has {classes}",
                    row.len()
                )));
            }
            if let Some((c, p)) = row
                .iter()
                .enumerate()
                .find(|(_, p)| !p.is_finite() || **p < 0.0)
            {
                return Err(Error::invalid(format!(
                    "fusion `{fusion}`: member {m}, utterance {u}, class {c} has probability {p}"
                )));
            }
        }
    }
    Ok(Shape {
        members: members.len(),
        utterances,
        classes,
    })
}

/// Check the validation labels against the members' shape.
pub fn check_labels(fusion: &str, shape: &Shape, labels: &[usize]) -> Result<()> {
    if labels.len() != shape.utterances {
        return Err(Error::invalid(format!(
            "fusion `{fusion}`: {} labels for {} utterances",
            labels.len(),
            shape.utterances
        )));
    }
    if let Some((u, y)) = labels.iter().enumerate().find(|(_, &y)| y >= shape.classes) {
        return Err(Error::invalid(format!(
            "fusion `{fusion}`: utterance {u} has label {y} but the members give {} classes",
            shape.classes
        )));
    }
    Ok(())
}

/// Scale a row to sum to 1 (a row of zeros becomes uniform).
pub fn normalise(row: &[f64]) -> Vec<f32> {
    let total: f64 = row.iter().sum();
    if total > 0.0 {
        row.iter().map(|v| (v / total) as f32).collect()
    } else {
        vec![1.0 / row.len() as f32; row.len()]
    }
}

/// A member's row as `f64`, scaled to sum to 1.
pub fn unit_row(row: &[f32]) -> Vec<f64> {
    let total: f64 = row.iter().map(|&v| f64::from(v)).sum();
    if total > 0.0 {
        row.iter().map(|&v| f64::from(v) / total).collect()
    } else {
        vec![1.0 / row.len() as f64; row.len()]
    }
}

/// Index of the largest value, the first on ties.
pub fn argmax(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_checked() {
        let a = vec![vec![0.5, 0.5], vec![1.0, 0.0]];
        assert_eq!(
            check("t", &[a.clone(), a.clone()]).unwrap(),
            Shape {
                members: 2,
                utterances: 2,
                classes: 2
            }
        );
        assert!(check("t", &[]).is_err());
        let e = check("t", &[a.clone(), vec![vec![0.5, 0.5]]])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("member 1 has 1 utterances but member 0 has 2"),
            "{e}"
        );
        let e = check("t", &[a.clone(), vec![vec![0.5, 0.5], vec![0.2, 0.3, 0.5]]])
            .unwrap_err()
            .to_string();
        assert!(e.contains("member 1, utterance 1 has 3 classes"), "{e}");
        let e = check("t", &[a.clone(), vec![vec![0.5, f32::NAN], vec![1.0, 0.0]]])
            .unwrap_err()
            .to_string();
        assert!(e.contains("class 1 has probability NaN"), "{e}");
        assert!(check("t", &[vec![vec![]]]).is_err());
        let shape = check("t", &[a]).unwrap();
        assert!(check_labels("t", &shape, &[0]).is_err());
        assert!(check_labels("t", &shape, &[0, 2]).is_err());
        check_labels("t", &shape, &[0, 1]).unwrap();
    }

    #[test]
    fn rows_are_normalised() {
        assert_eq!(normalise(&[1.0, 3.0]), vec![0.25, 0.75]);
        assert_eq!(normalise(&[0.0, 0.0]), vec![0.5, 0.5]);
        assert_eq!(unit_row(&[2.0, 2.0]), vec![0.5, 0.5]);
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
    }
}
