//! The one error type of serlab-api.
//!
//! Every variant carries the context a researcher needs to fix the problem without a
//! debugger: the file, the TOML key, the plugin and component, the fold. Errors that come
//! back from a plugin are flattened to text inside the plugin (see [`crate::plugin`]) so that
//! no error value ever points into a library's code after that library could be unloaded.

use std::path::PathBuf;

/// Result alias used throughout serlab.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in serlab.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// An audio file exists but cannot be used (not audio, truncated, empty, silent, NaN).
    #[error("audio file {path}: {reason}")]
    Audio {
        /// The audio file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// An experiment file or a component's parameter table is invalid.
    #[error("{file}: {key}: {message}")]
    Config {
        /// The TOML file (or a component name for a parameter table).
        file: String,
        /// The offending key, dotted (`models.rf.n_trees`), or `-` for the whole file.
        key: String,
        /// What was expected.
        message: String,
    },
    /// A component (feature extractor, model, fusion) is not provided by any loaded plugin.
    #[error("unknown {kind} `{name}`{}; available: {available}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownComponent {
        /// `feature extractor`, `model` or `fusion`.
        kind: &'static str,
        /// The name written in the experiment.
        name: String,
        /// The closest known name, if any is close.
        suggestion: Option<String>,
        /// The names that are known, comma-separated.
        available: String,
    },
    /// A plugin library could not be opened or does not export a serlab declaration.
    #[error("plugin {path}: {message}")]
    PluginLoad {
        /// The library file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A plugin was built against another serlab-api, rustc or interface than this host.
    #[error("plugin `{plugin}` ({path}) was built with {what} {plugin_has}, but this serlab uses {host_has}; rebuild the plugin")]
    PluginMismatch {
        /// The plugin's declared name.
        plugin: String,
        /// The library file.
        path: PathBuf,
        /// What differs: `serlab-api version`, `rustc` or `serlab-api interface`.
        what: &'static str,
        /// The plugin's value.
        plugin_has: String,
        /// The host's value.
        host_has: String,
    },
    /// Two different libraries declare one plugin name: the first found is loaded, the
    /// other is ignored (the same library found twice, e.g. cargo's `deps/` copy, is not this).
    #[error("plugin `{plugin}` is declared by two libraries: {kept} (loaded) and {ignored} (ignored); remove one, or rename one plugin")]
    PluginShadowed {
        /// The plugin name both declare.
        plugin: String,
        /// The library loaded (found first).
        kept: PathBuf,
        /// The library ignored.
        ignored: PathBuf,
    },
    /// Code inside a plugin panicked; the panic was caught inside the plugin.
    #[error("plugin `{plugin}` panicked in {component}::{during}: {message}")]
    PluginPanic {
        /// The plugin's name.
        plugin: String,
        /// The component whose method panicked.
        component: String,
        /// The method (`fit`, `extract`, ...).
        during: &'static str,
        /// The panic message and location.
        message: String,
    },
    /// A plugin component returned an error.
    #[error("plugin `{plugin}`, {component}::{during}: {message}")]
    Plugin {
        /// The plugin's name.
        plugin: String,
        /// The component.
        component: String,
        /// The method.
        during: &'static str,
        /// The component's message.
        message: String,
    },
    /// A corpus folder or manifest is unusable.
    #[error("corpus {path}: {message}")]
    Corpus {
        /// The corpus folder or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A run folder cannot be used: its results, fold parts or configuration are unreadable,
    /// belong to another experiment, or are incomplete for what was asked.
    #[error("run folder {path}: {message}")]
    RunFolder {
        /// The run folder or the file in it.
        path: PathBuf,
        /// What is wrong, and what to do.
        message: String,
    },
    /// A protocol cannot be built or a fold breaks speaker independence.
    #[error("protocol: {0}")]
    Protocol(String),
    /// Invalid data handed to a component (shapes, classes, empty sets).
    #[error("{0}")]
    InvalidInput(String),
    /// The run was stopped through its stop handle.
    #[error("stopped by the user")]
    Stopped,
    /// The run went to its end but systems failed: `results.json` lists each failure under
    /// its fold. When every system failed on every fold the run's status is `failed`.
    #[error("run folder {dir}: {failed} of {total} system evaluations (system x fold) failed; see `failures` in results.json")]
    SystemsFailed {
        /// The run folder.
        dir: PathBuf,
        /// Failed (system, fold) pairs.
        failed: usize,
        /// All (system, fold) pairs that were attempted.
        total: usize,
    },
    /// A signal (SIGINT, SIGTERM) stopped the run; the folder records it and can be resumed.
    #[error(
        "run folder {dir}: interrupted by {signal}; continue it with `serlab run --resume {dir}`"
    )]
    Interrupted {
        /// The run folder.
        dir: PathBuf,
        /// `SIGINT` or `SIGTERM`.
        signal: &'static str,
    },
}

impl Error {
    /// Shorthand for an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for an [`Error::Config`].
    pub fn config(
        file: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            file: file.into(),
            key: key.into(),
            message: message.into(),
        }
    }

    /// Shorthand for an [`Error::InvalidInput`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidInput(message.into())
    }
}
