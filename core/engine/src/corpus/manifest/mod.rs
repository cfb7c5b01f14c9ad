//! A generic manifest: any corpus as a CSV or TSV table, so a new corpus needs no code.
//!
//! One row per utterance. Columns are found by their header name (any case, any order):
//! - required: `path` (the audio file, any format [`crate::audio`] reads; a relative path is
//!   relative to the manifest's folder), `label` and `speaker`;
//! - optional: `id` (default: `path` without its extension), `session`, `gender` (`f`,
//!   `female`, `m`, `male`, or empty), `text` (the transcript), `valence`, `arousal`,
//!   `dominance` (numbers; the three columns come together and a row gives all three or
//!   none) and `split` (`train`, `validation` — also `dev`, `valid`, `val` — `test`, or empty).
//!
//! Other columns are ignored (manifests often carry durations or notes), except one whose
//! name is a near miss of a known column that is absent (`valance`, `speakr`): that is
//! almost always a typo that would silently drop data, so it is an error. Blank lines and
//! lines starting with `#` are skipped; fields may be quoted as in any CSV.
//!
//! The delimiter is a tab for `.tsv` / `.tab` files; otherwise it is sniffed from the header
//! line: the first of comma, tab and semicolon (spreadsheets in many locales write `;`) that
//! occurs in it.
//!
//! Every error names the manifest, the line and the column, and says what is wrong: a missing
//! required column (listing the columns found), an empty required field, a number that does
//! not parse, an unknown gender or split, an id used twice. Labels become classes through the
//! optional `class_map` table; with one, rows whose label it does not name are outside the
//! class map and are listed as skipped, like every loader's. Audio is not opened here: a
//! missing or unusable file is found, named and skipped (or fatal under `fail_fast`) when the
//! runner decodes it.
//!
//! `split` is read and checked here, kept on each [`Row`] and passed on to
//! [`Utterance::split`]: the `official-split` protocol uses it; the speaker-based protocols
//! ignore it.

mod columns;

use super::{finish, Loaded, Skipped};
use crate::{Error, Gender, Result, Split, Utterance};
use columns::{columns, delimiter, gender, number, split};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The columns a manifest must have.
pub const REQUIRED: [&str; 3] = ["path", "label", "speaker"];

/// The columns a manifest may have besides [`REQUIRED`].
pub const OPTIONAL: [&str; 8] = [
    "id",
    "session",
    "gender",
    "text",
    "valence",
    "arousal",
    "dominance",
    "split",
];

/// One checked row of a manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Line of the manifest the row is on (from 1; the header is line 1).
    pub line: u64,
    /// Utterance id.
    pub id: String,
    /// Audio file, resolved against the manifest's folder.
    pub audio: PathBuf,
    /// Label as written.
    pub label: String,
    /// Speaker.
    pub speaker: String,
    /// Session, if given.
    pub session: Option<String>,
    /// Gender, if given.
    pub gender: Option<Gender>,
    /// Transcript, if given.
    pub text: Option<String>,
    /// Valence, arousal, dominance, if given.
    pub vad: Option<[f32; 3]>,
    /// `train`, `validation` or `test`, if given (spellings normalised).
    pub split: Option<&'static str>,
}

fn err(path: &Path, message: impl Into<String>) -> Error {
    Error::Corpus {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Read and check every row of the manifest at `path`.
pub fn read(path: &Path) -> Result<Vec<Row>> {
    if path.is_dir() {
        return Err(err(
            path,
            "is a folder; `corpus.path` of a manifest corpus names the CSV or TSV file",
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        err(
            path,
            format!("line {line}: not UTF-8 text (save the manifest as UTF-8)"),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .ok_or_else(|| {
            err(
                path,
                format!(
                    "empty manifest: expected a header line with at least {}",
                    REQUIRED.join(", ")
                ),
            )
        })?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(path, header_line)?)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    // The csv crate places a record after blank or comment lines at the first of those
    // lines; step over them to the record's own line.
    let line_at = |pos: Option<&csv::Position>| {
        let Some(p) = pos else { return 0 };
        let mut start = (p.byte() as usize).min(text.len());
        while let Some(len) = text[start..].find('\n').map(|i| i + 1) {
            let line = text[start..start + len].trim_end_matches(['\r', '\n']);
            if !(line.is_empty() || line.starts_with('#')) {
                break;
            }
            start += len;
        }
        1 + text.as_bytes()[..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
    };
    let csv_error = |e: csv::Error| {
        let line = line_at(e.position());
        let what = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} fields, but the header has {expected_len}"),
            _ => e.to_string(),
        };
        err(path, format!("line {line}: {what}"))
    };
    let header = reader.headers().map_err(csv_error)?.clone();
    let at = columns(path, &header)?;
    let root = path.parent().unwrap_or(Path::new(""));
    let mut rows: Vec<Row> = Vec::new();
    let mut ids: BTreeMap<String, u64> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = line_at(record.position());
        let field = |col: &str| at.get(col).map(|&i| &record[i]).unwrap_or("");
        let bad =
            |col: &str, what: String| err(path, format!("line {line}, column `{col}`: {what}"));
        let required = |col: &str| {
            let v = field(col);
            if v.is_empty() {
                Err(bad(col, "empty, but the column is required".into()))
            } else {
                Ok(v.to_string())
            }
        };
        let rel = required("path")?;
        let label = required("label")?;
        let speaker = required("speaker")?;
        let id = match field("id") {
            "" => Path::new(&rel)
                .with_extension("")
                .to_string_lossy()
                .replace('\\', "/"),
            id => id.to_string(),
        };
        if let Some(first) = ids.insert(id.clone(), line) {
            return Err(bad(
                if at.contains_key("id") { "id" } else { "path" },
                format!("utterance id `{id}` is already used on line {first}"),
            ));
        }
        let optional = |col: &str| Some(field(col).to_string()).filter(|v| !v.is_empty());
        let v: Vec<&str> = ["valence", "arousal", "dominance"]
            .into_iter()
            .map(field)
            .collect();
        let vad = if v.iter().all(|x| x.is_empty()) {
            None
        } else {
            let mut out = [0.0f32; 3];
            for (k, (col, value)) in ["valence", "arousal", "dominance"]
                .into_iter()
                .zip(&v)
                .enumerate()
            {
                if value.is_empty() {
                    return Err(bad(
                        col,
                        "empty, but the row gives other dimensions (give all three or none)".into(),
                    ));
                }
                out[k] = number(value).map_err(|m| bad(col, m))?;
            }
            Some(out)
        };
        rows.push(Row {
            line,
            id,
            audio: root.join(&rel),
            label,
            speaker,
            session: optional("session"),
            gender: gender(field("gender")).map_err(|m| bad("gender", m))?,
            text: optional("text"),
            vad,
            split: split(field("split")).map_err(|m| bad("split", m))?,
        });
    }
    Ok(rows)
}

/// Load the manifest at `path`; `class_map` turns labels into classes (rows it does not name
/// are skipped), `classes` keeps these classes in this order (default all, sorted by name).
pub fn load(
    path: &Path,
    class_map: Option<&BTreeMap<String, String>>,
    classes: Option<&[String]>,
) -> Result<Loaded> {
    if let Some(map) = class_map {
        if map.is_empty() {
            return Err(Error::config(
                "experiment",
                "corpus.class_map",
                "empty table: name at least one label (`label = \"class\"`), or leave the key out",
            ));
        }
        if let Some((label, _)) = map.iter().find(|(_, c)| c.trim().is_empty()) {
            return Err(Error::config(
                "experiment",
                format!("corpus.class_map.{label}"),
                "empty class name",
            ));
        }
    }
    let mut skipped = Vec::new();
    let mut utts = Vec::new();
    for r in read(path)? {
        let label = match class_map {
            None => r.label,
            Some(map) => match map.get(&r.label) {
                Some(class) => class.clone(),
                None => {
                    skipped.push(Skipped {
                        path: r.audio,
                        reason: format!(
                            "line {}: label `{}` is outside the class map",
                            r.line, r.label
                        ),
                    });
                    continue;
                }
            },
        };
        utts.push(Utterance {
            id: r.id,
            audio: r.audio,
            speaker: r.speaker,
            session: r.session,
            gender: r.gender,
            label,
            vad: r.vad,
            transcript: r.text,
            split: r.split.map(|s| match s {
                "train" => Split::Train,
                "validation" => Split::Validation,
                _ => Split::Test,
            }),
            intensity: None,
        });
    }
    let mut order: Vec<String> = match class_map {
        Some(map) => map.values().cloned().collect(),
        None => utts.iter().map(|u| u.label.clone()).collect(),
    };
    order.sort();
    order.dedup();
    let order: Vec<&str> = order.iter().map(String::as_str).collect();
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("manifest")
        .to_string();
    let expected = match class_map {
        None => "utterance row in this manifest".to_string(),
        Some(_) => "row whose label is in corpus.class_map".to_string(),
    };
    finish(&name, path, expected, utts, classes, &order, skipped)
}

#[cfg(test)]
mod tests;
