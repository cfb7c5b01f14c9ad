//! serlab-linear: the linear-model pieces that serlab's plugins share — a compressed sparse
//! row matrix and a multinomial logistic regression with L2 penalty and optional balanced
//! class weights, fit by L-BFGS.
//!
//! Why not a library model: linfa-logistic and smartcore take dense `ndarray` matrices,
//! and a TF-IDF matrix of word and character n-grams over ten thousand utterances has some
//! hundred thousand columns (a dense copy would be gigabytes); no well-kept crate fits a
//! multinomial logistic regression on sparse rows. So the objective and its gradient are
//! written here (a few dozen lines over [`Csr`] rows) and the optimiser is argmin's L-BFGS
//! with a Moré–Thuente line search. The objective is scikit-learn's
//! (`LogisticRegression(solver="lbfgs")`): per-sample cross-entropy weighted by class
//! weights, plus `||W||² / (2 C)`, the intercept unpenalised; the tests compare fitted
//! probabilities with scikit-learn's on the same data.
//!
//! Used by the `linguistic` plugin (TF-IDF + logistic regression) and by the `fusion`
//! plugin's `stacking` meta-classifier.

pub mod logreg;
pub mod sparse;

pub use logreg::{ClassWeight, LogRegParams, LogisticRegression};
pub use sparse::Csr;
