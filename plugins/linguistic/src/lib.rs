//! serlab plugin `linguistic`: text features and linguistic (text) models.
//!
//! Components:
//! - `transcript` (feature extractor): the utterance's transcript, from the corpus or the
//!   experiment's `[transcriber]`, normalised, as [`serlab_api::Features::Text`];
//! - `tfidf-logreg` (model): TF-IDF over word and character n-grams, learnt on the
//!   training utterances, and a multinomial logistic regression (L2 penalty, optional
//!   balanced class weights, optional choice of the penalty on the validation utterances).
//!
//! The tokenisation and the TF-IDF weighting follow scikit-learn's `TfidfVectorizer` so
//! that the features can be (and in the tests are) checked against it. No Rust crate
//! offers that (the `tfidf`-style crates implement other weightings and no `char_wb`
//! analyser), hence [`text`] and [`tfidf`].

pub mod logreg;
pub mod text;
pub mod tfidf;
pub mod transcript;

pub use logreg::{TfidfLogReg, TfidfLogRegParams};
pub use transcript::{Transcript, TranscriptParams};

/// The `serlab_plugin_declaration` symbol (in a private module: the macro's static has no
/// doc comment of its own, and `#[no_mangle]` exports it all the same).
mod declaration {
    serlab_api::export_plugin!("linguistic", super::register);
}

/// Registers the plugin's components.
pub fn register(r: &mut serlab_api::plugin::Registrar) {
    r.extractor::<Transcript>();
    r.model::<TfidfLogReg>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serlab_api::{Component, Features, FitContext, LabeledSet, Model, StopHandle};

    #[test]
    fn registers_its_components() {
        let mut r = serlab_api::plugin::Registrar::new("linguistic");
        register(&mut r);
        let names: Vec<String> = r.components().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["transcript", "tfidf-logreg"]);
    }

    fn set<'a>(
        x: &'a [&'a Features],
        y: &'a [usize],
        s: &'a [&'a str],
        v: &'a [Option<[f32; 3]>],
        classes: &'a [String],
    ) -> LabeledSet<'a> {
        LabeledSet {
            inputs: x,
            labels: y,
            speakers: s,
            vad: v,
            classes,
            aux: &[],
        }
    }

    /// Words that carry the class: a text model must separate them; and it must survive
    /// a save / load round trip with identical probabilities.
    #[test]
    fn learns_words_chooses_c_on_validation_and_round_trips() {
        let classes: Vec<String> = ["happy", "sad"].map(String::from).to_vec();
        let happy = [
            "i love this",
            "what a great day",
            "so happy and glad",
            "great fun",
        ];
        let sad = [
            "i miss her",
            "such a sad loss",
            "i feel so down",
            "sad and lonely",
        ];
        let mut x: Vec<Features> = Vec::new();
        let mut y = Vec::new();
        for (h, s) in happy.iter().zip(&sad) {
            x.push(Features::Text(h.to_string()));
            y.push(0);
            x.push(Features::Text(s.to_string()));
            y.push(1);
        }
        let xr: Vec<&Features> = x.iter().collect();
        let spk = vec!["a"; x.len()];
        let vad = vec![None; x.len()];
        let train = set(&xr, &y, &spk, &vad, &classes);
        let vx = [
            Features::Text("great and happy".into()),
            Features::Text("sad and down".into()),
        ];
        let vr: Vec<&Features> = vx.iter().collect();
        let vy = [0, 1];
        let valid = set(&vr, &vy, &spk[..2], &vad[..2], &classes);
        let mut m = TfidfLogReg::new(TfidfLogRegParams {
            c_grid: vec![0.01, 10.0],
            ..Default::default()
        })
        .unwrap();
        let stop = StopHandle::new();
        let mut events = serlab_api::events::VecSink::default();
        let mut ctx = FitContext {
            events: &mut events,
            stop: &stop,
            seed: 0,
            fold: 0,
            model_id: "lr",
        };
        m.fit(&train, &valid, &mut ctx).unwrap();
        // Both Cs separate the validation pair (UA 1), so the first listed is kept.
        assert_eq!(m.chosen_c(), Some(0.01));
        let test = [
            Features::Text("a great happy day".into()),
            Features::Text("lonely and sad".into()),
        ];
        let tr: Vec<&Features> = test.iter().collect();
        let p = m.predict_proba(&tr).unwrap();
        assert!(p[0][0] > 0.5 && p[1][1] > 0.5, "{p:?}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lr");
        m.save(&path).unwrap();
        let mut again = TfidfLogReg::new(TfidfLogRegParams::default()).unwrap();
        again.load(&path).unwrap();
        assert_eq!(again.predict_proba(&tr).unwrap(), p);
        // Numbers are refused with the extractor to use.
        let e = m
            .predict_proba(&[&Features::Vector(vec![1.0])])
            .unwrap_err()
            .to_string();
        assert!(e.contains("transcript"), "{e}");
        std::fs::write(&path, b"{}").unwrap();
        assert!(again
            .load(&path)
            .unwrap_err()
            .to_string()
            .contains("not a tfidf-logreg"));
    }

    #[test]
    fn bad_parameters_are_named() {
        let bad = |p: TfidfLogRegParams| TfidfLogReg::new(p).err().unwrap().to_string();
        assert!(bad(TfidfLogRegParams {
            word_ngrams: vec![2, 1],
            ..Default::default()
        })
        .contains("word_ngrams"));
        assert!(bad(TfidfLogRegParams {
            word_ngrams: vec![],
            char_ngrams: vec![],
            ..Default::default()
        })
        .contains("nothing to count"));
        assert!(bad(TfidfLogRegParams {
            c: -1.0,
            ..Default::default()
        })
        .contains("positive"));
    }
}
