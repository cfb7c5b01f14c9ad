//! librosa's spectral contrast, per octave band: it needs the whole utterance before its
//! dB conversion, so it is a stateful accumulator unlike the per-frame descriptors.

/// `librosa.feature.spectral_contrast(S=|X|, n_bands, fmin, quantile, linear=False)`:
/// per octave band, the dB difference between the mean of the top and the bottom
/// `quantile` of magnitudes. The dB conversion is `power_to_db(top_db=80)` over the
/// whole utterance, as in librosa, so [`Contrast::finish`] runs once all frames are in.
#[derive(Clone, Debug)]
pub struct Contrast {
    /// Per band: bins included and how many values are averaged at each end.
    bands: Vec<(std::ops::Range<usize>, usize)>,
}

impl Contrast {
    /// Plan the bands; `component` names the caller in errors.
    pub fn new(
        component: &str,
        sample_rate: u32,
        n_fft: usize,
        n_bands: usize,
        fmin: f64,
        quantile: f64,
    ) -> serlab_api::Result<Self> {
        use serlab_api::Error;
        if n_bands == 0 {
            return Err(Error::config(
                component,
                "contrast_bands",
                "must be at least 1",
            ));
        }
        if fmin.is_nan() || fmin <= 0.0 {
            return Err(Error::config(
                component,
                "contrast_fmin",
                "must be positive",
            ));
        }
        let bins = n_fft / 2 + 1;
        let freq: Vec<f64> = (0..bins)
            .map(|k| k as f64 * sample_rate as f64 / n_fft as f64)
            .collect();
        let mut octa = vec![0.0f64];
        octa.extend((0..=n_bands).map(|i| fmin * 2f64.powi(i as i32)));
        if octa[..octa.len() - 1]
            .iter()
            .any(|&f| f >= 0.5 * sample_rate as f64)
        {
            return Err(Error::config(
                component,
                "contrast_bands",
                "the top band starts above sample_rate / 2: reduce contrast_bands or contrast_fmin",
            ));
        }
        let mut bands = Vec::with_capacity(n_bands + 1);
        for k in 0..=n_bands {
            let (lo, hi) = (octa[k], octa[k + 1]);
            let idx: Vec<usize> = (0..bins)
                .filter(|&i| freq[i] >= lo && freq[i] <= hi)
                .collect();
            let (Some(&first), Some(&last)) = (idx.first(), idx.last()) else {
                return Err(Error::config(
                    component,
                    "contrast_fmin",
                    "an octave band holds no FFT bin: raise n_fft or contrast_fmin",
                ));
            };
            let start = if k > 0 {
                first.saturating_sub(1)
            } else {
                first
            };
            let end = if k == n_bands { bins } else { last + 1 };
            let count = end - start;
            let take = ((quantile * count as f64).round_ties_even() as usize).max(1);
            // Every band but the last drops its last bin.
            let used = if k < n_bands {
                start..end - 1
            } else {
                start..end
            };
            if used.is_empty() {
                return Err(Error::config(
                    component,
                    "contrast_fmin",
                    "an octave band holds no FFT bin: raise n_fft or contrast_fmin",
                ));
            }
            bands.push((used, take));
        }
        Ok(Contrast { bands })
    }

    /// Number of values per frame (`n_bands + 1`).
    pub fn len(&self) -> usize {
        self.bands.len()
    }

    /// Whether there are no bands (never, once constructed).
    pub fn is_empty(&self) -> bool {
        self.bands.is_empty()
    }

    /// Linear peak and valley of each band of one power frame; `scratch` is reused.
    pub fn frame(
        &self,
        power: &[f32],
        peak: &mut [f32],
        valley: &mut [f32],
        scratch: &mut Vec<f32>,
    ) {
        for (b, (range, take)) in self.bands.iter().enumerate() {
            scratch.clear();
            scratch.extend(power[range.clone()].iter().map(|&p| p.max(0.0).sqrt()));
            scratch.sort_unstable_by(f32::total_cmp);
            let take = (*take).min(scratch.len());
            let lo: f64 = scratch[..take].iter().map(|&v| v as f64).sum::<f64>() / take as f64;
            let hi: f64 = scratch[scratch.len() - take..]
                .iter()
                .map(|&v| v as f64)
                .sum::<f64>()
                / take as f64;
            valley[b] = lo as f32;
            peak[b] = hi as f32;
        }
    }

    /// Contrast from all frames' peaks and valleys (any layout, same for both):
    /// `power_to_db(peak) - power_to_db(valley)`, written into `peak`.
    pub fn finish(peak: &mut [f32], valley: &mut [f32]) {
        crate::mel::power_to_db(peak, 80.0);
        crate::mel::power_to_db(valley, 80.0);
        for (p, v) in peak.iter_mut().zip(valley.iter()) {
            *p -= v;
        }
    }
}
