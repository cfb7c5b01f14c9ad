//! The one error type of serlab-nn.
//!
//! Layers and ops fail on shapes that do not fit (the message names the op and both
//! shapes), checkpoints on files that are not serlab-nn safetensors, training on bad
//! parameters or diverging losses. [`NnError`] converts into [`serlab_api::Error`], so
//! model plugins can use `?` across the boundary.

use std::path::PathBuf;

/// Result alias of serlab-nn.
pub type Result<T, E = NnError> = std::result::Result<T, E>;

/// Everything that can go wrong in serlab-nn.
#[derive(Debug, thiserror::Error)]
pub enum NnError {
    /// Operand shapes do not fit an op or a layer.
    #[error("{op}: {message}")]
    Shape {
        /// The op or layer (`conv2d`, `lstm`).
        op: &'static str,
        /// What does not fit, with the shapes.
        message: String,
    },
    /// A parameter name is registered twice, or a checkpoint lacks / adds a name.
    #[error("parameter `{name}`: {message}")]
    Param {
        /// The parameter's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A checkpoint file cannot be read, or is not a serlab-nn safetensors file.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A training or layer parameter is out of range.
    #[error("`{key}`: {message}")]
    Config {
        /// The parameter key (`lr`, `hidden`).
        key: String,
        /// What was expected.
        message: String,
    },
    /// Training data cannot be used (no utterances, NaN features, wrong feature kind).
    #[error("{0}")]
    Data(String),
    /// The loss or the gradients became NaN or infinite.
    #[error("training diverged: {0}")]
    NonFinite(String),
    /// dfdx's device reported an error (out of memory).
    #[error("dfdx device: {0}")]
    Device(String),
    /// Training was stopped through the stop handle.
    #[error("stopped by the user")]
    Stopped,
}

impl NnError {
    /// Shorthand for a [`NnError::Shape`].
    pub fn shape(op: &'static str, message: impl Into<String>) -> Self {
        NnError::Shape {
            op,
            message: message.into(),
        }
    }

    /// Shorthand for a [`NnError::Config`].
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        NnError::Config {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl From<dfdx::tensor::CpuError> for NnError {
    fn from(e: dfdx::tensor::CpuError) -> Self {
        NnError::Device(e.to_string())
    }
}

impl From<NnError> for serlab_api::Error {
    fn from(e: NnError) -> Self {
        match e {
            NnError::Stopped => serlab_api::Error::Stopped,
            NnError::Io { path, source } => serlab_api::Error::Io { path, source },
            NnError::Config { key, message } => {
                serlab_api::Error::config("neural model parameters", key, message)
            }
            other => serlab_api::Error::invalid(other.to_string()),
        }
    }
}
