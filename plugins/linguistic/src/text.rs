//! Text normalisation and the two tokenisations TF-IDF counts: word n-grams and character
//! n-grams inside word boundaries. Both follow scikit-learn's `TfidfVectorizer`
//! (`token_pattern=r"(?u)\b\w\w+\b"`, `analyzer="char_wb"`) so that the features, and hence
//! the numbers, can be checked against it.

/// Typographic punctuation and its ASCII form (MELD's transcripts mix both styles: `’`
/// and `'` must count as the same apostrophe).
const ASCII: [(char, &str); 8] = [
    ('\u{2019}', "'"),
    ('\u{2018}', "'"),
    ('\u{201C}', "\""),
    ('\u{201D}', "\""),
    ('\u{2026}', "..."),
    ('\u{2014}', "-"),
    ('\u{2013}', "-"),
    ('\u{00A0}', " "),
];

/// Lower-case (optionally), map typographic punctuation to ASCII (optionally) and collapse
/// runs of white space into one space, trimmed.
pub fn normalise(text: &str, lowercase: bool, ascii_punctuation: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ASCII.iter().find(|(c, _)| *c == ch) {
            Some((_, a)) if ascii_punctuation => out.push_str(a),
            _ if lowercase => out.extend(ch.to_lowercase()),
            _ => out.push(ch),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Word tokens: maximal runs of word characters (letters, digits, `_`) at least two
/// characters long — scikit-learn's default `token_pattern`.
pub fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (is_word_char(c) && i < text.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if text[s..i].chars().nth(1).is_some() {
                    out.push(&text[s..i]);
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Word `n`-grams for `n` in `min..=max`, tokens joined by one space.
pub fn word_ngrams(text: &str, min: usize, max: usize, emit: &mut dyn FnMut(&str)) {
    let tokens = words(text);
    let mut buf = String::new();
    for n in min.max(1)..=max {
        for w in tokens.windows(n) {
            buf.clear();
            for (i, t) in w.iter().enumerate() {
                if i > 0 {
                    buf.push(' ');
                }
                buf.push_str(t);
            }
            emit(&buf);
        }
    }
}

/// Character `n`-grams for `n` in `min..=max` of each white-space-separated word padded
/// with one space on each side; a padded word shorter than `n` is emitted once, whole
/// (scikit-learn's `char_wb`).
pub fn char_wb_ngrams(text: &str, min: usize, max: usize, emit: &mut dyn FnMut(&str)) {
    let mut padded = String::new();
    let mut bounds: Vec<usize> = Vec::new();
    for w in text.split_whitespace() {
        padded.clear();
        padded.push(' ');
        padded.push_str(w);
        padded.push(' ');
        bounds.clear();
        bounds.extend(padded.char_indices().map(|(i, _)| i));
        bounds.push(padded.len());
        let len = bounds.len() - 1;
        for n in min.max(1)..=max {
            if len <= n {
                emit(&padded);
                break;
            }
            for start in 0..=len - n {
                emit(&padded[bounds[start]..bounds[start + n]]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(f: impl Fn(&mut dyn FnMut(&str))) -> Vec<String> {
        let mut v = Vec::new();
        f(&mut |s| v.push(s.to_string()));
        v
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalise("You  SAID “no” — twice…\n He’s", true, true),
            "you said \"no\" - twice... he's"
        );
        assert_eq!(normalise("He’s OK", false, false), "He’s OK");
    }

    // Expected tokens from scikit-learn 1.9.1:
    //   TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()("i don't know, ok? a b_c 42")
    //   TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).build_analyzer()("hi ok!")
    #[test]
    fn tokens_match_scikit_learn() {
        let t = "i don't know, ok? a b_c 42";
        assert_eq!(words(t), ["don", "know", "ok", "b_c", "42"]);
        assert_eq!(
            collect(|e| word_ngrams(t, 1, 2, e)),
            ["don", "know", "ok", "b_c", "42", "don know", "know ok", "ok b_c", "b_c 42"]
        );
        assert_eq!(
            collect(|e| char_wb_ngrams("hi ok!", 2, 3, e)),
            [" h", "hi", "i ", " hi", "hi ", " o", "ok", "k!", "! ", " ok", "ok!", "k! "]
        );
        // A padded word shorter than n is emitted once, whole.
        assert_eq!(
            collect(|e| char_wb_ngrams("a", 2, 5, e)),
            [" a", "a ", " a "]
        );
        assert_eq!(collect(|e| char_wb_ngrams("é", 4, 5, e)), [" é "]);
    }
}
