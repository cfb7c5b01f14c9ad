//! The text models on tiny fixtures: they learn which words carry a class, are seeded and
//! deterministic, survive a save / load round trip with identical probabilities, give the
//! same probabilities whatever their batch, use pretrained vectors (a frozen table equals
//! the file's rows), and refuse bad input with errors that name it.

use serlab_engine::events::VecSink;
use serlab_engine::{Component, Features, FitContext, LabeledSet, Model, StopHandle};
use serlab_neural::{TextBilstm, TextCnn};
use std::io::Write;

const KEYWORDS: [[&str; 4]; 3] = [
    ["great", "love", "wonderful", "glad"],
    ["miss", "cry", "lonely", "sorry"],
    ["hate", "stupid", "furious", "damn"],
];
const FILLER: [&str; 10] = [
    "i", "you", "really", "this", "is", "so", "the", "day", "we", "it",
];

/// Sentences of filler words around one keyword of the class; `offset` varies the filler
/// (training and validation sentences differ).
fn sentences(per_class: usize, offset: usize) -> (Vec<Features>, Vec<usize>) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (c, words) in KEYWORDS.iter().enumerate() {
        for i in 0..per_class {
            let k = i + offset;
            let n = 1 + (k * 7 + c) % 4;
            let mut s: Vec<&str> = (0..n).map(|j| FILLER[(k * 3 + j * 5 + c) % 10]).collect();
            s.insert((k + c) % (n + 1), words[k % 4]);
            if k % 3 == 0 {
                s.push("!");
            }
            x.push(Features::Text(s.join(" ")));
            y.push(c);
        }
    }
    (x, y)
}

struct Data {
    x: Vec<Features>,
    y: Vec<usize>,
    speakers: Vec<&'static str>,
    vad: Vec<Option<[f32; 3]>>,
    classes: Vec<String>,
}

impl Data {
    fn new(per_class: usize, offset: usize) -> Data {
        let (x, y) = sentences(per_class, offset);
        let n = x.len();
        Data {
            x,
            y,
            speakers: vec!["s"; n],
            vad: vec![None; n],
            classes: ["joy", "sadness", "anger"].map(String::from).to_vec(),
        }
    }
    fn inputs(&self) -> Vec<&Features> {
        self.x.iter().collect()
    }
    fn set<'a>(&'a self, inputs: &'a [&'a Features]) -> LabeledSet<'a> {
        LabeledSet {
            inputs,
            labels: &self.y,
            speakers: &self.speakers,
            vad: &self.vad,
            classes: &self.classes,
            aux: &[],
        }
    }
}

fn try_fit(
    model: &mut dyn Model,
    train: &Data,
    valid: &Data,
    seed: u64,
) -> serlab_engine::Result<()> {
    let mut sink = VecSink::default();
    let stop = StopHandle::new();
    let mut ctx = FitContext {
        events: &mut sink,
        stop: &stop,
        seed,
        fold: 0,
        model_id: "m",
    };
    let (ti, vi) = (train.inputs(), valid.inputs());
    model.fit(&train.set(&ti), &valid.set(&vi), &mut ctx)
}

fn accuracy(model: &dyn Model, d: &Data) -> f64 {
    let p = model.predict_proba(&d.inputs()).unwrap();
    let right = p
        .iter()
        .zip(&d.y)
        .filter(|(row, &y)| {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            (0..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b])) == Some(y)
        })
        .count();
    right as f64 / d.y.len() as f64
}

const SMALL: &str = "embed = 16\nmin_count = 1\nattention = 8\ndropout = 0.1\n\
                     embed_dropout = 0.0\nepochs = 40\npatience = 0\nbatch_size = 8\nlr = 0.01\n\
                     threads = 1\n";

/// The small test parameters with `extra` keys on top.
fn params(base: &str, extra: &str) -> toml::Table {
    let mut t: toml::Table = format!("{SMALL}{base}").parse().unwrap();
    t.extend(extra.parse::<toml::Table>().unwrap());
    t
}

fn cnn(extra: &str) -> TextCnn {
    TextCnn::new(params("channels = 8", extra).try_into().unwrap()).unwrap()
}

fn bilstm(extra: &str) -> TextBilstm {
    TextBilstm::new(params("hidden = 8", extra).try_into().unwrap()).unwrap()
}

#[test]
fn both_models_learn_keywords_and_generalise_to_new_sentences() {
    let (train, valid) = (Data::new(12, 0), Data::new(4, 40));
    let mut models: Vec<(&str, Box<dyn Model>)> = vec![
        ("text-cnn", Box::new(cnn(""))),
        ("text-cnn max", Box::new(cnn("pooling = \"max\""))),
        ("text-bilstm", Box::new(bilstm(""))),
    ];
    for (name, m) in &mut models {
        try_fit(m.as_mut(), &train, &valid, 3).unwrap();
        let (tr, va) = (accuracy(m.as_ref(), &train), accuracy(m.as_ref(), &valid));
        assert!(
            tr >= 0.95 && va >= 0.9,
            "{name}: train {tr}, validation {va}"
        );
    }
}

#[test]
fn fits_are_seeded_and_round_trip_through_a_checkpoint() {
    let (train, valid) = (Data::new(8, 0), Data::new(3, 40));
    let probe = Data::new(3, 70);
    let mut a = cnn("epochs = 6");
    let mut b = cnn("epochs = 6");
    try_fit(&mut a, &train, &valid, 11).unwrap();
    try_fit(&mut b, &train, &valid, 11).unwrap();
    let pa = a.predict_proba(&probe.inputs()).unwrap();
    assert_eq!(pa, b.predict_proba(&probe.inputs()).unwrap());
    let mut c = cnn("epochs = 6");
    try_fit(&mut c, &train, &valid, 12).unwrap();
    assert_ne!(pa, c.predict_proba(&probe.inputs()).unwrap());

    // One utterance at a time (no padding) equals the batched probabilities.
    for (i, x) in probe.x.iter().enumerate() {
        let one = a.predict_proba(&[x]).unwrap();
        for (u, v) in one[0].iter().zip(&pa[i]) {
            assert!(
                (u - v).abs() < 1e-6,
                "utterance {i}: {:?} vs {:?}",
                one[0],
                pa[i]
            );
        }
    }

    let dir = tempfile::tempdir().unwrap();
    for (name, m, fresh) in [
        (
            "cnn",
            Box::new(a) as Box<dyn Model>,
            Box::new(cnn("")) as Box<dyn Model>,
        ),
        (
            "bilstm",
            {
                let mut l = bilstm("epochs = 4");
                try_fit(&mut l, &train, &valid, 1).unwrap();
                Box::new(l) as Box<dyn Model>
            },
            Box::new(bilstm("")) as Box<dyn Model>,
        ),
    ] {
        let path = dir.path().join(format!("{name}.safetensors"));
        m.save(&path).unwrap();
        let mut fresh = fresh;
        assert!(fresh.predict_proba(&probe.inputs()).is_err());
        fresh.load(&path).unwrap();
        assert_eq!(
            fresh.predict_proba(&probe.inputs()).unwrap(),
            m.predict_proba(&probe.inputs()).unwrap(),
            "{name}"
        );
    }
    // A numeric-model checkpoint is refused with the file named.
    let path = dir.path().join("cnn.safetensors");
    let mut l = bilstm("");
    let e = l.load(&path).unwrap_err().to_string();
    assert!(e.contains("text-cnn") && e.contains("text-bilstm"), "{e}");
}

fn vectors_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn frozen_pretrained_vectors_are_the_embedding_and_bad_files_are_named() {
    let (train, valid) = (Data::new(6, 0), Data::new(2, 40));
    // Four-dimensional vectors: the class keywords point along their class' axis.
    let mut text = String::from("unused 9 9 9 9\n");
    for (c, words) in KEYWORDS.iter().enumerate() {
        for w in words {
            let row: Vec<String> = (0..4)
                .map(|j| if j == c { "1.5" } else { "0.1" }.into())
                .collect();
            text.push_str(&format!("{w} {}\n", row.join(" ")));
        }
    }
    text.push_str("i 0.2 -0.3 0.4 0.5\n");
    let f = vectors_file(&text);
    let path = f.path().display().to_string();
    let mut m = cnn(&format!(
        "pretrained = \"{path}\"\nfreeze = true\nepochs = 30"
    ));
    try_fit(&mut m, &train, &valid, 5).unwrap();
    let vocab = m.0.vocab().unwrap();
    let store = m.0.neural().store().unwrap();
    let id = store.find("embedding.weight").unwrap();
    assert_eq!(store.dims(id), &[vocab.len(), 4]);
    assert!(!store.trainable(id));
    let row = |w: &str| {
        let i = vocab.id(w);
        assert!(i > 1, "`{w}` is in the vocabulary");
        store.values(id)[i * 4..(i + 1) * 4].to_vec()
    };
    assert_eq!(row("love"), [1.5, 0.1, 0.1, 0.1]);
    assert_eq!(row("furious"), [0.1, 0.1, 1.5, 0.1]);
    assert_eq!(row("i"), [0.2, -0.3, 0.4, 0.5]);
    assert!(accuracy(&m, &train) >= 0.9);

    // Trained (not frozen), the table starts from the file and moves.
    let mut t = cnn(&format!("pretrained = \"{path}\"\nepochs = 3"));
    try_fit(&mut t, &train, &valid, 5).unwrap();
    let s = t.0.neural().store().unwrap();
    let id = s.find("embedding.weight").unwrap();
    assert!(s.trainable(id));
    let love = t.0.vocab().unwrap().id("love");
    let moved: Vec<f32> = s.values(id)[love * 4..(love + 1) * 4].to_vec();
    let drift: f32 = moved
        .iter()
        .zip([1.5, 0.1, 0.1, 0.1])
        .map(|(a, b)| (a - b).abs())
        .sum();
    // Started at the file's row (lr 0.01, a few steps: close to it) and was trained.
    assert!(drift > 1e-4 && drift < 1.0, "{moved:?}");

    // A malformed line: the error names the file and the line.
    let bad = vectors_file("love 1 2 3\ncry 1 2\n");
    let bad_path = bad.path().display().to_string();
    let mut m = cnn(&format!("pretrained = \"{bad_path}\""));
    let e = try_fit(&mut m, &train, &valid, 5).unwrap_err().to_string();
    assert!(e.contains(&bad_path) && e.contains("line 2"), "{e}");
}

#[test]
fn bad_parameters_and_inputs_are_refused_with_their_names() {
    let err = |t: &str| {
        TextCnn::new(toml::from_str(t).unwrap())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert!(err("normalize = \"global\"").contains("normalize"));
    assert!(err("kernels = [2, 3]").contains("kernels"));
    assert!(err("mixup_alpha = 0.2").contains("mixup_alpha"));
    assert!(err("freeze = true").contains("pretrained"));
    assert!(
        toml::from_str::<<TextCnn as Component>::Params>("kernel = [3]")
            .unwrap_err()
            .to_string()
            .contains("kernels")
    );
    let mut m = cnn("");
    let numeric = Data {
        x: vec![Features::Vector(vec![1.0]); 3],
        ..Data::new(1, 0)
    };
    let e = try_fit(&mut m, &numeric, &Data::new(1, 9), 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("text-cnn reads text"), "{e}");
}
