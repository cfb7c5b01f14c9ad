//! serde's messages, made readable for someone editing a TOML file.
//!
//! serde reports `unknown field `sed`, expected one of `name`, `seed``, `invalid type:
//! string "x", expected u64` and `missing field `name``. These are accurate but speak Rust;
//! [`readable`] turns them into TOML words and, for unknown names, adds the closest valid
//! one. The candidate names are taken from serde's own message, so they are always the
//! fields the type really has (including optional ones a default table would not show).

use crate::suggest::closest;

/// A rewritten message, with the unknown or missing name it is about, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Readable {
    /// The message.
    pub message: String,
    /// The unknown key (`unknown field`) the message is about, if any.
    pub unknown_key: Option<String>,
    /// The missing key (`missing field`) the message is about, if any.
    pub missing_key: Option<String>,
}

/// "unknown key `x` (did you mean `y`?); expected one of: a, b".
pub fn unknown_name(what: &str, name: &str, valid: &[&str]) -> String {
    let hint = closest(name, valid.iter().copied())
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    if valid.is_empty() {
        format!("unknown {what} `{name}`; none is accepted here")
    } else {
        format!(
            "unknown {what} `{name}`{hint}; expected one of: {}",
            valid.join(", ")
        )
    }
}

/// Rewrite a serde / toml deserialisation message.
pub fn readable(message: &str) -> Readable {
    let message = message.trim_end();
    let plain = |m: String| Readable {
        message: m,
        unknown_key: None,
        missing_key: None,
    };
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, tail) = first_quoted(rest);
        let valid = quoted_after_expected(tail);
        let valid: Vec<&str> = valid.iter().map(String::as_str).collect();
        return Readable {
            message: unknown_name("key", &name, &valid),
            unknown_key: Some(name),
            missing_key: None,
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (name, tail) = first_quoted(rest);
        let valid = quoted_after_expected(tail);
        let valid: Vec<&str> = valid.iter().map(String::as_str).collect();
        return plain(unknown_name("value", &name, &valid));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let (name, _) = first_quoted(rest);
        return Readable {
            message: format!("missing required key `{name}`"),
            unknown_key: None,
            missing_key: Some(name),
        };
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some((found, expected)) = rest.rsplit_once(", expected ") {
                return plain(format!(
                    "expected {}, found {}",
                    toml_words(expected),
                    found.replace('`', "")
                ));
            }
        }
    }
    plain(message.to_string())
}

/// `u64` → "a non-negative integer", `struct X` → "a table", and so on.
fn toml_words(expected: &str) -> String {
    let e = expected.trim();
    let word = match e {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a sequence" => "a list",
        "a map" => "a table",
        _ if e.starts_with("struct ") || e.starts_with("internally tagged enum") => "a table",
        _ => e,
    };
    word.to_string()
}

/// The first `quoted` name of `s` and the text after it.
fn first_quoted(s: &str) -> (String, &str) {
    let mut parts = s.splitn(3, '`');
    let _ = parts.next();
    let name = parts.next().unwrap_or("").to_string();
    (name, parts.next().unwrap_or(""))
}

/// Every `quoted` name after "expected" in `s`.
fn quoted_after_expected(s: &str) -> Vec<String> {
    let Some(i) = s.find("expected") else {
        return Vec::new();
    };
    s[i..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        name: String,
        #[serde(default)]
        seed: u64,
        #[serde(default)]
        kind: Option<K>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    enum K {
        LeaveOneSpeakerOut,
        SpeakerFolds,
    }

    // The rewrites read real serde messages, so a change in serde's wording fails here.
    fn msg(text: &str) -> String {
        readable(toml::from_str::<T>(text).unwrap_err().message()).message
    }

    #[test]
    fn unknown_keys_get_the_closest_name_and_the_list() {
        let r = readable(
            toml::from_str::<T>("name = \"a\"\nsed = 1")
                .unwrap_err()
                .message(),
        );
        assert_eq!(
            r.message,
            "unknown key `sed` (did you mean `seed`?); expected one of: name, seed, kind"
        );
        assert_eq!(r.unknown_key.as_deref(), Some("sed"));
    }

    #[test]
    fn unknown_values_get_the_closest_variant() {
        assert_eq!(
            msg("name = \"a\"\nkind = \"speaker-fold\""),
            "unknown value `speaker-fold` (did you mean `speaker-folds`?); expected one of: \
             leave-one-speaker-out, speaker-folds"
        );
    }

    #[test]
    fn types_are_named_in_toml_words() {
        assert_eq!(
            msg("name = \"a\"\nseed = \"x\""),
            "expected a non-negative integer, found string \"x\""
        );
        assert_eq!(
            msg("name = \"a\"\nseed = -2"),
            "expected a non-negative integer, found integer -2"
        );
        assert_eq!(msg("seed = 1"), "missing required key `name`");
    }
}
