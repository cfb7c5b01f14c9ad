//! MELD transcripts (Poria et al., ACL 2019), text only: `train_sent_emo.csv`,
//! `dev_sent_emo.csv`, `test_sent_emo.csv` — the corpus' official split.
//!
//! Columns used: `Utterance` (the transcript), `Speaker`, `Emotion` (7 classes) or
//! `Sentiment` (3 classes), `Dialogue_ID`, `Utterance_ID`; the others (`Sr No.`, season,
//! episode, times) are ignored. The tables are quoted CSV whose utterances hold commas,
//! quotes and typographic punctuation, so a real CSV reader parses them.
//!
//! There is no audio: utterances have an empty audio path ([`Utterance::has_audio`] is
//! false) and only text features can be extracted. Ids are `<split>_dia<D>_utt<U>` (dialogue
//! and utterance numbers restart in each table). The speakers are the show's characters,
//! who occur in all three parts, so MELD's official split is *not* speaker-independent: the
//! `official-split` protocol needs `allow_speaker_overlap = true`, which the run logs.
//!
//! A row that cannot be used (missing field, unknown label, empty utterance) is listed as
//! skipped with its file and line; a missing file or column is an error naming it.

use super::{finish, Loaded, Skipped};
use crate::{Error, Result, Split, Utterance};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The three tables of the release and the part of the split each holds.
pub const FILES: [(&str, Split); 3] = [
    ("train_sent_emo.csv", Split::Train),
    ("dev_sent_emo.csv", Split::Validation),
    ("test_sent_emo.csv", Split::Test),
];

/// MELD's emotion classes, in the README's (alphabetical) order.
pub const EMOTIONS: [&str; 7] = [
    "anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise",
];

/// MELD's sentiment classes.
pub const SENTIMENTS: [&str; 3] = ["negative", "neutral", "positive"];

/// Which label column becomes the class (`labels` in the `[corpus]` table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeldLabels {
    /// The 7 emotions (`Emotion` column).
    #[default]
    Emotion,
    /// The 3 sentiments (`Sentiment` column).
    Sentiment,
}

impl MeldLabels {
    fn column(self) -> &'static str {
        match self {
            MeldLabels::Emotion => "Emotion",
            MeldLabels::Sentiment => "Sentiment",
        }
    }

    fn classes(self) -> &'static [&'static str] {
        match self {
            MeldLabels::Emotion => &EMOTIONS,
            MeldLabels::Sentiment => &SENTIMENTS,
        }
    }
}

/// Load the three tables under `root`.
pub fn load(root: &Path, labels: MeldLabels, classes: Option<&[String]>) -> Result<Loaded> {
    if !root.is_dir() {
        return Err(Error::Corpus {
            path: root.to_path_buf(),
            message: "not a folder: expected the MELD folder holding train_sent_emo.csv, \
                      dev_sent_emo.csv and test_sent_emo.csv"
                .into(),
        });
    }
    let mut utts = Vec::new();
    let mut skipped = Vec::new();
    for (file, split) in FILES {
        let path = root.join(file);
        if !path.is_file() {
            return Err(Error::Corpus {
                path,
                message: format!(
                    "missing: MELD's official split is three tables ({})",
                    FILES.map(|f| f.0).join(", ")
                ),
            });
        }
        read_table(&path, split, labels, &mut utts, &mut skipped)?;
    }
    let expected = format!(
        "usable row in the MELD tables (column `{}`)",
        labels.column()
    );
    finish(
        "meld",
        root,
        expected,
        utts,
        classes,
        labels.classes(),
        skipped,
    )
}

/// Read one table into `utts`, listing unusable rows in `skipped`.
pub fn read_table(
    path: &Path,
    split: Split,
    labels: MeldLabels,
    utts: &mut Vec<Utterance>,
    skipped: &mut Vec<Skipped>,
) -> Result<()> {
    let bad = |message: String| Error::Corpus {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| bad(e.to_string()))?;
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| -> Result<usize> {
        headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| {
                bad(format!(
                    "no column `{name}` in the header ({})",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ))
            })
    };
    let (c_text, c_speaker, c_label, c_dia, c_utt) = (
        col("Utterance")?,
        col("Speaker")?,
        col(labels.column())?,
        col("Dialogue_ID")?,
        col("Utterance_ID")?,
    );
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                skipped.push(Skipped {
                    path: path.to_path_buf(),
                    reason: format!("line {line}: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let skip = |reason: String| Skipped {
            path: PathBuf::from(path),
            reason: format!("line {line}: {reason}"),
        };
        let field = |i: usize| record.get(i).map(str::trim).unwrap_or("");
        let text = field(c_text);
        let label = field(c_label).to_lowercase();
        let (dia, utt) = (field(c_dia), field(c_utt));
        if text.is_empty() {
            skipped.push(skip("empty utterance".into()));
        } else if dia.is_empty() || utt.is_empty() {
            skipped.push(skip("no Dialogue_ID or Utterance_ID".into()));
        } else if !labels.classes().contains(&label.as_str()) {
            skipped.push(skip(format!(
                "unknown {} `{label}` (expected one of {})",
                labels.column(),
                labels.classes().join(", ")
            )));
        } else {
            utts.push(Utterance {
                id: format!("{}_dia{dia}_utt{utt}", split.name()),
                audio: PathBuf::new(),
                speaker: field(c_speaker).to_string(),
                session: None,
                gender: None,
                intensity: None,
                label,
                vad: None,
                transcript: Some(text.to_string()),
                split: Some(split),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode,StartTime,EndTime\n";

    /// A tiny copy of the release layout: the rows are quoted like the real tables.
    pub(crate) fn fixture(root: &Path) {
        let rows = |rows: &[&str]| format!("{HEADER}{}\n", rows.join("\n"));
        std::fs::create_dir_all(root).unwrap();
        std::fs::write(
            root.join("train_sent_emo.csv"),
            rows(&[
                r#"1,"Oh my God, he’s lost it. He’s totally lost it.",Phoebe,sadness,negative,0,0,4,7,"00:20:57,256","00:21:00,049""#,
                r#"2,What?,Monica,surprise,negative,0,1,4,7,"00:21:01,927","00:21:03,261""#,
                r#"3,"Or! Or, we could go to the bank, close our accounts and cut them off at the source.",Chandler,neutral,neutral,1,0,3,6,"00:12:40,220","00:12:46,810""#,
                r#"4,"You said ""no"" — twice…",Ross,anger,negative,1,1,3,6,"00:12:47,000","00:12:49,000""#,
                r#"5,,Ross,anger,negative,1,2,3,6,"00:12:50,000","00:12:51,000""#,
                r#"6,Great!,Joey,happy,positive,1,3,3,6,"00:12:52,000","00:12:53,000""#,
            ]),
        )
        .unwrap();
        std::fs::write(
            root.join("dev_sent_emo.csv"),
            rows(&[
                r#"1,Oh. That’s so Monica can keep track. That way if one on them is missing...,Joey,neutral,neutral,0,0,3,19,"00:14:37,132","00:14:42,636""#,
            ]),
        )
        .unwrap();
        std::fs::write(
            root.join("test_sent_emo.csv"),
            rows(&[
                r#"1,"Why do all you’re coffee mugs have numbers on the bottom?",Mark,surprise,positive,0,0,3,19,"00:14:38,000","00:14:40,000""#,
                r#"2,Yay!,Monica,joy,positive,0,1,3,19,"00:14:41,000","00:14:42,000""#,
            ]),
        )
        .unwrap();
    }

    #[test]
    fn loads_the_fixture_tables_with_their_split() {
        let dir = tempfile::tempdir().unwrap();
        fixture(dir.path());
        let l = load(dir.path(), MeldLabels::Emotion, None).unwrap();
        let c = &l.corpus;
        assert_eq!(c.name, "meld");
        // Classes that occur, in MELD's order.
        assert_eq!(
            c.classes,
            ["anger", "joy", "neutral", "sadness", "surprise"]
        );
        assert_eq!(c.utterances.len(), 7);
        let u = |id: &str| c.utterances.iter().find(|u| u.id == id).unwrap();
        let first = u("train_dia0_utt0");
        assert_eq!(
            first.transcript.as_deref(),
            Some("Oh my God, he’s lost it. He’s totally lost it.")
        );
        assert_eq!(first.speaker, "Phoebe");
        assert_eq!(first.label, "sadness");
        assert_eq!(first.split, Some(Split::Train));
        assert!(!first.has_audio());
        assert_eq!(
            u("train_dia1_utt1").transcript.as_deref(),
            Some("You said \"no\" — twice…")
        );
        assert_eq!(u("validation_dia0_utt0").split, Some(Split::Validation));
        assert_eq!(u("test_dia0_utt1").split, Some(Split::Test));
        assert_eq!(u("test_dia0_utt1").label, "joy");
        // The empty utterance and the unknown label `happy`, with file and line.
        assert_eq!(l.skipped.len(), 2, "{:?}", l.skipped);
        assert!(l.skipped[0].reason.contains("line 6: empty utterance"));
        assert!(l.skipped[1]
            .reason
            .contains("line 7: unknown Emotion `happy`"));
        assert!(l.skipped[1].path.ends_with("train_sent_emo.csv"));

        let l = load(dir.path(), MeldLabels::Sentiment, None).unwrap();
        assert_eq!(l.corpus.classes, SENTIMENTS);
        assert_eq!(l.corpus.utterances.len(), 8);
        assert_eq!(l.corpus.class_counts(), [3, 2, 3]);
    }

    #[test]
    fn missing_file_and_column_are_named() {
        let dir = tempfile::tempdir().unwrap();
        fixture(dir.path());
        std::fs::remove_file(dir.path().join("dev_sent_emo.csv")).unwrap();
        let e = load(dir.path(), MeldLabels::Emotion, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("dev_sent_emo.csv") && e.contains("missing"),
            "{e}"
        );
        fixture(dir.path());
        let t = dir.path().join("test_sent_emo.csv");
        let text = std::fs::read_to_string(&t).unwrap();
        std::fs::write(&t, text.replacen("Speaker", "Who", 1)).unwrap();
        let e = load(dir.path(), MeldLabels::Emotion, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("test_sent_emo.csv") && e.contains("no column `Speaker`"),
            "{e}"
        );
        let e = load(&dir.path().join("nope"), MeldLabels::Emotion, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a folder"), "{e}");
    }
}
