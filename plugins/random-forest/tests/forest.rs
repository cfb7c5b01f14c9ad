//! Behaviour of the `random-forest` model through the `Model` trait.
//!
//! Reference expectations: scikit-learn's `RandomForestClassifier` (soft-voted
//! `predict_proba` rows sum to 1; `class_weight="balanced"` weights `n / (k * n_c)`;
//! fixed `random_state` reproduces a fit), and the classic iris benchmark where a random
//! forest reaches about 95 % accuracy (Breiman 2001, Table 2 lists ~4-5 % error on
//! similar small UCI sets). Our 3-class Gaussian blobs have a Bayes accuracy near 97 %
//! (centres 4.5 sigma apart: pairwise error Phi(-2.25) ~ 1.2 %), so > 90 % is a safe bar.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serlab_engine::events::{NullSink, VecSink};
use serlab_engine::{
    Component, Error, EventSink, Features, FitContext, LabeledSet, Model, RunEvent, StopHandle,
};
use serlab_random_forest::{ClassWeight, RandomForest, RandomForestParams};

struct Data {
    x: Vec<Features>,
    y: Vec<usize>,
    classes: Vec<String>,
}

fn gauss(rng: &mut ChaCha8Rng) -> f32 {
    // Box-Muller.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// `per_class[c]` points around `centres[c]` with unit variance.
fn blobs(centres: &[Vec<f32>], per_class: &[usize], seed: u64) -> Data {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (c, centre) in centres.iter().enumerate() {
        for _ in 0..per_class[c] {
            x.push(Features::Vector(
                centre.iter().map(|m| m + gauss(&mut rng)).collect(),
            ));
            y.push(c);
        }
    }
    let classes = (0..centres.len()).map(|c| format!("c{c}")).collect();
    Data { x, y, classes }
}

fn fit_with(
    params: RandomForestParams,
    data: &Data,
    seed: u64,
    sink: &mut dyn EventSink,
) -> serlab_engine::Result<RandomForest> {
    let mut model = RandomForest::new(params)?;
    let inputs: Vec<&Features> = data.x.iter().collect();
    let speakers = vec!["s"; data.y.len()];
    let vad = vec![None; data.y.len()];
    let train = LabeledSet {
        inputs: &inputs,
        labels: &data.y,
        speakers: &speakers,
        vad: &vad,
        classes: &data.classes,
        aux: &[],
    };
    let valid = LabeledSet {
        inputs: &[],
        labels: &[],
        speakers: &[],
        vad: &[],
        classes: &data.classes,
        aux: &[],
    };
    let stop = StopHandle::new();
    let mut ctx = FitContext {
        events: sink,
        stop: &stop,
        seed,
        fold: 0,
        model_id: "rf",
    };
    model.fit(&train, &valid, &mut ctx)?;
    Ok(model)
}

fn fit(params: RandomForestParams, data: &Data, seed: u64) -> RandomForest {
    fit_with(params, data, seed, &mut NullSink).unwrap()
}

fn small(n_trees: usize) -> RandomForestParams {
    RandomForestParams {
        n_trees,
        ..Default::default()
    }
}

fn proba(model: &RandomForest, data: &Data) -> Vec<Vec<f32>> {
    let inputs: Vec<&Features> = data.x.iter().collect();
    model.predict_proba(&inputs).unwrap()
}

fn argmax(p: &[f32]) -> usize {
    serlab_engine::metrics::argmax(p)
}

fn accuracy(model: &RandomForest, data: &Data) -> f64 {
    let p = proba(model, data);
    let ok = p
        .iter()
        .zip(&data.y)
        .filter(|(p, &y)| argmax(p) == y)
        .count();
    ok as f64 / data.y.len() as f64
}

fn recall(model: &RandomForest, data: &Data, class: usize) -> f64 {
    let p = proba(model, data);
    let (mut n, mut ok) = (0, 0);
    for (p, &y) in p.iter().zip(&data.y) {
        if y == class {
            n += 1;
            ok += usize::from(argmax(p) == class);
        }
    }
    ok as f64 / n as f64
}

fn separable(seed: u64) -> Data {
    blobs(
        &[vec![-6.0, 0.0, 0.0], vec![6.0, 0.0, 0.0]],
        &[40, 40],
        seed,
    )
}

#[test]
fn separable_data_is_learnt_perfectly() {
    let model = fit(small(50), &separable(1), 3);
    assert_eq!(accuracy(&model, &separable(1)), 1.0);
    assert_eq!(accuracy(&model, &separable(2)), 1.0, "held-out points");
}

#[test]
fn probabilities_sum_to_one() {
    let data = blobs(
        &[vec![0.0, 0.0], vec![1.0, 1.0], vec![2.0, 0.0]],
        &[30, 20, 10],
        5,
    );
    let model = fit(small(40), &data, 9);
    for row in proba(&model, &blobs(&[vec![1.0, 0.5]], &[50], 6)) {
        assert_eq!(row.len(), 3);
        assert!(row.iter().all(|p| (0.0..=1.0).contains(p)));
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{row:?}");
    }
}

#[test]
fn same_seed_same_forest_other_seed_other_forest() {
    let data = blobs(&[vec![0.0; 5], vec![1.0; 5]], &[40, 40], 7);
    let probe = blobs(&[vec![0.5; 5]], &[20], 8);
    let a = proba(&fit(small(30), &data, 11), &probe);
    let b = proba(&fit(small(30), &data, 11), &probe);
    let c = proba(&fit(small(30), &data, 12), &probe);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn thread_count_does_not_change_the_forest() {
    let data = blobs(&[vec![0.0; 5], vec![1.0; 5]], &[40, 40], 7);
    let one = fit(
        RandomForestParams {
            threads: 1,
            ..small(30)
        },
        &data,
        4,
    );
    let three = fit(
        RandomForestParams {
            threads: 3,
            ..small(30)
        },
        &data,
        4,
    );
    assert!(
        one.forest() == three.forest(),
        "thread count changed the forest"
    );
}

#[test]
fn balanced_class_weight_raises_minority_recall() {
    // 90 % / 10 % overlapping classes; leaves of at least 10 samples keep mixed class
    // distributions, which "balanced" reweights by n / (k * n_c) (5/9 and 5).
    let train = blobs(&[vec![0.0, 0.0], vec![1.5, 1.5]], &[360, 40], 21);
    let test = blobs(&[vec![0.0, 0.0], vec![1.5, 1.5]], &[200, 200], 22);
    let base = RandomForestParams {
        n_trees: 100,
        min_samples_leaf: 10,
        ..Default::default()
    };
    let none = fit(
        RandomForestParams {
            class_weight: ClassWeight::None,
            ..base.clone()
        },
        &train,
        1,
    );
    let balanced = fit(
        RandomForestParams {
            class_weight: ClassWeight::Balanced,
            ..base.clone()
        },
        &train,
        1,
    );
    let sub = fit(
        RandomForestParams {
            class_weight: ClassWeight::BalancedSubsample,
            ..base
        },
        &train,
        1,
    );
    let (r_none, r_bal, r_sub) = (
        recall(&none, &test, 1),
        recall(&balanced, &test, 1),
        recall(&sub, &test, 1),
    );
    assert!(
        r_bal > r_none + 0.1,
        "minority recall none {r_none}, balanced {r_bal}"
    );
    assert!(
        r_sub > r_none + 0.1,
        "minority recall none {r_none}, balanced_subsample {r_sub}"
    );
}

#[test]
fn three_gaussian_blobs_above_ninety_percent() {
    let centres = [
        vec![0.0, 0.0, 0.0, 0.0],
        vec![4.5, 0.0, 0.0, 0.0],
        vec![2.25, 3.9, 0.0, 0.0],
    ];
    let train = blobs(&centres, &[50, 50, 50], 31);
    let test = blobs(&centres, &[100, 100, 100], 32);
    let model = fit(small(100), &train, 2);
    let acc = accuracy(&model, &test);
    assert!(acc > 0.9, "accuracy {acc}");
}

#[test]
fn entropy_log2_and_fraction_settings_work() {
    let text = "criterion = \"entropy\"\nmax_features = \"log2\"\nn_trees = 20\nmax_depth = 4\n";
    let params: RandomForestParams = toml::from_str(text).unwrap();
    assert_eq!(accuracy(&fit(params, &separable(1), 1), &separable(2)), 1.0);
    let params: RandomForestParams = toml::from_str("max_features = 0.5\nn_trees = 20").unwrap();
    assert_eq!(accuracy(&fit(params, &separable(1), 1), &separable(2)), 1.0);
    assert!(
        toml::from_str::<RandomForestParams>("n_tree = 20").is_err(),
        "unknown keys are refused"
    );
}

#[test]
fn defaults_render_as_toml() {
    let text = toml::to_string(&RandomForestParams::default()).unwrap();
    assert!(text.contains("max_features = \"sqrt\""), "{text}");
    assert!(text.contains("class_weight = \"balanced\""), "{text}");
    let back: RandomForestParams = toml::from_str(&text).unwrap();
    assert_eq!(back, RandomForestParams::default());
}

#[test]
fn frame_features_are_mean_pooled() {
    let frames = |m: f32| Features::Frames {
        frames: 2,
        dim: 2,
        data: vec![m - 1.0, 0.0, m + 1.0, 0.0],
    };
    let data = Data {
        x: vec![frames(-5.0), frames(-4.0), frames(4.0), frames(5.0)],
        y: vec![0, 0, 1, 1],
        classes: vec!["a".into(), "b".into()],
    };
    let model = fit(
        RandomForestParams {
            bootstrap: false,
            ..small(5)
        },
        &data,
        1,
    );
    assert_eq!(
        proba(&model, &data),
        vec![
            vec![1.0, 0.0],
            vec![1.0, 0.0],
            vec![0.0, 1.0],
            vec![0.0, 1.0]
        ]
    );
}

#[test]
fn save_load_round_trip() {
    let data = blobs(
        &[vec![0.0; 4], vec![1.0; 4], vec![2.0; 4]],
        &[20, 20, 20],
        41,
    );
    let model = fit(small(25), &data, 5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rf.json");
    model.save(&path).unwrap();
    assert!(!dir.path().join("rf.json.tmp").exists());
    let mut loaded = RandomForest::new(RandomForestParams::default()).unwrap();
    loaded.load(&path).unwrap();
    assert_eq!(proba(&loaded, &data), proba(&model, &data));
    assert!(
        loaded.forest() == model.forest(),
        "the loaded forest differs"
    );

    std::fs::write(&path, "{\"format\": 1}").unwrap();
    assert!(matches!(loaded.load(&path), Err(Error::InvalidInput(_))));
}

#[test]
fn steps_are_reported_and_stop_is_honoured() {
    let data = separable(1);
    let mut sink = VecSink::default();
    fit_with(small(20), &data, 1, &mut sink).unwrap();
    let steps: Vec<usize> = sink
        .0
        .iter()
        .map(|e| match e {
            RunEvent::Step {
                step,
                total: Some(20),
                fold: 0,
                model,
                loss: None,
            } if model == "rf" => *step,
            other => panic!("unexpected event {other:?}"),
        })
        .collect();
    assert_eq!(steps.last(), Some(&20));
    assert!(steps.windows(2).all(|w| w[0] < w[1]));

    let mut model = RandomForest::new(small(20)).unwrap();
    let inputs: Vec<&Features> = data.x.iter().collect();
    let speakers = vec!["s"; data.y.len()];
    let vad = vec![None; data.y.len()];
    let train = LabeledSet {
        inputs: &inputs,
        labels: &data.y,
        speakers: &speakers,
        vad: &vad,
        classes: &data.classes,
        aux: &[],
    };
    let stop = StopHandle::new();
    stop.stop();
    let mut ctx = FitContext {
        events: &mut NullSink,
        stop: &stop,
        seed: 1,
        fold: 0,
        model_id: "rf",
    };
    assert!(matches!(
        model.fit(&train, &train, &mut ctx),
        Err(Error::Stopped)
    ));
}

#[test]
fn oob_accuracy_and_importances() {
    // Feature 0 carries the classes, features 1 and 2 are noise.
    let data = separable(1);
    let model = fit(
        RandomForestParams {
            oob_score: true,
            ..small(50)
        },
        &data,
        1,
    );
    assert_eq!(model.oob_accuracy(), Some(1.0));
    let imp = model.feature_importances().unwrap();
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(imp[0] > imp[1] && imp[0] > imp[2], "{imp:?}");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let empty = Data {
        x: vec![],
        y: vec![],
        classes: vec!["a".into()],
    };
    let e = fit_with(small(5), &empty, 1, &mut NullSink).err().unwrap();
    assert!(e.to_string().contains("empty"), "{e}");

    let nan = Data {
        x: vec![
            Features::Vector(vec![1.0, 2.0]),
            Features::Vector(vec![1.0, f32::NAN]),
        ],
        y: vec![0, 1],
        classes: vec!["a".into(), "b".into()],
    };
    let e = fit_with(small(5), &nan, 1, &mut NullSink).err().unwrap();
    assert!(e.to_string().contains("column 1 of utterance 1"), "{e}");

    let ragged = Data {
        x: vec![
            Features::Vector(vec![1.0, 2.0]),
            Features::Vector(vec![1.0]),
        ],
        y: vec![0, 1],
        classes: vec!["a".into(), "b".into()],
    };
    let e = fit_with(small(5), &ragged, 1, &mut NullSink).err().unwrap();
    assert!(
        e.to_string().contains("utterance 1 has 1 features but 2"),
        "{e}"
    );

    let bad_label = Data {
        x: vec![Features::Vector(vec![1.0])],
        y: vec![3],
        classes: vec!["a".into()],
    };
    assert!(fit_with(small(5), &bad_label, 1, &mut NullSink).is_err());

    let too_many = RandomForestParams {
        max_features: serlab_random_forest::MaxFeatures::Count(9),
        ..small(5)
    };
    assert!(fit_with(too_many, &separable(1), 1, &mut NullSink).is_err());

    let unfitted = RandomForest::new(small(5)).unwrap();
    let x = Features::Vector(vec![0.0; 3]);
    assert!(unfitted.predict_proba(&[&x]).is_err());
    assert!(unfitted
        .save(std::path::Path::new("/nonexistent/rf.json"))
        .is_err());

    let model = fit(small(5), &separable(1), 1);
    let short = Features::Vector(vec![0.0; 2]);
    assert!(model.predict_proba(&[&short]).is_err());
    let inf = Features::Vector(vec![0.0, f32::INFINITY, 0.0]);
    assert!(model.predict_proba(&[&inf]).is_err());
    assert_eq!(model.predict_proba(&[]).unwrap(), Vec::<Vec<f32>>::new());

    assert!(RandomForest::new(RandomForestParams {
        n_trees: 0,
        ..Default::default()
    })
    .is_err());
}

/// `cargo test --release -p serlab-random-forest -- --ignored --nocapture timing`
#[test]
#[ignore = "timing; run in release"]
fn timing_300_trees_500_by_1000() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let x: Vec<Features> = (0..500)
        .map(|_| Features::Vector((0..1000).map(|_| gauss(&mut rng)).collect()))
        .collect();
    let y: Vec<usize> = (0..500).map(|i| i % 4).collect();
    let data = Data {
        x,
        y,
        classes: (0..4).map(|c| c.to_string()).collect(),
    };
    let t = std::time::Instant::now();
    let model = fit(RandomForestParams::default(), &data, 1);
    let fit_s = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let p = proba(&model, &data);
    println!(
        "300 trees on 500 x 1000 (4 classes, {} threads): fit {fit_s:.2} s, predict 500 in {:.3} s, {} nodes in tree 0",
        rayon::current_num_threads(),
        t.elapsed().as_secs_f64(),
        model.forest().unwrap().trees[0].nodes.len()
    );
    assert_eq!(p.len(), 500);
}
