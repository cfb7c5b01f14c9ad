//! serlab plugin `asr`: speech-to-text, so that text models can run on recordings that come
//! without a transcript (an experiment's `[transcriber]`, and `serlab predict`).
//!
//! Component: `pocketsphinx` ([`serlab_api::Transcriber`]), CMU PocketSphinx with its
//! US-English acoustic model, generic language model and dictionary — open source, offline,
//! and packaged by Debian (`libpocketsphinx3`, `pocketsphinx-en-us`). The library is opened
//! at run time ([`ffi`]), so serlab builds without it; when it or the model is missing the
//! component cannot be created and says how to install it ([`pocketsphinx::INSTALL`]).
//!
//! [`wer`] scores a recogniser's output (word error rate).

pub mod ffi;
pub mod pocketsphinx;
pub mod wer;

pub use pocketsphinx::{PocketSphinx, PocketSphinxParams};

/// The `serlab_plugin_declaration` symbol (in a private module: the macro's static has no
/// doc comment of its own, and `#[no_mangle]` exports it all the same).
mod declaration {
    serlab_api::export_plugin!("asr", super::register);
}

/// Registers the plugin's components.
pub fn register(r: &mut serlab_api::plugin::Registrar) {
    r.transcriber::<PocketSphinx>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serlab_api::Component;

    #[test]
    fn registers_pocketsphinx() {
        let mut r = serlab_api::plugin::Registrar::new("asr");
        register(&mut r);
        let c = r.components();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "pocketsphinx");
        assert_eq!(c[0].kind, serlab_api::plugin::ComponentKind::Transcriber);
    }

    #[test]
    fn a_missing_library_or_model_is_reported_with_the_install_command() {
        let e = PocketSphinx::new(PocketSphinxParams {
            library: "libpocketsphinx-not-here.so.9".into(),
            ..Default::default()
        })
        .err()
        .expect("no such library")
        .to_string();
        assert!(
            e.contains("unavailable") && e.contains(pocketsphinx::INSTALL),
            "{e}"
        );
        if pocketsphinx::available() {
            let e = PocketSphinx::new(PocketSphinxParams {
                model_dir: "/nonexistent/model".into(),
                ..Default::default()
            })
            .err()
            .expect("no such model")
            .to_string();
            assert!(
                e.contains("/nonexistent/model/en-us") && e.contains(pocketsphinx::INSTALL),
                "{e}"
            );
        }
    }
}
