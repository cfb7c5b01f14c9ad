//! RAVDESS (Livingstone & Russo, PLoS ONE 2018), distribution layout.
//!
//! `Actor_12/03-01-05-02-01-02-12.wav`: seven two-digit fields, modality (01 full AV,
//! 02 video only, 03 audio only), vocal channel (01 speech, 02 song), emotion (01 neutral,
//! 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful, 07 disgust, 08 surprised), intensity
//! (01 normal, 02 strong; neutral has only normal), statement (01 "Kids are talking by the
//! door", 02 "Dogs are sitting by the door"), repetition (01, 02) and actor (01–24; odd male,
//! even female, from the corpus documentation).
//!
//! Only audio-only speech (modality 03, channel 01) is speech emotion data; song and the
//! files of the video archives are listed as skipped rather than mixed in. The speaker is the
//! actor number, so speaker-independent folds hold out actors.

use super::{audio_files, finish, Loaded, Skipped};
use crate::{Error, Gender, Result, Utterance};
use std::path::Path;

/// Class names in the order serlab reports them.
pub const CLASSES: [&str; 8] = [
    "angry",
    "calm",
    "disgust",
    "fearful",
    "happy",
    "neutral",
    "sad",
    "surprised",
];

/// The emotion of a RAVDESS emotion code (`01`–`08`).
pub fn emotion(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "neutral",
        2 => "calm",
        3 => "happy",
        4 => "sad",
        5 => "angry",
        6 => "fearful",
        7 => "disgust",
        8 => "surprised",
        _ => return None,
    })
}

/// The sex of a RAVDESS actor: odd numbers are male, even numbers female.
pub fn gender(actor: u8) -> Gender {
    if actor % 2 == 1 {
        Gender::Male
    } else {
        Gender::Female
    }
}

pub use crate::data::Intensity;

/// Parsed parts of a RAVDESS file stem.
#[derive(Debug, PartialEq, Eq)]
pub struct Name<'a> {
    /// Modality: 1 full AV, 2 video only, 3 audio only.
    pub modality: u8,
    /// Vocal channel: 1 speech, 2 song.
    pub channel: u8,
    /// Emotion name.
    pub emotion: &'static str,
    /// Intensity.
    pub intensity: Intensity,
    /// Statement, 1 or 2.
    pub statement: u8,
    /// Repetition, 1 or 2.
    pub repetition: u8,
    /// Actor number, 1–24.
    pub actor: u8,
    /// The actor as two digits, as written in the name (`12`): the speaker id.
    pub speaker: &'a str,
}

/// Parse a stem like `03-01-05-02-01-02-12`; the error says what is wrong.
pub fn parse_name(stem: &str) -> std::result::Result<Name<'_>, String> {
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() != 7
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "`{stem}` is not a RAVDESS name (expected seven two-digit fields like 03-01-05-02-01-02-12)"
        ));
    }
    let n: Vec<u8> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let field = |i: usize, what: &str, ok: &[u8]| {
        if ok.contains(&n[i]) {
            Ok(n[i])
        } else {
            Err(format!("`{stem}`: unknown {what} `{}`", parts[i]))
        }
    };
    let modality = field(0, "modality", &[1, 2, 3])?;
    let channel = field(1, "vocal channel", &[1, 2])?;
    let emotion =
        emotion(n[2]).ok_or_else(|| format!("`{stem}`: unknown emotion `{}`", parts[2]))?;
    let intensity = match field(3, "intensity", &[1, 2])? {
        1 => Intensity::Normal,
        _ => Intensity::Strong,
    };
    let statement = field(4, "statement", &[1, 2])?;
    let repetition = field(5, "repetition", &[1, 2])?;
    if n[6] == 0 {
        return Err(format!("`{stem}`: actor `00` does not exist"));
    }
    Ok(Name {
        modality,
        channel,
        emotion,
        intensity,
        statement,
        repetition,
        actor: n[6],
        speaker: parts[6],
    })
}

/// Why a well-formed name is still not audio-only speech, if it is not.
fn not_speech(n: &Name<'_>) -> Option<String> {
    if n.modality != 3 {
        return Some(format!(
            "modality {:02} is not audio-only (03); only the audio-only files are used",
            n.modality
        ));
    }
    if n.channel != 1 {
        return Some(format!(
            "vocal channel {:02} is song, not speech (01)",
            n.channel
        ));
    }
    None
}

/// Load `root/Actor_XX/*.wav` (or `.flac`, `.ogg`, `.mp3`), keeping `classes` (default all eight).
pub fn load(root: &Path, classes: Option<&[String]>) -> Result<Loaded> {
    let no_actors = || Error::Corpus {
        path: root.to_path_buf(),
        message: "no `Actor_XX/` folder: expected the RAVDESS layout \
                  <path>/Actor_12/03-01-05-02-01-02-12.wav"
            .into(),
    };
    let rd = std::fs::read_dir(root).map_err(|_| no_actors())?;
    let mut actors: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("Actor_"))
        })
        .collect();
    actors.sort();
    if actors.is_empty() {
        return Err(no_actors());
    }
    let mut skipped = Vec::new();
    let mut utts = Vec::new();
    for dir in actors {
        let folder_actor = dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("Actor_"))
            .unwrap_or("")
            .to_string();
        for path in audio_files(&dir)? {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            let reason = match parse_name(&stem) {
                Err(reason) => reason,
                Ok(n) => match not_speech(&n) {
                    Some(reason) => reason,
                    None if n.speaker != folder_actor => format!(
                        "actor {} in the name but the file is in Actor_{folder_actor}/",
                        n.speaker
                    ),
                    None => {
                        utts.push(Utterance {
                            id: stem.clone(),
                            speaker: n.speaker.into(),
                            session: None,
                            gender: Some(gender(n.actor)),
                            intensity: Some(n.intensity),
                            label: n.emotion.into(),
                            vad: None,
                            transcript: None,
                            split: None,
                            audio: path.clone(),
                        });
                        continue;
                    }
                },
            };
            skipped.push(Skipped { path, reason });
        }
    }
    let expected = "audio-only speech file (03-01-…) in the Actor_XX folders".to_string();
    finish("ravdess", root, expected, utts, classes, &CLASSES, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::write_wav16;
    use crate::synthetic::{prosody, synthesize, Voice};

    #[test]
    fn parses_the_documented_example() {
        assert_eq!(
            parse_name("03-01-05-02-01-02-12").unwrap(),
            Name {
                modality: 3,
                channel: 1,
                emotion: "angry",
                intensity: Intensity::Strong,
                statement: 1,
                repetition: 2,
                actor: 12,
                speaker: "12",
            }
        );
        assert_eq!(gender(12), Gender::Female);
        assert_eq!(gender(1), Gender::Male);
        let all: Vec<&str> = (1..=8)
            .map(|e| {
                parse_name(&format!("03-01-{e:02}-01-01-01-01"))
                    .unwrap()
                    .emotion
            })
            .collect();
        assert_eq!(
            all,
            [
                "neutral",
                "calm",
                "happy",
                "sad",
                "angry",
                "fearful",
                "disgust",
                "surprised"
            ]
        );
    }

    #[test]
    fn rejects_malformed_names() {
        let err = |s: &str| parse_name(s).unwrap_err();
        assert!(err("03-01-09-01-01-01-01").contains("unknown emotion `09`"));
        assert!(err("04-01-01-01-01-01-01").contains("unknown modality `04`"));
        assert!(err("03-03-01-01-01-01-01").contains("unknown vocal channel `03`"));
        assert!(err("03-01-01-03-01-01-01").contains("unknown intensity `03`"));
        assert!(err("03-01-01-01-01-01-00").contains("actor `00`"));
        assert!(err("03-01-05-02-01-02").contains("seven two-digit fields"));
        assert!(err("03-01-05-02-01-02-1x").contains("seven two-digit fields"));
        assert!(err("3-1-5-2-1-2-12").contains("seven two-digit fields"));
    }

    #[test]
    fn loads_a_fixture_tree_and_lists_what_it_skips() {
        let dir = tempfile::tempdir().unwrap();
        let rate = 16_000;
        let names = [
            ("Actor_01", "03-01-01-01-01-01-01"),
            ("Actor_01", "03-01-05-02-01-02-01"),
            ("Actor_01", "03-01-03-01-02-01-01"),
            ("Actor_01", "03-02-05-01-01-01-01"), // song
            ("Actor_01", "01-01-05-01-01-01-01"), // full AV
            ("Actor_02", "03-01-01-01-01-01-02"),
            ("Actor_02", "03-01-04-02-02-02-02"),
            ("Actor_02", "03-01-05-01-01-01-02"),
            ("Actor_02", "03-01-05-01-01-01-01"), // wrong folder
            ("Actor_02", "notes"),
        ];
        for (i, (actor, stem)) in names.iter().enumerate() {
            let d = dir.path().join(actor);
            std::fs::create_dir_all(&d).unwrap();
            let voice = Voice::for_speaker(7, i % 2);
            let x = synthesize(voice, prosody("neutral").unwrap(), 0.3, rate, i as u64);
            write_wav16(&d.join(format!("{stem}.wav")), &x, rate).unwrap();
        }
        std::fs::write(dir.path().join("Actor_02/._03-01-01-01-01-01-02.wav"), b"x").unwrap();

        let l = load(dir.path(), None).unwrap();
        let c = &l.corpus;
        assert_eq!(c.name, "ravdess");
        assert_eq!(c.classes, ["angry", "happy", "neutral", "sad"]);
        assert_eq!(c.utterances.len(), 6);
        assert_eq!(c.speakers(), ["01", "02"]);
        assert_eq!(c.class_counts(), [2, 1, 2, 1]);
        for u in &c.utterances {
            let g = if u.speaker == "01" {
                Gender::Male
            } else {
                Gender::Female
            };
            assert_eq!(u.gender, Some(g), "{}", u.id);
            assert!(u.audio.is_file());
        }
        let u = c
            .utterances
            .iter()
            .find(|u| u.id == "03-01-05-02-01-02-01")
            .unwrap();
        assert_eq!((u.label.as_str(), u.speaker.as_str()), ("angry", "01"));

        assert_eq!(l.skipped.len(), 4, "{:?}", l.skipped);
        let reason = |stem: &str| {
            l.skipped
                .iter()
                .find(|s| s.path.file_stem().and_then(|n| n.to_str()) == Some(stem))
                .map(|s| s.reason.clone())
                .unwrap_or_default()
        };
        assert!(reason("03-02-05-01-01-01-01").contains("song"));
        assert!(reason("01-01-05-01-01-01-01").contains("audio-only"));
        assert!(reason("03-01-05-01-01-01-01").contains("Actor_02"));
        assert!(reason("notes").contains("not a RAVDESS name"));

        let keep = vec!["sad".to_string(), "angry".to_string()];
        let l = load(dir.path(), Some(&keep)).unwrap();
        assert_eq!(l.corpus.classes, keep);
        assert_eq!(l.corpus.utterances.len(), 3);
        assert_eq!(l.skipped.len(), 7);

        assert!(load(&dir.path().join("nope"), None)
            .unwrap_err()
            .to_string()
            .contains("Actor_XX"));
    }
}
