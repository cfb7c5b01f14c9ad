//! libsvm's SMO solver for one binary C-SVC, without shrinking.
//!
//! Minimises `½ αᵀQα − Σα` subject to `yᵀα = 0`, `0 ≤ α_i ≤ C_i`, where
//! `Q_ij = y_i y_j K(x_i, x_j)`, choosing each working pair by the second-order rule of Fan,
//! Chen and Lin (2005, "WSS 3") and stopping when the maximal violation is below `eps`: the
//! same iterates as libsvm 3.x's `Solver` (shrinking only changes which rows are scanned,
//! not the optimum). The bias is libsvm's `calculate_rho`.

/// libsvm's `TAU`: the curvature used when the pair's is not positive.
const TAU: f64 = 1e-12;

/// One binary problem over rows `idx` of a Gram matrix.
pub struct Problem<'a> {
    /// Kernel values, row-major, `stride × stride`.
    pub gram: &'a [f64],
    /// Row length of `gram`.
    pub stride: usize,
    /// The rows (into `gram`) of this problem's samples.
    pub idx: &'a [usize],
    /// +1 or −1 per sample.
    pub y: &'a [f64],
    /// Box bound for the +1 class and for the −1 class.
    pub c_pos: f64,
    /// Box bound for the −1 class.
    pub c_neg: f64,
}

/// The solution: `α_i y_i` per sample and the bias `rho` (decision = `Σ coef K − rho`).
pub struct Solution {
    /// `α_i y_i` per sample of the problem.
    pub coef: Vec<f64>,
    /// libsvm's `rho`.
    pub rho: f64,
}

impl Problem<'_> {
    fn k(&self, a: usize, b: usize) -> f64 {
        self.gram[self.idx[a] * self.stride + self.idx[b]]
    }

    fn q(&self, a: usize, b: usize) -> f64 {
        self.y[a] * self.y[b] * self.k(a, b)
    }

    fn c(&self, a: usize) -> f64 {
        if self.y[a] > 0.0 {
            self.c_pos
        } else {
            self.c_neg
        }
    }

    /// Solve to violation `eps` in at most `max_iter` iterations; `halt` is polled every
    /// thousand iterations and ends the solve with `None`.
    // Index loops as libsvm's, so the code can be checked against it line by line.
    #[allow(clippy::needless_range_loop)]
    pub fn solve(&self, eps: f64, max_iter: usize, halt: &dyn Fn() -> bool) -> Option<Solution> {
        let l = self.idx.len();
        let mut alpha = vec![0.0f64; l];
        let mut g = vec![-1.0f64; l];
        let qd: Vec<f64> = (0..l).map(|i| self.k(i, i)).collect();
        let upper = |a: &[f64], i: usize| a[i] >= self.c(i);
        let lower = |a: &[f64], i: usize| a[i] <= 0.0;
        for iter in 0..max_iter {
            if iter % 1000 == 999 && halt() {
                return None;
            }
            // Working set selection (WSS 3).
            let (mut gmax, mut gmax_idx) = (f64::NEG_INFINITY, None);
            for t in 0..l {
                if self.y[t] > 0.0 {
                    if !upper(&alpha, t) && -g[t] >= gmax {
                        gmax = -g[t];
                        gmax_idx = Some(t);
                    }
                } else if !lower(&alpha, t) && g[t] >= gmax {
                    gmax = g[t];
                    gmax_idx = Some(t);
                }
            }
            let (mut gmax2, mut gmin_idx, mut obj_min) = (f64::NEG_INFINITY, None, f64::INFINITY);
            if let Some(i) = gmax_idx {
                for j in 0..l {
                    let (grad_diff, quad) = if self.y[j] > 0.0 {
                        if lower(&alpha, j) {
                            continue;
                        }
                        gmax2 = gmax2.max(g[j]);
                        (gmax + g[j], qd[i] + qd[j] - 2.0 * self.y[i] * self.q(i, j))
                    } else {
                        if upper(&alpha, j) {
                            continue;
                        }
                        gmax2 = gmax2.max(-g[j]);
                        (gmax - g[j], qd[i] + qd[j] + 2.0 * self.y[i] * self.q(i, j))
                    };
                    if grad_diff > 0.0 {
                        let obj = -(grad_diff * grad_diff) / if quad > 0.0 { quad } else { TAU };
                        if obj <= obj_min {
                            gmin_idx = Some(j);
                            obj_min = obj;
                        }
                    }
                }
            }
            let (i, j) = match (gmax_idx, gmin_idx) {
                (Some(i), Some(j)) if gmax + gmax2 >= eps => (i, j),
                _ => break,
            };
            self.update(&mut alpha, &mut g, &qd, i, j);
        }
        Some(self.finish(&alpha, &g))
    }

    /// libsvm's two-variable update and gradient refresh.
    fn update(&self, alpha: &mut [f64], g: &mut [f64], qd: &[f64], i: usize, j: usize) {
        let (ci, cj) = (self.c(i), self.c(j));
        let (old_i, old_j) = (alpha[i], alpha[j]);
        let qij = self.q(i, j);
        if self.y[i] != self.y[j] {
            let quad = (qd[i] + qd[j] + 2.0 * qij).max(0.0);
            let delta = (-g[i] - g[j]) / if quad > 0.0 { quad } else { TAU };
            let diff = alpha[i] - alpha[j];
            alpha[i] += delta;
            alpha[j] += delta;
            if diff > 0.0 {
                if alpha[j] < 0.0 {
                    alpha[j] = 0.0;
                    alpha[i] = diff;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = -diff;
            }
            if diff > ci - cj {
                if alpha[i] > ci {
                    alpha[i] = ci;
                    alpha[j] = ci - diff;
                }
            } else if alpha[j] > cj {
                alpha[j] = cj;
                alpha[i] = cj + diff;
            }
        } else {
            let quad = (qd[i] + qd[j] - 2.0 * qij).max(0.0);
            let delta = (g[i] - g[j]) / if quad > 0.0 { quad } else { TAU };
            let sum = alpha[i] + alpha[j];
            alpha[i] -= delta;
            alpha[j] += delta;
            if sum > ci {
                if alpha[i] > ci {
                    alpha[i] = ci;
                    alpha[j] = sum - ci;
                }
            } else if alpha[j] < 0.0 {
                alpha[j] = 0.0;
                alpha[i] = sum;
            }
            if sum > cj {
                if alpha[j] > cj {
                    alpha[j] = cj;
                    alpha[i] = sum - cj;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = sum;
            }
        }
        let (di, dj) = (alpha[i] - old_i, alpha[j] - old_j);
        for (t, gt) in g.iter_mut().enumerate() {
            *gt += self.q(i, t) * di + self.q(j, t) * dj;
        }
    }

    /// `coef = α y` and libsvm's `rho`.
    fn finish(&self, alpha: &[f64], g: &[f64]) -> Solution {
        let (mut ub, mut lb, mut sum_free, mut n_free) =
            (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
        for t in 0..alpha.len() {
            let yg = self.y[t] * g[t];
            let pos = self.y[t] > 0.0;
            if alpha[t] >= self.c(t) {
                if pos {
                    lb = lb.max(yg);
                } else {
                    ub = ub.min(yg);
                }
            } else if alpha[t] <= 0.0 {
                if pos {
                    ub = ub.min(yg);
                } else {
                    lb = lb.max(yg);
                }
            } else {
                n_free += 1;
                sum_free += yg;
            }
        }
        let rho = if n_free > 0 {
            sum_free / n_free as f64
        } else {
            (ub + lb) / 2.0
        };
        Solution {
            coef: alpha.iter().zip(self.y).map(|(a, y)| a * y).collect(),
            rho,
        }
    }
}
