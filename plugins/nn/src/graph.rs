//! Values, their gradients, and the tape that connects them.
//!
//! dfdx tensors carry their shape as a type and their data behind a private field, so
//! runtime-sized layers cannot read a tensor's values without copying them, and dfdx's
//! per-tensor tapes lose gradients when a value is used twice and only one use carries
//! the tape to the loss (issue #5). This module keeps dfdx for what it does well and
//! does the rest here:
//! - **dfdx provides** the gradient machinery: the [`OwnedTape`] that records backward
//!   closures in time order, [`Gradients`] keyed by tensor identity (allocating zeroed
//!   buffers on demand) and `backward()` that runs the tape in reverse. Parameters are
//!   dfdx tensors ([`crate::ParamStore`]), so any dfdx op can still be applied to them.
//! - **A [`Var`]** holds its values in a shared buffer the custom ops read without
//!   copying, its dimensions at run time, and — when a gradient must flow through it —
//!   a [`Node`]: the ghost of a dfdx tensor (its identity in [`Gradients`]; dfdx does not
//!   export the ghost's type, so the node wraps the lookup in a closure).
//! - **A [`Graph`]** owns one tape for a whole forward pass; every op appends its backward
//!   closure to it. Using a value twice is therefore always safe, and every backward
//!   closure *adds* into input gradients (never assigns, the slice bug of dfdx 0.13).
//!
//! A graph made by [`Graph::inference`] records nothing and creates no identities.

use crate::error::{NnError, Result};
use crate::Float;
use dfdx::prelude::{Backward, PutTape, ZerosTensor};
use dfdx::shapes::Shape;
use dfdx::tensor::{Cpu, CpuError, Gradients, OwnedTape, Tape, Tensor};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::Arc;

type Locate<E> = dyn for<'a> Fn(&'a mut Gradients<E, Cpu>) -> std::result::Result<&'a mut Vec<E>, CpuError>
    + Send
    + Sync;

/// The identity of a value in dfdx's [`Gradients`]: finds (allocating, zeroed) its buffer.
#[derive(Clone)]
pub struct Node<E: Float>(Arc<Locate<E>>);

fn locator<E: Float, F>(f: F) -> F
where
    F: for<'a> Fn(&'a mut Gradients<E, Cpu>) -> std::result::Result<&'a mut Vec<E>, CpuError>
        + Send
        + Sync,
{
    f
}

impl<E: Float> Node<E> {
    /// The node of a dfdx tensor: its ghost (the tensor's data is not kept alive).
    pub fn of<S: Shape, T>(t: &Tensor<S, E, Cpu, T>) -> Self {
        let ghost = t.ghost();
        Node(Arc::new(locator(move |g: &mut Gradients<E, Cpu>| {
            Ok(&mut **g.get_or_alloc_mut(&ghost)?)
        })))
    }
}

/// A value in a graph: row-major values with run-time dimensions, and an identity in the
/// gradients when one must flow through it. Cloning is cheap (shared buffer).
#[derive(Clone)]
pub struct Var<E: Float> {
    val: Arc<Vec<E>>,
    dims: Vec<usize>,
    node: Option<Node<E>>,
}

impl<E: Float> std::fmt::Debug for Var<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Var")
            .field("dims", &self.dims)
            .field("grad", &self.node.is_some())
            .finish()
    }
}

impl<E: Float> Var<E> {
    /// Dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The values, row-major.
    pub fn values(&self) -> &[E] {
        &self.val
    }

    /// The shared value buffer (for backward closures).
    pub fn shared(&self) -> Arc<Vec<E>> {
        self.val.clone()
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.val.len()
    }

    /// True for a value with no element.
    pub fn is_empty(&self) -> bool {
        self.val.is_empty()
    }

    /// Whether a gradient flows into this value.
    pub fn requires_grad(&self) -> bool {
        self.node.is_some()
    }

    /// The identity of this value in [`Gradients`], when it has one.
    pub fn node(&self) -> Option<&Node<E>> {
        self.node.as_ref()
    }

    /// The same values with other dimensions of the same total size. Free: the
    /// row-major layout and the gradient identity are shared.
    pub fn reshape(&self, dims: &[usize]) -> Result<Var<E>> {
        if dims.iter().product::<usize>() != self.len() {
            return Err(NnError::shape(
                "reshape",
                format!("cannot view {:?} as {dims:?}", self.dims),
            ));
        }
        Ok(Var {
            val: self.val.clone(),
            dims: dims.to_vec(),
            node: self.node.clone(),
        })
    }

    /// The scalar value of a one-element var.
    pub fn scalar(&self) -> E {
        self.val[0]
    }
}

/// The mutable gradient buffer of `node`, allocated (zeroed) on first use.
pub fn grad_of<'a, E: Float>(
    g: &'a mut Gradients<E, Cpu>,
    node: &Node<E>,
) -> std::result::Result<&'a mut Vec<E>, CpuError> {
    (node.0)(g)
}

/// Take the gradient of an op's *output* out of `g` (every consumer of the output ran its
/// backward already, because it was recorded later); frees the buffer early.
pub fn take_grad<E: Float>(
    g: &mut Gradients<E, Cpu>,
    node: &Node<E>,
) -> std::result::Result<Vec<E>, CpuError> {
    Ok(std::mem::take((node.0)(g)?))
}

type Update<E> = (usize, Vec<E>);

/// One forward pass: the tape every op records its backward closure on.
pub struct Graph<E: Float> {
    dev: Cpu,
    tape: RefCell<Option<OwnedTape<E, Cpu>>>,
    used: RefCell<BTreeSet<usize>>,
    updates: RefCell<Vec<Update<E>>>,
    training: bool,
}

impl<E: Float> Graph<E> {
    /// A graph that records for a backward pass, in training mode (dropout on, batch
    /// statistics in BatchNorm).
    pub fn train() -> Self {
        Self::make(true, true)
    }

    /// A graph that records nothing, in evaluation mode.
    pub fn inference() -> Self {
        Self::make(false, false)
    }

    /// A recording graph in evaluation mode (gradient checks of eval-mode layers).
    pub fn eval_recording() -> Self {
        Self::make(true, false)
    }

    /// A graph that records or not, in training or evaluation mode.
    pub fn make(record: bool, training: bool) -> Self {
        Graph {
            dev: Cpu::default(),
            tape: RefCell::new(record.then(OwnedTape::default)),
            used: RefCell::new(BTreeSet::new()),
            updates: RefCell::new(Vec::new()),
            training,
        }
    }

    /// Whether layers run in training mode.
    pub fn training(&self) -> bool {
        self.training
    }

    /// Whether ops record their backward closures.
    pub fn recording(&self) -> bool {
        self.tape.borrow().is_some()
    }

    /// The dfdx device.
    pub fn device(&self) -> &Cpu {
        &self.dev
    }

    /// A fresh identity for `len` values. The dfdx tensor behind it has a single value
    /// and is dropped at once (only its ghost, with its unique id, is kept); the gradient
    /// buffer grows to `len` zeros when first located. Allocating `len` values here
    /// instead cost a zero-fill of every op's output size per step (9% of a CNN epoch
    /// once the allocator keeps freed memory, see `serlab_api::allocator`).
    pub fn new_node(&self, len: usize) -> Node<E> {
        let t: Tensor<(usize,), E, Cpu> = self.dev.zeros_like(&(1,));
        let ghost = t.ghost();
        Node(Arc::new(locator(move |g: &mut Gradients<E, Cpu>| {
            let v: &mut Vec<E> = &mut **g.get_or_alloc_mut(&ghost)?;
            if v.len() != len {
                v.clear();
                v.resize(len, E::zero());
            }
            Ok(v)
        })))
    }

    /// A value no gradient flows into (inputs, targets, masks).
    pub fn constant(&self, val: Vec<E>, dims: &[usize]) -> Result<Var<E>> {
        check_len("constant", val.len(), dims)?;
        Ok(Var {
            val: Arc::new(val),
            dims: dims.to_vec(),
            node: None,
        })
    }

    /// A value that gradients flow into although no op produced it (gradient checks).
    pub fn leaf(&self, val: Vec<E>, dims: &[usize]) -> Result<Var<E>> {
        check_len("leaf", val.len(), dims)?;
        let node = self.recording().then(|| self.new_node(val.len()));
        Ok(Var {
            val: Arc::new(val),
            dims: dims.to_vec(),
            node,
        })
    }

    /// A var around an existing identity (parameters; see [`crate::ParamStore::var`]).
    pub(crate) fn with_node(
        &self,
        val: Arc<Vec<E>>,
        dims: Vec<usize>,
        node: Option<Node<E>>,
        param: Option<usize>,
    ) -> Var<E> {
        if let Some(p) = param {
            self.used.borrow_mut().insert(p);
        }
        let node = if self.recording() { node } else { None };
        Var { val, dims, node }
    }

    /// The output of an op over `inputs`: it gets an identity when the graph records and
    /// any input needs a gradient. Returns the var and, if so, its node for the closure.
    pub fn output(
        &self,
        val: Vec<E>,
        dims: &[usize],
        inputs: &[&Var<E>],
    ) -> Result<(Var<E>, Option<Node<E>>)> {
        check_len("output", val.len(), dims)?;
        let node = (self.recording() && inputs.iter().any(|v| v.requires_grad()))
            .then(|| self.new_node(val.len()));
        Ok((
            Var {
                val: Arc::new(val),
                dims: dims.to_vec(),
                node: node.clone(),
            },
            node,
        ))
    }

    /// Record a backward closure (only when recording).
    pub fn push<F>(&self, f: F)
    where
        F: 'static + FnOnce(&mut Gradients<E, Cpu>) -> std::result::Result<(), CpuError>,
    {
        if let Some(t) = self.tape.borrow_mut().as_mut() {
            t.add_backward_op(f);
        }
    }

    /// Merge a dfdx tape (from dfdx ops applied to [`Graph::to_dfdx`] tensors) into this one.
    pub fn merge_tape(&self, other: OwnedTape<E, Cpu>) {
        use dfdx::tensor::Merge;
        let mut t = self.tape.borrow_mut();
        if let Some(mine) = t.take() {
            *t = Some(mine.merge(other));
        }
    }

    /// A dfdx tensor holding a copy of `x`'s values, so any dfdx op can be applied; its
    /// gradient flows back into `x`. Bring the result back with [`Graph::from_dfdx`].
    pub fn to_dfdx(&self, x: &Var<E>) -> Tensor<(usize,), E, Cpu, OwnedTape<E, Cpu>> {
        let t: Tensor<(usize,), E, Cpu> = {
            use dfdx::tensor::TensorFromVec;
            self.dev.tensor_from_vec(x.values().to_vec(), (x.len(),))
        };
        if let Some(xn) = x.node.clone() {
            let tn = Node::of(&t);
            self.push(move |g| {
                let gt = take_grad(g, &tn)?;
                let gx = grad_of(g, &xn)?;
                for (a, b) in gx.iter_mut().zip(&gt) {
                    *a += *b;
                }
                Ok(())
            });
        }
        t.put_tape(OwnedTape::default())
    }

    /// Bring the result of dfdx ops back into this graph with dimensions `dims`.
    pub fn from_dfdx(
        &self,
        t: Tensor<(usize,), E, Cpu, OwnedTape<E, Cpu>>,
        dims: &[usize],
    ) -> Result<Var<E>> {
        use dfdx::tensor::SplitTape;
        let (t, tape) = t.split_tape();
        self.merge_tape(tape);
        let val = t.as_vec();
        check_len("from_dfdx", val.len(), dims)?;
        Ok(Var {
            val: Arc::new(val),
            dims: dims.to_vec(),
            node: self.recording().then(|| Node::of(&t)),
        })
    }

    /// Queue a new value for a non-trained buffer (BatchNorm running statistics); the
    /// trainer applies it after the step with [`crate::ParamStore::apply_updates`].
    pub fn update_buffer(&self, param: crate::ParamId, values: Vec<E>) {
        self.updates.borrow_mut().push((param.0, values));
    }

    /// Run the tape backwards from the scalar `loss`.
    pub fn backward(self, loss: &Var<E>) -> Result<Grads<E>> {
        if loss.len() != 1 {
            return Err(NnError::shape(
                "backward",
                format!("the loss must be a scalar, got {:?}", loss.dims),
            ));
        }
        let mut tape = self.tape.borrow_mut().take().ok_or_else(|| {
            NnError::shape("backward", "this graph does not record (inference mode)")
        })?;
        if let Some(n) = loss.node.clone() {
            tape.add_backward_op(move |g| {
                grad_of(g, &n)?[0] += E::one();
                Ok(())
            });
        }
        let root: Tensor<(), E, Cpu> = self.dev.zeros();
        let inner = root.put_tape(tape).try_backward()?;
        Ok(Grads {
            inner,
            used: self.used.take(),
            updates: self.updates.take(),
        })
    }

    /// Buffer updates queued by a graph that will not run backward (evaluation).
    pub fn take_updates(&self) -> Vec<(usize, Vec<E>)> {
        self.updates.take()
    }
}

fn check_len(what: &'static str, len: usize, dims: &[usize]) -> Result<()> {
    if dims.iter().product::<usize>() != len {
        return Err(NnError::shape(
            what,
            format!("{len} values do not fill dimensions {dims:?}"),
        ));
    }
    Ok(())
}

mod grads;
pub use grads::Grads;

#[cfg(test)]
mod tests;
