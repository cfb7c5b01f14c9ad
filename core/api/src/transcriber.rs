//! Speech-to-text: where transcripts come from when a corpus gives none (or when the
//! experiment asks to evaluate a text model on recognised rather than reference words), and
//! what `serlab predict` uses on a new recording. The trait lives here (plugins implement
//! it); the engine's `transcript` module decides when it is called.
//!
//! A transcriber is a plugin component like any other (`[transcriber] method = "..."`), so
//! a recogniser's native library is a dependency of its plugin only: serlab builds and
//! runs without it, and a transcriber whose recogniser is missing fails to be created with
//! an error that says how to install it.

use crate::{Audio, Result};

/// A speech recogniser.
pub trait Transcriber: Send + Sync {
    /// The sample rate the recogniser wants its audio at.
    fn sample_rate(&self) -> u32;
    /// The words spoken in `audio` (mono, at [`Transcriber::sample_rate`]); empty when
    /// nothing was recognised.
    fn transcribe(&self, audio: &Audio) -> Result<String>;
}
