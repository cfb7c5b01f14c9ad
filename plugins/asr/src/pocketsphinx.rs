//! `pocketsphinx`: offline US-English speech recognition with CMU PocketSphinx and its
//! generic language model.

use crate::ffi::Api;
use serde::{Deserialize, Serialize};
use serlab_api::{Audio, Component, Error, Result, Transcriber};
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::PathBuf;
use std::sync::Mutex;

/// How to install what this component needs (Debian / Ubuntu).
pub const INSTALL: &str = "apt-get install libpocketsphinx3 pocketsphinx-en-us";

/// Where Debian's `pocketsphinx-en-us` puts the US-English model.
pub const DEFAULT_MODEL_DIR: &str = "/usr/share/pocketsphinx/model/en-us";

/// Parameters of `pocketsphinx`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PocketSphinxParams {
    /// The shared library; empty to try `libpocketsphinx.so.3`, then `libpocketsphinx.so`.
    pub library: String,
    /// Folder of the model: `en-us/` (acoustic model), `en-us.lm.bin`, `cmudict-en-us.dict`.
    pub model_dir: PathBuf,
    /// Acoustic model folder; empty for `<model_dir>/en-us`.
    pub hmm: String,
    /// Language model; empty for `<model_dir>/en-us.lm.bin`.
    pub lm: String,
    /// Pronunciation dictionary; empty for `<model_dir>/cmudict-en-us.dict`.
    pub dict: String,
}

impl Default for PocketSphinxParams {
    fn default() -> Self {
        PocketSphinxParams {
            library: String::new(),
            model_dir: PathBuf::from(DEFAULT_MODEL_DIR),
            hmm: String::new(),
            lm: String::new(),
            dict: String::new(),
        }
    }
}

/// A decoder and its configuration.
struct Decoder {
    ps: *mut c_void,
    config: *mut c_void,
}

// SAFETY: the decoder is only used behind a `Mutex`, one call at a time; PocketSphinx
// keeps no thread-local state.
unsafe impl Send for Decoder {}

/// The `pocketsphinx` transcriber.
pub struct PocketSphinx {
    decoder: Mutex<Decoder>,
    // Last: the decoder's code lives in it.
    api: Api,
}

fn unavailable(what: String) -> Error {
    Error::invalid(format!(
        "transcriber `pocketsphinx` is unavailable: {what}. Install it with `{INSTALL}`"
    ))
}

impl Component for PocketSphinx {
    const NAME: &'static str = "pocketsphinx";
    const SUMMARY: &'static str =
        "offline US-English speech-to-text with CMU PocketSphinx (needs libpocketsphinx3 and pocketsphinx-en-us)";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[
        (
            "library",
            "shared library to load (default: libpocketsphinx.so.3, then libpocketsphinx.so)",
        ),
        (
            "model_dir",
            "model folder (default /usr/share/pocketsphinx/model/en-us)",
        ),
        ("hmm", "acoustic model folder (default <model_dir>/en-us)"),
        ("lm", "language model (default <model_dir>/en-us.lm.bin)"),
        (
            "dict",
            "pronunciation dictionary (default <model_dir>/cmudict-en-us.dict)",
        ),
    ];
    type Params = PocketSphinxParams;

    fn new(p: PocketSphinxParams) -> Result<Self> {
        let api = Api::open((!p.library.is_empty()).then_some(p.library.as_str()))
            .map_err(|e| unavailable(format!("the library could not be loaded ({e})")))?;
        let pick = |given: &str, default: &str| -> PathBuf {
            if given.is_empty() {
                p.model_dir.join(default)
            } else {
                PathBuf::from(given)
            }
        };
        let files = [
            ("-hmm", pick(&p.hmm, "en-us")),
            ("-lm", pick(&p.lm, "en-us.lm.bin")),
            ("-dict", pick(&p.dict, "cmudict-en-us.dict")),
        ];
        for (_, f) in &files {
            if !f.exists() {
                return Err(unavailable(format!(
                    "model file {} is missing",
                    f.display()
                )));
            }
        }
        let mut args: Vec<(String, String)> = files
            .iter()
            .map(|(k, f)| (k.to_string(), f.display().to_string()))
            .collect();
        // PocketSphinx logs every step to stderr; that would tear a terminal dashboard.
        args.push(("-logfn".into(), "/dev/null".into()));
        let owned: Vec<CString> = args
            .iter()
            .flat_map(|(k, v)| [k.as_str(), v.as_str()])
            .map(|s| CString::new(s).map_err(|_| unavailable(format!("bad path `{s}`"))))
            .collect::<Result<_>>()?;
        let mut argv: Vec<*mut c_char> = owned.iter().map(|s| s.as_ptr() as *mut c_char).collect();
        // SAFETY: argv holds `argv.len()` NUL-terminated strings that outlive the call
        // (cmd_ln_parse_r copies the values); ps_args() returns the decoder's static table.
        let config = unsafe {
            (api.cmd_ln_parse_r)(
                std::ptr::null_mut(),
                (api.ps_args)(),
                argv.len() as i32,
                argv.as_mut_ptr(),
                1,
            )
        };
        if config.is_null() {
            return Err(unavailable(format!(
                "the configuration {args:?} was refused"
            )));
        }
        // SAFETY: `config` is a valid configuration from cmd_ln_parse_r.
        let ps = unsafe { (api.ps_init)(config) };
        if ps.is_null() {
            // SAFETY: `config` is ours to free.
            unsafe { (api.cmd_ln_free_r)(config) };
            return Err(unavailable(format!(
                "the decoder could not be created from {}",
                p.model_dir.display()
            )));
        }
        Ok(PocketSphinx {
            decoder: Mutex::new(Decoder { ps, config }),
            api,
        })
    }
}

impl Drop for PocketSphinx {
    fn drop(&mut self) {
        let d = self.decoder.get_mut().unwrap_or_else(|e| e.into_inner());
        // SAFETY: both were created in `new` and are freed once, here.
        unsafe {
            (self.api.ps_free)(d.ps);
            (self.api.cmd_ln_free_r)(d.config);
        }
    }
}

impl Transcriber for PocketSphinx {
    fn sample_rate(&self) -> u32 {
        16_000
    }

    fn transcribe(&self, audio: &Audio) -> Result<String> {
        if audio.sample_rate != 16_000 {
            return Err(Error::invalid(format!(
                "pocketsphinx: audio must be at 16000 Hz, got {}",
                audio.sample_rate
            )));
        }
        let pcm: Vec<i16> = audio
            .samples
            .iter()
            .map(|x| (x.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .collect();
        let d = self.decoder.lock().unwrap_or_else(|e| e.into_inner());
        let fail = |what: &str| Error::invalid(format!("pocketsphinx: {what} failed"));
        // SAFETY: `d.ps` is a live decoder, used by one thread at a time (the lock); the
        // samples outlive the call; the hypothesis string is copied before the next call.
        unsafe {
            if (self.api.ps_start_utt)(d.ps) < 0 {
                return Err(fail("ps_start_utt"));
            }
            if (self.api.ps_process_raw)(d.ps, pcm.as_ptr(), pcm.len(), 0, 1) < 0 {
                (self.api.ps_end_utt)(d.ps);
                return Err(fail("ps_process_raw"));
            }
            if (self.api.ps_end_utt)(d.ps) < 0 {
                return Err(fail("ps_end_utt"));
            }
            let mut score = 0i32;
            let hyp = (self.api.ps_get_hyp)(d.ps, &mut score);
            Ok(if hyp.is_null() {
                String::new()
            } else {
                CStr::from_ptr(hyp).to_string_lossy().into_owned()
            })
        }
    }
}

/// True when PocketSphinx and its US-English model can be loaded with default parameters.
pub fn available() -> bool {
    PocketSphinx::new(PocketSphinxParams::default()).is_ok()
}
