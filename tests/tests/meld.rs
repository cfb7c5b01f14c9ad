//! MELD's transcript tables (shared copy, `SERLAB_MELD`): the loader and the official split.

use serlab_engine::corpus::meld::MeldLabels;
use serlab_engine::corpus::CorpusConfig;
use serlab_engine::Split;
use serlab_tests::shared_corpus;

#[test]
fn meld_tables_load_with_the_official_split() {
    let Some(path) = shared_corpus("SERLAB_MELD", "meld_tables_load_with_the_official_split")
    else {
        return;
    };
    let cfg = CorpusConfig::Meld {
        path,
        labels: MeldLabels::Emotion,
        classes: None,
    };
    let l = cfg.load(std::path::Path::new("unused")).unwrap();
    let c = &l.corpus;
    assert!(
        l.skipped.is_empty(),
        "{:?}",
        &l.skipped[..l.skipped.len().min(5)]
    );
    assert_eq!(
        c.classes,
        ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]
    );
    // Row counts of the release (README of the shared copy): 9989 / 1109 / 2610.
    let count = |s: Split| c.utterances.iter().filter(|u| u.split == Some(s)).count();
    assert_eq!(
        (
            count(Split::Train),
            count(Split::Validation),
            count(Split::Test)
        ),
        (9989, 1109, 2610)
    );
    // Neutral is about 47% of train (README).
    let train_neutral = c
        .utterances
        .iter()
        .filter(|u| u.split == Some(Split::Train) && u.label == "neutral")
        .count();
    assert_eq!(train_neutral, 4710);
    assert!(c
        .utterances
        .iter()
        .all(|u| !u.has_audio() && u.transcript.as_deref().is_some_and(|t| !t.is_empty())));
    let chandler = c
        .utterances
        .iter()
        .find(|u| u.id == "train_dia0_utt0")
        .unwrap();
    assert_eq!(chandler.speaker, "Chandler");
    assert!(chandler
        .transcript
        .as_deref()
        .unwrap()
        .starts_with("also I was the point person"));
}
