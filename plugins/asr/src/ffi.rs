//! The part of PocketSphinx's C API serlab calls, bound at run time with `dlopen`.
//!
//! This is the API of PocketSphinx 5prealpha (`libpocketsphinx.so.3`, with sphinxbase), the
//! version Debian 12 and Ubuntu 22.04 ship: a configuration from command-line style
//! arguments (`cmd_ln_parse_r` over `ps_args()`), then `ps_init`, and per utterance
//! `ps_start_utt` / `ps_process_raw` / `ps_end_utt` / `ps_get_hyp`.
//!
//! Why `dlopen` and not a link-time `-sys` crate: serlab must build, and every other
//! component must run, on machines without the recogniser; with the library loaded at run
//! time its absence is an error of this one component, with the command that installs it.

use libloading::Library;
use std::ffi::{c_char, c_int, c_void};

/// `cmd_ln_t *cmd_ln_parse_r(cmd_ln_t *, arg_t const *, int32, char *[], int32)`.
pub type CmdLnParseR =
    unsafe extern "C" fn(*mut c_void, *const c_void, i32, *mut *mut c_char, i32) -> *mut c_void;
/// `int cmd_ln_free_r(cmd_ln_t *)`.
pub type CmdLnFreeR = unsafe extern "C" fn(*mut c_void) -> c_int;
/// `arg_t const *ps_args(void)`.
pub type PsArgs = unsafe extern "C" fn() -> *const c_void;
/// `ps_decoder_t *ps_init(cmd_ln_t *)`.
pub type PsInit = unsafe extern "C" fn(*mut c_void) -> *mut c_void;
/// `int ps_free(ps_decoder_t *)`.
pub type PsFree = unsafe extern "C" fn(*mut c_void) -> c_int;
/// `int ps_start_utt(ps_decoder_t *)` and `int ps_end_utt(ps_decoder_t *)`.
pub type PsUtt = unsafe extern "C" fn(*mut c_void) -> c_int;
/// `int ps_process_raw(ps_decoder_t *, int16 const *, size_t, int no_search, int full_utt)`.
pub type PsProcessRaw = unsafe extern "C" fn(*mut c_void, *const i16, usize, c_int, c_int) -> c_int;
/// `char const *ps_get_hyp(ps_decoder_t *, int32 *out_best_score)`.
pub type PsGetHyp = unsafe extern "C" fn(*mut c_void, *mut i32) -> *const c_char;

/// The library and the functions looked up in it.
pub struct Api {
    /// `cmd_ln_parse_r` (sphinxbase, reached through pocketsphinx's dependencies).
    pub cmd_ln_parse_r: CmdLnParseR,
    /// `cmd_ln_free_r`.
    pub cmd_ln_free_r: CmdLnFreeR,
    /// `ps_args`.
    pub ps_args: PsArgs,
    /// `ps_init`.
    pub ps_init: PsInit,
    /// `ps_free`.
    pub ps_free: PsFree,
    /// `ps_start_utt`.
    pub ps_start_utt: PsUtt,
    /// `ps_process_raw`.
    pub ps_process_raw: PsProcessRaw,
    /// `ps_end_utt`.
    pub ps_end_utt: PsUtt,
    /// `ps_get_hyp`.
    pub ps_get_hyp: PsGetHyp,
    // Last: the function pointers above point into it.
    _lib: Library,
}

/// The shared library names tried, in order, when none is configured.
pub const LIBRARY_NAMES: [&str; 2] = ["libpocketsphinx.so.3", "libpocketsphinx.so"];

impl Api {
    /// Open `path` (or the first of [`LIBRARY_NAMES`] that opens) and look every function up.
    pub fn open(path: Option<&str>) -> Result<Api, String> {
        let names: Vec<&str> = match path {
            Some(p) => vec![p],
            None => LIBRARY_NAMES.to_vec(),
        };
        let mut why = Vec::new();
        let lib = names
            .iter()
            .find_map(|n| {
                // SAFETY: loading runs the library's initialisers; PocketSphinx's only set up
                // its own globals.
                match unsafe { Library::new(*n) } {
                    Ok(l) => Some(l),
                    Err(e) => {
                        why.push(e.to_string());
                        None
                    }
                }
            })
            .ok_or_else(|| why.join("; "))?;
        /// Look `name` up as a `T`.
        ///
        /// # Safety
        /// `T` must be the function's C signature.
        unsafe fn sym<T: Copy>(lib: &Library, name: &str) -> Result<T, String> {
            // SAFETY: guaranteed by the caller.
            unsafe { lib.get::<T>(name.as_bytes()) }
                .map(|s| *s)
                .map_err(|e| {
                    format!("`{name}` not found ({e}); this binding needs PocketSphinx 5prealpha")
                })
        }
        // SAFETY: the types above are the C signatures of these functions in PocketSphinx
        // 5prealpha and sphinxbase (pocketsphinx.h, cmd_ln.h).
        unsafe {
            Ok(Api {
                cmd_ln_parse_r: sym(&lib, "cmd_ln_parse_r")?,
                cmd_ln_free_r: sym(&lib, "cmd_ln_free_r")?,
                ps_args: sym(&lib, "ps_args")?,
                ps_init: sym(&lib, "ps_init")?,
                ps_free: sym(&lib, "ps_free")?,
                ps_start_utt: sym(&lib, "ps_start_utt")?,
                ps_process_raw: sym(&lib, "ps_process_raw")?,
                ps_end_utt: sym(&lib, "ps_end_utt")?,
                ps_get_hyp: sym(&lib, "ps_get_hyp")?,
                _lib: lib,
            })
        }
    }
}
