//! Word error rate: the edit distance between reference and hypothesis word sequences
//! (substitutions + deletions + insertions) divided by the number of reference words.
//! Words are compared lower-cased, with punctuation other than apostrophes removed.

/// The words of `text`, lower-cased, punctuation (but not apostrophes) dropped.
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word-level edit distance between `reference` and `hypothesis`.
pub fn edit_distance(reference: &[String], hypothesis: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut cur = vec![i + 1; hypothesis.len() + 1];
        for (j, h) in hypothesis.iter().enumerate() {
            let sub = prev[j] + usize::from(r != h);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[hypothesis.len()]
}

/// Word error rate of `hypothesis` against `reference` (0 for two empty texts; the
/// hypothesis' length when the reference is empty).
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let (r, h) = (words(reference), words(hypothesis));
    let d = edit_distance(&r, &h);
    if r.is_empty() {
        d as f64
    } else {
        d as f64 / r.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_error_rates() {
        assert_eq!(word_error_rate("The cat sat.", "the cat sat"), 0.0);
        // one substitution of three
        assert!((word_error_rate("the cat sat", "the hat sat") - 1.0 / 3.0).abs() < 1e-12);
        // one deletion + one insertion of four: "a b c d" -> "a c d e"
        assert!((word_error_rate("a b c d", "a c d e") - 0.5).abs() < 1e-12);
        assert_eq!(word_error_rate("it's here", "its here"), 0.5);
        assert_eq!(word_error_rate("", ""), 0.0);
        assert_eq!(word_error_rate("", "extra words"), 2.0);
        assert_eq!(word_error_rate("two words", ""), 1.0);
    }
}
