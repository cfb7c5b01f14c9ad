//! A token embedding table: row 0 is the padding token (always zero), rows are drawn from
//! a normal distribution or given (pretrained vectors), and the table is either trained or
//! frozen (a buffer: saved with the weights, never updated).

use crate::error::{NnError, Result};
use crate::graph::{Graph, Var};
use crate::ops;
use crate::params::{normal, ParamId, ParamStore};
use crate::Float;

/// `(vocab, dim)` embedding rows.
#[derive(Clone, Debug)]
pub struct Embedding {
    /// `(vocab, dim)`.
    pub weight: ParamId,
    /// Rows.
    pub vocab: usize,
    /// Values per row.
    pub dim: usize,
}

impl Embedding {
    /// Register `<name>.weight (vocab, dim)`: `init` values (row-major, `vocab * dim`) or,
    /// without them, `N(0, std²)` draws; row 0 is set to zero either way. `frozen` makes
    /// it a buffer.
    #[allow(clippy::too_many_arguments)]
    pub fn new<E: Float>(
        store: &mut ParamStore<E>,
        name: &str,
        vocab: usize,
        dim: usize,
        init: Option<&[f32]>,
        std: f64,
        frozen: bool,
        rng: &mut impl rand::Rng,
    ) -> Result<Self> {
        if vocab == 0 || dim == 0 {
            return Err(NnError::config(
                name,
                format!("an embedding needs rows and columns, got {vocab} x {dim}"),
            ));
        }
        let mut values: Vec<E> = match init {
            Some(v) if v.len() != vocab * dim => {
                return Err(NnError::Param {
                    name: format!("{name}.weight"),
                    message: format!("{} initial values for {vocab} x {dim}", v.len()),
                })
            }
            Some(v) => v.iter().map(|x| E::of(f64::from(*x))).collect(),
            None => (0..vocab * dim).map(|_| E::of(normal(rng) * std)).collect(),
        };
        values[..dim].fill(E::zero());
        let wname = format!("{name}.weight");
        let weight = if frozen {
            store.add_buffer(&wname, &[vocab, dim], values)?
        } else {
            store.add(&wname, &[vocab, dim], values, false)?
        };
        Ok(Embedding { weight, vocab, dim })
    }

    /// Look up `ids` (shape `dims`): `(dims..., dim)`.
    pub fn forward<E: Float>(
        &self,
        g: &Graph<E>,
        p: &ParamStore<E>,
        ids: &[usize],
        dims: &[usize],
    ) -> Result<Var<E>> {
        ops::embedding(g, &p.var(g, self.weight), ids, dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testutil::rng;

    #[test]
    fn frozen_tables_are_buffers_and_given_rows_are_kept() {
        let mut store = ParamStore::<f32>::new();
        let init: Vec<f32> = (0..6).map(|i| i as f32).collect();
        let e =
            Embedding::new(&mut store, "emb", 3, 2, Some(&init), 0.1, true, &mut rng()).unwrap();
        assert!(!store.trainable(e.weight));
        assert_eq!(store.values(e.weight), &[0.0, 0.0, 2.0, 3.0, 4.0, 5.0]);
        let t = Embedding::new(&mut store, "tok", 4, 2, None, 0.1, false, &mut rng()).unwrap();
        assert!(store.trainable(t.weight));
        assert_eq!(&store.values(t.weight)[..2], &[0.0, 0.0]);
        assert!(
            Embedding::new(&mut store, "x", 2, 2, Some(&init), 0.1, false, &mut rng()).is_err()
        );
    }
}
