//! Berlin EmoDB (Burkhardt et al., Interspeech 2005), distribution layout.
//!
//! `wav/03a01Fa.wav`: speaker `03`, text `a01`, emotion code `F`, version `a`.
//! Codes (German initials): W Ärger/anger, L Langeweile/boredom, E Ekel/disgust,
//! A Angst/fear, F Freude/happiness, T Trauer/sadness, N neutral.
//! Speaker sex from the corpus documentation: 08, 09, 13, 14, 16 female; 03, 10, 11, 12, 15 male.

use super::{audio_files, finish, Loaded, Skipped};
use crate::{Error, Gender, Result, Utterance};
use std::path::Path;

/// Class names in the order serlab reports them.
pub const CLASSES: [&str; 7] = [
    "anger",
    "boredom",
    "disgust",
    "fear",
    "happiness",
    "neutral",
    "sadness",
];

/// The emotion of an EmoDB emotion code.
pub fn emotion(code: char) -> Option<&'static str> {
    Some(match code {
        'W' => "anger",
        'L' => "boredom",
        'E' => "disgust",
        'A' => "fear",
        'F' => "happiness",
        'T' => "sadness",
        'N' => "neutral",
        _ => return None,
    })
}

/// The sex of an EmoDB speaker, from the corpus' speaker table.
pub fn gender(speaker: &str) -> Option<Gender> {
    match speaker {
        "08" | "09" | "13" | "14" | "16" => Some(Gender::Female),
        "03" | "10" | "11" | "12" | "15" => Some(Gender::Male),
        _ => None,
    }
}

/// Parsed parts of an EmoDB file stem.
#[derive(Debug, PartialEq, Eq)]
pub struct Name<'a> {
    /// Two-digit speaker.
    pub speaker: &'a str,
    /// Text code (`a01`).
    pub text: &'a str,
    /// Emotion name.
    pub emotion: &'static str,
    /// Version letter.
    pub version: char,
}

/// Parse a stem like `03a01Fa`; the error says what is wrong.
pub fn parse_name(stem: &str) -> std::result::Result<Name<'_>, String> {
    let chars: Vec<char> = stem.chars().collect();
    if chars.len() != 7 || !stem.is_ascii() {
        return Err(format!(
            "`{stem}` is not an EmoDB name (expected 7 characters like 03a01Fa)"
        ));
    }
    if !chars[0].is_ascii_digit() || !chars[1].is_ascii_digit() {
        return Err(format!(
            "`{stem}`: speaker `{}` is not two digits",
            &stem[..2]
        ));
    }
    let emotion = emotion(chars[5])
        .ok_or_else(|| format!("`{stem}`: unknown emotion code `{}`", chars[5]))?;
    Ok(Name {
        speaker: &stem[..2],
        text: &stem[2..5],
        emotion,
        version: chars[6],
    })
}

/// Load `root/wav/*.wav` (or `.flac`, `.ogg`, `.mp3`), keeping `classes` (default all seven).
pub fn load(root: &Path, classes: Option<&[String]>) -> Result<Loaded> {
    let wav = root.join("wav");
    if !wav.is_dir() {
        return Err(Error::Corpus {
            path: root.to_path_buf(),
            message: "no `wav/` folder: expected the EmoDB layout <path>/wav/03a01Fa.wav".into(),
        });
    }
    let mut skipped = Vec::new();
    let mut utts = Vec::new();
    for path in audio_files(&wav)? {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        match parse_name(&stem) {
            Ok(n) => utts.push(Utterance {
                id: stem.clone(),
                speaker: n.speaker.into(),
                session: None,
                gender: gender(n.speaker),
                intensity: None,
                label: n.emotion.into(),
                vad: None,
                transcript: None,
                split: None,
                audio: path.clone(),
            }),
            Err(reason) => skipped.push(Skipped {
                path: path.clone(),
                reason,
            }),
        }
    }
    let expected = "EmoDB-named audio file (03a01Fa.wav) in this folder".to_string();
    finish("emodb", &wav, expected, utts, classes, &CLASSES, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        assert_eq!(
            parse_name("03a01Fa").unwrap(),
            Name {
                speaker: "03",
                text: "a01",
                emotion: "happiness",
                version: 'a'
            }
        );
        assert_eq!(parse_name("16b10Wb").unwrap().emotion, "anger");
        assert_eq!(parse_name("08a02Ab").unwrap().emotion, "fear");
        assert_eq!(parse_name("11b03Lc").unwrap().emotion, "boredom");
        assert_eq!(parse_name("12a05Ea").unwrap().emotion, "disgust");
        assert_eq!(parse_name("09a07Ta").unwrap().emotion, "sadness");
        assert_eq!(parse_name("10a04Na").unwrap().emotion, "neutral");
    }

    #[test]
    fn rejects_malformed_names() {
        assert!(parse_name("03a01Xa")
            .unwrap_err()
            .contains("unknown emotion code `X`"));
        assert!(parse_name("3a01Fa").is_err());
        assert!(parse_name("xxa01Fa").unwrap_err().contains("speaker"));
    }

    #[test]
    fn speaker_sex_follows_the_corpus_table() {
        assert_eq!(gender("08"), Some(Gender::Female));
        assert_eq!(gender("03"), Some(Gender::Male));
        assert_eq!(gender("99"), None);
    }

    #[test]
    fn loads_a_fixture_tree_and_lists_what_it_skips() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("wav");
        std::fs::create_dir(&wav).unwrap();
        for name in ["03a01Fa", "03a01Wa", "08b02Ta", "08b02Ea", "zz"] {
            std::fs::write(wav.join(format!("{name}.wav")), b"x").unwrap();
        }
        let keep = vec![
            "anger".to_string(),
            "sadness".to_string(),
            "happiness".to_string(),
        ];
        let l = load(dir.path(), Some(&keep)).unwrap();
        assert_eq!(l.corpus.classes, keep);
        let ids: Vec<&str> = l.corpus.utterances.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["03a01Fa", "03a01Wa", "08b02Ta"]);
        assert_eq!(l.corpus.utterances[2].gender, Some(Gender::Female));
        assert_eq!(l.skipped.len(), 2, "{:?}", l.skipped);
        assert!(l
            .skipped
            .iter()
            .any(|s| s.reason.contains("outside the class map")));
        assert!(load(&dir.path().join("nope"), None)
            .unwrap_err()
            .to_string()
            .contains("wav/"));
    }
}
