//! A compressed sparse row (CSR) matrix of `f32`: row `i`'s non-zeros are
//! `indices[indptr[i]..indptr[i + 1]]` with their `values`.

use serde::{Deserialize, Serialize};

/// A sparse matrix in compressed sparse row form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Csr {
    /// Start of each row in `indices` / `values`, `rows + 1` long.
    pub indptr: Vec<usize>,
    /// Column of each non-zero.
    pub indices: Vec<u32>,
    /// Value of each non-zero.
    pub values: Vec<f32>,
    /// Number of columns.
    pub cols: usize,
}

impl Csr {
    /// An empty matrix (no row) with `cols` columns.
    pub fn new(cols: usize) -> Self {
        Csr {
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            cols,
        }
    }

    /// Append a row given as `(column, value)` pairs (columns below `cols`).
    pub fn push_row(&mut self, entries: impl IntoIterator<Item = (u32, f32)>) {
        for (c, v) in entries {
            debug_assert!((c as usize) < self.cols, "column {c} >= {}", self.cols);
            self.indices.push(c);
            self.values.push(v);
        }
        self.indptr.push(self.indices.len());
    }

    /// A sparse copy of dense rows (every value kept, zeros included), all `cols` long.
    pub fn from_dense(rows: &[Vec<f32>], cols: usize) -> Self {
        let mut m = Csr::new(cols);
        for r in rows {
            m.push_row(r.iter().enumerate().map(|(c, &v)| (c as u32, v)));
        }
        m
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Columns and values of row `i`.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip() {
        let mut m = Csr::new(4);
        m.push_row([(1, 2.0), (3, -1.0)]);
        m.push_row([]);
        m.push_row([(0, 5.0)]);
        assert_eq!(m.rows(), 3);
        assert_eq!(m.row(0), (&[1u32, 3][..], &[2.0f32, -1.0][..]));
        assert_eq!(m.row(1).0.len(), 0);
        assert_eq!(m.row(2), (&[0u32][..], &[5.0f32][..]));
        let d = Csr::from_dense(&[vec![1.0, 0.0]], 2);
        assert_eq!(d.row(0), (&[0u32, 1][..], &[1.0f32, 0.0][..]));
    }
}
