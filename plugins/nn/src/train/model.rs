//! [`NeuralModel`]: fitting, prediction and checkpoints of any [`Architecture`].

use super::data::{self, Batch, InputKind, Normalizer, Sample};
use super::heads::{Heads, NetSpec};
use super::params::{ClassWeight, NeuralParams, Select};
use super::{Architecture, Network};
use crate::checkpoint;
use crate::error::{NnError, Result};
use crate::graph::Graph;
use crate::ops::{self, softmax_rows};
use crate::optim::{clip_grad_norm, Adam, LrSchedule};
use crate::params::{normal, ParamStore};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serlab_api::metrics::{argmax, Confusion};
use serlab_api::{Features, FitContext, Gender, Intensity, LabeledSet, RunEvent};
use std::collections::HashMap;
use std::path::Path;

/// What one epoch measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EpochRecord {
    /// Epoch from 0.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Validation loss (class-weighted cross-entropy of the emotion head).
    pub valid_loss: Option<f64>,
    /// Validation UA.
    pub valid_ua: Option<f64>,
    /// Validation WA.
    pub valid_wa: Option<f64>,
    /// Learning rate of the epoch.
    pub lr: f64,
}

struct Fitted<N> {
    net: N,
    store: ParamStore<f32>,
    norm: Normalizer,
    spec: NetSpec,
}

/// A neural model: parameters, and once fitted its network, weights and normalisation.
pub struct NeuralModel<A: Architecture> {
    /// The model's parameters.
    pub params: NeuralParams<A>,
    name: &'static str,
    fitted: Option<Fitted<A::Net>>,
    history: Vec<EpochRecord>,
}

/// Per-utterance targets of a batch.
#[derive(Clone)]
struct Targets {
    k: usize,
    q: Vec<f32>,
    w: Vec<f32>,
    vad: Vec<f32>,
    vad_mask: Vec<bool>,
    gq: Vec<f32>,
    gw: Vec<f32>,
    iq: Vec<f32>,
    iw: Vec<f32>,
}

impl Targets {
    fn of(set: &LabeledSet<'_>, idx: &[usize], k: usize, cw: &[f32]) -> Targets {
        let b = idx.len();
        let mut t = Targets {
            k,
            q: vec![0.0; b * k],
            w: vec![0.0; b],
            vad: vec![0.0; b * 3],
            vad_mask: vec![false; b],
            gq: vec![0.0; b * 2],
            gw: vec![0.0; b],
            iq: vec![0.0; b * 2],
            iw: vec![0.0; b],
        };
        for (r, &i) in idx.iter().enumerate() {
            let y = set.labels[i];
            t.q[r * k + y] = 1.0;
            t.w[r] = cw[y];
            if let Some(v) = set.vad.get(i).copied().flatten() {
                t.vad[r * 3..r * 3 + 3].copy_from_slice(&v);
                t.vad_mask[r] = true;
            }
            let aux = set.aux_of(i);
            if let Some(gd) = aux.gender {
                t.gq[r * 2 + usize::from(gd == Gender::Male)] = 1.0;
                t.gw[r] = 1.0;
            }
            if let Some(it) = aux.intensity {
                t.iq[r * 2 + usize::from(it == Intensity::Strong)] = 1.0;
                t.iw[r] = 1.0;
            }
        }
        t
    }

    /// Mixup targets: `lam * self[i] + (1 - lam) * self[perm[i]]`; an auxiliary label
    /// counts only where both utterances have it.
    fn mixed(&self, perm: &[usize], lam: f32) -> Targets {
        let mix = |v: &[f32], w: usize| -> Vec<f32> {
            let mut out = vec![0.0; v.len()];
            for (i, &j) in perm.iter().enumerate() {
                for c in 0..w {
                    out[i * w + c] = lam * v[i * w + c] + (1.0 - lam) * v[j * w + c];
                }
            }
            out
        };
        let both = |w: &[f32]| -> Vec<f32> {
            perm.iter()
                .enumerate()
                .map(|(i, &j)| if w[i] > 0.0 && w[j] > 0.0 { 1.0 } else { 0.0 })
                .collect()
        };
        Targets {
            k: self.k,
            q: mix(&self.q, self.k),
            w: mix(&self.w, 1),
            vad: mix(&self.vad, 3),
            vad_mask: perm
                .iter()
                .enumerate()
                .map(|(i, &j)| self.vad_mask[i] && self.vad_mask[j])
                .collect(),
            gq: mix(&self.gq, 2),
            gw: both(&self.gw),
            iq: mix(&self.iq, 2),
            iw: both(&self.iw),
        }
    }
}

/// Class weights `n / (k * n_c)` (`balanced`) or ones.
pub fn class_weights(labels: &[usize], k: usize, mode: ClassWeight) -> Vec<f32> {
    let mut counts = vec![0usize; k];
    for &y in labels {
        counts[y] += 1;
    }
    counts
        .iter()
        .map(|&c| match mode {
            ClassWeight::None => 1.0,
            ClassWeight::Balanced if c == 0 => 0.0,
            ClassWeight::Balanced => labels.len() as f32 / (k * c) as f32,
        })
        .collect()
}

fn run_in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T> {
    if threads == 0 {
        return Ok(f());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| NnError::config("threads", e.to_string()))?;
    Ok(pool.install(f))
}

/// Emotion probabilities and V/A/D outputs of a set, in input order.
struct Outputs {
    probs: Vec<Vec<f32>>,
    vad: Option<Vec<[f32; 3]>>,
}

/// [`evaluate_once`], or with test-time augmentation (`tta` rates, frame inputs) the mean
/// of the probabilities and V/A/D outputs over the input time-stretched by each rate.
fn evaluate<N: Network>(
    net: &N,
    store: &ParamStore<f32>,
    samples: &[Sample],
    kind: InputKind,
    batch: usize,
    tta: &[f64],
) -> Result<Outputs> {
    if tta.is_empty() || kind == InputKind::Vector {
        return evaluate_once(net, store, samples, kind, batch);
    }
    let mut sum: Option<Outputs> = None;
    for &rate in tta {
        let xs: Vec<Sample> = samples
            .iter()
            .map(|s| data::time_stretch(s, rate))
            .collect();
        let o = evaluate_once(net, store, &xs, kind, batch)?;
        match &mut sum {
            None => sum = Some(o),
            Some(acc) => {
                for (a, b) in acc.probs.iter_mut().zip(&o.probs) {
                    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                }
                if let (Some(a), Some(b)) = (&mut acc.vad, &o.vad) {
                    for (a, b) in a.iter_mut().zip(b) {
                        a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                    }
                }
            }
        }
    }
    let mut out = sum.expect("at least one rate");
    let m = tta.len() as f32;
    out.probs.iter_mut().flatten().for_each(|v| *v /= m);
    if let Some(v) = &mut out.vad {
        v.iter_mut().flatten().for_each(|v| *v /= m);
    }
    Ok(out)
}

fn evaluate_once<N: Network>(
    net: &N,
    store: &ParamStore<f32>,
    samples: &[Sample],
    kind: InputKind,
    batch: usize,
) -> Result<Outputs> {
    // Batches of similar lengths: little padding.
    let mut order: Vec<usize> = (0..samples.len()).collect();
    order.sort_by_key(|&i| (samples[i].frames, i));
    let mut probs = vec![Vec::new(); samples.len()];
    let mut vad: Option<Vec<[f32; 3]>> = None;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    for chunk in order.chunks(batch.max(1)) {
        let g = Graph::inference();
        let items: Vec<&Sample> = chunk.iter().map(|&i| &samples[i]).collect();
        let b = Batch::new(&g, &items, kind)?;
        let h: Heads = net.forward(&g, store, &b, &mut rng)?;
        let k = h.logits.dims()[1];
        let p = softmax_rows(h.logits.values(), k);
        for (r, &i) in chunk.iter().enumerate() {
            probs[i] = p[r * k..(r + 1) * k].to_vec();
        }
        if let Some(v) = &h.vad {
            let out = vad.get_or_insert_with(|| vec![[0.0; 3]; samples.len()]);
            for (r, &i) in chunk.iter().enumerate() {
                out[i].copy_from_slice(&v.values()[r * 3..r * 3 + 3]);
            }
        }
    }
    Ok(Outputs { probs, vad })
}

fn total_loss(
    g: &Graph<f32>,
    h: &Heads,
    t: &Targets,
    p: &super::TrainParams,
) -> Result<crate::Var<f32>> {
    let ce = ops::cross_entropy(g, &h.logits, &t.q, &t.w)?;
    let mut terms = vec![(ce, 1.0)];
    if let Some(v) = &h.vad {
        terms.push((ops::ccc_loss(g, v, &t.vad, &t.vad_mask)?, p.vad_weight));
    }
    if let Some(v) = &h.gender {
        terms.push((ops::cross_entropy(g, v, &t.gq, &t.gw)?, p.gender_weight));
    }
    if let Some(v) = &h.intensity {
        terms.push((ops::cross_entropy(g, v, &t.iq, &t.iw)?, p.intensity_weight));
    }
    if terms.len() == 1 {
        return Ok(terms.pop().expect("one term").0);
    }
    let refs: Vec<(&crate::Var<f32>, f64)> = terms.iter().map(|(v, w)| (v, *w)).collect();
    ops::scale_sum(g, &refs)
}

impl<A: Architecture> NeuralModel<A> {
    /// An unfitted model named `name` (the component name, for messages and checkpoints).
    pub fn new(name: &'static str, params: NeuralParams<A>) -> Result<Self> {
        params.train.validate()?;
        params.arch.validate()?;
        if params.arch.input() == InputKind::Vector {
            let t = &params.train;
            for (key, on) in [
                ("speed_perturb", !t.speed_perturb.is_empty()),
                ("pitch_shift", t.pitch_shift > 0.0),
                ("tta_speeds", !t.tta_speeds.is_empty()),
                ("max_frames", t.max_frames > 0),
            ] {
                if on {
                    return Err(NnError::config(
                        key,
                        format!("{name} reads one vector per utterance; {key} needs frame inputs"),
                    ));
                }
            }
        }
        Ok(NeuralModel {
            params,
            name,
            fitted: None,
            history: Vec::new(),
        })
    }

    /// The epochs of the last fit.
    pub fn history(&self) -> &[EpochRecord] {
        &self.history
    }

    /// The fitted weights.
    pub fn store(&self) -> Option<&ParamStore<f32>> {
        self.fitted.as_ref().map(|f| &f.store)
    }

    fn not_fitted(&self, what: &str) -> NnError {
        NnError::Data(format!("{}: {what} called before fit (or load)", self.name))
    }

    /// Train on `train`, selecting the epoch on `valid`.
    pub fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        serlab_api::allocator::keep_freed_memory();
        let threads = self.params.train.threads;
        run_in_pool(threads, || self.fit_here(train, valid, ctx))?
    }

    fn fit_here(
        &mut self,
        train: &LabeledSet<'_>,
        valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        let tp = self.params.train.clone();
        let kind = self.params.arch.input();
        if train.len() < 2 {
            return Err(NnError::Data(format!(
                "{}: needs at least 2 training utterances, got {}",
                self.name,
                train.len()
            )));
        }
        let mut raw = data::samples(train.inputs, kind, None)?;
        let dim = raw[0].dim;
        let vraw = data::samples(valid.inputs, kind, Some(dim))?;
        // Standardisation comes from the real training utterances only.
        let norm = Normalizer::fit(tp.normalize, &raw);
        let (stats, group0) = norm.groups(&raw, Some(train.speakers));
        let n0 = raw.len();
        if tp.augmentation.is_active() {
            // Core's [augmentation]: `copies` extra copies of every training utterance,
            // copy c of utterance i at n0 * (c + 1) + i (so it is utterance `i % n0`).
            let extra = tp.augmentation.expand(train.inputs, train.labels, ctx.seed);
            let refs: Vec<&Features> = extra.iter().map(|(f, _)| f).collect();
            raw.extend(data::samples(&refs, kind, Some(dim))?);
        }
        let group: Vec<usize> = (0..raw.len()).map(|i| group0[i % n0]).collect();
        let vnorm = norm.normalise(&vraw, Some(valid.speakers));
        let k = train.classes.len();
        let spec = NetSpec {
            dim,
            classes: k,
            vad: tp.vad_weight > 0.0,
            gender: tp.gender_weight > 0.0,
            intensity: tp.intensity_weight > 0.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
        let mut store = ParamStore::new();
        let net = self.params.arch.build(&mut store, &spec, &mut rng)?;
        let cw = class_weights(train.labels, k, tp.class_weight);
        let mut opt = Adam::new(
            &store,
            tp.optimizer,
            (tp.betas[0], tp.betas[1]),
            1e-8,
            tp.weight_decay,
        );
        let mut sched = LrSchedule::new(
            tp.schedule,
            tp.lr,
            tp.min_lr,
            tp.warmup_epochs,
            tp.epochs,
            tp.plateau_factor,
            tp.plateau_patience,
        );
        let n = raw.len();
        let bs = tp.batch_size.min(n);
        let per_epoch = n / bs + usize::from(n % bs >= 2);
        let total = per_epoch * tp.epochs;
        let eval_batch = bs.max(64);
        let mut best: Option<(f64, f64, Vec<Vec<f32>>)> = None;
        let (mut bad, mut step) = (0usize, 0usize);
        self.history.clear();
        for epoch in 0..tp.epochs {
            let lr = sched.lr(epoch);
            let mut order: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                order.swap(i, rng.random_range(0..=i));
            }
            let (mut sum, mut cnt) = (0.0, 0usize);
            for chunk in order.chunks(bs) {
                if chunk.len() < 2 {
                    continue;
                }
                if ctx.stop.should_halt() {
                    return Err(NnError::Stopped);
                }
                let items: Vec<Sample> = chunk
                    .iter()
                    .map(|&i| {
                        let mut s = if kind == InputKind::Frames {
                            let p = data::perturb(raw[i].clone(), &tp, &mut rng);
                            data::crop(&p, tp.max_frames, &mut rng)
                        } else {
                            raw[i].clone()
                        };
                        if tp.noise_snr_db.len() == 2 && rng.random::<f64>() < tp.noise_prob {
                            let snr = rng.random_range(tp.noise_snr_db[0]..=tp.noise_snr_db[1]);
                            data::add_noise_db(&mut s, snr, &mut rng);
                        }
                        stats[group[i]].apply(&mut s);
                        if tp.gaussian_noise > 0.0 {
                            for v in &mut s.data {
                                *v += (normal(&mut rng) * tp.gaussian_noise) as f32;
                            }
                        }
                        if kind == InputKind::Frames {
                            data::spec_augment(&mut s, &tp, &mut rng);
                        }
                        s
                    })
                    .collect();
                let g = Graph::train();
                let refs: Vec<&Sample> = items.iter().collect();
                let mut batch = Batch::new(&g, &refs, kind)?;
                let src: Vec<usize> = chunk.iter().map(|&i| i % n0).collect();
                let mut targets = Targets::of(train, &src, k, &cw);
                if tp.mixup_alpha > 0.0 {
                    let lam = data::beta(tp.mixup_alpha, &mut rng) as f32;
                    let mut perm: Vec<usize> = (0..chunk.len()).collect();
                    for i in (1..perm.len()).rev() {
                        perm.swap(i, rng.random_range(0..=i));
                    }
                    batch = batch.mixed(&g, &perm, lam)?;
                    targets = targets.mixed(&perm, lam);
                }
                let heads = net.forward(&g, &store, &batch, &mut rng)?;
                let loss = total_loss(&g, &heads, &targets, &tp)?;
                let lv = f64::from(loss.scalar());
                if !lv.is_finite() {
                    return Err(NnError::NonFinite(format!(
                        "{}: training loss is {lv} at epoch {epoch} (try a lower lr)",
                        self.name
                    )));
                }
                let mut grads = g.backward(&loss)?;
                store.apply_updates(ParamStore::take_updates(&mut grads))?;
                clip_grad_norm(&store, &mut grads, tp.grad_clip)?;
                opt.step(&mut store, &mut grads, lr)?;
                step += 1;
                sum += lv;
                cnt += 1;
                ctx.events.emit(RunEvent::Step {
                    fold: ctx.fold,
                    model: ctx.model_id.into(),
                    step,
                    total: Some(total),
                    loss: Some(lv),
                });
            }
            let train_loss = sum / cnt.max(1) as f64;
            let mut rec = EpochRecord {
                epoch,
                train_loss,
                valid_loss: None,
                valid_ua: None,
                valid_wa: None,
                lr,
            };
            let mut confusion = None;
            if !valid.is_empty() {
                let out = evaluate(&net, &store, &vnorm, kind, eval_batch, &tp.tta_speeds)?;
                let p: Vec<f32> = out.probs.concat();
                let (mut l, mut wsum) = (0.0f64, 0.0f64);
                for (i, &y) in valid.labels.iter().enumerate() {
                    let w = f64::from(cw.get(y).copied().unwrap_or(1.0).max(1e-6));
                    l -= w * f64::from(p[i * k + y].max(1e-12)).ln();
                    wsum += w;
                }
                let pred: Vec<usize> = p.chunks_exact(k).map(argmax).collect();
                let c = Confusion::new(valid.labels, &pred, k);
                rec.valid_loss = Some(l / wsum.max(1e-12));
                rec.valid_ua = Some(c.ua());
                rec.valid_wa = Some(c.wa());
                confusion = Some(c.counts.clone());
                let vl = l / wsum.max(1e-12);
                let score = match tp.select {
                    Select::Ua => c.ua(),
                    Select::Loss => -vl,
                };
                let better = best.as_ref().is_none_or(|(s, bl, _)| {
                    score > *s + 1e-12 || ((score - *s).abs() <= 1e-12 && vl < *bl)
                });
                if better {
                    best = Some((score, vl, store.snapshot()));
                    bad = 0;
                } else {
                    bad += 1;
                }
                sched.observe(score);
            }
            ctx.events.emit(RunEvent::Epoch {
                fold: ctx.fold,
                model: ctx.model_id.into(),
                epoch,
                train_loss,
                valid_loss: rec.valid_loss,
                valid_ua: rec.valid_ua,
                valid_wa: rec.valid_wa,
                lr: Some(lr),
                valid_confusion: confusion,
            });
            self.history.push(rec);
            if tp.patience > 0 && bad >= tp.patience {
                break;
            }
        }
        if let Some((_, _, snap)) = best {
            store.restore(&snap)?;
        }
        self.fitted = Some(Fitted {
            net,
            store,
            norm,
            spec,
        });
        Ok(())
    }

    fn outputs(&self, inputs: &[&Features], speakers: Option<&[&str]>) -> Result<Outputs> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| self.not_fitted("predict"))?;
        let kind = self.params.arch.input();
        let raw = data::samples(inputs, kind, Some(f.spec.dim))?;
        let xs = f.norm.normalise(&raw, speakers);
        let bs = self.params.train.batch_size.max(64);
        let tta = &self.params.train.tta_speeds;
        run_in_pool(self.params.train.threads, || {
            evaluate(&f.net, &f.store, &xs, kind, bs, tta)
        })?
    }

    /// Class probabilities; `speakers` (one per input) are used by `normalize = "speaker"`
    /// (without them the inputs are standardised as one group).
    pub fn predict(
        &self,
        inputs: &[&Features],
        speakers: Option<&[&str]>,
    ) -> Result<Vec<Vec<f32>>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.outputs(inputs, speakers)?.probs)
    }

    /// V/A/D predictions, when the model has a V/A/D head; `speakers` as in
    /// [`NeuralModel::predict`].
    pub fn predict_vad(
        &self,
        inputs: &[&Features],
        speakers: Option<&[&str]>,
    ) -> Result<Option<Vec<[f32; 3]>>> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| self.not_fitted("predict_vad"))?;
        if !f.spec.vad {
            return Ok(None);
        }
        if inputs.is_empty() {
            return Ok(Some(Vec::new()));
        }
        Ok(self.outputs(inputs, speakers)?.vad)
    }

    /// Write weights, normalisation and parameters to a safetensors file.
    pub fn save(&self, path: &Path) -> Result<()> {
        self.save_with(path, &[])
    }

    /// [`NeuralModel::save`] with `extra` metadata entries: state a wrapper fitted on the
    /// training set that is no parameter (a text model's vocabulary).
    pub fn save_with(&self, path: &Path, extra: &[(&str, String)]) -> Result<()> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| self.not_fitted("save"))?;
        let json = |e: serde_json::Error| NnError::Data(e.to_string());
        let meta: HashMap<String, String> = [
            ("model".to_string(), self.name.to_string()),
            (
                "params".to_string(),
                toml::to_string(&self.params).map_err(|e| NnError::Data(e.to_string()))?,
            ),
            (
                "spec".to_string(),
                serde_json::to_string(&f.spec).map_err(json)?,
            ),
            (
                "normalizer".to_string(),
                serde_json::to_string(&f.norm).map_err(json)?,
            ),
        ]
        .into();
        let mut meta = meta;
        for (k, v) in extra {
            meta.insert((*k).to_string(), v.clone());
        }
        checkpoint::save(&f.store, &meta, path)
    }

    /// Restore a model written by [`NeuralModel::save`].
    pub fn load(&mut self, path: &Path) -> Result<()> {
        self.load_with(path, |_, _| Ok(()))
    }

    /// [`NeuralModel::load`], with `restore` called on the checkpoint's metadata and the
    /// saved architecture before the network is rebuilt (to put back what
    /// [`NeuralModel::save_with`] added, e.g. the vocabulary that sizes an embedding).
    pub fn load_with(
        &mut self,
        path: &Path,
        restore: impl FnOnce(&HashMap<String, String>, &mut A) -> Result<()>,
    ) -> Result<()> {
        let meta = checkpoint::read_metadata(path)?;
        let bad = |message: String| NnError::Checkpoint {
            path: path.to_path_buf(),
            message,
        };
        let get = |k: &str| {
            meta.get(k)
                .ok_or_else(|| bad(format!("metadata `{k}` is missing")))
        };
        if get("model")? != self.name {
            return Err(bad(format!(
                "written by model `{}`, not `{}`",
                get("model")?,
                self.name
            )));
        }
        let mut params: NeuralParams<A> =
            toml::from_str(get("params")?).map_err(|e| bad(format!("params: {e}")))?;
        restore(&meta, &mut params.arch)?;
        let spec: NetSpec =
            serde_json::from_str(get("spec")?).map_err(|e| bad(format!("spec: {e}")))?;
        let norm: Normalizer = serde_json::from_str(get("normalizer")?)
            .map_err(|e| bad(format!("normalizer: {e}")))?;
        let mut store = ParamStore::new();
        let net = params
            .arch
            .build(&mut store, &spec, &mut ChaCha8Rng::seed_from_u64(0))?;
        checkpoint::load(&mut store, path)?;
        self.params = params;
        self.fitted = Some(Fitted {
            net,
            store,
            norm,
            spec,
        });
        Ok(())
    }
}
