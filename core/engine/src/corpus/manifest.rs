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

use super::{finish, Loaded, Skipped};
use crate::suggest::edit_distance;
use crate::{Error, Gender, Result, Split, Utterance};
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

/// The delimiter of a manifest whose first (header) line is `header`.
fn delimiter(path: &Path, header: &str) -> Result<u8> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    if matches!(ext.as_deref(), Some("tsv" | "tab")) {
        return if header.contains('\t') {
            Ok(b'\t')
        } else {
            Err(err(
                path,
                format!(
                    "line 1: a .tsv manifest's header must be separated by tabs; found `{header}`"
                ),
            ))
        };
    }
    [b',', b'\t', b';']
        .into_iter()
        .find(|d| header.contains(char::from(*d)))
        .ok_or_else(|| {
            err(
                path,
                format!(
                    "line 1: cannot tell the delimiter: the header `{header}` has no comma, tab \
                     or semicolon (expected at least the columns {})",
                    REQUIRED.join(", ")
                ),
            )
        })
}

/// Where each known column is, from the header; errors name what is missing or doubtful.
fn columns(path: &Path, header: &csv::StringRecord) -> Result<BTreeMap<&'static str, usize>> {
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut at: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        let Some(known) = REQUIRED
            .iter()
            .chain(&OPTIONAL)
            .find(|k| **k == name.as_str())
        else {
            continue;
        };
        if let Some(first) = at.insert(known, i) {
            return Err(err(
                path,
                format!(
                    "line 1: column `{known}` appears twice (columns {} and {})",
                    first + 1,
                    i + 1
                ),
            ));
        }
    }
    let found = || {
        header
            .iter()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for req in REQUIRED {
        if !at.contains_key(req) {
            return Err(err(
                path,
                format!(
                    "line 1: missing required column `{req}` (required: {}); the header has {}",
                    REQUIRED.join(", "),
                    found()
                ),
            ));
        }
    }
    // A near miss of an absent known column is a typo that would silently drop data. Short
    // names are left alone: `sex` or `set` are real columns, not misspelt `text`.
    for (i, name) in names.iter().enumerate() {
        if name.chars().count() < 5 || at.values().any(|&j| j == i) {
            continue;
        }
        if let Some(k) = REQUIRED
            .iter()
            .chain(&OPTIONAL)
            .find(|k| !at.contains_key(*k) && edit_distance(name, k) <= 2)
        {
            return Err(err(
                path,
                format!(
                    "line 1, column {}: unknown column `{}` (did you mean `{k}`?); known columns \
                     are {}, {}",
                    i + 1,
                    &header[i],
                    REQUIRED.join(", "),
                    OPTIONAL.join(", ")
                ),
            ));
        }
    }
    let vad: Vec<&str> = ["valence", "arousal", "dominance"]
        .into_iter()
        .filter(|k| at.contains_key(k))
        .collect();
    if !vad.is_empty() && vad.len() < 3 {
        return Err(err(
            path,
            format!(
                "line 1: columns valence, arousal and dominance come together; the header has \
                 only {}",
                vad.join(", ")
            ),
        ));
    }
    Ok(at)
}

fn gender(value: &str) -> std::result::Result<Option<Gender>, String> {
    match value.to_lowercase().as_str() {
        "" => Ok(None),
        "f" | "female" => Ok(Some(Gender::Female)),
        "m" | "male" => Ok(Some(Gender::Male)),
        _ => Err(format!(
            "unknown gender `{value}` (expected f, female, m, male, or empty)"
        )),
    }
}

fn split(value: &str) -> std::result::Result<Option<&'static str>, String> {
    match value.to_lowercase().as_str() {
        "" => Ok(None),
        "train" | "training" => Ok(Some("train")),
        "validation" | "valid" | "val" | "dev" | "development" => Ok(Some("validation")),
        "test" => Ok(Some("test")),
        _ => Err(format!(
            "unknown split `{value}` (expected train, validation (or dev, valid, val), test, or \
             empty)"
        )),
    }
}

fn number(value: &str) -> std::result::Result<f32, String> {
    match value.parse::<f32>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(format!("`{value}` is not a finite number")),
        Err(_) => Err(format!("`{value}` is not a number")),
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
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// The error message of reading a manifest with this text (named `name`).
    fn error(name: &str, text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), name, text);
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains(name), "error does not name the manifest: {e}");
        e
    }

    #[test]
    fn reads_every_column_and_resolves_paths_against_the_manifest_folder() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            "Path,Label,Speaker,session,gender,text,valence,arousal,dominance,split,duration\n\
                    a/one.wav,happy,s1,ses1,F,\"Hello, world\",3.5,2,4.25,train,1.2\n\
                    # a comment line\n\
                    \n\
                    /abs/two.flac,sad,s2,,male,,,,,DEV,0.8\n\
                    three.mp3 , angry , s3 ,ses2,,,1,1,1,Test,\n";
        let p = write(dir.path(), "corpus.csv", text);
        let rows = read(&p).unwrap();
        assert_eq!(rows.len(), 3);
        let r = &rows[0];
        assert_eq!(r.line, 2);
        assert_eq!(r.id, "a/one");
        assert_eq!(r.audio, dir.path().join("a/one.wav"));
        assert_eq!((r.label.as_str(), r.speaker.as_str()), ("happy", "s1"));
        assert_eq!(r.session.as_deref(), Some("ses1"));
        assert_eq!(r.gender, Some(Gender::Female));
        assert_eq!(r.text.as_deref(), Some("Hello, world"));
        assert_eq!(r.vad, Some([3.5, 2.0, 4.25]));
        assert_eq!(r.split, Some("train"));
        let r = &rows[1];
        assert_eq!(r.line, 5);
        assert_eq!(r.audio, PathBuf::from("/abs/two.flac"));
        assert_eq!((r.session.clone(), r.gender), (None, Some(Gender::Male)));
        assert_eq!((r.text.clone(), r.vad), (None, None));
        assert_eq!(r.split, Some("validation"));
        // Fields are trimmed.
        let r = &rows[2];
        assert_eq!((r.id.as_str(), r.label.as_str()), ("three", "angry"));
        assert_eq!(r.audio, dir.path().join("three.mp3"));
        assert_eq!((r.vad, r.split), (Some([1.0; 3]), Some("test")));
    }

    #[test]
    fn the_delimiter_comes_from_the_extension_or_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let tsv = write(
            dir.path(),
            "m.tsv",
            "path\tlabel\tspeaker\ttext\nx.wav\tsad\tA\tyes, a comma\n",
        );
        assert_eq!(read(&tsv).unwrap()[0].text.as_deref(), Some("yes, a comma"));
        // A semicolon table saved by a spreadsheet, with a byte-order mark, named .txt.
        let semi = write(
            dir.path(),
            "m.txt",
            "\u{feff}path;label;speaker;id\nx.wav;sad;A;utt-1\n",
        );
        let r = read(&semi).unwrap();
        assert_eq!((r[0].id.as_str(), r[0].speaker.as_str()), ("utt-1", "A"));
        let e = error("m.tsv", "path,label,speaker\nx.wav,sad,A\n");
        assert!(e.contains("line 1") && e.contains("tabs"), "{e}");
        let e = error("m.csv", "path label speaker\n");
        assert!(
            e.contains("delimiter") && e.contains("path, label, speaker"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_the_line_the_column_and_what_is_wrong() {
        let e = error("m.csv", "path,label,emotion,spk\nx.wav,sad,sad,A\n");
        assert!(
            e.contains("line 1")
                && e.contains("missing required column `speaker`")
                && e.contains("`path`, `label`, `emotion`, `spk`"),
            "{e}"
        );
        let e = error(
            "m.csv",
            "path,label,speaker,valence,arousal,dominance\nx.wav,sad,A,1,2,3\ny.wav,sad,A,high,2,3\n",
        );
        assert!(
            e.contains("line 3, column `valence`: `high` is not a number"),
            "{e}"
        );
        let e = error(
            "m.csv",
            "path,label,speaker,valence,arousal,dominance\nx.wav,sad,A,1,NaN,3\n",
        );
        assert!(
            e.contains("line 2, column `arousal`") && e.contains("finite"),
            "{e}"
        );
        let e = error(
            "m.csv",
            "path,label,speaker,valence,arousal,dominance\nx.wav,sad,A,1,,3\n",
        );
        assert!(e.contains("line 2, column `arousal`: empty"), "{e}");
        let e = error("m.csv", "path,label,speaker,valence\nx.wav,sad,A,1\n");
        assert!(
            e.contains("come together") && e.contains("only valence"),
            "{e}"
        );
        let e = error("m.csv", "path,label,speaker,gender\nx.wav,sad,A,x\n");
        assert!(
            e.contains("line 2, column `gender`: unknown gender `x`"),
            "{e}"
        );
        let e = error("m.csv", "path,label,speaker,split\nx.wav,sad,A,holdout\n");
        assert!(
            e.contains("line 2, column `split`: unknown split `holdout`"),
            "{e}"
        );
        let e = error("m.csv", "path,label,speaker\nx.wav,sad,A\nx.flac,sad,B\n");
        assert!(
            e.contains("line 3, column `path`: utterance id `x` is already used on line 2"),
            "{e}"
        );
        let e = error("m.csv", "path,label,speaker\nx.wav,sad,A\ny.wav,sad\n");
        assert!(e.contains("line 3: 2 fields, but the header has 3"), "{e}");
        let e = error(
            "m.csv",
            "# made by hand\npath,label,speaker\n# first\n\nx.wav,sad\n",
        );
        assert!(e.contains("line 5: 2 fields, but the header has 3"), "{e}");
        let e = error("m.csv", "path,label,speaker\nx.wav,,A\n");
        assert!(e.contains("line 2, column `label`: empty"), "{e}");
        let e = error("m.csv", "path,label,speaker,valance\nx.wav,sad,A,1\n");
        assert!(
            e.contains("column 4: unknown column `valance` (did you mean `valence`?)"),
            "{e}"
        );
        let e = error("m.csv", "path,label,speaker,label\n");
        assert!(e.contains("column `label` appears twice"), "{e}");
        let e = error("m.csv", "");
        assert!(e.contains("empty manifest"), "{e}");
        // Short unknown columns are someone's data, not typos.
        let dir = tempfile::tempdir().unwrap();
        let latin1 = dir.path().join("latin1.csv");
        std::fs::write(&latin1, b"path,label,speaker\nx.wav,sad,J\xfcrgen\n").unwrap();
        let e = read(&latin1).unwrap_err().to_string();
        assert!(e.contains("latin1.csv: line 2: not UTF-8"), "{e}");
        let p = write(
            dir.path(),
            "ok.csv",
            "path,label,speaker,sex,set\nx.wav,sad,A,f,1\n",
        );
        assert_eq!(read(&p).unwrap()[0].gender, None);
        let e = read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
        let e = read(&dir.path().join("none.csv")).unwrap_err().to_string();
        assert!(e.contains("none.csv"), "{e}");
    }

    #[test]
    fn class_map_and_classes_select_like_the_other_loaders() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "iemocap-like.csv",
            "path,label,speaker\n\
             a.wav,neu,s1\nb.wav,hap,s1\nc.wav,exc,s2\nd.wav,fru,s2\ne.wav,sad,s3\n",
        );
        // Without a map, labels are the classes, sorted.
        let l = load(&p, None, None).unwrap();
        assert_eq!(l.corpus.name, "iemocap-like");
        assert_eq!(l.corpus.classes, ["exc", "fru", "hap", "neu", "sad"]);
        assert!(l.skipped.is_empty());
        // A map merges exc into happy; fru is outside it and listed.
        let map: BTreeMap<String, String> = [
            ("neu", "neutral"),
            ("hap", "happy"),
            ("exc", "happy"),
            ("sad", "sad"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let l = load(&p, Some(&map), None).unwrap();
        assert_eq!(l.corpus.classes, ["happy", "neutral", "sad"]);
        assert_eq!(l.corpus.class_counts(), [2, 1, 1]);
        assert_eq!(l.skipped.len(), 1);
        assert!(l.skipped[0].path.ends_with("d.wav"));
        assert!(
            l.skipped[0].reason == "line 5: label `fru` is outside the class map",
            "{:?}",
            l.skipped
        );
        // `classes` keeps some, in the given order, and lists the rest.
        let keep = vec!["sad".to_string(), "happy".to_string()];
        let l = load(&p, Some(&map), Some(&keep)).unwrap();
        assert_eq!(l.corpus.classes, keep);
        assert_eq!(l.corpus.utterances.len(), 3);
        assert_eq!(l.skipped.len(), 2);
        let bad = vec!["anger".to_string()];
        let e = load(&p, Some(&map), Some(&bad)).unwrap_err().to_string();
        assert!(e.contains("`anger` is not a class"), "{e}");
        // A map that names none of the labels leaves nothing, and says so.
        let other: BTreeMap<String, String> = [("ang".to_string(), "angry".to_string())]
            .into_iter()
            .collect();
        let e = load(&p, Some(&other), None).unwrap_err().to_string();
        assert!(
            e.contains("iemocap-like.csv") && e.contains("class_map"),
            "{e}"
        );
        let e = load(&p, Some(&BTreeMap::new()), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("corpus.class_map") && e.contains("empty"), "{e}");
        // A header without rows is a corpus without utterances.
        let empty = write(dir.path(), "empty.csv", "path,label,speaker\n");
        let e = load(&empty, None, None).unwrap_err().to_string();
        assert!(
            e.contains("empty.csv") && e.contains("no utterance row"),
            "{e}"
        );
    }
}
