//! What a backward pass hands back: the gradients by var, apart from the graph that
//! records the pass.

use super::{grad_of, Update, Var};
use crate::Float;
use dfdx::tensor::{Cpu, Gradients};
use std::collections::BTreeSet;

/// The gradients of one backward pass.
pub struct Grads<E: Float> {
    pub(crate) inner: Gradients<E, Cpu>,
    pub(crate) used: BTreeSet<usize>,
    pub(crate) updates: Vec<Update<E>>,
}

impl<E: Float> Grads<E> {
    /// The gradient of a var (zeros if nothing flowed into it); `None` for a constant.
    pub fn of(&mut self, v: &Var<E>) -> Option<&[E]> {
        let n = v.node.as_ref()?;
        grad_of(&mut self.inner, n).ok().map(|g| g.as_slice())
    }

    /// dfdx's gradients, for values made with dfdx ops.
    pub fn dfdx(&mut self) -> &mut Gradients<E, Cpu> {
        &mut self.inner
    }
}
