//! serlab plugin `classic`: the classic models every paralinguistics paper reports as
//! baselines, on any vector features (frame features are mean-pooled by
//! [`serlab_api::Features::as_vector`]), with outputs that agree with scikit-learn:
//!
//! - `logreg`: dense multinomial logistic regression, L2, optional balanced class weights
//!   (scikit-learn's `LogisticRegression(solver="lbfgs")`); the fit is serlab-linear's, the
//!   one the linguistic and fusion plugins use, rather than a second copy.
//! - `knn`: k nearest neighbours, Euclidean, uniform or distance votes
//!   (`KNeighborsClassifier.predict_proba`).
//! - `svm`: C-SVM with a linear or RBF kernel, one-vs-one SMO and Platt-scaled,
//!   pairwise-coupled probabilities, as libsvm (`SVC(probability=True)`).
//!
//! All three standardise each column by default (`StandardScaler`), since all are sensitive to
//! scale. `tests/reference/make_reference.py` writes scikit-learn's outputs on generated
//! data and `tests/sklearn.rs` compares.

pub mod data;
pub mod fitted;
pub mod knn;
pub mod logreg;
pub mod svm;

pub use data::{Scaler, Standardize};
pub use knn::{Knn, KnnParams, Weights};
pub use logreg::{LogReg, LogRegModelParams};
pub use svm::{Svm, SvmParams};

/// The `serlab_plugin_declaration` symbol (in a private module: the macro's static has no
/// doc comment of its own, and `#[no_mangle]` exports it all the same).
mod declaration {
    serlab_api::export_plugin!("classic", super::register);
}

/// Registers the plugin's components.
pub fn register(r: &mut serlab_api::plugin::Registrar) {
    r.model::<LogReg>();
    r.model::<Knn>();
    r.model::<Svm>();
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_plugin_conforms() {
        let mut r = serlab_api::plugin::Registrar::new("classic");
        super::register(&mut r);
        let components = r.components();
        let names: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["logreg", "knn", "svm"]);
        serlab_conformance::check(&r, &serlab_conformance::Options::default()).assert_passed();
    }
}
