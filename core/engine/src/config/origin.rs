//! Where each key of an experiment file is: byte spans from the TOML parser, turned into
//! `file:line:column` for messages.
//!
//! serde's typed deserialisation loses positions once a value is inside a struct, so the
//! file is parsed a second time into `toml`'s spanned document tree and every key (dotted:
//! `models.rf.n_trees`, array items as `fusion.members[1]`) is indexed with the span of
//! its name and of its value. Any later check can then point at the exact place.

use crate::Error;
use std::ops::Range;

/// Positions of the keys of one experiment file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origin {
    /// The file name used in messages.
    pub file: String,
    line_starts: Vec<usize>,
    text: String,
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    key: String,
    key_span: Range<usize>,
    value_span: Range<usize>,
}

impl Origin {
    /// Index `text`; a TOML syntax error comes back as a message with its position.
    pub fn parse(file: &str, text: &str) -> Result<Origin, Error> {
        let mut o = Origin {
            file: file.to_string(),
            line_starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            text: text.to_string(),
            entries: Vec::new(),
        };
        match toml::de::DeTable::parse(text) {
            Ok(doc) => {
                o.index_table("", doc.get_ref());
                Ok(o)
            }
            Err(e) => {
                let at = e.span().map(|s| s.start);
                let key = at
                    .map(|a| o.key_of_line(a))
                    .unwrap_or_else(|| "-".to_string());
                let message = match e.message() {
                    "duplicate key" => {
                        format!("`{key}` is defined twice (TOML allows each table and key once)")
                    }
                    m => format!("invalid TOML: {m}"),
                };
                Err(o.error_at(at, &key, message))
            }
        }
    }

    fn index_table(&mut self, prefix: &str, t: &toml::de::DeTable<'_>) {
        for (k, v) in t.iter() {
            let key = join(prefix, k.get_ref());
            self.entries.push(Entry {
                key: key.clone(),
                key_span: k.span(),
                value_span: v.span(),
            });
            self.index_value(&key, v.get_ref());
        }
    }

    fn index_value(&mut self, key: &str, v: &toml::de::DeValue<'_>) {
        if let Some(t) = v.as_table() {
            self.index_table(key, t);
        } else if let Some(a) = v.as_array() {
            for (i, item) in a.iter().enumerate() {
                let k = format!("{key}[{i}]");
                self.entries.push(Entry {
                    key: k.clone(),
                    key_span: item.span(),
                    value_span: item.span(),
                });
                self.index_value(&k, item.get_ref());
            }
        }
    }

    /// `(line, column)`, both from 1, of a byte offset (columns count characters).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.line_starts[line];
        let end = offset.min(self.text.len());
        let col = self.text.get(start..end).map_or(0, |s| s.chars().count()) + 1;
        (line + 1, col)
    }

    /// `file:line:col`, or just `file` without an offset.
    pub fn place(&self, offset: Option<usize>) -> String {
        match offset {
            Some(o) => {
                let (l, c) = self.line_col(o);
                format!("{}:{l}:{c}", self.file)
            }
            None => self.file.clone(),
        }
    }

    /// Whether the file has this dotted key.
    pub fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Where the name of `key` is written; for a missing key, where its nearest written
    /// parent is (a missing `models.rf.model` points at `[models.rf]`).
    pub fn key_offset(&self, key: &str) -> Option<usize> {
        let mut k = key;
        loop {
            if let Some(e) = self.entry(k) {
                return Some(e.key_span.start);
            }
            k = &k[..k.rfind(['.', '['])?];
        }
    }

    /// Where the value of `key` is written (falls back like [`Origin::key_offset`]).
    pub fn value_offset(&self, key: &str) -> Option<usize> {
        match self.entry(key) {
            Some(e) => Some(e.value_span.start),
            None => self.key_offset(key),
        }
    }

    /// Where a table's header (or inline table) starts.
    pub fn table_offset(&self, key: &str) -> Option<usize> {
        self.value_offset(key)
    }

    /// The innermost key whose name or value covers `offset`.
    pub fn key_at(&self, offset: usize) -> Option<&str> {
        self.entries
            .iter()
            .filter(|e| e.key_span.contains(&offset) || e.value_span.contains(&offset))
            .min_by_key(|e| {
                let s = if e.key_span.contains(&offset) {
                    &e.key_span
                } else {
                    &e.value_span
                };
                s.end - s.start
            })
            .map(|e| e.key.as_str())
    }

    /// An [`Error::Config`] placed at a byte offset.
    pub fn error_at(&self, offset: Option<usize>, key: &str, message: String) -> Error {
        Error::config(self.place(offset), key, message)
    }

    /// An error about the key `key`, placed at its name.
    pub fn key_error(&self, key: &str, message: impl Into<String>) -> Error {
        self.error_at(self.key_offset(key), key, message.into())
    }

    /// An error about the value of `key`, placed at the value.
    pub fn value_error(&self, key: &str, message: impl Into<String>) -> Error {
        self.error_at(self.value_offset(key), key, message.into())
    }

    /// For a syntax error (no index yet): the dotted key written on the line of `offset`,
    /// from the nearest `[table]` header above and the `key =` on the line.
    fn key_of_line(&self, offset: usize) -> String {
        let text = &self.text;
        let before = &text[..offset.min(text.len())];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let line = text[line_start..line_end].trim();
        let key = if line.starts_with('[') {
            ""
        } else {
            line.split_once('=').map_or("", |(k, _)| k.trim())
        };
        let header = |l: &str| {
            l.trim()
                .strip_prefix('[')
                .map(|l| l.trim_start_matches('[').split(']').next().unwrap_or(""))
                .map(|s| s.trim().to_string())
        };
        let section = if line.starts_with('[') {
            header(line)
        } else {
            before[..line_start].lines().rev().find_map(header)
        };
        match (section, key.is_empty()) {
            (Some(s), false) => format!("{s}.{key}"),
            (Some(s), true) => s,
            (None, false) => key.to_string(),
            (None, true) => "-".into(),
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "[experiment]\nname = \"é x\"\nseed = 3\n\n[fusion]\nmembers = [\"a\", \"b\"]\n";

    #[test]
    fn keys_and_values_have_line_and_column() {
        let o = Origin::parse("f.toml", TEXT).unwrap();
        assert_eq!(o.line_col(o.key_offset("experiment.seed").unwrap()), (3, 1));
        assert_eq!(
            o.line_col(o.value_offset("experiment.seed").unwrap()),
            (3, 8)
        );
        // Columns count characters, not bytes.
        assert_eq!(o.line_col(TEXT.find(" x").unwrap()), (2, 10));
        assert_eq!(o.place(o.value_offset("fusion.members[1]")), "f.toml:6:17");
        // A missing key points at its table's header.
        assert_eq!(o.place(o.key_offset("fusion.method")), "f.toml:5:2");
        assert_eq!(
            o.key_at(o.value_offset("experiment.seed").unwrap()),
            Some("experiment.seed")
        );
    }

    #[test]
    fn syntax_errors_carry_position_and_key() {
        let e = Origin::parse("f.toml", "[experiment]\nname = \n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("f.toml:2:8: experiment.name: invalid TOML:"),
            "{e}"
        );
    }
}
