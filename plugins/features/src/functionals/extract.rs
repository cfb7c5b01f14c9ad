//! [`FeatureExtractor`] for [`FunctionalsExtractor`]: one pass over the shared STFT frames
//! computing every enabled LLD group and its functionals, kept apart from the set-up.

use super::prosody::{energy_peaks, f0_summary};
use super::{FunctionalsExtractor, DELTA, FULL, SILENCE_DB};
use crate::mfcc::delta;
use crate::spectral::rms_zcr;
use crate::stats::Functionals;
use crate::stft::{check_rate, sanitize};
use serlab_api::{Audio, Component, FeatureExtractor, FeatureInfo, FeatureShape, Features, Result};

impl FeatureExtractor for FunctionalsExtractor {
    fn info(&self) -> Result<FeatureInfo> {
        Ok(FeatureInfo {
            shape: FeatureShape::Vector,
            dim: self.names.len(),
            sample_rate: self.params.sample_rate,
            names: self.names.clone(),
            version: 2,
        })
    }

    fn extract(&self, audio: &Audio) -> Result<Features> {
        check_rate(Self::NAME, audio, self.params.sample_rate)?;
        let p = &self.params;
        let x = sanitize(&audio.samples);
        let stft = self.mel.stft();
        let spec = stft.power(&x)?;
        let frames = spec.frames;
        let mut out = Vec::with_capacity(self.names.len());
        let mut fx = Functionals::default();
        let mut col = vec![0.0f32; frames];

        // Column `k` of a row-major `frames x dim` matrix into `col`.
        let column = |m: &[f32], dim: usize, k: usize, col: &mut [f32]| {
            for (c, row) in col.iter_mut().zip(m.chunks_exact(dim)) {
                *c = row[k];
            }
        };

        if p.mfcc {
            let n = p.n_mfcc;
            let m = self.mfcc.mfcc_of(&spec);
            for k in 0..n {
                column(&m, n, k, &mut col);
                fx.compute(&col, FULL, &mut out);
            }
            if p.mfcc_deltas {
                let d = delta(&m, frames, n, 9, 1);
                for k in 0..n {
                    column(&d, n, k, &mut col);
                    fx.compute(&col, DELTA, &mut out);
                }
            }
        }

        let lm = self.mel.log_mel_of(&spec);
        if p.logmel {
            for k in 0..lm.n_mels {
                column(&lm.db, lm.n_mels, k, &mut col);
                fx.compute(&col, FULL, &mut out);
            }
        }

        // Time-domain energy over the window's span inside each centred frame.
        let padded = stft.padded(&x);
        let offset = (p.n_fft - p.win_length) / 2;
        let mut rms_db = vec![0.0f32; frames];
        let mut zcr = vec![0.0f32; frames];
        for t in 0..frames {
            let start = t * stft.hop() + offset;
            let (r, z) = rms_zcr(&padded[start..start + p.win_length]);
            rms_db[t] = 20.0 * r.max(1e-5).log10();
            zcr[t] = z;
        }
        let max_db = rms_db.iter().copied().fold(-100.0f32, f32::max);
        if p.energy {
            fx.compute(&rms_db, FULL, &mut out);
            fx.compute(&zcr, FULL, &mut out);
        }

        if p.spectral {
            // Five contours side by side: centroid, bandwidth, roll-off, flatness, flux.
            let mut cols = vec![0.0f32; 5 * frames];
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
            for c in cols.chunks_exact(frames) {
                fx.compute(c, FULL, &mut out);
            }
        }

        let duration = audio.duration();
        if p.pitch {
            let track = self.yin.track(&x, stft.hop(), frames);
            for (c, f) in col.iter_mut().zip(&track) {
                *c = 1.0 - f.aperiodicity;
            }
            fx.compute(&col, FULL, &mut out);
            let voiced: Vec<bool> = track
                .iter()
                .zip(&rms_db)
                .map(|(f, &e)| {
                    f.periodic && f.f0 > 0.0 && e > SILENCE_DB && e >= max_db - p.voicing_range_db
                })
                .collect();
            let f0: Vec<f32> = track.iter().map(|f| f.f0).collect();
            f0_summary(
                &f0,
                &voiced,
                stft.hop() as f64 / p.sample_rate as f64,
                duration,
                &mut out,
            );
        }

        if p.rhythm {
            let active = rms_db
                .iter()
                .filter(|&&e| e > SILENCE_DB && e >= max_db - 30.0)
                .count();
            let peaks = energy_peaks(&rms_db, max_db);
            out.push(if duration > 0.0 {
                (peaks as f64 / duration) as f32
            } else {
                0.0
            });
            out.push(active as f32 / frames as f32);
        }

        crate::sets::finish_vector("functionals", out, self.names.len())
    }
}
