//! The header and the fields of a manifest: sniffing the delimiter, matching column names
//! (any case; a near miss of an absent known column is an error, since it would silently
//! drop data), and parsing the gender, split and number fields with messages that say what
//! was expected.

use super::{err, OPTIONAL, REQUIRED};
use crate::suggest::edit_distance;
use crate::{Gender, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The delimiter of a manifest whose first (header) line is `header`.
pub(super) fn delimiter(path: &Path, header: &str) -> Result<u8> {
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
pub(super) fn columns(
    path: &Path,
    header: &csv::StringRecord,
) -> Result<BTreeMap<&'static str, usize>> {
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

pub(super) fn gender(value: &str) -> std::result::Result<Option<Gender>, String> {
    match value.to_lowercase().as_str() {
        "" => Ok(None),
        "f" | "female" => Ok(Some(Gender::Female)),
        "m" | "male" => Ok(Some(Gender::Male)),
        _ => Err(format!(
            "unknown gender `{value}` (expected f, female, m, male, or empty)"
        )),
    }
}

pub(super) fn split(value: &str) -> std::result::Result<Option<&'static str>, String> {
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

pub(super) fn number(value: &str) -> std::result::Result<f32, String> {
    match value.parse::<f32>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(format!("`{value}` is not a finite number")),
        Err(_) => Err(format!("`{value}` is not a number")),
    }
}
