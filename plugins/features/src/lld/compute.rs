//! [`LldEngine::compute`]: one pass over an utterance that fills every enabled group's
//! contours from one STFT and one pitch track. Kept apart from the engine's set-up because
//! it is the long, per-frame part.

use super::{
    LldEngine, Llds, ENERGY, FORMANTS, PITCH, SILENCE_DB, SPECTRAL, SPECTRAL_EXTRA, VOICE,
};
use crate::chroma::N_CHROMA;
use crate::mfcc::apply_matrix;
use crate::spectral::{rms_zcr_track, Contrast};
use crate::voice::{jitter_shimmer, mark_cycles, HarmonicFrame};
use serlab_api::Result;

impl LldEngine {
    /// All enabled descriptors of `x` (finite samples at the configured rate).
    pub fn compute(&self, x: &[f32]) -> Result<Llds> {
        let cfg = &self.cfg;
        let g = cfg.groups;
        let stft = self.mel.stft();
        let spec = stft.power(x)?;
        let frames = spec.frames;
        let bins = spec.bins;
        let dim = self.names.len();
        let mut data = vec![0.0f32; dim * frames];
        let mut next = 0usize;
        let mut take = |count: usize| {
            let r = next * frames..(next + count) * frames;
            next += count;
            r
        };

        // Energy (also needed for the voicing decision).
        let (rms, zcr) = rms_zcr_track(x, cfg.win_length, cfg.hop_length, frames, cfg.pad_mode);
        let rms_db: Vec<f32> = rms.iter().map(|&r| 20.0 * r.max(1e-5).log10()).collect();
        let loud: Vec<_> = if g.energy || g.spectral_extra {
            (0..frames)
                .map(|t| self.loudness.analyse(spec.frame(t)))
                .collect()
        } else {
            vec![]
        };
        if g.energy {
            let r = take(ENERGY.len());
            let cols = &mut data[r];
            for t in 0..frames {
                cols[t] = rms[t];
                cols[frames + t] = rms_db[t];
                cols[2 * frames + t] = loud[t].loudness;
                cols[3 * frames + t] = zcr[t];
            }
        }

        let need_mel = g.spectral || g.mfcc || g.logmel;
        let lm = need_mel.then(|| self.mel.log_mel_of(&spec));
        if g.spectral {
            let lm = lm
                .as_ref()
                .expect("log-mel computed for the spectral group");
            let r = take(SPECTRAL.len());
            let cols = &mut data[r];
            for t in 0..frames {
                let s = self.shape.analyse(spec.frame(t));
                cols[t] = s.centroid;
                cols[frames + t] = s.bandwidth;
                cols[2 * frames + t] = s.rolloff;
                cols[3 * frames + t] = s.flatness;
                if t > 0 {
                    let (prev, cur) = (lm.frame(t - 1), lm.frame(t));
                    let rise: f32 = cur.iter().zip(prev).map(|(c, q)| (c - q).max(0.0)).sum();
                    cols[4 * frames + t] = rise / lm.n_mels as f32;
                }
            }
        }
        if g.spectral_extra {
            let r = take(SPECTRAL_EXTRA.len());
            let cols = &mut data[r];
            let mut db = vec![0.0f32; bins];
            for t in 0..frames {
                let e = self.extra.analyse(spec.frame(t), &mut db);
                let values = [
                    e.entropy,
                    e.variance,
                    e.skewness,
                    e.kurtosis,
                    e.slope,
                    e.rolloff[0],
                    e.rolloff[1],
                    e.rolloff[2],
                    e.rolloff[3],
                    e.energy_250_650,
                    e.energy_1k_4k,
                    e.alpha_ratio,
                    e.hammarberg,
                    e.slope_0_500,
                    e.slope_500_1500,
                    loud[t].sharpness,
                ];
                for (c, v) in values.into_iter().enumerate() {
                    cols[c * frames + t] = v;
                }
            }
        }
        if let Some(contrast) = &self.contrast {
            let nb = contrast.len();
            let r = take(nb);
            let mut peak = vec![0.0f32; nb * frames];
            let mut valley = vec![0.0f32; nb * frames];
            let (mut pk, mut vl) = (vec![0.0f32; nb], vec![0.0f32; nb]);
            let mut scratch = Vec::with_capacity(bins);
            for t in 0..frames {
                contrast.frame(spec.frame(t), &mut pk, &mut vl, &mut scratch);
                for b in 0..nb {
                    peak[b * frames + t] = pk[b];
                    valley[b * frames + t] = vl[b];
                }
            }
            Contrast::finish(&mut peak, &mut valley);
            data[r].copy_from_slice(&peak);
        }
        if let Some(chroma) = &self.chroma {
            let r = take(N_CHROMA);
            let cols = &mut data[r];
            let mut out = [0.0f32; N_CHROMA];
            for t in 0..frames {
                chroma.apply(spec.frame(t), &mut out);
                for (c, v) in out.iter().enumerate() {
                    cols[c * frames + t] = *v;
                }
            }
        }

        // Pitch and the voicing decision.
        let need_pitch = g.pitch || g.voice || g.formants;
        let mut voiced = vec![false; frames];
        let mut f0 = vec![0.0f32; frames];
        if need_pitch {
            let track = self.yin.track(x, cfg.hop_length, frames);
            let max_db = rms_db.iter().copied().fold(-100.0f32, f32::max);
            for t in 0..frames {
                let p = track[t];
                voiced[t] = p.periodic
                    && p.f0 > 0.0
                    && rms_db[t] > SILENCE_DB
                    && rms_db[t] >= max_db - cfg.voicing_range_db;
                if voiced[t] {
                    f0[t] = p.f0;
                }
            }
            if g.pitch {
                let r = take(PITCH.len());
                let cols = &mut data[r];
                for t in 0..frames {
                    cols[t] = f0[t];
                    cols[frames + t] = 1.0 - track[t].aperiodicity;
                    cols[2 * frames + t] = if voiced[t] { 1.0 } else { 0.0 };
                }
            }
        }
        let formants = if g.formants || g.voice {
            self.formants.track(x, cfg.hop_length, &voiced)
        } else {
            vec![]
        };
        let mut harmonic = vec![HarmonicFrame::default(); frames];
        if g.voice || g.formants {
            let w = self.harmonicity.window_len();
            let half = w / 2;
            let mut padded = vec![0.0f32; x.len() + w + cfg.hop_length * frames];
            padded[half..half + x.len()].copy_from_slice(x);
            let mut s = self.harmonicity.scratch();
            let floor = self
                .harmonicity
                .analyse(&vec![0.0; w], 0.0, &[0.0; 3], &mut s);
            for t in 0..frames {
                harmonic[t] = if voiced[t] {
                    let start = t * cfg.hop_length;
                    self.harmonicity.analyse(
                        &padded[start..start + w],
                        f0[t],
                        &formants[t].freq,
                        &mut s,
                    )
                } else {
                    floor
                };
            }
        }
        if g.voice {
            let cycles = mark_cycles(x, cfg.sample_rate, &f0, &voiced, cfg.hop_length);
            let [jit, ddp, shim] = jitter_shimmer(
                &cycles,
                frames,
                cfg.hop_length,
                self.harmonicity.window_len(),
                &voiced,
            );
            let r = take(VOICE.len());
            let cols = &mut data[r];
            for t in 0..frames {
                cols[t] = jit[t];
                cols[frames + t] = ddp[t];
                cols[2 * frames + t] = shim[t];
                cols[3 * frames + t] = harmonic[t].hnr_db;
                cols[4 * frames + t] = harmonic[t].h1_h2;
                cols[5 * frames + t] = harmonic[t].h1_a3;
            }
        }
        if g.formants {
            let r = take(FORMANTS.len());
            let cols = &mut data[r];
            for t in 0..frames {
                for k in 0..3 {
                    cols[k * frames + t] = formants[t].freq[k];
                    cols[(3 + k) * frames + t] = formants[t].bandwidth[k];
                    cols[(6 + k) * frames + t] = if formants[t].freq[k] > 0.0 {
                        harmonic[t].formant_amp[k]
                    } else {
                        0.0
                    };
                }
            }
        }
        if g.mfcc {
            let lm = lm.as_ref().expect("log-mel computed for the mfcc group");
            let n = cfg.n_mfcc;
            let r = take(n);
            let cols = &mut data[r];
            let mut row = vec![0.0f32; n];
            for t in 0..frames {
                apply_matrix(&self.dct, lm.frame(t), &mut row);
                for (k, v) in row.iter().enumerate() {
                    cols[k * frames + t] = *v;
                }
            }
        }
        if g.logmel {
            let lm = lm.as_ref().expect("log-mel computed for the logmel group");
            let r = take(lm.n_mels);
            let cols = &mut data[r];
            for t in 0..frames {
                for (m, v) in lm.frame(t).iter().enumerate() {
                    cols[m * frames + t] = *v;
                }
            }
        }
        debug_assert_eq!(next, dim);
        data.iter_mut()
            .filter(|v| !v.is_finite())
            .for_each(|v| *v = 0.0);
        Ok(Llds {
            frames,
            data,
            voiced,
        })
    }
}
