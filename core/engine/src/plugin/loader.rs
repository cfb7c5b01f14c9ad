//! Finding, handshaking and loading plugin libraries; looking components up by name.

use super::discover::{digest, discover, search_dirs};
use crate::suggest::closest;
use crate::{Error, FeatureExtractor, Fusion, Model, Result, Transcriber};
use libloading::Library;
use serlab_api::plugin::abi::panic_strategy;
use serlab_api::plugin::{
    ComponentInfo, ComponentKind, PluginDeclaration, Registrar, ABI_MAGIC, CORE_VERSION,
    INTERFACE_HASH, RUSTC_VERSION,
};
use std::ffi::{c_char, CStr};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A trait object created by a plugin, holding its library alive.
///
/// Field order matters: `inner` is dropped before `_lib`, so the vtable is still mapped.
pub struct Hosted<T: ?Sized> {
    inner: Box<T>,
    _lib: Option<Arc<Library>>,
    /// The plugin that made it.
    pub plugin: String,
}

impl<T: ?Sized> Deref for Hosted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for Hosted<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

/// A plugin whose handshake succeeded and whose components are registered.
pub struct LoadedPlugin {
    /// Declared name.
    pub name: String,
    /// Declared version.
    pub version: String,
    /// Library file, or `None` for components compiled into the host.
    pub path: Option<PathBuf>,
    /// Hash of the library's contents, to tell the same library found twice from a clash.
    digest: Option<[u8; 32]>,
    registrar: Registrar,
    // Dropped after `registrar`, whose factories live in the library.
    lib: Option<Arc<Library>>,
}

impl LoadedPlugin {
    /// Self-descriptions of the plugin's components.
    pub fn components(&self) -> Vec<ComponentInfo> {
        self.registrar.components()
    }

    /// The plugin's registrar (its factories), e.g. for the conformance suite.
    pub fn registrar(&self) -> &Registrar {
        &self.registrar
    }
}

/// A library that was found but not loaded, and why ([`Error::PluginShadowed`] when another
/// library already declared its plugin name: a warning rather than a failure).
#[derive(Debug)]
pub struct Refusal {
    /// The library file.
    pub path: PathBuf,
    /// Why it was refused.
    pub error: Error,
}

/// All loaded plugins, and the libraries refused on the way.
#[derive(Default)]
pub struct PluginSet {
    /// Plugins in load order; on a name clash the first one wins.
    pub plugins: Vec<LoadedPlugin>,
    /// Libraries that failed the handshake or registration, or that declare a plugin name
    /// another library already declared.
    pub refused: Vec<Refusal>,
}

/// Whether `a` and `b` are one cargo artifact in its two places: `D/libx.so` and
/// `D/deps/libx.so`. Cargo refreshes only `deps/` when it builds a cdylib as a dependency
/// (`cargo test`), so the two may differ while being the same plugin at two ages; the
/// copy found first is kept without a warning (the executable's own folder comes first in
/// [`search_dirs`], so a test binary in `deps/` gets the fresh one). Warning about it
/// would flag every workspace checkout.
fn cargo_copies(a: &Path, b: &Path) -> bool {
    let (Some(na), Some(nb)) = (a.file_name(), b.file_name()) else {
        return false;
    };
    let (Some(da), Some(db)) = (a.parent(), b.parent()) else {
        return false;
    };
    na == nb && (da.join("deps") == db || db.join("deps") == da)
}

/// # Safety
/// `p` must be null or point to a NUL-terminated string.
unsafe fn c_text(p: *const c_char) -> String {
    if p.is_null() {
        return "<missing>".into();
    }
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn strip_nul(s: &str) -> &str {
    s.trim_end_matches('\0')
}

impl PluginSet {
    /// Load every plugin found in [`search_dirs`]`(extra)`.
    pub fn load_default(extra: &[PathBuf]) -> Self {
        let mut set = PluginSet::default();
        for path in discover(&search_dirs(extra)) {
            set.load(&path);
        }
        set
    }

    /// Add components compiled into the host (no library).
    pub fn add_static(&mut self, name: &str, register: fn(&mut Registrar)) {
        let mut registrar = Registrar::new(name);
        register(&mut registrar);
        self.plugins.push(LoadedPlugin {
            name: name.into(),
            version: strip_nul(CORE_VERSION).into(),
            path: None,
            digest: None,
            registrar,
            lib: None,
        });
    }

    /// Load one library. A refusal is recorded in [`PluginSet::refused`] and returned. When
    /// the plugin's name is already loaded the first found wins: from an identical library
    /// (the same file found twice) silently, from a different one with an
    /// [`Error::PluginShadowed`] refusal naming both files.
    pub fn load(&mut self, path: &Path) -> Option<&Refusal> {
        match self.try_load(path) {
            Ok(Some(p)) => {
                self.plugins.push(p);
                None
            }
            Ok(None) => None,
            Err(error) => {
                self.refused.push(Refusal {
                    path: path.to_path_buf(),
                    error,
                });
                self.refused.last()
            }
        }
    }

    fn try_load(&self, path: &Path) -> Result<Option<LoadedPlugin>> {
        let load_err = |message: String| Error::PluginLoad {
            path: path.to_path_buf(),
            message,
        };
        // SAFETY: loading a library runs its initialisers; serlab plugins have none beyond
        // what Rust's std sets up. This is the documented risk of any native plugin system.
        let lib = unsafe { Library::new(path) }.map_err(|e| load_err(e.to_string()))?;
        // SAFETY: the symbol is a `PluginDeclaration` static written by `export_plugin!`;
        // only its `#[repr(C)]` prefix of plain C values is read before the handshake.
        let decl: &PluginDeclaration = unsafe {
            let sym = lib
                .get::<*const PluginDeclaration>(b"serlab_plugin_declaration\0")
                .map_err(|_| {
                    load_err("not a serlab plugin (no `serlab_plugin_declaration` symbol)".into())
                })?;
            &**sym
        };
        if decl.magic != ABI_MAGIC {
            return Err(load_err(format!(
                "plugin declaration format {:#x}, expected {ABI_MAGIC:#x}; rebuild the plugin",
                decl.magic
            )));
        }
        // SAFETY: the magic matched, so these are NUL-terminated strings from the macro.
        let (name, version, core, rustc, hash, panic) = unsafe {
            (
                c_text(decl.name),
                c_text(decl.version),
                c_text(decl.core_version),
                c_text(decl.rustc_version),
                c_text(decl.interface_hash),
                c_text(decl.panic_strategy),
            )
        };
        let digest = digest(path);
        if let Some(first) = self.plugins.iter().find(|p| p.name == name) {
            if (first.digest.is_some() && first.digest == digest)
                || first.path.as_deref().is_some_and(|p| cargo_copies(p, path))
            {
                return Ok(None);
            }
            return Err(Error::PluginShadowed {
                plugin: name,
                kept: first
                    .path
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("<built into serlab>")),
                ignored: path.to_path_buf(),
            });
        }
        let mismatch = |what, plugin_has: String, host_has: &str| Error::PluginMismatch {
            plugin: name.clone(),
            path: path.to_path_buf(),
            what,
            plugin_has,
            host_has: strip_nul(host_has).to_string(),
        };
        if core != strip_nul(CORE_VERSION) {
            return Err(mismatch("serlab-api version", core, CORE_VERSION));
        }
        if rustc != strip_nul(RUSTC_VERSION) {
            return Err(mismatch("rustc", rustc, RUSTC_VERSION));
        }
        if hash != strip_nul(INTERFACE_HASH) {
            return Err(mismatch("serlab-api interface", hash, INTERFACE_HASH));
        }
        // A plugin built with `panic = "abort"` would abort the host on its first panic,
        // before any guard could turn it into an error.
        if panic != strip_nul(panic_strategy()) {
            return Err(mismatch("panic strategy", panic, panic_strategy()));
        }
        let mut registrar = Registrar::new(&name);
        (decl.register)(&mut registrar);
        if let Some(e) = registrar.take_failure() {
            return Err(e);
        }
        Ok(Some(LoadedPlugin {
            name,
            version,
            path: Some(path.to_path_buf()),
            digest,
            registrar,
            lib: Some(Arc::new(lib)),
        }))
    }

    fn names(&self, kind: ComponentKind) -> Vec<String> {
        let mut v: Vec<String> = self
            .plugins
            .iter()
            .flat_map(|p| p.components())
            .filter(|c| c.kind == kind)
            .map(|c| c.name)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn unknown(&self, kind: ComponentKind, name: &str) -> Error {
        let names = self.names(kind);
        Error::UnknownComponent {
            kind: kind.label(),
            name: name.into(),
            suggestion: closest(name, names.iter().map(String::as_str)).map(str::to_string),
            available: if names.is_empty() {
                "none (no plugin loaded)".into()
            } else {
                names.join(", ")
            },
        }
    }

    /// The self-description of component `name` of `kind`.
    pub fn info(&self, kind: ComponentKind, name: &str) -> Result<(String, ComponentInfo)> {
        for p in &self.plugins {
            if let Some(c) = p
                .components()
                .into_iter()
                .find(|c| c.kind == kind && c.name == name)
            {
                return Ok((p.name.clone(), c));
            }
        }
        Err(self.unknown(kind, name))
    }

    /// The first plugin whose registrar makes `name` (through `make`), the component
    /// wrapped with that plugin's library so the code behind its vtable outlives it.
    fn hosted<T: ?Sized>(
        &self,
        kind: ComponentKind,
        name: &str,
        make: impl Fn(&Registrar) -> Option<Result<Box<T>>>,
    ) -> Result<Hosted<T>> {
        for p in &self.plugins {
            if let Some(inner) = make(&p.registrar) {
                return Ok(Hosted {
                    inner: inner?,
                    _lib: p.lib.clone(),
                    plugin: p.name.clone(),
                });
            }
        }
        Err(self.unknown(kind, name))
    }

    /// A new feature extractor `name` configured by the TOML table `params`.
    pub fn extractor(&self, name: &str, params: &str) -> Result<Hosted<dyn FeatureExtractor>> {
        self.hosted(ComponentKind::Extractor, name, |r| {
            let f = r
                .extractor_factories()
                .iter()
                .find(|f| f.info().name == name);
            f.map(|f| f.create(params))
        })
    }

    /// A new model `name` configured by the TOML table `params`.
    pub fn model(&self, name: &str, params: &str) -> Result<Hosted<dyn Model>> {
        self.hosted(ComponentKind::Model, name, |r| {
            let f = r.model_factories().iter().find(|f| f.info().name == name);
            f.map(|f| f.create(params))
        })
    }

    /// A new fusion `name` configured by the TOML table `params`.
    pub fn fusion(&self, name: &str, params: &str) -> Result<Hosted<dyn Fusion>> {
        self.hosted(ComponentKind::Fusion, name, |r| {
            let f = r.fusion_factories().iter().find(|f| f.info().name == name);
            f.map(|f| f.create(params))
        })
    }

    /// A new transcriber `name` configured by the TOML table `params`.
    pub fn transcriber(&self, name: &str, params: &str) -> Result<Hosted<dyn Transcriber>> {
        self.hosted(ComponentKind::Transcriber, name, |r| {
            let f = r
                .transcriber_factories()
                .iter()
                .find(|f| f.info().name == name);
            f.map(|f| f.create(params))
        })
    }
}
