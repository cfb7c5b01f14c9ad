//! The exported declaration and the macro that writes it for a plugin author.

use std::ffi::c_char;

/// Changes if the layout of [`PluginDeclaration`] itself ever changes.
pub const ABI_MAGIC: u32 = 0x5345_5202; // "SER" v2: the panic strategy was added

/// serlab-api's version, NUL-terminated.
pub const CORE_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
/// The rustc that compiled this copy of serlab-api, NUL-terminated.
pub const RUSTC_VERSION: &str = concat!(env!("SERLAB_RUSTC_VERSION"), "\0");
/// A hash of serlab-api's source tokens (comments and spacing left out): any change to the
/// interface changes it, an engine change never does. NUL-terminated.
pub const INTERFACE_HASH: &str = concat!(env!("SERLAB_INTERFACE_HASH"), "\0");

/// What a plugin exports under the symbol `serlab_plugin_declaration`.
///
/// Only the C-layout prefix (`magic` and the C strings) is read before the handshake
/// succeeds; `register` is a Rust function and is called only afterwards.
#[repr(C)]
pub struct PluginDeclaration {
    /// Must equal [`ABI_MAGIC`].
    pub magic: u32,
    /// The plugin's name, NUL-terminated.
    pub name: *const c_char,
    /// The plugin crate's version, NUL-terminated.
    pub version: *const c_char,
    /// [`CORE_VERSION`] as the plugin saw it.
    pub core_version: *const c_char,
    /// [`RUSTC_VERSION`] as the plugin saw it.
    pub rustc_version: *const c_char,
    /// [`INTERFACE_HASH`] as the plugin saw it.
    pub interface_hash: *const c_char,
    /// The panic strategy the plugin was compiled with (`unwind` or `abort`), as
    /// [`panic_strategy`] saw it inside the plugin. A plugin built with `panic = "abort"`
    /// would take the host down on its first panic, so the host refuses it.
    pub panic_strategy: *const c_char,
    /// Adds the plugin's components to the registrar.
    pub register: fn(&mut super::Registrar),
}

/// The panic strategy of the crate this is compiled into, NUL-terminated; `export_plugin!`
/// expands `cfg!(panic = ...)` in the plugin itself, this function is the host's copy.
pub const fn panic_strategy() -> &'static str {
    if cfg!(panic = "unwind") {
        "unwind\0"
    } else {
        "abort\0"
    }
}

// SAFETY: the pointers point to 'static NUL-terminated string literals.
unsafe impl Sync for PluginDeclaration {}

/// Writes the `serlab_plugin_declaration` symbol of a plugin.
///
/// ```ignore
/// serlab_api::export_plugin!("my-plugin", register);
/// fn register(r: &mut serlab_api::plugin::Registrar) {
///     r.model::<MyModel>();
/// }
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($name:expr, $register:path) => {
        /// The serlab plugin declaration: read by the host's handshake before any call.
        #[no_mangle]
        #[allow(non_upper_case_globals)]
        pub static serlab_plugin_declaration: $crate::plugin::PluginDeclaration =
            $crate::plugin::PluginDeclaration {
                magic: $crate::plugin::ABI_MAGIC,
                name: concat!($name, "\0").as_ptr() as *const ::std::ffi::c_char,
                version: concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr()
                    as *const ::std::ffi::c_char,
                core_version: $crate::plugin::CORE_VERSION.as_ptr() as *const ::std::ffi::c_char,
                rustc_version: $crate::plugin::RUSTC_VERSION.as_ptr() as *const ::std::ffi::c_char,
                interface_hash: $crate::plugin::INTERFACE_HASH.as_ptr()
                    as *const ::std::ffi::c_char,
                panic_strategy: if cfg!(panic = "unwind") {
                    "unwind\0"
                } else {
                    "abort\0"
                }
                .as_ptr() as *const ::std::ffi::c_char,
                register: {
                    fn __serlab_register(r: &mut $crate::plugin::Registrar) {
                        $crate::plugin::guard::install_panic_hook();
                        $crate::plugin::guard::register_guarded(r, $register)
                    }
                    __serlab_register
                },
            };
    };
}
