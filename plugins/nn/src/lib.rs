//! serlab-nn: runtime-sized neural-network layers on dfdx 0.13, shared by serlab's neural
//! model plugins (`mlp`, `cnn-attention`, `lstm`, `text-cnn`, `text-bilstm` in
//! `plugins/neural`).
//!
//! Why this crate exists (measured facts in issue #5): dfdx's modules take their sizes as
//! const generics, its conv and pooling ops need the nightly compiler, it has no LSTM,
//! its CPU `slice` backward assigns instead of adding, and its gather, matmul backward and
//! single-threaded elementwise kernels were the hot spots of a training step. So:
//! - [`graph`]: dfdx's tape and gradients drive autodiff; values live in shared buffers
//!   with run-time dimensions ([`Var`]); one tape per forward pass ([`Graph`]).
//! - [`ops`]: custom ops with their own backward (linear and conv as multithreaded gemm,
//!   pooling, BatchNorm, a fused LSTM, masked attention pooling, token embedding lookup,
//!   masked max over time, losses), each checked
//!   against finite differences in `f64` ([`gradcheck`]). Their hot inner loops
//!   ([`ops::kernels`], [`ops::lstm_cell`]) are compiled per CPU and picked at run time
//!   (AVX-512, AVX2 or the portable baseline), so a default build runs wide where it can.
//! - [`layers`]: layers that register their parameters by name in a [`ParamStore`].
//! - [`optim`]: Adam/AdamW with decoupled weight decay, learning-rate schedules and
//!   gradient-norm clipping; [`checkpoint`]: safetensors files readable by Python.
//! - [`train`]: the training loop the plugins share (normalisation, class weights,
//!   augmentation, early stopping on the validation speakers, run events, stop handle).
//!
//! Everything runs on dfdx's `Cpu` device. A `cuda` build is not provided: the custom ops
//! are CPU kernels, and no GPU was available to write and test CUDA ones.

pub mod checkpoint;
pub mod error;
pub mod float;
pub mod gemm;
pub mod gradcheck;
pub mod graph;
pub mod layers;
pub mod ops;
pub mod optim;
pub mod params;
pub mod train;

pub use error::{NnError, Result};
pub use float::{sigmoid, sigmoid_fast, tanh_fast, Float};
pub use graph::{Grads, Graph, Node, Var};
pub use params::{Init, ParamId, ParamStore};
