//! `tfidf-logreg`: TF-IDF over word and character n-grams (fit on the training
//! utterances) and a multinomial logistic regression with an L2 penalty, optionally with
//! balanced class weights; the penalty can be chosen on the validation utterances.

use crate::tfidf::{Analyzer, Vectorizer};
use serde::{Deserialize, Serialize};
use serlab_api::metrics::{argmax, Confusion};
use serlab_api::{Component, Error, Features, FitContext, LabeledSet, Model, Result, RunEvent};
use serlab_linear::{ClassWeight, LogRegParams, LogisticRegression};
use std::path::Path;

/// What `c_grid` selection maximises on the validation utterances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SelectBy {
    /// Unweighted accuracy (macro recall).
    #[default]
    Ua,
    /// Weighted F1.
    WeightedF1,
}

/// Parameters of `tfidf-logreg`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TfidfLogRegParams {
    /// Word n-gram lengths `[min, max]`; `[]` for no word block.
    pub word_ngrams: Vec<usize>,
    /// Character n-gram lengths `[min, max]` (within padded words); `[]` for none.
    pub char_ngrams: Vec<usize>,
    /// Keep terms found in at least this many training utterances.
    pub min_df: usize,
    /// Use `1 + ln(tf)` instead of the raw term count.
    pub sublinear_tf: bool,
    /// Lower-case before counting.
    pub lowercase: bool,
    /// Inverse L2 strength.
    pub c: f64,
    /// When non-empty, the `c` of this list with the best validation score is used.
    pub c_grid: Vec<f64>,
    /// Validation score for `c_grid`.
    pub select_by: SelectBy,
    /// `none` or `balanced`.
    pub class_weight: ClassWeight,
    /// Most L-BFGS iterations.
    pub max_iter: u64,
    /// Gradient-norm tolerance of L-BFGS.
    pub tol: f64,
}

impl Default for TfidfLogRegParams {
    fn default() -> Self {
        TfidfLogRegParams {
            word_ngrams: vec![1, 2],
            char_ngrams: vec![2, 5],
            min_df: 1,
            sublinear_tf: true,
            lowercase: true,
            c: 1.0,
            c_grid: Vec::new(),
            select_by: SelectBy::Ua,
            class_weight: ClassWeight::None,
            max_iter: 300,
            tol: 1e-5,
        }
    }
}

/// Help per parameter.
pub const PARAMS_HELP: &[(&str, &str)] = &[
    (
        "word_ngrams",
        "word n-gram lengths [min, max] (default [1, 2]; [] for none)",
    ),
    (
        "char_ngrams",
        "character n-gram lengths [min, max] inside padded words (default [2, 5]; [] for none)",
    ),
    (
        "min_df",
        "keep terms found in at least this many training utterances (default 1)",
    ),
    (
        "sublinear_tf",
        "use 1 + ln(tf) instead of the raw count (default true)",
    ),
    ("lowercase", "lower-case before counting (default true)"),
    (
        "c",
        "inverse L2 strength of the logistic regression (default 1.0)",
    ),
    (
        "c_grid",
        "if non-empty, the C of this list with the best validation score (default [])",
    ),
    (
        "select_by",
        "validation score for c_grid: `ua` (default) or `weighted-f1`",
    ),
    (
        "class_weight",
        "`none` (default) or `balanced` (n / (k n_c) per sample)",
    ),
    ("max_iter", "most L-BFGS iterations (default 300)"),
    ("tol", "L-BFGS gradient-norm tolerance (default 1e-5)"),
];

/// What a fitted `tfidf-logreg` saves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Fitted {
    lowercase: bool,
    c: f64,
    vectorizer: Vectorizer,
    model: LogisticRegression,
}

/// The `tfidf-logreg` model.
pub struct TfidfLogReg {
    params: TfidfLogRegParams,
    analyzers: Vec<Analyzer>,
    fitted: Option<Fitted>,
}

impl TfidfLogReg {
    /// The penalty in use after fitting (the selected one with `c_grid`).
    pub fn chosen_c(&self) -> Option<f64> {
        self.fitted.as_ref().map(|f| f.c)
    }

    /// Number of TF-IDF columns after fitting.
    pub fn vocabulary_size(&self) -> Option<usize> {
        self.fitted.as_ref().map(|f| f.vectorizer.len())
    }
}

fn range(key: &str, v: &[usize]) -> Result<Option<(usize, usize)>> {
    match v {
        [] => Ok(None),
        [a, b] if *a >= 1 && a <= b => Ok(Some((*a, *b))),
        _ => Err(Error::config(
            TfidfLogReg::NAME,
            key,
            format!("expected [min, max] with 1 <= min <= max, or [] for none; got {v:?}"),
        )),
    }
}

impl Component for TfidfLogReg {
    const NAME: &'static str = "tfidf-logreg";
    const SUMMARY: &'static str =
        "TF-IDF of word and character n-grams + multinomial logistic regression (L2, optional balanced class weights)";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = PARAMS_HELP;
    type Params = TfidfLogRegParams;

    fn new(params: TfidfLogRegParams) -> Result<Self> {
        let mut analyzers = Vec::new();
        if let Some((min, max)) = range("word_ngrams", &params.word_ngrams)? {
            analyzers.push(Analyzer::Word { min, max });
        }
        if let Some((min, max)) = range("char_ngrams", &params.char_ngrams)? {
            analyzers.push(Analyzer::CharWb { min, max });
        }
        if analyzers.is_empty() {
            return Err(Error::config(
                Self::NAME,
                "word_ngrams",
                "word_ngrams and char_ngrams are both empty: nothing to count",
            ));
        }
        for c in params.c_grid.iter().chain([&params.c]) {
            if !(*c > 0.0 && c.is_finite()) {
                return Err(Error::config(
                    Self::NAME,
                    "c",
                    format!("C must be a positive number, got {c}"),
                ));
            }
        }
        if params.min_df == 0 {
            return Err(Error::config(Self::NAME, "min_df", "must be at least 1"));
        }
        Ok(TfidfLogReg {
            params,
            analyzers,
            fitted: None,
        })
    }
}

/// The text of every input, lower-cased when asked; an error naming the first non-text.
fn texts(inputs: &[&Features], lowercase: bool) -> Result<Vec<String>> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, f)| match f.as_text() {
            Some(t) if lowercase => Ok(t.to_lowercase()),
            Some(t) => Ok(t.to_string()),
            None => Err(Error::invalid(format!(
                "tfidf-logreg reads text features (extractor = \"transcript\"), but input {i} \
                 is numeric ({} values)",
                f.dim()
            ))),
        })
        .collect()
}

fn score(by: SelectBy, truth: &[usize], probs: &[Vec<f32>], k: usize) -> f64 {
    let pred: Vec<usize> = probs.iter().map(|p| argmax(p)).collect();
    let c = Confusion::new(truth, &pred, k);
    match by {
        SelectBy::Ua => c.ua(),
        SelectBy::WeightedF1 => c.weighted_f1(),
    }
}

impl Model for TfidfLogReg {
    fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        let p = &self.params;
        let k = train.classes.len();
        let docs = texts(train.inputs, p.lowercase)?;
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let vectorizer = Vectorizer::fit(&self.analyzers, &refs, p.min_df, p.sublinear_tf);
        if vectorizer.is_empty() {
            return Err(Error::invalid(
                "tfidf-logreg: the training transcripts hold no term (empty texts?)",
            ));
        }
        let x = vectorizer.transform(&refs);
        let grid: Vec<f64> = if p.c_grid.is_empty() {
            vec![p.c]
        } else {
            p.c_grid.clone()
        };
        let valid_x = if grid.len() > 1 {
            if valid.is_empty() {
                return Err(Error::invalid(
                    "tfidf-logreg: c_grid needs validation utterances to choose C on",
                ));
            }
            let v = texts(valid.inputs, p.lowercase)?;
            let v: Vec<&str> = v.iter().map(String::as_str).collect();
            Some(vectorizer.transform(&v))
        } else {
            None
        };
        let stop = ctx.stop;
        let halt = || stop.should_halt();
        let mut best: Option<(f64, f64, LogisticRegression)> = None;
        for (step, &c) in grid.iter().enumerate() {
            let params = LogRegParams {
                c,
                class_weight: p.class_weight,
                max_iter: p.max_iter,
                tol: p.tol,
            };
            let model = LogisticRegression::fit(&x, train.labels, k, &params, &halt)?;
            let s = match &valid_x {
                Some(vx) => score(p.select_by, valid.labels, &model.predict_proba(vx)?, k),
                None => 0.0,
            };
            ctx.events.emit(RunEvent::Step {
                fold: ctx.fold,
                model: ctx.model_id.into(),
                step: step + 1,
                total: Some(grid.len()),
                loss: None,
            });
            // Ties go to the earlier (listed first) C.
            if best.as_ref().is_none_or(|(b, _, _)| s > *b + 1e-12) {
                best = Some((s, c, model));
            }
        }
        let (_, c, model) = best.expect("the grid has at least one C");
        self.fitted = Some(Fitted {
            lowercase: p.lowercase,
            c,
            vectorizer,
            model,
        });
        Ok(())
    }

    fn predict_proba(&self, inputs: &[&Features]) -> Result<Vec<Vec<f32>>> {
        let f = self.fitted.as_ref().ok_or_else(|| {
            Error::invalid("tfidf-logreg: predict_proba called before fit (or load)")
        })?;
        let docs = texts(inputs, f.lowercase)?;
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        f.model.predict_proba(&f.vectorizer.transform(&refs))
    }

    fn save(&self, path: &Path) -> Result<()> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| Error::invalid("tfidf-logreg: save called before fit"))?;
        let bytes = serde_json::to_vec(f)
            .map_err(|e| Error::invalid(format!("tfidf-logreg: cannot serialise: {e}")))?;
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
    }

    fn load(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let mut f: Fitted = serde_json::from_slice(&bytes).map_err(|e| {
            Error::invalid(format!(
                "tfidf-logreg: {} is not a tfidf-logreg model file: {e}",
                path.display()
            ))
        })?;
        f.model.check()?;
        if f.model.features != f.vectorizer.len() {
            return Err(Error::invalid(format!(
                "tfidf-logreg: {}: the vocabulary has {} terms but the model {} weights per class",
                path.display(),
                f.vectorizer.len(),
                f.model.features
            )));
        }
        f.vectorizer.reindex();
        self.fitted = Some(f);
        Ok(())
    }
}
