//! IEMOCAP (Busso et al., Language Resources and Evaluation 2008), `IEMOCAP_full_release`.
//!
//! Audio: `Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav`. Labels come from
//! `Session1/dialog/EmoEvaluation/Ses01F_impro01.txt`, whose turn lines
//! `[6.2901 - 8.2357]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5000, 2.5000, 2.5000]` give the
//! consensus label and the mean valence, arousal and dominance (1–5); the evaluator lines
//! beneath them (`C-E2:`, `A-E3:`) are individual ratings and are ignored. Transcripts come
//! from `Session1/dialog/transcriptions/Ses01F_impro01.txt` (`ID [START-END]: text`).
//!
//! Each session is one female and one male actor; the utterance id's last part says who is
//! speaking (`Ses01F_impro01_M003` is the male actor of session 1), so the speaker is
//! `Ses01M` and the session `Ses01`. Speaker-independent results on IEMOCAP are usually
//! reported leave-one-session-out, which this keeps possible.
//!
//! Most papers use four classes with excitement merged into happiness (`four`); some drop
//! excitement instead (`four-no-exc`); `raw` keeps the release's codes. Utterances outside the
//! map (frustration, `xxx` for no agreement, ...) are listed as skipped, so their number is
//! visible in every run. Files starting with `._` are macOS metadata that archives made on a
//! Mac carry; they are listed as skipped, never read.

pub mod fixture;

use super::{finish, Loaded, Skipped};
use crate::{Error, Gender, Result, Utterance};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The label codes of the release, in the order `raw` reports them.
pub const RAW: [&str; 11] = [
    "neu", "hap", "exc", "sad", "ang", "fru", "sur", "fea", "dis", "oth", "xxx",
];

/// The classes of `four` and `four-no-exc`, in the order serlab reports them.
pub const FOUR: [&str; 4] = ["neutral", "happy", "sad", "angry"];

/// How IEMOCAP label codes become classes (`class_map` in the `[corpus]` table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClassMap {
    /// neutral, happy (`hap` and `exc`), sad, angry.
    #[default]
    Four,
    /// neutral, happy (`hap` only; `exc` skipped), sad, angry.
    FourNoExc,
    /// Every code as it is in the release.
    Raw,
}

impl ClassMap {
    /// The class a label code maps to, or `None` when it is outside the map.
    pub fn class(self, code: &str) -> Option<&'static str> {
        match self {
            ClassMap::Raw => RAW.iter().find(|c| **c == code).copied(),
            ClassMap::Four | ClassMap::FourNoExc => match code {
                "neu" => Some("neutral"),
                "hap" => Some("happy"),
                "exc" if self == ClassMap::Four => Some("happy"),
                "sad" => Some("sad"),
                "ang" => Some("angry"),
                _ => None,
            },
        }
    }

    /// The classes of this map, in report order.
    pub fn classes(self) -> &'static [&'static str] {
        match self {
            ClassMap::Raw => &RAW,
            ClassMap::Four | ClassMap::FourNoExc => &FOUR,
        }
    }

    /// The name written in TOML.
    pub fn name(self) -> &'static str {
        match self {
            ClassMap::Four => "four",
            ClassMap::FourNoExc => "four-no-exc",
            ClassMap::Raw => "raw",
        }
    }
}

/// One turn line of an EmoEvaluation file.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Start time in seconds.
    pub start: f32,
    /// End time in seconds.
    pub end: f32,
    /// Utterance id.
    pub id: String,
    /// Consensus label code (`neu`, `exc`, `xxx`, ...).
    pub label: String,
    /// Mean valence, arousal, dominance.
    pub vad: [f32; 3],
}

/// Parse one line of an EmoEvaluation file: `Ok(None)` for lines that are not turn lines
/// (header, evaluator ratings, blank), an error for a turn line that cannot be read.
pub fn parse_evaluation_line(line: &str) -> std::result::Result<Option<Evaluation>, String> {
    let line = line.trim();
    if !line.starts_with('[') {
        return Ok(None);
    }
    let bad = |what: &str| format!("{what} in turn line `{line}`");
    let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
    if fields.len() != 4 {
        return Err(bad("expected 4 tab-separated fields"));
    }
    let times = fields[0]
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| bad("bad time span"))?;
    let (start, end) = times.split_once('-').ok_or_else(|| bad("bad time span"))?;
    let num = |s: &str, what: &str| s.trim().parse::<f32>().map_err(|_| bad(what));
    let (start, end) = (num(start, "bad start time")?, num(end, "bad end time")?);
    let id = fields[1];
    if id.is_empty() {
        return Err(bad("empty utterance id"));
    }
    let label = fields[2];
    if !RAW.contains(&label) {
        return Err(bad(&format!("unknown label `{label}`")));
    }
    let vad: Vec<&str> = fields[3]
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| bad("bad V/A/D"))?
        .split(',')
        .collect();
    if vad.len() != 3 {
        return Err(bad("expected 3 V/A/D values"));
    }
    let mut v = [0.0f32; 3];
    for (o, s) in v.iter_mut().zip(&vad) {
        *o = num(s, "bad V/A/D value")?;
    }
    Ok(Some(Evaluation {
        start,
        end,
        id: id.into(),
        label: label.into(),
        vad: v,
    }))
}

/// Parse one transcription line `ID [START-END]: text` into id and text; `None` for a line
/// in another form.
pub fn parse_transcription_line(line: &str) -> Option<(&str, &str)> {
    let (head, text) = line.split_once("]:")?;
    let (id, times) = head.split_once(" [")?;
    if id.is_empty() || id.contains(char::is_whitespace) || times.is_empty() {
        return None;
    }
    Some((id, text.trim()))
}

/// Session, speaker and speaker sex of an utterance id.
#[derive(Debug, PartialEq, Eq)]
pub struct Speaker {
    /// `Ses01`.
    pub session: String,
    /// `Ses01F` or `Ses01M`: the session and the speaking actor's sex.
    pub speaker: String,
    /// The speaking actor's sex.
    pub gender: Gender,
}

/// Who speaks in an utterance id like `Ses01F_impro01_M003` (the male of session 1): the
/// session is the first five characters, the sex the first letter of the last part.
pub fn parse_id(id: &str) -> std::result::Result<Speaker, String> {
    let session = id
        .get(..5)
        .filter(|s| s.starts_with("Ses") && s[3..].bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("`{id}` is not an IEMOCAP utterance id (Ses01F_impro01_F000)"))?;
    let last = id.rsplit('_').next().unwrap_or("");
    let (letter, gender) = match last.chars().next() {
        Some('F') => ('F', Gender::Female),
        Some('M') => ('M', Gender::Male),
        _ => {
            return Err(format!(
                "`{id}`: the last part `{last}` does not start with F or M"
            ))
        }
    };
    if !id.contains('_') {
        return Err(format!(
            "`{id}` is not an IEMOCAP utterance id (Ses01F_impro01_F000)"
        ));
    }
    Ok(Speaker {
        session: session.into(),
        speaker: format!("{session}{letter}"),
        gender,
    })
}

fn is_debris(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("._"))
}

/// Entries of `dir` (sorted) with macOS debris moved to `skipped`; empty if `dir` is missing.
fn entries(dir: &Path, skipped: &mut Vec<Skipped>) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut v: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    v.sort();
    let (debris, keep): (Vec<PathBuf>, Vec<PathBuf>) = v.into_iter().partition(|p| is_debris(p));
    skipped.extend(debris.into_iter().map(|path| Skipped {
        path,
        reason: "macOS metadata file (`._`), not part of the corpus".into(),
    }));
    Ok(keep)
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Load `root/Session{1..5}`, mapping labels with `class_map` and keeping `classes`
/// (default all classes of the map).
pub fn load(root: &Path, class_map: ClassMap, classes: Option<&[String]>) -> Result<Loaded> {
    let sessions: Vec<PathBuf> = (1..=5)
        .map(|n| root.join(format!("Session{n}")))
        .filter(|p| p.is_dir())
        .collect();
    if sessions.is_empty() {
        return Err(Error::Corpus {
            path: root.to_path_buf(),
            message: "no `Session1/` … `Session5/` folder: expected the IEMOCAP_full_release \
                      layout <path>/Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav"
                .into(),
        });
    }
    let mut skipped = Vec::new();
    let mut utts = Vec::new();
    for session in sessions {
        let dialog = session.join("dialog");
        let mut labels: BTreeMap<String, Evaluation> = BTreeMap::new();
        for file in entries(&dialog.join("EmoEvaluation"), &mut skipped)? {
            if !file.is_file() || !has_ext(&file, "txt") {
                continue;
            }
            for (no, line) in read(&file)?.lines().enumerate() {
                match parse_evaluation_line(line) {
                    Ok(Some(e)) => {
                        labels.insert(e.id.clone(), e);
                    }
                    Ok(None) => {}
                    Err(reason) => skipped.push(Skipped {
                        path: file.clone(),
                        reason: format!("line {}: {reason}", no + 1),
                    }),
                }
            }
        }
        let mut texts: BTreeMap<String, String> = BTreeMap::new();
        for file in entries(&dialog.join("transcriptions"), &mut skipped)? {
            if !file.is_file() || !has_ext(&file, "txt") {
                continue;
            }
            for line in read(&file)?.lines() {
                if let Some((id, text)) = parse_transcription_line(line) {
                    texts.insert(id.into(), text.into());
                }
            }
        }
        for dialog_dir in entries(&session.join("sentences").join("wav"), &mut skipped)? {
            if !dialog_dir.is_dir() {
                continue;
            }
            for path in entries(&dialog_dir, &mut skipped)? {
                if !has_ext(&path, "wav") {
                    continue;
                }
                let id = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("")
                    .to_string();
                let who = match parse_id(&id) {
                    Ok(w) => w,
                    Err(reason) => {
                        skipped.push(Skipped { path, reason });
                        continue;
                    }
                };
                let Some(eval) = labels.get(&id) else {
                    skipped.push(Skipped {
                        path,
                        reason: format!("`{id}` has no turn line in dialog/EmoEvaluation"),
                    });
                    continue;
                };
                let Some(class) = class_map.class(&eval.label) else {
                    skipped.push(Skipped {
                        path,
                        reason: format!(
                            "label `{}` is outside class map `{}`",
                            eval.label,
                            class_map.name()
                        ),
                    });
                    continue;
                };
                utts.push(Utterance {
                    transcript: texts.get(&id).cloned(),
                    id,
                    audio: path,
                    speaker: who.speaker,
                    session: Some(who.session),
                    gender: Some(who.gender),
                    intensity: None,
                    label: class.into(),
                    vad: Some(eval.vad),
                    split: None,
                });
            }
        }
    }
    let expected = format!(
        "labelled .wav file under Session*/sentences/wav inside class map `{}`",
        class_map.name()
    );
    finish(
        "iemocap",
        root,
        expected,
        utts,
        classes,
        class_map.classes(),
        skipped,
    )
}

#[cfg(test)]
mod tests;
