//! Writes small IEMOCAP trees in the exact release layout (synthetic audio, EmoEvaluation
//! and transcription files), for tests: the loader's own, and end-to-end runs of IEMOCAP
//! experiments, which cannot use the licensed corpus.

use crate::audio::write_wav16;
use crate::synthetic::{prosody, synthesize, Voice};
use crate::{Error, Result};
use std::path::Path;

/// One turn of a dialog.
#[derive(Clone, Debug)]
pub struct Turn {
    /// Last part of the utterance id (`F000`, `M003`): its letter says who speaks.
    pub suffix: String,
    /// Label code as the release writes it (`neu`, `exc`, `xxx`, ...).
    pub label: String,
    /// Mean valence, arousal, dominance.
    pub vad: [f32; 3],
    /// Transcript.
    pub text: String,
    /// Emotion whose prosody the synthetic audio gets (a [`crate::synthetic`] emotion).
    pub prosody: String,
}

/// One dialog of a session.
#[derive(Clone, Debug)]
pub struct Dialog {
    /// Session number, 1 to 5.
    pub session: usize,
    /// Dialog name (`Ses01F_impro01`).
    pub name: String,
    /// Its turns, in time order.
    pub turns: Vec<Turn>,
}

/// Write `dialogs` under `root` (the `IEMOCAP_full_release` folder): a WAV of `seconds`
/// per turn, one EmoEvaluation and one transcription file per dialog (with the header,
/// evaluator lines and a non-utterance `M_X` line of the real files), and a `._` macOS
/// debris file beside the first WAV.
pub fn write(root: &Path, dialogs: &[Dialog], seconds: f32) -> Result<()> {
    let rate = 16_000;
    let io = |p: &Path, e| Error::io(p, e);
    for (k, d) in dialogs.iter().enumerate() {
        let ses = root.join(format!("Session{}", d.session));
        let wav = ses.join("sentences/wav").join(&d.name);
        let eval = ses.join("dialog/EmoEvaluation");
        let trans = ses.join("dialog/transcriptions");
        for dir in [&wav, &eval, &trans] {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        let mut e = String::from("% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n");
        let mut t = String::new();
        for (i, turn) in d.turns.iter().enumerate() {
            let id = format!("{}_{}", d.name, turn.suffix);
            let voice = Voice::for_speaker(
                3 + d.session as u64,
                usize::from(turn.suffix.starts_with('M')),
            );
            let p = prosody(&turn.prosody).ok_or_else(|| {
                Error::invalid(format!("fixture: unknown prosody `{}`", turn.prosody))
            })?;
            let x = synthesize(voice, p, seconds, rate, (k * 1000 + i) as u64);
            write_wav16(&wav.join(format!("{id}.wav")), &x, rate)?;
            let (a, b) = (i as f32 * 2.0, i as f32 * 2.0 + 1.5);
            let v = turn.vad;
            e.push_str(&format!(
                "[{a:.4} - {b:.4}]\t{id}\t{}\t[{:.4}, {:.4}, {:.4}]\n",
                turn.label, v[0], v[1], v[2]
            ));
            e.push_str("C-E2:\tNeutral;\t()\nA-E3:\tval 3; act 2; dom  2;\t()\n\n");
            t.push_str(&format!("{id} [{a:07.4}-{b:07.4}]: {}\n", turn.text));
        }
        t.push_str("M_X [001.0000-002.0000]: [LAUGHTER]\n");
        let (ef, tf) = (
            eval.join(format!("{}.txt", d.name)),
            trans.join(format!("{}.txt", d.name)),
        );
        std::fs::write(&ef, e).map_err(|e| io(&ef, e))?;
        std::fs::write(&tf, t).map_err(|e| io(&tf, e))?;
    }
    if let Some(d) = dialogs.first() {
        let debris = root
            .join(format!("Session{}/sentences/wav", d.session))
            .join(&d.name)
            .join(format!("._{}_x.wav", d.name));
        std::fs::write(&debris, b"\0\x05\x16\x07").map_err(|e| io(&debris, e))?;
    }
    Ok(())
}
