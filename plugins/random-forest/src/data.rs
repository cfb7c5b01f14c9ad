//! Turning a [`LabeledSet`] into the column-major matrix the trees split on, with every
//! check on the way.

use serlab_api::{Error, Features, LabeledSet, Result};

/// Training data, column-major: feature `f` of sample `i` is `x[f * n + i]`.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// Values, `d * n` long.
    pub x: Vec<f32>,
    /// Samples (rows).
    pub n: usize,
    /// Features (columns).
    pub d: usize,
}

impl Matrix {
    /// The values of feature `f` over all samples.
    pub fn column(&self, f: usize) -> &[f32] {
        &self.x[f * self.n..(f + 1) * self.n]
    }
}

/// Reject NaN and infinities, naming the utterance and the column.
pub fn check_finite(row: &[f32], utterance: usize) -> Result<()> {
    if let Some((col, v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::invalid(format!(
            "random-forest: feature column {col} of utterance {utterance} is {v}; \
             the forest needs finite features (check the extractor or normalise first)"
        )));
    }
    Ok(())
}

/// The feature vector of every input, checked for a common dimension `d` (when given)
/// and for finite values.
pub fn vectors(inputs: &[&Features], d: Option<usize>) -> Result<Vec<Vec<f32>>> {
    let mut out = Vec::with_capacity(inputs.len());
    let mut expected = d;
    for (i, f) in inputs.iter().enumerate() {
        let v = f.as_vector().into_owned();
        match expected {
            None => expected = Some(v.len()),
            Some(d) if d != v.len() => {
                return Err(Error::invalid(format!(
                    "random-forest: utterance {i} has {} features but {} were expected \
                     (all inputs must have the dimension the forest was trained on)",
                    v.len(),
                    d
                )));
            }
            Some(_) => {}
        }
        check_finite(&v, i)?;
        out.push(v);
    }
    Ok(out)
}

/// Check a training set and build its matrix; returns the matrix and the labels.
pub fn training_matrix(set: &LabeledSet<'_>) -> Result<(Matrix, Vec<usize>)> {
    if set.is_empty() {
        return Err(Error::invalid("random-forest: the training set is empty"));
    }
    if set.inputs.len() != set.labels.len() {
        return Err(Error::invalid(format!(
            "random-forest: {} inputs but {} labels",
            set.inputs.len(),
            set.labels.len()
        )));
    }
    let k = set.classes.len();
    if k == 0 {
        return Err(Error::invalid(
            "random-forest: the training set has no class names",
        ));
    }
    if let Some((i, &y)) = set.labels.iter().enumerate().find(|(_, &y)| y >= k) {
        return Err(Error::invalid(format!(
            "random-forest: utterance {i} has label {y} but there are only {k} classes"
        )));
    }
    let rows = vectors(set.inputs, None)?;
    let n = rows.len();
    let d = rows[0].len();
    if d == 0 {
        return Err(Error::invalid("random-forest: the features have no column"));
    }
    let mut x = vec![0.0f32; n * d];
    for (i, row) in rows.iter().enumerate() {
        for (f, &v) in row.iter().enumerate() {
            x[f * n + i] = v;
        }
    }
    Ok((Matrix { x, n, d }, set.labels.to_vec()))
}
