//! TF-IDF over word and character n-grams, as scikit-learn's `TfidfVectorizer`
//! (`smooth_idf=True`, `norm="l2"`) and a `FeatureUnion` of one vectoriser per analyser:
//! each block is L2-normalised on its own, then the blocks are placed side by side.
//!
//! The vocabulary and the inverse document frequencies are learnt from the training
//! utterances of a fold only, which is why TF-IDF lives in the model and not in a feature
//! extractor (an extractor sees every utterance, test included).

use crate::text::{char_wb_ngrams, word_ngrams};
use serde::{Deserialize, Serialize};
use serlab_linear::Csr;
use std::collections::HashMap;

/// Which n-grams a block counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Analyzer {
    /// Word n-grams, `min..=max` tokens.
    Word {
        /// Shortest n-gram.
        min: usize,
        /// Longest n-gram.
        max: usize,
    },
    /// Character n-grams inside padded words, `min..=max` characters.
    CharWb {
        /// Shortest n-gram.
        min: usize,
        /// Longest n-gram.
        max: usize,
    },
}

impl Analyzer {
    fn terms(&self, text: &str, emit: &mut dyn FnMut(&str)) {
        match *self {
            Analyzer::Word { min, max } => word_ngrams(text, min, max, emit),
            Analyzer::CharWb { min, max } => char_wb_ngrams(text, min, max, emit),
        }
    }
}

/// One fitted TF-IDF block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// What it counts.
    pub analyzer: Analyzer,
    /// Terms in column order (sorted).
    pub terms: Vec<String>,
    /// Inverse document frequency per column: `ln((1 + n) / (1 + df)) + 1`.
    pub idf: Vec<f32>,
    /// `1 + ln(tf)` instead of `tf`.
    pub sublinear_tf: bool,
    #[serde(skip)]
    index: HashMap<String, u32>,
}

impl Block {
    /// Learn the vocabulary (terms in at least `min_df` documents) and the idf.
    pub fn fit(analyzer: Analyzer, docs: &[&str], min_df: usize, sublinear_tf: bool) -> Block {
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut seen: HashMap<String, ()> = HashMap::new();
        for d in docs {
            seen.clear();
            analyzer.terms(d, &mut |t| {
                if !seen.contains_key(t) {
                    seen.insert(t.to_string(), ());
                }
            });
            for t in seen.keys() {
                *df.entry(t.clone()).or_default() += 1;
            }
        }
        let mut terms: Vec<(String, usize)> =
            df.into_iter().filter(|(_, n)| *n >= min_df).collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let n = docs.len() as f64;
        let idf = terms
            .iter()
            .map(|(_, d)| (((1.0 + n) / (1.0 + *d as f64)).ln() + 1.0) as f32)
            .collect();
        let mut b = Block {
            analyzer,
            terms: terms.into_iter().map(|(t, _)| t).collect(),
            idf,
            sublinear_tf,
            index: HashMap::new(),
        };
        b.reindex();
        b
    }

    /// Rebuild the term → column map (after deserialising).
    pub fn reindex(&mut self) {
        self.index = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The L2-normalised TF-IDF row of `doc` as sorted `(column, value)` pairs; terms
    /// outside the vocabulary are ignored.
    pub fn row(&self, doc: &str) -> Vec<(u32, f32)> {
        let mut tf: HashMap<u32, f32> = HashMap::new();
        self.analyzer.terms(doc, &mut |t| {
            if let Some(&c) = self.index.get(t) {
                *tf.entry(c).or_default() += 1.0;
            }
        });
        let mut row: Vec<(u32, f32)> = tf
            .into_iter()
            .map(|(c, n)| {
                let tf = if self.sublinear_tf { 1.0 + n.ln() } else { n };
                (c, tf * self.idf[c as usize])
            })
            .collect();
        row.sort_unstable_by_key(|e| e.0);
        let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        row
    }
}

/// Several blocks side by side (a `FeatureUnion`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vectorizer {
    /// The blocks, in column order.
    pub blocks: Vec<Block>,
}

impl Vectorizer {
    /// Fit one block per analyser on the training documents.
    pub fn fit(analyzers: &[Analyzer], docs: &[&str], min_df: usize, sublinear_tf: bool) -> Self {
        Vectorizer {
            blocks: analyzers
                .iter()
                .map(|a| Block::fit(*a, docs, min_df, sublinear_tf))
                .collect(),
        }
    }

    /// Rebuild every block's index (after deserialising).
    pub fn reindex(&mut self) {
        self.blocks.iter_mut().for_each(Block::reindex);
    }

    /// Total number of columns.
    pub fn len(&self) -> usize {
        self.blocks.iter().map(Block::len).sum()
    }

    /// True when no block has a term.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The TF-IDF matrix of `docs`.
    pub fn transform(&self, docs: &[&str]) -> Csr {
        let mut m = Csr::new(self.len());
        for d in docs {
            let mut offset = 0u32;
            let mut row = Vec::new();
            for b in &self.blocks {
                row.extend(b.row(d).into_iter().map(|(c, v)| (c + offset, v)));
                offset += b.len() as u32;
            }
            m.push_row(row);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS: [&str; 4] = [
        "oh my god he is lost it",
        "what? what is it",
        "we could go to the bank",
        "you said no twice",
    ];

    fn dense(m: &Csr, cols: usize) -> Vec<Vec<f32>> {
        (0..m.rows())
            .map(|i| {
                let mut r = vec![0.0; cols];
                let (c, v) = m.row(i);
                for (&c, &v) in c.iter().zip(v) {
                    r[c as usize] = v;
                }
                r
            })
            .collect()
    }

    // Expected values from scikit-learn 1.9.1:
    //   v = TfidfVectorizer(ngram_range=(1, 1)).fit(DOCS)
    //   v.get_feature_names_out(); v.transform(["what is it what", "unknown words"])
    #[test]
    fn word_tfidf_matches_scikit_learn() {
        let v = Vectorizer::fit(&[Analyzer::Word { min: 1, max: 1 }], &DOCS, 1, false);
        assert_eq!(
            v.blocks[0].terms,
            [
                "bank", "could", "go", "god", "he", "is", "it", "lost", "my", "no", "oh", "said",
                "the", "to", "twice", "we", "what", "you"
            ]
        );
        let m = dense(&v.transform(&["what is it what", "unknown words"]), v.len());
        // is, it: idf ln(5/3) + 1 = 1.5108; what: ln(5/2) + 1 = 1.9163, tf 2.
        let (is, what) = (1.510_825_6_f32, 1.916_290_7_f32);
        let norm = (2.0 * is * is + 4.0 * what * what).sqrt();
        assert!((m[0][5] - is / norm).abs() < 1e-6, "{:?}", m[0]);
        assert!((m[0][6] - is / norm).abs() < 1e-6);
        assert!((m[0][16] - 2.0 * what / norm).abs() < 1e-6);
        // scikit-learn: 0.34431, 0.34431, 0.87344 for is, it, what.
        assert!((m[0][5] - 0.344_31).abs() < 1e-5, "{}", m[0][5]);
        assert!((m[0][16] - 0.873_44).abs() < 1e-5, "{}", m[0][16]);
        assert!(
            m[1].iter().all(|&x| x == 0.0),
            "unknown words give an empty row"
        );
    }

    // scikit-learn 1.9.1: u = make_union(TfidfVectorizer(min_df=2, sublinear_tf=True),
    //   TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 2), min_df=2)).fit(DOCS)
    //   has 2 + 14 columns; u.transform(["what is it what"]) has 8 non-zeros:
    //   [0.7071 0.7071 | 0 0.4472 0 0.4472 0 0 0 0 0.2236 0.2236 0 0 0.2236 0.6708]
    //   (the char block without sublinear tf: ` w` counts twice, `t ` three times).
    #[test]
    fn union_of_blocks_normalises_each_block() {
        let v = Vectorizer::fit(
            &[
                Analyzer::Word { min: 1, max: 1 },
                Analyzer::CharWb { min: 2, max: 2 },
            ],
            &DOCS,
            2,
            false,
        );
        assert_eq!(v.blocks[0].terms, ["is", "it"]);
        assert_eq!(
            v.blocks[1].terms,
            [" g", " i", " t", " w", "d ", "e ", "go", "he", "is", "it", "o ", "ou", "s ", "t "]
        );
        let m = dense(&v.transform(&["what is it what"]), v.len());
        let want = [
            std::f32::consts::FRAC_1_SQRT_2,
            std::f32::consts::FRAC_1_SQRT_2,
            0.0,
            0.4472,
            0.0,
            0.4472,
            0.0,
            0.0,
            0.0,
            0.0,
            0.2236,
            0.2236,
            0.0,
            0.0,
            0.2236,
            0.6708,
        ];
        for (g, w) in m[0].iter().zip(want) {
            assert!((g - w).abs() < 1e-4, "{:?}", m[0]);
        }
    }
}
