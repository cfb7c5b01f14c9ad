//! The host side of plugins: finding libraries, the handshake, and the [`PluginSet`] the
//! runner builds components from. What a plugin itself sees (declaration, registrar,
//! guards) is [`serlab_api::plugin`], re-exported here so host code names one module.

pub mod discover;
pub mod loader;

pub use discover::{discover, search_dirs};
pub use loader::{Hosted, LoadedPlugin, PluginSet, Refusal};
pub use serlab_api::plugin::*;
