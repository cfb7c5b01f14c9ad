//! Statistical functionals of one low-level-descriptor contour.
//!
//! Everything is computed in `f64` and is finite for any finite input, including empty
//! and constant contours (whose standard deviation, skewness, kurtosis and slope are 0).

/// One functional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    /// Arithmetic mean.
    Mean,
    /// Population standard deviation.
    Std,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
    /// Maximum minus minimum.
    Range,
    /// Percentile, linear interpolation between order statistics (`numpy.percentile`).
    Pct(u8),
    /// Skewness, biased (`scipy.stats.skew`).
    Skew,
    /// Excess kurtosis, biased (`scipy.stats.kurtosis`).
    Kurt,
    /// Least-squares slope against the frame index, per frame.
    Slope,
    /// Intercept of the least-squares line (value at frame 0).
    Offset,
    /// Mean squared error of the least-squares line.
    LinErr,
    /// Difference of two percentiles, `Iqr(a, b) = Pct(b) - Pct(a)`.
    Iqr(u8, u8),
    /// Root quadratic mean, `sqrt(mean(x^2))`.
    Rqmean,
    /// Position of the (first) maximum, as a fraction of the contour length.
    RelPosMax,
    /// Position of the (first) minimum, as a fraction of the contour length.
    RelPosMin,
    /// Fraction of frames above `min + p% * range` (ComParE's up-level time).
    UpLevel(u8),
    /// Fraction of frame-to-frame steps that rise.
    RiseTime,
    /// Fraction of frame-to-frame steps that fall.
    FallTime,
    /// Local maxima (`x[t-1] < x[t] >= x[t+1]`) per frame.
    PeakRate,
    /// Mean of the local maxima minus the contour mean (0 without maxima).
    PeakMeanRel,
    /// Mean absolute frame-to-frame change.
    MeanAbsDelta,
    /// Coefficient of variation, `std / |mean|` (0 when the mean is 0).
    Cov,
}

impl Stat {
    /// Suffix used in column names (`mean`, `p25`, `slope`).
    pub fn name(self) -> String {
        match self {
            Stat::Mean => "mean".into(),
            Stat::Std => "std".into(),
            Stat::Min => "min".into(),
            Stat::Max => "max".into(),
            Stat::Range => "range".into(),
            Stat::Pct(p) => format!("p{p}"),
            Stat::Skew => "skew".into(),
            Stat::Kurt => "kurt".into(),
            Stat::Slope => "slope".into(),
            Stat::Offset => "offset".into(),
            Stat::LinErr => "linerr".into(),
            Stat::Iqr(a, b) => format!("iqr{a}_{b}"),
            Stat::Rqmean => "rqmean".into(),
            Stat::RelPosMax => "posmax".into(),
            Stat::RelPosMin => "posmin".into(),
            Stat::UpLevel(p) => format!("uplevel{p}"),
            Stat::RiseTime => "risetime".into(),
            Stat::FallTime => "falltime".into(),
            Stat::PeakRate => "peakrate".into(),
            Stat::PeakMeanRel => "peakmeanrel".into(),
            Stat::MeanAbsDelta => "meanabsdelta".into(),
            Stat::Cov => "cov".into(),
        }
    }
}

/// Percentile `q` (0..=100) of sorted values, as `numpy.percentile(..., method='linear')`.
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let pos = (q / 100.0).clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        }
    }
}

/// Least-squares slope of `x` against its index; 0 for fewer than two values.
pub fn slope(x: &[f64]) -> f64 {
    let n = x.len();
    if n < 2 {
        return 0.0;
    }
    let ibar = (n - 1) as f64 / 2.0;
    let xbar = x.iter().sum::<f64>() / n as f64;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        let di = i as f64 - ibar;
        num += di * (v - xbar);
        den += di * di;
    }
    num / den
}

/// Computes functionals, reusing its buffers between contours.
#[derive(Debug, Default)]
pub struct Functionals {
    values: Vec<f64>,
    sorted: Vec<f64>,
}

impl Functionals {
    /// Append `stats` of `contour` to `out`, in order.
    pub fn compute(&mut self, contour: &[f32], stats: &[Stat], out: &mut Vec<f32>) {
        self.values.clear();
        self.values.extend(
            contour
                .iter()
                .map(|&v| if v.is_finite() { v as f64 } else { 0.0 }),
        );
        let x = &self.values;
        let n = x.len();
        if n == 0 {
            out.extend(stats.iter().map(|_| 0.0));
            return;
        }
        let mean = x.iter().sum::<f64>() / n as f64;
        let m2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        let std = m2.sqrt();
        // Rounding noise on a constant contour must not turn into huge moments.
        let flat = std <= 1e-9 * mean.abs().max(1e-3);
        let (skew, kurt) = if flat {
            (0.0, 0.0)
        } else {
            let m3 = x.iter().map(|v| (v - mean).powi(3)).sum::<f64>() / n as f64;
            let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n as f64;
            (m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
        };
        let needs_sort = stats.iter().any(|s| {
            matches!(
                s,
                Stat::Pct(_)
                    | Stat::Min
                    | Stat::Max
                    | Stat::Range
                    | Stat::Iqr(..)
                    | Stat::UpLevel(_)
            )
        });
        // Line fit, lazily: (slope, offset, mean squared error).
        let line = || -> (f64, f64, f64) {
            let b = if flat { 0.0 } else { slope(x) };
            let a = mean - b * (n - 1) as f64 / 2.0;
            let err = x
                .iter()
                .enumerate()
                .map(|(i, v)| (v - a - b * i as f64).powi(2))
                .sum::<f64>()
                / n as f64;
            (b, a, err)
        };
        let peaks = || -> (usize, f64) {
            let (mut count, mut sum) = (0usize, 0.0f64);
            for t in 1..n.saturating_sub(1) {
                if x[t - 1] < x[t] && x[t] >= x[t + 1] {
                    count += 1;
                    sum += x[t];
                }
            }
            (count, sum)
        };
        let steps = (n - 1).max(1) as f64;
        if needs_sort {
            self.sorted.clear();
            self.sorted.extend_from_slice(x);
            self.sorted.sort_by(f64::total_cmp);
        }
        let s = &self.sorted;
        for stat in stats {
            let v = match *stat {
                Stat::Mean => mean,
                Stat::Std => std,
                Stat::Min => s[0],
                Stat::Max => s[n - 1],
                Stat::Range => s[n - 1] - s[0],
                Stat::Pct(q) => percentile_sorted(s, q as f64),
                Stat::Skew => skew,
                Stat::Kurt => kurt,
                Stat::Slope => {
                    if flat {
                        0.0
                    } else {
                        slope(x)
                    }
                }
                Stat::Offset => line().1,
                Stat::LinErr => line().2,
                Stat::Iqr(a, b) => percentile_sorted(s, b as f64) - percentile_sorted(s, a as f64),
                Stat::Rqmean => (x.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt(),
                Stat::RelPosMax => {
                    let i = (0..n).fold(0, |b, i| if x[i] > x[b] { i } else { b });
                    i as f64 / n as f64
                }
                Stat::RelPosMin => {
                    let i = (0..n).fold(0, |b, i| if x[i] < x[b] { i } else { b });
                    i as f64 / n as f64
                }
                Stat::UpLevel(p) => {
                    let level = s[0] + (s[n - 1] - s[0]) * p as f64 / 100.0;
                    if s[n - 1] > s[0] {
                        x.iter().filter(|&&v| v > level).count() as f64 / n as f64
                    } else {
                        0.0
                    }
                }
                Stat::RiseTime => x.windows(2).filter(|w| w[1] > w[0]).count() as f64 / steps,
                Stat::FallTime => x.windows(2).filter(|w| w[1] < w[0]).count() as f64 / steps,
                Stat::PeakRate => peaks().0 as f64 / n as f64,
                Stat::PeakMeanRel => {
                    let (c, sum) = peaks();
                    if c > 0 {
                        sum / c as f64 - mean
                    } else {
                        0.0
                    }
                }
                Stat::MeanAbsDelta => {
                    x.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / steps
                }
                Stat::Cov => {
                    if mean.abs() > 1e-12 {
                        std / mean.abs()
                    } else {
                        0.0
                    }
                }
            };
            out.push(if v.is_finite() { v as f32 } else { 0.0 });
        }
    }
}

/// Every functional, in the order the `functionals` extractor writes them.
pub const ALL: &[Stat] = &[
    Stat::Mean,
    Stat::Std,
    Stat::Min,
    Stat::Max,
    Stat::Range,
    Stat::Pct(1),
    Stat::Pct(25),
    Stat::Pct(50),
    Stat::Pct(75),
    Stat::Pct(99),
    Stat::Skew,
    Stat::Kurt,
    Stat::Slope,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn run(x: &[f32]) -> Vec<f32> {
        let mut out = vec![];
        Functionals::default().compute(x, ALL, &mut out);
        out
    }

    #[test]
    fn known_sequence() {
        // x = [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, population std 2 (textbook example).
        // numpy.percentile(x, [1, 25, 50, 75, 99]) = [2.14, 4, 4.5, 5.5, 8.86].
        // scipy.stats.skew = 0.65625, scipy.stats.kurtosis = -0.21875.
        // Slope vs index: sum((i - 3.5)(x - 5)) / sum((i - 3.5)^2) = 34 / 42.
        let v = run(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        let want = [
            5.0,
            2.0,
            2.0,
            9.0,
            7.0,
            2.14,
            4.0,
            4.5,
            5.5,
            8.86,
            0.65625,
            -0.21875,
            34.0 / 42.0,
        ];
        for (i, (a, b)) in v.iter().zip(want).enumerate() {
            assert!((a - b).abs() < 1e-5, "{:?}: {a} vs {b}", ALL[i]);
        }
    }

    #[test]
    fn contour_functionals() {
        // x = [1, 3, 2, 5, 4]: q1 2, median 3, q3 4; line fit y = 1.4 + 0.8 t with
        // residuals [-0.4, 0.8, -1, 1.2, -0.6] (MSE 0.72); peaks at t = 1 (3) and t = 3 (5);
        // mean absolute step (2 + 1 + 3 + 1) / 4.
        let x = [1.0f32, 3.0, 2.0, 5.0, 4.0];
        let stats = [
            Stat::Iqr(25, 75),
            Stat::Offset,
            Stat::LinErr,
            Stat::Rqmean,
            Stat::RelPosMax,
            Stat::RelPosMin,
            Stat::UpLevel(50),
            Stat::RiseTime,
            Stat::FallTime,
            Stat::PeakRate,
            Stat::PeakMeanRel,
            Stat::MeanAbsDelta,
            Stat::Cov,
        ];
        let mut v = vec![];
        Functionals::default().compute(&x, &stats, &mut v);
        let rq = (55.0f64 / 5.0).sqrt() as f32;
        let cov = (2.0f32).sqrt() / 3.0;
        let want = [
            2.0, 1.4, 0.72, rq, 0.6, 0.0, 0.4, 0.5, 0.5, 0.4, 1.0, 1.75, cov,
        ];
        for (i, (a, b)) in v.iter().zip(want).enumerate() {
            assert!((a - b).abs() < 1e-5, "{:?}: {a} vs {b}", stats[i]);
        }
        // Empty and constant contours: all defined.
        let mut v = vec![];
        Functionals::default().compute(&[], &stats, &mut v);
        assert!(v.iter().all(|&a| a == 0.0));
        let mut v = vec![];
        Functionals::default().compute(&[2.0; 7], &stats, &mut v);
        assert!(v.iter().all(|a| a.is_finite()));
    }

    #[test]
    fn linear_ramp_slope() {
        let x: Vec<f32> = (0..50).map(|i| 3.0 - 0.5 * i as f32).collect();
        let v = run(&x);
        assert!((v[12] + 0.5).abs() < 1e-6);
        assert!(v[10].abs() < 1e-6); // symmetric: no skew
    }

    #[test]
    fn degenerate_inputs_are_finite() {
        for x in [vec![], vec![1.0f32], vec![-100.0; 30], vec![f32::NAN, 1.0]] {
            let v = run(&x);
            assert_eq!(v.len(), ALL.len());
            assert!(v.iter().all(|a| a.is_finite()), "{x:?}: {v:?}");
        }
        let v = run(&[-100.0; 30]);
        assert_eq!(v[0], -100.0);
        assert_eq!(&v[10..], &[0.0, 0.0, 0.0]);
    }
}
