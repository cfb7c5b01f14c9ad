use super::*;

fn pred(utt: &str, speaker: &str, fold: usize, label: usize, probs: [f32; 3]) -> Prediction {
    Prediction {
        utterance: utt.into(),
        speaker: speaker.into(),
        fold,
        system: "m".into(),
        label,
        probs: probs.to_vec(),
        vad: None,
        vad_pred: None,
    }
}

/// Two folds of one speaker each. Speaker a (fold 0): labels 0 1 2 predicted 0 1 1;
/// speaker b (fold 1): labels 0 1 2 predicted 0 0 2. Second choices: a's class-2
/// utterance has class 2 second, b's class-1 utterance has class 1 second.
fn run() -> (RunResults, Vec<Prediction>) {
    let preds = vec![
        pred("a1", "a", 0, 0, [0.8, 0.1, 0.1]),
        pred("a2", "a", 0, 1, [0.1, 0.8, 0.1]),
        pred("a3", "a", 0, 2, [0.1, 0.5, 0.4]),
        pred("b1", "b", 1, 0, [0.7, 0.2, 0.1]),
        pred("b2", "b", 1, 1, [0.6, 0.3, 0.1]),
        pred("b3", "b", 1, 2, [0.1, 0.1, 0.8]),
    ];
    let fold = |i: usize, truth: &[usize], guess: &[usize]| FoldResult {
        index: i,
        train_speakers: vec![],
        validation_speakers: vec![],
        test_speakers: vec![],
        systems: [(
            "m".to_string(),
            Scores::of(&Confusion::new(truth, guess, 3)),
        )]
        .into_iter()
        .collect(),
        failures: BTreeMap::new(),
    };
    let r = RunResults {
        serlab_version: "0".into(),
        experiment: "t".into(),
        seed: 4,
        status: "finished".into(),
        error: None,
        resumed: Vec::new(),
        skipped_folds: Vec::new(),
        classes: vec!["x".into(), "y".into(), "z".into()],
        corpus: serde_json::Value::Null,
        plugins: vec![],
        systems: vec!["m".into()],
        folds: vec![
            fold(0, &[0, 1, 2], &[0, 1, 1]),
            fold(1, &[0, 1, 2], &[0, 0, 2]),
        ],
        pooled: BTreeMap::new(),
        fold_mean: BTreeMap::new(),
        per_speaker: BTreeMap::new(),
        metrics: MetricsConfig {
            top_k: vec![1, 2],
            bootstrap: 200,
            ..Default::default()
        },
        warnings: vec!["skipped a.wav: empty file (0 bytes)".into()],
    };
    (r, preds)
}

#[test]
fn summary_matches_hand_computation() {
    let (mut r, preds) = run();
    r.summarise(&preds);
    let p = &r.pooled["m"];
    // Pooled confusion [[2,0,0],[1,1,0],[0,1,1]]: recalls 1, 1/2, 1/2 → UA 2/3;
    // precisions 2/3, 1/2, 1 → F1 0.8, 0.5, 0.6667.
    assert_eq!(
        p.confusion,
        vec![vec![2, 0, 0], vec![1, 1, 0], vec![0, 1, 1]]
    );
    assert!((p.ua - 2.0 / 3.0).abs() < 1e-12);
    assert!((p.wa - 4.0 / 6.0).abs() < 1e-12);
    assert_eq!(p.precision, vec![Some(2.0 / 3.0), Some(0.5), Some(1.0)]);
    let f1: Vec<f64> = p.f1.iter().map(|x| x.unwrap()).collect();
    assert!((f1[0] - 0.8).abs() < 1e-12 && (f1[1] - 0.5).abs() < 1e-12);
    assert!((f1[2] - 2.0 / 3.0).abs() < 1e-12);
    // Top-1 = WA; top-2 adds a3 and b2: 6/6.
    assert!((p.top_k[&1] - p.wa).abs() < 1e-12);
    assert_eq!(p.top_k[&2], 1.0);
    // Per fold: fold 0 misses only a3, which is second → top-2 = 1.
    assert_eq!(r.folds[0].systems["m"].top_k[&2], 1.0);
    assert!((r.folds[1].systems["m"].top_k[&1] - 2.0 / 3.0).abs() < 1e-12);
    // Per speaker: a has recalls 1, 1, 0 → UA 2/3; b has 1, 0, 1 → UA 2/3.
    assert!((r.per_speaker["m"]["a"].ua - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(r.per_speaker["m"]["b"].confusion[1], vec![1, 0, 0]);
    // Speaker resamples: {a,a} has recalls 1, 1, 0; {b,b} 1, 0, 1; {a,b} 1, 1/2, 1/2:
    // UA 2/3 every time, so the interval is the point 2/3.
    let ci = p.ua_ci.as_ref().unwrap();
    assert!((ci.low - 2.0 / 3.0).abs() < 1e-12 && (ci.high - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(ci.resamples, 200);
    // No dimensional predictions: no CCC.
    assert!(p.ccc.is_none());
    assert!((r.fold_mean["m"].ua_mean - 2.0 / 3.0).abs() < 1e-12);
}

#[test]
fn ccc_is_reported_when_a_system_predicts_dimensions() {
    let (mut r, mut preds) = run();
    for (i, p) in preds.iter_mut().enumerate() {
        let v = i as f32;
        p.vad = Some([v, v, v]);
        p.vad_pred = Some([v, v + 1.0, 1.0]);
    }
    r.summarise(&preds);
    let c = r.pooled["m"].ccc.as_ref().unwrap();
    assert_eq!(c.n, 6);
    assert_eq!(c.valence, Some(1.0));
    // A shift by one: var 35/12 each, cov 35/12 → 2·35/12 / (2·35/12 + 1) = 0.8537.
    let want = (70.0 / 12.0) / (70.0 / 12.0 + 1.0);
    assert!((c.arousal.unwrap() - want).abs() < 1e-9);
    assert_eq!(c.dominance, Some(0.0));
}

#[test]
fn predictions_round_trip_through_the_csv() {
    let (mut r, mut preds) = run();
    preds[0].vad = Some([0.5, -0.25, 1.0]);
    preds[1].vad_pred = Some([0.125, 0.0, 2.0]);
    r.summarise(&preds);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &r, &preds).unwrap();
    let back = read_predictions(dir.path(), &r.classes).unwrap();
    assert_eq!(back, preds);
    let json: RunResults =
        serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap()).unwrap();
    assert_eq!(json.pooled["m"].top_k, r.pooled["m"].top_k);
    assert_eq!(json.metrics, r.metrics);
}
