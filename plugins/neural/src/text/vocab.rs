//! Tokens and the vocabulary of the text models.
//!
//! The tokeniser keeps what carries emotion in dialogue and what TF-IDF's
//! scikit-learn-style tokens drop (`plugins/linguistic` counts words of two or more
//! characters): one-letter words (`I`, `a`), and punctuation (`!`, `?`, `...`) as tokens
//! of their own. A word is a run of letters, digits and `_`, with apostrophes inside it
//! (`don't`, `he's`); every other non-space character is a token by itself.
//!
//! The vocabulary is built from the training utterances only: words seen at least
//! `min_count` times, the `max_size` most frequent (ties broken alphabetically, so it is
//! the same on every machine). Id 0 is the padding token, id 1 the unknown word.

use serlab_nn::{NnError, Result};
use std::collections::HashMap;

/// The padding token's id (its embedding is always zero).
pub const PAD: usize = 0;
/// The id of words outside the vocabulary.
pub const UNK: usize = 1;
/// The spelling of [`PAD`] and [`UNK`] in a saved vocabulary.
pub const SPECIAL: [&str; 2] = ["<pad>", "<unk>"];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The tokens of `text`, lower-cased if `lowercase`.
pub fn tokens(text: &str, lowercase: bool) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if is_word_char(c) {
            let start = i;
            while i < chars.len()
                && (is_word_char(chars[i])
                    || (matches!(chars[i], '\'' | '\u{2019}')
                        && i + 1 < chars.len()
                        && is_word_char(chars[i + 1])))
            {
                i += 1;
            }
            let w: String = chars[start..i]
                .iter()
                .map(|&c| if c == '\u{2019}' { '\'' } else { c })
                .collect();
            out.push(if lowercase { w.to_lowercase() } else { w });
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// Words and their ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Vocab {
    words: Vec<String>,
    index: HashMap<String, usize>,
    lowercase: bool,
}

impl Vocab {
    /// The vocabulary of `texts`: words seen at least `min_count` times, at most
    /// `max_size` entries including the padding and unknown tokens (0 = no limit).
    pub fn build<'a>(
        texts: impl IntoIterator<Item = &'a str>,
        min_count: usize,
        max_size: usize,
        lowercase: bool,
    ) -> Vocab {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for t in texts {
            for w in tokens(t, lowercase) {
                *counts.entry(w).or_default() += 1;
            }
        }
        let mut ranked: Vec<(String, usize)> = counts
            .into_iter()
            .filter(|(w, c)| *c >= min_count.max(1) && !SPECIAL.contains(&w.as_str()))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if max_size > 0 {
            ranked.truncate(max_size.saturating_sub(SPECIAL.len()));
        }
        let words = SPECIAL
            .iter()
            .map(|s| s.to_string())
            .chain(ranked.into_iter().map(|(w, _)| w))
            .collect();
        Vocab::from_words(words, lowercase).expect("special tokens lead")
    }

    /// A saved vocabulary (`words[0]`, `words[1]` must be the padding and unknown tokens).
    pub fn from_words(words: Vec<String>, lowercase: bool) -> Result<Vocab> {
        if words.len() < 2 || words[0] != SPECIAL[0] || words[1] != SPECIAL[1] {
            return Err(NnError::Data(format!(
                "a vocabulary must start with {SPECIAL:?}, got {:?}",
                &words[..words.len().min(2)]
            )));
        }
        let index = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i))
            .collect();
        Ok(Vocab {
            words,
            index,
            lowercase,
        })
    }

    /// Entries, the two special tokens included.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when only the special tokens are known.
    pub fn is_empty(&self) -> bool {
        self.words.len() <= SPECIAL.len()
    }

    /// Words by id.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Whether tokens are lower-cased.
    pub fn lowercase(&self) -> bool {
        self.lowercase
    }

    /// The id of `word` ([`UNK`] if unknown).
    pub fn id(&self, word: &str) -> usize {
        self.index.get(word).copied().unwrap_or(UNK)
    }

    /// The ids of `text`'s tokens; an utterance without tokens reads as one unknown word.
    pub fn encode(&self, text: &str) -> Vec<usize> {
        let ids: Vec<usize> = tokens(text, self.lowercase)
            .iter()
            .map(|w| self.id(w))
            .collect();
        if ids.is_empty() {
            vec![UNK]
        } else {
            ids
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_short_words_contractions_and_punctuation() {
        assert_eq!(
            tokens("I don’t KNOW... ok?! a b_c 42", true),
            ["i", "don't", "know", ".", ".", ".", "ok", "?", "!", "a", "b_c", "42"]
        );
        assert_eq!(tokens("'Oh' Ross", false), ["'", "Oh", "'", "Ross"]);
        assert!(tokens("  ", true).is_empty());
    }

    #[test]
    fn vocabulary_counts_ranks_and_caps() {
        let v = Vocab::build(["b a a", "c a b", "d"], 2, 0, true);
        assert_eq!(v.words(), ["<pad>", "<unk>", "a", "b"]);
        assert_eq!(v.encode("a c b"), [2, UNK, 3]);
        assert_eq!(v.encode(""), [UNK]);
        let v = Vocab::build(["b a a", "c a b", "d"], 1, 4, true);
        assert_eq!(v.words(), ["<pad>", "<unk>", "a", "b"]);
        // Ties are broken alphabetically.
        let v = Vocab::build(["z y x"], 1, 0, true);
        assert_eq!(&v.words()[2..], ["x", "y", "z"]);
        assert!(Vocab::from_words(vec!["a".into()], true).is_err());
    }
}
