//! Batch-level loss, kept at bounded resolution so a run of millions of steps stays as cheap
//! to hold and to draw as a run of a hundred.
//!
//! Points are means over buckets of consecutive steps. When the series is full, neighbouring
//! buckets are merged pairwise (resolution halves, the bucket size doubles), so memory and
//! drawing cost never exceed `capacity` points and every step still counts in some mean.
//! A downsampler this small is clearer written out than taken from a crate.

/// A downsampled series of `(step, loss)` means.
#[derive(Clone, Debug, PartialEq)]
pub struct Downsampled {
    capacity: usize,
    bucket: usize,
    points: Vec<(f64, f64)>,
    // The bucket being filled: sum of steps, sum of losses, count.
    pending: (f64, f64, usize),
    seen: usize,
}

impl Downsampled {
    /// A series holding at most `capacity` points (at least 2; rounded up to even).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(2).next_multiple_of(2);
        Downsampled {
            capacity,
            bucket: 1,
            points: Vec::with_capacity(capacity),
            pending: (0.0, 0.0, 0),
            seen: 0,
        }
    }

    /// Add one step's loss; non-finite losses are counted as seen but not plotted.
    pub fn push(&mut self, step: f64, loss: f64) {
        self.seen += 1;
        if !loss.is_finite() {
            return;
        }
        let p = &mut self.pending;
        p.0 += step;
        p.1 += loss;
        p.2 += 1;
        if p.2 == self.bucket {
            let n = p.2 as f64;
            self.points.push((p.0 / n, p.1 / n));
            self.pending = (0.0, 0.0, 0);
            if self.points.len() == self.capacity {
                self.halve();
            }
        }
    }

    fn halve(&mut self) {
        self.points = self
            .points
            .chunks(2)
            .map(|c| {
                let n = c.len() as f64;
                (
                    c.iter().map(|p| p.0).sum::<f64>() / n,
                    c.iter().map(|p| p.1).sum::<f64>() / n,
                )
            })
            .collect();
        self.bucket *= 2;
    }

    /// The points to draw: the full buckets, then the partial one.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let mut v = self.points.clone();
        let p = self.pending;
        if p.2 > 0 {
            let n = p.2 as f64;
            v.push((p.0 / n, p.1 / n));
        }
        v
    }

    /// Steps seen (including non-finite ones).
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// Steps averaged into one point now.
    pub fn bucket(&self) -> usize {
        self.bucket
    }
}

impl Default for Downsampled {
    fn default() -> Self {
        Downsampled::new(256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_series_is_kept_exactly() {
        let mut d = Downsampled::new(8);
        for i in 0..5 {
            d.push(i as f64, 10.0 - i as f64);
        }
        assert_eq!(
            d.points(),
            vec![(0.0, 10.0), (1.0, 9.0), (2.0, 8.0), (3.0, 7.0), (4.0, 6.0)]
        );
    }

    #[test]
    fn a_long_series_stays_bounded_and_keeps_its_mean() {
        let mut d = Downsampled::new(64);
        let n = 1_000_000;
        let mut sum = 0.0;
        for i in 0..n {
            let loss = 1.0 / (1.0 + i as f64 / 1000.0) + if i % 2 == 0 { 0.1 } else { -0.1 };
            sum += loss;
            d.push(i as f64, loss);
        }
        let pts = d.points();
        assert!(pts.len() <= 64, "{} points", pts.len());
        assert!(pts.len() >= 32, "{} points", pts.len());
        assert_eq!(d.seen(), n);
        // Full buckets all hold `bucket` steps, so their mean weighs steps equally.
        let full = n / d.bucket() * d.bucket();
        let mean_points =
            pts[..full / d.bucket()].iter().map(|p| p.1).sum::<f64>() / (full / d.bucket()) as f64;
        let exact = sum / n as f64;
        assert!(
            (mean_points - exact).abs() < 1e-3,
            "{mean_points} vs {exact}"
        );
        // Steps stay in order and the alternating ±0.1 noise is averaged away.
        assert!(pts.windows(2).all(|w| w[0].0 < w[1].0));
        let p = pts[pts.len() - 2];
        assert!((p.1 - 1.0 / (1.0 + p.0 / 1000.0)).abs() < 0.01, "{p:?}");
    }

    #[test]
    fn non_finite_losses_are_not_plotted() {
        let mut d = Downsampled::new(4);
        d.push(0.0, f64::NAN);
        d.push(1.0, 2.0);
        assert_eq!(d.points(), vec![(1.0, 2.0)]);
        assert_eq!(d.seen(), 2);
    }
}
