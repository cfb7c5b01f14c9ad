//! Protocols: fold counts and determinism, speaker overlap refused unless allowed, sessions,
//! official splits, and validation speakers drawn from training speakers only.

use super::*;

fn spk(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{:02}", i + 3)).collect()
}

#[test]
fn loso_has_one_fold_per_speaker_and_no_overlap() {
    let s = spk(10);
    let folds = ProtocolConfig::default().folds(&s, 1).unwrap();
    assert_eq!(folds.len(), 10);
    for f in &folds {
        assert_eq!(f.test.len(), 1);
        assert_eq!(f.validation.len(), 1);
        assert_eq!(f.train.len(), 8);
        for t in &f.test {
            assert!(!f.train.contains(t) && !f.validation.contains(t));
        }
        assert!(f.validation.iter().all(|v| !f.train.contains(v)));
    }
    // Every speaker is tested exactly once.
    let mut tested: Vec<String> = folds.iter().flat_map(|f| f.test.clone()).collect();
    tested.sort();
    assert_eq!(tested, s);
    // Validation rotates: every speaker validates once.
    let mut val: Vec<String> = folds.iter().flat_map(|f| f.validation.clone()).collect();
    val.sort();
    assert_eq!(val, s);
}

#[test]
fn speaker_folds_partition_speakers_deterministically() {
    let s = spk(24);
    let p = ProtocolConfig {
        kind: ProtocolKind::SpeakerFolds,
        folds: Some(6),
        ..Default::default()
    };
    let a = p.folds(&s, 5).unwrap();
    assert_eq!(a, p.folds(&s, 5).unwrap());
    assert_ne!(a, p.folds(&s, 6).unwrap());
    let mut all: Vec<String> = a.iter().flat_map(|f| f.test.clone()).collect();
    all.sort();
    assert_eq!(all, s);
    assert!(a.iter().all(|f| f.test.len() == 4 && f.train.len() == 19));
}

#[test]
fn overlapping_fold_is_refused_unless_allowed() {
    let f = Fold {
        index: 3,
        train: vec!["a".into(), "b".into()],
        validation: vec![],
        test: vec!["b".into()],
    };
    let e = check_fold(&f, false).unwrap_err().to_string();
    assert!(
        e.contains("fold 3") && e.contains("b") && e.contains("allow_speaker_overlap"),
        "{e}"
    );
    assert!(check_fold(&f, true).is_ok());
}

#[test]
fn leave_one_session_out_tests_both_speakers_of_a_session() {
    let speakers: Vec<String> = (1..=5)
        .flat_map(|n| ["F", "M"].map(|g| format!("Ses{n:02}{g}")))
        .collect();
    let sessions: BTreeMap<String, String> = speakers
        .iter()
        .map(|s| (s.clone(), s[..5].to_string()))
        .collect();
    let p = ProtocolConfig {
        kind: ProtocolKind::LeaveOneSessionOut,
        ..Default::default()
    };
    let folds = p.folds_with_sessions(&speakers, &sessions, 0).unwrap();
    assert_eq!(folds.len(), 5);
    for (i, f) in folds.iter().enumerate() {
        let ses = format!("Ses{:02}", i + 1);
        assert_eq!(f.test, [format!("{ses}F"), format!("{ses}M")]);
        assert_eq!(f.validation.len(), 1);
        assert_eq!(f.train.len(), 7);
        assert!(f
            .validation
            .iter()
            .chain(&f.train)
            .all(|s| !s.starts_with(&ses)));
    }
    assert_eq!(folds[0].validation, ["Ses02F"]);
    assert_eq!(folds[4].validation, ["Ses01F"]);
    // Without sessions the protocol says what it needs.
    let e = p.folds(&speakers, 0).unwrap_err().to_string();
    assert!(e.contains("session of every speaker"), "{e}");
    // A speaker in two sessions is refused.
    let u = |id: &str, speaker: &str, session: &str| Utterance {
        id: id.into(),
        audio: "x.wav".into(),
        speaker: speaker.into(),
        session: Some(session.into()),
        gender: None,
        intensity: None,
        label: "neutral".into(),
        vad: None,
        transcript: None,
        split: None,
    };
    let ok = [u("a", "Ses01F", "Ses01"), u("b", "Ses01F", "Ses01")];
    assert_eq!(speaker_sessions(&ok).unwrap().len(), 1);
    let bad = [u("a", "Ses01F", "Ses01"), u("b", "Ses01F", "Ses02")];
    assert!(speaker_sessions(&bad)
        .unwrap_err()
        .to_string()
        .contains("Ses02"));
}

#[test]
fn official_split_is_one_fold_by_utterance_split() {
    let u = |id: &str, speaker: &str, split: Option<Split>| Utterance {
        id: id.into(),
        audio: Default::default(),
        speaker: speaker.into(),
        session: None,
        gender: None,
        intensity: None,
        label: "joy".into(),
        vad: None,
        transcript: Some("hi".into()),
        split,
    };
    let utts = [
        u("a", "Joey", Some(Split::Train)),
        u("b", "Ross", Some(Split::Train)),
        u("c", "Joey", Some(Split::Validation)),
        u("d", "Mark", Some(Split::Test)),
        u("e", "Ross", Some(Split::Test)),
    ];
    let p = ProtocolConfig {
        kind: ProtocolKind::OfficialSplit,
        ..Default::default()
    };
    // Ross trains and is tested: refused unless allowed explicitly.
    let e = p.folds_for(&utts, 0).unwrap_err().to_string();
    assert!(
        e.contains("Ross") && e.contains("allow_speaker_overlap"),
        "{e}"
    );
    let p = ProtocolConfig {
        allow_speaker_overlap: true,
        ..p
    };
    let folds = p.folds_for(&utts, 0).unwrap();
    assert_eq!(folds.len(), 1);
    let f = &folds[0];
    assert_eq!(f.train, ["Joey", "Ross"]);
    assert_eq!(f.validation, ["Joey"]);
    assert_eq!(f.test, ["Mark", "Ross"]);
    // Parts follow the split, not the speaker: Joey is in training and validation.
    let parts: Vec<Option<Split>> = utts.iter().map(|x| p.part(f, x)).collect();
    assert_eq!(
        parts,
        [
            Some(Split::Train),
            Some(Split::Train),
            Some(Split::Validation),
            Some(Split::Test),
            Some(Split::Test)
        ]
    );
    // Speaker protocols assign parts by speaker.
    let loso = ProtocolConfig::default();
    let lf = &loso.folds_for(&utts, 0).unwrap()[0];
    assert_eq!(lf.test, ["Joey"]);
    assert_eq!(loso.part(lf, &utts[2]), Some(Split::Test));
    // An utterance without a split is named.
    let mut bad = utts.to_vec();
    bad[1].split = None;
    let e = p.folds_for(&bad, 0).unwrap_err().to_string();
    assert!(e.contains("`b` has none"), "{e}");
    // No test part at all.
    let e = p.folds_for(&utts[..3], 0).unwrap_err().to_string();
    assert!(e.contains("no test utterance"), "{e}");
}

#[test]
fn validation_speakers_are_training_speakers_held_out_in_every_protocol() {
    let speakers: Vec<String> = (1..=6)
        .flat_map(|n| ["F", "M"].map(|g| format!("Ses{n:02}{g}")))
        .collect();
    let sessions: BTreeMap<String, String> = speakers
        .iter()
        .map(|s| (s.clone(), s[..5].to_string()))
        .collect();
    for kind in [
        ProtocolKind::LeaveOneSpeakerOut,
        ProtocolKind::SpeakerFolds,
        ProtocolKind::LeaveOneSessionOut,
    ] {
        for validation_speakers in [1, 2, 3] {
            let p = ProtocolConfig {
                kind: kind.clone(),
                folds: Some(4),
                validation_speakers,
                allow_speaker_overlap: false,
            };
            let folds = p.folds_with_sessions(&speakers, &sessions, 9).unwrap();
            for f in &folds {
                let what = format!(
                    "{kind:?}, {validation_speakers} validation, fold {}",
                    f.index
                );
                assert_eq!(f.validation.len(), validation_speakers, "{what}");
                // Validation and training speakers are disjoint, never tested in the
                // fold, and together they are exactly the speakers not tested.
                for v in &f.validation {
                    assert!(!f.train.contains(v) && !f.test.contains(v), "{what}");
                }
                assert!(f.train.iter().all(|t| !f.test.contains(t)), "{what}");
                let mut rest: Vec<&String> = f.train.iter().chain(&f.validation).collect();
                rest.sort();
                let not_tested: Vec<&String> =
                    speakers.iter().filter(|s| !f.test.contains(s)).collect();
                assert_eq!(rest, not_tested, "{what}");
                assert!(check_fold(f, false).is_ok(), "{what}");
            }
        }
    }
}

#[test]
fn a_test_speaker_among_the_validation_speakers_is_refused_too() {
    let f = Fold {
        index: 1,
        train: vec!["a".into()],
        validation: vec!["c".into()],
        test: vec!["c".into(), "d".into()],
    };
    let e = check_fold(&f, false).unwrap_err().to_string();
    assert!(e.contains("fold 1") && e.contains("speaker(s) c "), "{e}");
    assert!(check_fold(&f, true).is_ok());
}

#[test]
fn too_many_validation_speakers_is_an_error() {
    let p = ProtocolConfig {
        validation_speakers: 2,
        ..Default::default()
    };
    assert!(p
        .folds(&spk(3), 0)
        .unwrap_err()
        .to_string()
        .contains("validation_speakers"));
}
