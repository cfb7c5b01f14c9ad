//! Experiment files: parsing, env expansion, and the placement and wording of errors.

use super::*;

const GOOD: &str = r#"
[experiment]
name = "t"
seed = 3
[corpus]
kind = "emodb"
path = "${SERLAB_TEST_NOT_SET_VAR:-data/emodb}"
[protocol]
kind = "leave-one-speaker-out"
[features.func]
extractor = "functionals"
n_mfcc = 13
[models.rf]
model = "random-forest"
features = "func"
n_trees = 10
[fusion]
method = "average"
"#;

#[test]
fn parses_a_full_experiment() {
    let e = Experiment::from_str(GOOD, Path::new("x.toml")).unwrap();
    assert_eq!(e.meta.seed, 3);
    assert_eq!(
        e.corpus,
        CorpusConfig::Emodb {
            path: "data/emodb".into(),
            classes: None
        }
    );
    assert_eq!(
        e.features[0]
            .params
            .get("n_mfcc")
            .and_then(|v| v.as_integer()),
        Some(13)
    );
    assert_eq!(e.models[0].features, "func");
    assert_eq!(e.fusion().unwrap().members, vec!["rf".to_string()]);
    // The resolved TOML parses back to the same experiment.
    let again = Experiment::from_str(&e.to_toml(&|_| None), Path::new("x.toml")).unwrap();
    assert_eq!(again.models, e.models);
    assert_eq!(again.corpus, e.corpus);
}

#[test]
fn parses_the_ravdess_and_iemocap_experiments() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let r = Experiment::from_file(&dir.join("ravdess-forest.toml")).unwrap();
    assert!(matches!(r.corpus, CorpusConfig::Ravdess { .. }));
    assert_eq!(r.protocol.kind, crate::protocol::ProtocolKind::SpeakerFolds);
    assert_eq!(r.protocol.folds, Some(6));
    let i = Experiment::from_file(&dir.join("iemocap-forest.toml")).unwrap();
    assert!(matches!(
        i.corpus,
        CorpusConfig::Iemocap {
            class_map: crate::corpus::iemocap::ClassMap::Four,
            ..
        }
    ));
    assert_eq!(
        i.protocol.kind,
        crate::protocol::ProtocolKind::LeaveOneSessionOut
    );
    for e in [r, i] {
        let again = Experiment::from_str(&e.to_toml(&|_| None), Path::new("x.toml")).unwrap();
        assert_eq!(again.corpus, e.corpus);
        assert_eq!(again.protocol, e.protocol);
    }
    // class_map defaults to `four`; an unknown map is refused.
    let text = GOOD.replace("kind = \"emodb\"", "kind = \"iemocap\"");
    let e = Experiment::from_str(&text, Path::new("x.toml")).unwrap();
    assert!(matches!(
        e.corpus,
        CorpusConfig::Iemocap {
            class_map: crate::corpus::iemocap::ClassMap::Four,
            ..
        }
    ));
    let bad = text.replace(
        "kind = \"iemocap\"",
        "kind = \"iemocap\"\nclass_map = \"five\"",
    );
    assert!(err(&bad).contains("four-no-exc"), "{}", err(&bad));
}

#[test]
fn the_documented_example_parses_with_its_documented_values() {
    let doc = include_str!("../../../../experiments/README.md");
    let start = doc.find("```toml\n").expect("a toml block") + 8;
    let end = start + doc[start..].find("```").expect("closed");
    let e = Experiment::from_str(&doc[start..end], Path::new("README.md")).unwrap();
    assert_eq!(e.metrics.top_k, vec![2, 3]);
    assert_eq!(e.metrics.bootstrap, 2000);
    assert_eq!(e.metrics.confidence, 0.95);
    assert!(e.augmentation.is_none());
    // Defaults match the tables of experiments/README.md.
    let m = MetricsConfig::default();
    assert_eq!((m.top_k, m.bootstrap, m.confidence), (vec![2], 1000, 0.95));
    let a = Augmentation::default();
    assert_eq!((a.copies, a.time_mask_width, a.freq_mask_width), (0, 10, 8));
}

#[test]
fn env_expansion() {
    assert_eq!(
        expand_env("${SERLAB_TEST_NOT_SET_VAR:-a/b}/c").unwrap(),
        "a/b/c"
    );
    assert!(expand_env("${SERLAB_TEST_NOT_SET_VAR}")
        .unwrap_err()
        .contains("SERLAB_TEST_NOT_SET_VAR"));
    assert_eq!(expand_env("plain").unwrap(), "plain");
}

fn err(text: &str) -> String {
    Experiment::from_str(text, Path::new("bad.toml"))
        .unwrap_err()
        .to_string()
}

#[test]
fn errors_name_file_line_column_key_and_suggestion() {
    // GOOD starts with an empty line, so `[experiment]` is on line 2.
    assert_eq!(
        err(&GOOD.replace("[protocol]", "[protocoll]")),
        "bad.toml:8:2: protocoll: unknown section `protocoll` (did you mean `protocol`?); \
         expected one of: experiment, corpus, protocol, features, models, fusion, transcriber, \
         metrics, augmentation"
    );
    assert_eq!(
        err(&GOOD.replace("features = \"func\"", "features = \"fnc\"")),
        "bad.toml:15:12: models.rf.features: unknown feature set `fnc` (did you mean \
         `func`?); expected one of: func"
    );
    assert_eq!(
        err(&GOOD.replace("seed = 3", "seed = \"x\"")),
        "bad.toml:4:8: experiment.seed: expected a non-negative integer, found string \"x\""
    );
    assert!(err(&GOOD.replace("name = \"t\"", "name = "))
        .starts_with("bad.toml:3:8: experiment.name: invalid TOML: "));
    assert_eq!(
        err(&GOOD.replace("kind = \"leave-one-speaker-out\"", "kind = \"loso\"")),
        "bad.toml:9:8: protocol.kind: unknown value `loso`; expected one of: \
         leave-one-speaker-out, speaker-folds, leave-one-session-out, official-split"
    );
}
