//! The training loop of [`NeuralModel`]: batches, augmentation, mixup, optimisation,
//! validation and epoch selection. Kept apart from the model's public face because it is
//! the one long piece of the model.

use super::evaluate::evaluate;
use super::targets::{class_weights, total_loss, Targets};
use super::{EpochRecord, Fitted, NeuralModel};
use crate::error::{NnError, Result};
use crate::graph::Graph;
use crate::optim::{clip_grad_norm, Adam, LrSchedule};
use crate::params::{normal, ParamStore};
use crate::train::data::{self, Batch, InputKind, Normalizer, Sample};
use crate::train::heads::NetSpec;
use crate::train::params::Select;
use crate::train::{Architecture, Network};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serlab_api::metrics::{argmax, Confusion};
use serlab_api::{Features, FitContext, LabeledSet, RunEvent};

impl<A: Architecture> NeuralModel<A> {
    pub(super) fn fit_here(
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
}
