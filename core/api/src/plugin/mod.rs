//! The plugin side of the boundary: the exported declaration, the registrar a plugin fills
//! in, and the panic guards compiled into every plugin.
//!
//! Rust has no stable ABI, so a plugin and the host must be built by the same rustc against
//! the same serlab-api source. The handshake ([`abi::PluginDeclaration`]) makes a mismatch
//! impossible to miss: the host reads its C strings (API version, rustc version, interface
//! hash, panic strategy) before it touches anything else and refuses the plugin with both
//! values on mismatch. The host-side loader lives in the engine.
//!
//! Panics: each cdylib carries its own copy of `std`, so a panic raised inside a plugin can
//! only be caught by that copy. The wrappers in [`guard`] are generic and therefore compiled
//! *into the plugin*; every trait object a plugin hands out is such a wrapper, which turns a
//! panic into [`crate::Error::PluginPanic`] before it reaches the host.
//!
//! Lifetime: every object created by a plugin keeps an `Arc<Library>` (host side), so the
//! code behind its vtable outlives it.

pub mod abi;
pub mod guard;
pub mod registry;

pub use abi::{PluginDeclaration, ABI_MAGIC, CORE_VERSION, INTERFACE_HASH, RUSTC_VERSION};
pub use registry::{
    ComponentInfo, ComponentKind, ExtractorComponent, ExtractorFactory, FusionComponent,
    FusionFactory, ModelComponent, ModelFactory, Registrar, TranscriberComponent,
    TranscriberFactory,
};
