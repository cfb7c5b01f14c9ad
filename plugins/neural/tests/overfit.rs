//! Each model learns a tiny fixture set to perfection (the loop, the layers and the
//! optimiser work together), and the training loop keeps its promises: selection on the
//! validation set, determinism, events, the stop handle, checkpoints, multitask heads.

use serlab_engine::events::{RunEvent, VecSink};
use serlab_engine::{
    AuxLabels, Component, Features, FitContext, Gender, Intensity, LabeledSet, Model, StopHandle,
};
use serlab_neural::{CnnAttention, Lstm, Mlp};
use serlab_nn::ops::ccc;

/// `n` utterances per class of `classes` classes, speakers `s0..s3`, frames of `dim`
/// values (vectors when `frames == 0`). Class `c` raises a band of columns and has its own
/// temporal modulation; every value carries deterministic pseudo-noise.
struct Fixture {
    x: Vec<Features>,
    y: Vec<usize>,
    speakers: Vec<&'static str>,
    vad: Vec<Option<[f32; 3]>>,
    aux: Vec<AuxLabels>,
    classes: Vec<String>,
}

fn fixture(n: usize, classes: usize, frames: usize, dim: usize, seed: u32) -> Fixture {
    const SPK: [&str; 4] = ["s0", "s1", "s2", "s3"];
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state as f32 / u32::MAX as f32) - 0.5
    };
    let mut f = Fixture {
        x: Vec::new(),
        y: Vec::new(),
        speakers: Vec::new(),
        vad: Vec::new(),
        aux: Vec::new(),
        classes: (0..classes).map(|c| format!("c{c}")).collect(),
    };
    for c in 0..classes {
        for i in 0..n {
            let t = if frames == 0 {
                1
            } else {
                frames - (i * 3) % (frames / 3).max(1)
            };
            let mut data = Vec::with_capacity(t * dim);
            for k in 0..t {
                for j in 0..dim {
                    let band = if j * classes / dim == c { 1.5 } else { 0.0 };
                    let wave = ((k as f32) * 0.4 * (c + 1) as f32 + j as f32).sin() * 0.5;
                    data.push(band + wave + 0.6 * noise());
                }
            }
            f.x.push(if frames == 0 {
                Features::Vector(data)
            } else {
                Features::Frames {
                    frames: t,
                    dim,
                    data,
                }
            });
            f.y.push(c);
            let s = (c + i) % 4;
            f.speakers.push(SPK[s]);
            let a = c as f32 + 0.3 * noise();
            f.vad.push(Some([a, 1.0 - a, 0.5 * a + noise()]));
            f.aux.push(AuxLabels {
                gender: Some(if s % 2 == 0 {
                    Gender::Female
                } else {
                    Gender::Male
                }),
                intensity: Some(if i % 2 == 0 {
                    Intensity::Normal
                } else {
                    Intensity::Strong
                }),
            });
        }
    }
    f
}

impl Fixture {
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
            aux: &self.aux,
        }
    }
}

fn empty(classes: &[String]) -> LabeledSet<'_> {
    LabeledSet {
        inputs: &[],
        labels: &[],
        speakers: &[],
        vad: &[],
        classes,
        aux: &[],
    }
}

fn fit(
    model: &mut dyn Model,
    train: &LabeledSet<'_>,
    valid: &LabeledSet<'_>,
    seed: u64,
) -> VecSink {
    let mut sink = VecSink::default();
    let stop = StopHandle::new();
    let mut ctx = FitContext {
        events: &mut sink,
        stop: &stop,
        seed,
        fold: 0,
        model_id: "m",
    };
    model.fit(train, valid, &mut ctx).unwrap();
    sink
}

fn train_accuracy(model: &dyn Model, f: &Fixture) -> (f64, f64) {
    let p = model.predict_proba(&f.inputs()).unwrap();
    let mut right = 0;
    let mut conf = 0.0;
    for (row, &y) in p.iter().zip(&f.y) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        let best = (0..row.len())
            .max_by(|&a, &b| row[a].total_cmp(&row[b]))
            .unwrap();
        right += usize::from(best == y);
        conf += f64::from(row[y]);
    }
    (right as f64 / f.y.len() as f64, conf / f.y.len() as f64)
}

fn params<C: Component>(text: &str) -> C::Params
where
    C::Params: serde::de::DeserializeOwned,
{
    toml::from_str(text).unwrap()
}

const QUIET: &str = "dropout = 0.0\npatience = 0\nschedule = \"constant\"\n";

#[test]
fn mlp_overfits_a_tiny_set() {
    let f = fixture(6, 3, 0, 10, 1);
    let inputs = f.inputs();
    let mut m = Mlp::new(params::<Mlp>(&format!(
        "{QUIET}hidden = [16, 16]\nepochs = 60\nbatch_size = 6\nlr = 0.01"
    )))
    .unwrap();
    fit(&mut m, &f.set(&inputs), &empty(&f.classes), 3);
    let (acc, conf) = train_accuracy(&m, &f);
    assert_eq!(acc, 1.0);
    assert!(conf > 0.9, "mean p(true class) {conf}");
}

#[test]
fn cnn_attention_overfits_a_tiny_set_of_unequal_lengths() {
    let f = fixture(6, 3, 24, 12, 2);
    let inputs = f.inputs();
    let mut m = CnnAttention::new(params::<CnnAttention>(&format!(
        "{QUIET}channels = [4, 8]\npool = [[2, 2], [2, 2]]\nembed = 16\nattention = 8\n\
         epochs = 50\nbatch_size = 6\nlr = 0.005"
    )))
    .unwrap();
    fit(&mut m, &f.set(&inputs), &empty(&f.classes), 4);
    let (acc, conf) = train_accuracy(&m, &f);
    assert_eq!(acc, 1.0);
    assert!(conf > 0.9, "mean p(true class) {conf}");
}

#[test]
fn bilstm_overfits_a_tiny_set_of_unequal_lengths() {
    let f = fixture(6, 3, 16, 6, 3);
    let inputs = f.inputs();
    let mut m = Lstm::new(params::<Lstm>(&format!(
        "{QUIET}hidden = 12\nlayers = 2\nattention = 8\nepochs = 60\nbatch_size = 6\nlr = 0.01"
    )))
    .unwrap();
    fit(&mut m, &f.set(&inputs), &empty(&f.classes), 5);
    let (acc, conf) = train_accuracy(&m, &f);
    assert_eq!(acc, 1.0);
    assert!(conf > 0.9, "mean p(true class) {conf}");
}

#[test]
fn multitask_heads_learn_vad_gender_and_intensity() {
    let f = fixture(8, 2, 16, 8, 6);
    let inputs = f.inputs();
    let mut m = CnnAttention::new(params::<CnnAttention>(&format!(
        "{QUIET}channels = [4, 8]\npool = [[2, 2], [2, 2]]\nembed = 16\nattention = 8\n\
         epochs = 60\nbatch_size = 8\nlr = 0.005\nvad_weight = 1.0\ngender_weight = 0.5\n\
         intensity_weight = 0.5"
    )))
    .unwrap();
    fit(&mut m, &f.set(&inputs), &empty(&f.classes), 7);
    let vad = m.predict_vad(&inputs).unwrap().expect("a V/A/D head");
    for d in 0..2 {
        let p: Vec<f64> = vad.iter().map(|v| f64::from(v[d])).collect();
        let t: Vec<f64> = f.vad.iter().map(|v| f64::from(v.unwrap()[d])).collect();
        assert!(ccc(&p, &t) > 0.8, "CCC of dimension {d}: {}", ccc(&p, &t));
    }
    assert_eq!(train_accuracy(&m, &f).0, 1.0);
    let names: Vec<&str> = {
        let s = m.0.store().unwrap();
        s.ids().map(|i| s.name(i)).collect()
    };
    for head in [
        "head.vad.weight",
        "head.gender.weight",
        "head.intensity.weight",
    ] {
        assert!(names.contains(&head), "{head} missing from {names:?}");
    }
    let plain = Mlp::new(params::<Mlp>("epochs = 1")).unwrap();
    assert!(plain.0.params.train.vad_weight == 0.0);
}

/// With per-speaker normalisation, V/A/D predictions given the speakers use each
/// speaker's own statistics, as the class probabilities do: one speaker's rows of a mixed
/// batch equal that speaker's utterances predicted alone, and differ from the predictions
/// without speakers (all inputs standardised as one group).
#[test]
fn vad_predictions_use_the_speakers_normalisation() {
    let f = fixture(8, 2, 16, 8, 6);
    let inputs = f.inputs();
    let mut m = CnnAttention::new(params::<CnnAttention>(&format!(
        "{QUIET}channels = [4]\npool = [[2, 2]]\nembed = 8\nattention = 4\n\
         epochs = 3\nbatch_size = 8\nvad_weight = 1.0\nnormalize = \"speaker\""
    )))
    .unwrap();
    fit(&mut m, &f.set(&inputs), &empty(&f.classes), 7);
    let all = m
        .predict_vad_by_speaker(&inputs, &f.speakers)
        .unwrap()
        .expect("a V/A/D head");
    let first = f.speakers[0];
    let rows: Vec<usize> = (0..inputs.len())
        .filter(|&i| f.speakers[i] == first)
        .collect();
    let alone_in: Vec<&Features> = rows.iter().map(|&i| inputs[i]).collect();
    let alone = m
        .predict_vad_by_speaker(&alone_in, &vec![first; rows.len()])
        .unwrap()
        .unwrap();
    for (k, &i) in rows.iter().enumerate() {
        for d in 0..3 {
            assert!((all[i][d] - alone[k][d]).abs() < 1e-5, "row {i} dim {d}");
        }
    }
    let pooled = m.predict_vad(&inputs).unwrap().unwrap();
    let differ = (0..inputs.len()).any(|i| (0..3).any(|d| (all[i][d] - pooled[i][d]).abs() > 1e-4));
    assert!(
        differ,
        "per-speaker and pooled normalisation gave the same V/A/D"
    );
}

#[test]
fn the_kept_epoch_is_the_best_on_validation_and_events_are_emitted() {
    let tr = fixture(6, 3, 0, 10, 8);
    let va = fixture(3, 3, 0, 10, 9);
    let (ti, vi) = (tr.inputs(), va.inputs());
    let mut m = Mlp::new(params::<Mlp>(
        "hidden = [8]\nepochs = 12\nbatch_size = 6\nlr = 0.02\npatience = 4\ngaussian_noise = 0.3",
    ))
    .unwrap();
    let sink = fit(&mut m, &tr.set(&ti), &va.set(&vi), 11);
    let h = m.0.history().to_vec();
    let best = h.iter().filter_map(|e| e.valid_ua).fold(0.0, f64::max);
    let p = m.predict_proba(&vi).unwrap();
    let c = serlab_engine::metrics::Confusion::new(
        &va.y,
        &p.iter()
            .map(|r| serlab_engine::metrics::argmax(r))
            .collect::<Vec<_>>(),
        3,
    );
    assert!(
        (c.ua() - best).abs() < 1e-9,
        "kept UA {} vs best {best}",
        c.ua()
    );
    let steps = sink
        .0
        .iter()
        .filter(|e| matches!(e, RunEvent::Step { .. }))
        .count();
    let epochs: Vec<&RunEvent> = sink
        .0
        .iter()
        .filter(|e| matches!(e, RunEvent::Epoch { .. }))
        .collect();
    assert_eq!(epochs.len(), h.len());
    assert_eq!(steps, 3 * h.len(), "18 utterances in batches of 6");
    match epochs[0] {
        RunEvent::Epoch {
            valid_confusion: Some(conf),
            valid_ua: Some(_),
            lr: Some(_),
            ..
        } => assert_eq!(conf.iter().flatten().sum::<usize>(), 9),
        e => panic!("epoch event without validation metrics: {e:?}"),
    }
}

#[test]
fn fits_are_reproducible_whatever_the_thread_count_and_survive_a_checkpoint() {
    let f = fixture(4, 2, 12, 6, 10);
    let inputs = f.inputs();
    let run = |threads: usize| {
        let mut m = Lstm::new(params::<Lstm>(&format!(
            "hidden = 6\nlayers = 1\nepochs = 3\nbatch_size = 4\nthreads = {threads}\n\
             time_masks = 1\nmixup_alpha = 0.4\nmax_frames = 10\nspeed_perturb = [0.8, 1.2]\n\
             pitch_shift = 1.5\nperturb_prob = 0.7\ntta_speeds = [0.9, 1.1]\n\
             augmentation = {{ copies = 1, freq_masks = 1, noise_std = 0.1 }}"
        )))
        .unwrap();
        fit(&mut m, &f.set(&inputs), &empty(&f.classes), 21);
        m
    };
    let a = run(1);
    let b = run(2);
    let pa = a.predict_proba(&inputs).unwrap();
    assert_eq!(pa, b.predict_proba(&inputs).unwrap());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lstm.safetensors");
    a.save(&path).unwrap();
    let mut c = Lstm::new(params::<Lstm>("hidden = 3")).unwrap();
    c.load(&path).unwrap();
    assert_eq!(c.predict_proba(&inputs).unwrap(), pa);
    let mut wrong = Mlp::new(params::<Mlp>("")).unwrap();
    let e = wrong.load(&path).unwrap_err().to_string();
    assert!(e.contains("lstm") && e.contains("mlp"), "{e}");
}

#[test]
fn a_stopped_handle_stops_the_fit_and_bad_input_is_named() {
    let f = fixture(4, 2, 0, 5, 12);
    let inputs = f.inputs();
    let mut m = Mlp::new(params::<Mlp>("epochs = 5")).unwrap();
    let stop = StopHandle::new();
    stop.stop();
    let mut sink = VecSink::default();
    let mut ctx = FitContext {
        events: &mut sink,
        stop: &stop,
        seed: 1,
        fold: 0,
        model_id: "m",
    };
    let e = m
        .fit(&f.set(&inputs), &empty(&f.classes), &mut ctx)
        .unwrap_err();
    assert!(matches!(e, serlab_engine::Error::Stopped), "{e}");

    let mut cnn = CnnAttention::new(params::<CnnAttention>("epochs = 1")).unwrap();
    let stop = StopHandle::new();
    let mut ctx = FitContext {
        events: &mut sink,
        stop: &stop,
        seed: 1,
        fold: 0,
        model_id: "m",
    };
    let e = cnn
        .fit(&f.set(&inputs), &empty(&f.classes), &mut ctx)
        .unwrap_err()
        .to_string();
    assert!(e.contains("frame features"), "{e}");
    let e = match CnnAttention::new(params::<CnnAttention>("channels = [4]")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("one channel list and three pools accepted"),
    };
    assert!(e.contains("pool"), "{e}");
    let e = toml::from_str::<<Mlp as Component>::Params>("hiden = [3]")
        .unwrap_err()
        .to_string();
    assert!(e.contains("did you mean `hidden`"), "{e}");
}

fn steps(sink: &VecSink) -> usize {
    sink.0
        .iter()
        .filter(|e| matches!(e, RunEvent::Step { .. }))
        .count()
}

#[test]
fn the_augmentation_table_adds_copies_of_the_training_utterances() {
    let f = fixture(4, 3, 0, 6, 13);
    let inputs = f.inputs();
    let run = |aug: &str| {
        let mut m = Mlp::new(params::<Mlp>(&format!(
            "hidden = [8]\nepochs = 2\nbatch_size = 4\npatience = 0\n{aug}"
        )))
        .unwrap();
        let sink = fit(&mut m, &f.set(&inputs), &empty(&f.classes), 1);
        (steps(&sink), m.predict_proba(&inputs).unwrap())
    };
    let (plain, p0) = run("");
    // 12 utterances in batches of 4: 3 steps per epoch; two noisy copies triple that.
    assert_eq!(plain, 6);
    let aug = "augmentation = { copies = 2, noise_std = 0.5 }";
    let (more, p1) = run(aug);
    assert_eq!(more, 18);
    assert_ne!(p0, p1, "the copies changed nothing");
    assert_eq!(run(aug).1, p1, "augmented fits are reproducible");
    let e = match Mlp::new(params::<Mlp>("augmentation = { copies = 1 }")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("copies without masks or noise accepted"),
    };
    assert!(e.contains("augmentation.copies"), "{e}");
}

/// The features of `f` time-stretched by `rate` (what test-time augmentation feeds).
fn stretched(f: &Features, rate: f64) -> Features {
    let Features::Frames { frames, dim, data } = f else {
        panic!("frame features expected")
    };
    let s = serlab_nn::train::data::time_stretch(
        &serlab_nn::train::Sample {
            frames: *frames,
            dim: *dim,
            data: data.clone(),
        },
        rate,
    );
    Features::Frames {
        frames: s.frames,
        dim: s.dim,
        data: s.data,
    }
}

#[test]
fn test_time_augmentation_averages_over_stretched_inputs() {
    let f = fixture(3, 3, 20, 8, 14);
    let inputs = f.inputs();
    let mut m = CnnAttention::new(params::<CnnAttention>(&format!(
        "{QUIET}channels = [4]\npool = [[2, 2]]\nembed = 8\nattention = 4\nepochs = 3\n\
         batch_size = 4\nspeed_perturb = [0.8, 1.25]\npitch_shift = 1.0\nperturb_prob = 1.0"
    )))
    .unwrap();
    fit(&mut m, &f.set(&inputs), &empty(&f.classes), 2);
    let rates = [0.8, 1.0, 1.25];
    let each: Vec<Vec<Vec<f32>>> = rates
        .iter()
        .map(|&r| {
            let xs: Vec<Features> = f.x.iter().map(|x| stretched(x, r)).collect();
            m.predict_proba(&xs.iter().collect::<Vec<_>>()).unwrap()
        })
        .collect();
    assert_ne!(each[0], each[2], "stretching changed no prediction");
    m.0.params.train.tta_speeds = rates.to_vec();
    let tta = m.predict_proba(&inputs).unwrap();
    for (i, row) in tta.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let mean = (each[0][i][c] + each[1][i][c] + each[2][i][c]) / 3.0;
            assert!(
                (v - mean).abs() < 1e-5,
                "utterance {i} class {c}: {v} vs {mean}"
            );
        }
    }
    let e = match Mlp::new(params::<Mlp>("tta_speeds = [0.9, 1.1]")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("test-time stretching of vectors accepted"),
    };
    assert!(e.contains("tta_speeds") && e.contains("frame"), "{e}");
    let e = match CnnAttention::new(params::<CnnAttention>("speed_perturb = [1.2, 0.8]")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("an empty rate range accepted"),
    };
    assert!(e.contains("speed_perturb"), "{e}");
}
