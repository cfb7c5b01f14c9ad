//! The parameter registry: named dfdx tensors with run-time shapes.
//!
//! dfdx's parameter plumbing (`alloc_grads`, optimiser `update`, module save/load) works on
//! module types whose sizes are const generics; layers sized from a TOML file cannot use
//! it. Here every trainable tensor (and every buffer such as BatchNorm's running
//! statistics) is registered once under a unique dotted name (`conv1.weight`); layers keep
//! the returned [`ParamId`]s. The store is what the optimiser updates, what checkpoints
//! save, and what model selection snapshots and restores.

use crate::error::{NnError, Result};
use crate::graph::{Grads, Graph, Node, Var};
use crate::Float;
use dfdx::tensor::{Cpu, Tensor, TensorFromVec};
use rand::RngExt;
use std::sync::Arc;

/// A handle to a registered tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(pub(crate) usize);

/// How to draw initial values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// All zeros.
    Zeros,
    /// All ones.
    Ones,
    /// Uniform on `[-bound, bound]` (PyTorch's default for linear and conv layers uses
    /// `bound = 1 / sqrt(fan_in)`).
    Uniform(f64),
    /// Xavier/Glorot uniform for a `fan_in -> fan_out` map.
    Xavier {
        /// Inputs per output.
        fan_in: usize,
        /// Outputs per input.
        fan_out: usize,
    },
}

struct Entry<E: Float> {
    name: String,
    dims: Vec<usize>,
    tensor: Tensor<(usize,), E, Cpu>,
    node: Node<E>,
    cache: Arc<Vec<E>>,
    trainable: bool,
    decay: bool,
}

/// Named tensors: the trainable parameters and the buffers of a network.
pub struct ParamStore<E: Float> {
    dev: Cpu,
    entries: Vec<Entry<E>>,
}

impl<E: Float> Default for ParamStore<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Float> ParamStore<E> {
    /// An empty store.
    pub fn new() -> Self {
        ParamStore {
            dev: Cpu::default(),
            entries: Vec::new(),
        }
    }

    fn insert(
        &mut self,
        name: &str,
        dims: &[usize],
        values: Vec<E>,
        trainable: bool,
        decay: bool,
    ) -> Result<ParamId> {
        if self.find(name).is_some() {
            return Err(NnError::Param {
                name: name.into(),
                message: "registered twice".into(),
            });
        }
        let n: usize = dims.iter().product();
        if values.len() != n {
            return Err(NnError::Param {
                name: name.into(),
                message: format!("{} values for dimensions {dims:?}", values.len()),
            });
        }
        let tensor = self.dev.tensor_from_vec(values.clone(), (n,));
        let node = Node::of(&tensor);
        self.entries.push(Entry {
            name: name.into(),
            dims: dims.to_vec(),
            tensor,
            node,
            cache: Arc::new(values),
            trainable,
            decay,
        });
        Ok(ParamId(self.entries.len() - 1))
    }

    /// Register a trainable tensor with explicit values. `decay` says whether weight decay
    /// applies (weights yes; biases and normalisation scales usually not).
    pub fn add(
        &mut self,
        name: &str,
        dims: &[usize],
        values: Vec<E>,
        decay: bool,
    ) -> Result<ParamId> {
        self.insert(name, dims, values, true, decay)
    }

    /// Register a trainable tensor drawn from `init`.
    pub fn add_init(
        &mut self,
        name: &str,
        dims: &[usize],
        init: Init,
        decay: bool,
        rng: &mut impl rand::Rng,
    ) -> Result<ParamId> {
        let n: usize = dims.iter().product();
        let values = draw(init, n, rng);
        self.insert(name, dims, values, true, decay)
    }

    /// Register a buffer: saved and restored with the parameters, never trained.
    pub fn add_buffer(&mut self, name: &str, dims: &[usize], values: Vec<E>) -> Result<ParamId> {
        self.insert(name, dims, values, false, false)
    }

    /// The id of `name`.
    pub fn find(&self, name: &str) -> Option<ParamId> {
        self.entries
            .iter()
            .position(|e| e.name == name)
            .map(ParamId)
    }

    /// All ids, in registration order.
    pub fn ids(&self) -> impl Iterator<Item = ParamId> {
        (0..self.entries.len()).map(ParamId)
    }

    /// Number of registered tensors.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of trainable values.
    pub fn num_trainable(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.trainable)
            .map(|e| e.cache.len())
            .sum()
    }

    /// The name of `id`.
    pub fn name(&self, id: ParamId) -> &str {
        &self.entries[id.0].name
    }

    /// The dimensions of `id`.
    pub fn dims(&self, id: ParamId) -> &[usize] {
        &self.entries[id.0].dims
    }

    /// Whether `id` is trained (false for buffers).
    pub fn trainable(&self, id: ParamId) -> bool {
        self.entries[id.0].trainable
    }

    /// Whether weight decay applies to `id`.
    pub fn decays(&self, id: ParamId) -> bool {
        self.entries[id.0].decay
    }

    /// The values of `id`.
    pub fn values(&self, id: ParamId) -> &[E] {
        &self.entries[id.0].cache
    }

    /// The dfdx tensor of `id` (apply dfdx ops to it with `.retaped()`; its gradient is
    /// the parameter's gradient).
    pub fn tensor(&self, id: ParamId) -> &Tensor<(usize,), E, Cpu> {
        &self.entries[id.0].tensor
    }

    /// Replace the values of `id`.
    pub fn set(&mut self, id: ParamId, values: &[E]) -> Result<()> {
        let e = &mut self.entries[id.0];
        if values.len() != e.cache.len() {
            return Err(NnError::Param {
                name: e.name.clone(),
                message: format!("{} values given, {} expected", values.len(), e.cache.len()),
            });
        }
        e.tensor.copy_from(values);
        Arc::make_mut(&mut e.cache).copy_from_slice(values);
        Ok(())
    }

    /// `id` as a value in `g`; gradients flow into the parameter unless it is a buffer.
    pub fn var(&self, g: &Graph<E>, id: ParamId) -> Var<E> {
        let e = &self.entries[id.0];
        let node = e.trainable.then(|| e.node.clone());
        g.with_node(e.cache.clone(), e.dims.clone(), node, Some(id.0))
    }

    /// The gradient of `id` from a backward pass, or `None` when `id` took no part in it.
    pub fn grad<'a>(&self, grads: &'a mut Grads<E>, id: ParamId) -> Option<&'a mut [E]> {
        let e = &self.entries[id.0];
        if !e.trainable || !grads.used.contains(&id.0) {
            return None;
        }
        crate::graph::grad_of(&mut grads.inner, &e.node)
            .ok()
            .map(|v| v.as_mut_slice())
    }

    /// Apply the buffer updates (running statistics) queued during a pass.
    pub fn apply_updates(&mut self, updates: Vec<(usize, Vec<E>)>) -> Result<()> {
        for (i, v) in updates {
            self.set(ParamId(i), &v)?;
        }
        Ok(())
    }

    /// Buffer updates queued by a training pass.
    pub fn take_updates(grads: &mut Grads<E>) -> Vec<(usize, Vec<E>)> {
        std::mem::take(&mut grads.updates)
    }

    /// A copy of every tensor's values (for keeping the best epoch).
    pub fn snapshot(&self) -> Vec<Vec<E>> {
        self.entries.iter().map(|e| e.cache.to_vec()).collect()
    }

    /// Restore values taken by [`ParamStore::snapshot`].
    pub fn restore(&mut self, snap: &[Vec<E>]) -> Result<()> {
        if snap.len() != self.entries.len() {
            return Err(NnError::Param {
                name: "*".into(),
                message: format!(
                    "snapshot has {} tensors, the store {}",
                    snap.len(),
                    self.entries.len()
                ),
            });
        }
        for (i, v) in snap.iter().enumerate() {
            self.set(ParamId(i), v)?;
        }
        Ok(())
    }
}

/// Draw `n` values from `init`.
pub fn draw<E: Float>(init: Init, n: usize, rng: &mut impl rand::Rng) -> Vec<E> {
    match init {
        Init::Zeros => vec![E::zero(); n],
        Init::Ones => vec![E::one(); n],
        Init::Uniform(b) => (0..n).map(|_| E::of(rng.random_range(-b..=b))).collect(),
        Init::Xavier { fan_in, fan_out } => {
            let b = (6.0 / (fan_in + fan_out).max(1) as f64).sqrt();
            (0..n).map(|_| E::of(rng.random_range(-b..=b))).collect()
        }
    }
}

/// A standard normal draw (Box–Muller; `rand_distr` would add a dependency for one line).
pub fn normal(rng: &mut impl rand::Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
