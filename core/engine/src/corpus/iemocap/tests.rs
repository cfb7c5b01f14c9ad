//! IEMOCAP parsing (turn lines, transcripts, ids) and class maps, and loading a fixture tree
//! (a malformed turn line is listed as skipped).

use super::*;

#[test]
fn parses_turn_lines_and_ignores_the_rest() {
    let e = parse_evaluation_line(
        "[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        e,
        Evaluation {
            start: 6.2901,
            end: 8.2357,
            id: "Ses01F_impro01_F000".into(),
            label: "neu".into(),
            vad: [2.5, 2.5, 2.5],
        }
    );
    for ignored in [
        "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]",
        "C-E2:\tNeutral;\t()",
        "A-E3:\tval 3; act 2; dom  2;\t()",
        "",
    ] {
        assert_eq!(parse_evaluation_line(ignored), Ok(None), "{ignored}");
    }
    assert!(
        parse_evaluation_line("[1.0 - 2.0]\tSes01F_impro01_F000\tzzz\t[1, 2, 3]")
            .unwrap_err()
            .contains("unknown label `zzz`")
    );
    assert!(
        parse_evaluation_line("[1.0 - 2.0]\tSes01F_impro01_F000\tneu\t[1, 2]")
            .unwrap_err()
            .contains("3 V/A/D")
    );
    assert_eq!(
        parse_transcription_line("Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me."),
        Some(("Ses01F_impro01_F000", "Excuse me."))
    );
    assert_eq!(parse_transcription_line("no transcript here"), None);
}

#[test]
fn speaker_is_session_and_sex_of_the_last_part() {
    assert_eq!(
        parse_id("Ses01F_impro01_M003").unwrap(),
        Speaker {
            session: "Ses01".into(),
            speaker: "Ses01M".into(),
            gender: Gender::Male,
        }
    );
    assert_eq!(
        parse_id("Ses05M_script01_1_F012").unwrap().speaker,
        "Ses05F"
    );
    assert!(parse_id("Ses01F_impro01_X003")
        .unwrap_err()
        .contains("F or M"));
    assert!(parse_id("xx").is_err());
}

#[test]
fn class_maps() {
    assert_eq!(ClassMap::Four.class("exc"), Some("happy"));
    assert_eq!(ClassMap::FourNoExc.class("exc"), None);
    assert_eq!(ClassMap::Four.class("fru"), None);
    assert_eq!(ClassMap::Raw.class("fru"), Some("fru"));
    assert_eq!(ClassMap::Raw.class("nope"), None);
}

/// Two sessions in the release layout: (session, dialog, [(utt suffix, label, vad)]).
fn fixture(root: &Path) {
    type Turn = (&'static str, &'static str, [f32; 3]);
    let dialogs: [(usize, &str, &[Turn]); 3] = [
        (
            1,
            "Ses01F_impro01",
            &[
                ("F000", "neu", [2.5, 2.5, 2.5]),
                ("M000", "exc", [4.0, 3.5, 3.0]),
                ("F001", "fru", [2.0, 3.5, 3.5]),
                ("M001", "ang", [1.5, 4.0, 4.5]),
            ],
        ),
        (
            1,
            "Ses01M_script01_1",
            &[
                ("F000", "hap", [4.5, 3.0, 3.0]),
                ("M000", "sad", [1.5, 2.0, 2.0]),
            ],
        ),
        (
            2,
            "Ses02F_impro02",
            &[
                ("F000", "xxx", [3.0, 3.0, 3.0]),
                ("M000", "neu", [3.0, 2.0, 2.5]),
                ("F001", "exc", [4.0, 4.0, 3.5]),
            ],
        ),
    ];
    let dialogs: Vec<fixture::Dialog> = dialogs
        .iter()
        .map(|(session, name, turns)| fixture::Dialog {
            session: *session,
            name: name.to_string(),
            turns: turns
                .iter()
                .map(|(suffix, label, vad)| fixture::Turn {
                    suffix: suffix.to_string(),
                    label: label.to_string(),
                    vad: *vad,
                    text: format!("Words of {name}_{suffix}."),
                    prosody: "neutral".into(),
                })
                .collect(),
        })
        .collect();
    fixture::write(root, &dialogs, 0.3).unwrap();
}

#[test]
fn loads_a_fixture_tree_with_each_class_map() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("IEMOCAP_full_release");
    fixture(&root);

    let l = load(&root, ClassMap::Four, None).unwrap();
    let c = &l.corpus;
    assert_eq!(c.name, "iemocap");
    assert_eq!(c.classes, FOUR);
    assert_eq!(c.utterances.len(), 7);
    // neutral 2, happy = hap 1 + exc 2, sad 1, angry 1
    assert_eq!(c.class_counts(), [2, 3, 1, 1]);
    assert_eq!(c.speakers(), ["Ses01F", "Ses01M", "Ses02F", "Ses02M"]);
    let u = |id: &str| c.utterances.iter().find(|u| u.id == id).unwrap();
    let m = u("Ses01F_impro01_M000");
    assert_eq!(m.label, "happy");
    assert_eq!(m.vad, Some([4.0, 3.5, 3.0]));
    assert_eq!(m.speaker, "Ses01M");
    assert_eq!(m.session.as_deref(), Some("Ses01"));
    assert_eq!(m.gender, Some(Gender::Male));
    assert_eq!(
        m.transcript.as_deref(),
        Some("Words of Ses01F_impro01_M000.")
    );
    let f = u("Ses01M_script01_1_F000");
    assert_eq!(
        (f.speaker.as_str(), f.gender),
        ("Ses01F", Some(Gender::Female))
    );
    assert_eq!(f.label, "happy");
    let s2 = u("Ses02F_impro02_M000");
    assert_eq!(s2.session.as_deref(), Some("Ses02"));
    assert_eq!(s2.vad, Some([3.0, 2.0, 2.5]));
    assert!(c.utterances.iter().all(|u| u.audio.is_file()));
    // fru, xxx and the `._` file
    assert_eq!(l.skipped.len(), 3, "{:?}", l.skipped);
    assert_eq!(
        l.skipped
            .iter()
            .filter(|s| s.reason.contains("outside class map `four`"))
            .count(),
        2
    );
    assert!(l.skipped.iter().any(|s| s.reason.contains("macOS")));

    let l = load(&root, ClassMap::FourNoExc, None).unwrap();
    assert_eq!(l.corpus.class_counts(), [2, 1, 1, 1]);
    assert_eq!(l.skipped.len(), 5, "{:?}", l.skipped);

    let l = load(&root, ClassMap::Raw, None).unwrap();
    assert_eq!(l.corpus.utterances.len(), 9);
    assert_eq!(
        l.corpus.classes,
        ["neu", "hap", "exc", "sad", "ang", "fru", "xxx"]
    );
    assert_eq!(l.skipped.len(), 1);

    let keep = vec!["angry".to_string(), "sad".to_string()];
    let l = load(&root, ClassMap::Four, Some(&keep)).unwrap();
    assert_eq!(l.corpus.classes, keep);
    assert_eq!(l.corpus.utterances.len(), 2);
    assert_eq!(l.skipped.len(), 8);
    assert!(load(&root, ClassMap::Raw, Some(&keep)).is_err());

    assert!(load(dir.path(), ClassMap::Four, None)
        .unwrap_err()
        .to_string()
        .contains("Session1"));
}

#[test]
fn a_malformed_turn_line_is_listed_and_the_rest_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let f = dir
        .path()
        .join("Session2/dialog/EmoEvaluation/Ses02F_impro02.txt");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, text.replacen("\tneu\t", "\tneu\t[oops]\t", 1)).unwrap();
    let l = load(dir.path(), ClassMap::Four, None).unwrap();
    assert_eq!(l.corpus.utterances.len(), 6);
    assert!(l.skipped.iter().any(|s| s.reason.contains("line ")));
    assert!(l
        .skipped
        .iter()
        .any(|s| s.reason.contains("no turn line") && s.path.ends_with("Ses02F_impro02_M000.wav")));
}
