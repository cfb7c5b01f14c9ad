//! Which transcript a text feature reads: the corpus' own, or one recognised by the
//! experiment's `[transcriber]` (see [`crate::config::TranscribeWhen`]).

use crate::config::TranscribeWhen;
use crate::{Audio, Error, Result, Transcriber, Utterance};

/// The transcript a text feature reads for `u`: the corpus' own, unless `when` is
/// [`TranscribeWhen::Always`] or there is none, in which case `transcriber` recognises the
/// utterance's audio (decoded by `load_audio` at the transcriber's rate).
pub fn transcript_of(
    u: &Utterance,
    transcriber: Option<&dyn Transcriber>,
    when: TranscribeWhen,
    load_audio: &mut dyn FnMut(u32) -> Result<Audio>,
) -> Result<String> {
    match (&u.transcript, transcriber, when) {
        (Some(t), _, TranscribeWhen::Missing) | (Some(t), None, TranscribeWhen::Always) => {
            Ok(t.clone())
        }
        (_, Some(tr), _) if u.has_audio() => tr.transcribe(&load_audio(tr.sample_rate())?),
        (_, Some(_), _) => Err(Error::invalid(format!(
            "utterance `{}` has neither a transcript nor audio to transcribe",
            u.id
        ))),
        (None, None, _) => Err(Error::invalid(format!(
            "utterance `{}` has no transcript; add a [transcriber] table (e.g. \
             method = \"pocketsphinx\") to recognise one from the audio",
            u.id
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Says how many samples it heard.
    struct Counter;
    impl Transcriber for Counter {
        fn sample_rate(&self) -> u32 {
            8000
        }
        fn transcribe(&self, audio: &Audio) -> Result<String> {
            Ok(format!("{} samples", audio.samples.len()))
        }
    }

    fn utt(transcript: Option<&str>, audio: &str) -> Utterance {
        Utterance {
            id: "u1".into(),
            audio: audio.into(),
            speaker: "s".into(),
            session: None,
            gender: None,
            intensity: None,
            label: "x".into(),
            vad: None,
            transcript: transcript.map(str::to_string),
            split: None,
        }
    }

    #[test]
    fn the_corpus_transcript_wins_unless_always() {
        let mut load = |rate: u32| {
            Ok(Audio {
                samples: vec![0.0; rate as usize],
                sample_rate: rate,
            })
        };
        let given = utt(Some("hello there"), "a.wav");
        let t: Option<&dyn Transcriber> = Some(&Counter);
        assert_eq!(
            transcript_of(&given, t, TranscribeWhen::Missing, &mut load).unwrap(),
            "hello there"
        );
        assert_eq!(
            transcript_of(&given, t, TranscribeWhen::Always, &mut load).unwrap(),
            "8000 samples"
        );
        assert_eq!(
            transcript_of(&given, None, TranscribeWhen::Always, &mut load).unwrap(),
            "hello there"
        );
        let missing = utt(None, "a.wav");
        assert_eq!(
            transcript_of(&missing, t, TranscribeWhen::Missing, &mut load).unwrap(),
            "8000 samples"
        );
        let e = transcript_of(&missing, None, TranscribeWhen::Missing, &mut load)
            .unwrap_err()
            .to_string();
        assert!(e.contains("u1") && e.contains("[transcriber]"), "{e}");
        let e = transcript_of(&utt(None, ""), t, TranscribeWhen::Missing, &mut load)
            .unwrap_err()
            .to_string();
        assert!(e.contains("neither a transcript nor audio"), "{e}");
    }
}
