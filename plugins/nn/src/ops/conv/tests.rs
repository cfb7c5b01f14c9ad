//! Unit tests of the convolution ops (gradient checks), kept apart so the ops read without them.

use super::*;
use crate::gradcheck::{check, values, Tolerance};
use crate::params::ParamStore;

/// Direct (loop) convolution, the definition.
fn direct(x: &[f64], w: &[f64], dims: [usize; 4], o: usize, s: Conv2dSpec) -> Vec<f64> {
    let [b, c, h, wd] = dims;
    let (ho, wo) = s.output(h, wd).unwrap();
    let (kh, kw) = s.kernel;
    let mut y = vec![0.0; b * o * ho * wo];
    for n in 0..b {
        for oc in 0..o {
            for oy in 0..ho {
                for ox in 0..wo {
                    let mut acc = 0.0;
                    for ic in 0..c {
                        for i in 0..kh {
                            for j in 0..kw {
                                let iy = (oy * s.stride.0 + i) as isize - s.padding.0 as isize;
                                let ix = (ox * s.stride.1 + j) as isize - s.padding.1 as isize;
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                                    continue;
                                }
                                acc += x[((n * c + ic) * h + iy as usize) * wd + ix as usize]
                                    * w[((oc * c + ic) * kh + i) * kw + j];
                            }
                        }
                    }
                    y[((n * o + oc) * ho + oy) * wo + ox] = acc;
                }
            }
        }
    }
    y
}

const SPECS: [Conv2dSpec; 3] = [
    Conv2dSpec {
        kernel: (3, 3),
        stride: (1, 1),
        padding: (1, 1),
    },
    Conv2dSpec {
        kernel: (3, 2),
        stride: (2, 1),
        padding: (0, 1),
    },
    Conv2dSpec {
        kernel: (5, 1),
        stride: (1, 1),
        padding: (2, 0),
    },
];

#[test]
fn conv2d_matches_the_direct_definition() {
    for s in SPECS {
        let dims = [3, 2, 7, 5];
        let x = values(dims.iter().product(), 1);
        let w = values(4 * 2 * s.kernel.0 * s.kernel.1, 2);
        let g = Graph::<f64>::inference();
        let xv = g.constant(x.clone(), &dims).unwrap();
        let wv = g
            .constant(w.clone(), &[4, 2, s.kernel.0, s.kernel.1])
            .unwrap();
        let y = conv2d(&g, &xv, &wv, None, s).unwrap();
        let want = direct(&x, &w, dims, 4, s);
        assert_eq!(y.len(), want.len());
        for (a, b) in y.values().iter().zip(&want) {
            assert!((a - b).abs() < 1e-12, "{s:?}: {a} vs {b}");
        }
    }
}

#[test]
fn conv2d_gradients_match_finite_differences() {
    for s in SPECS {
        let mut store = ParamStore::new();
        let w = store
            .add(
                "w",
                &[3, 2, s.kernel.0, s.kernel.1],
                values(6 * s.kernel.0 * s.kernel.1, 4),
                true,
            )
            .unwrap();
        let b = store.add("b", &[3], values(3, 5), false).unwrap();
        let x = (values(2 * 2 * 6 * 4, 6), vec![2, 2, 6, 4]);
        check(&mut store, &[x], true, Tolerance::default(), |g, p, xs| {
            conv2d(g, &xs[0], &p.var(g, w), Some(&p.var(g, b)), s)
        })
        .unwrap_or_else(|e| panic!("{s:?}: {e}"));
    }
}

#[test]
fn conv2d_is_identical_for_any_thread_count() {
    let s = SPECS[0];
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut store = ParamStore::<f32>::new();
            let w = store
                .add("w", &[8, 3, 3, 3], vec![0.1; 8 * 27], true)
                .unwrap();
            let g = Graph::train();
            let xs: Vec<f32> = (0..20 * 3 * 9 * 7)
                .map(|i| (i as f32 * 0.37).sin())
                .collect();
            let x = g.constant(xs, &[20, 3, 9, 7]).unwrap();
            let y = conv2d(&g, &x, &store.var(&g, w), None, s).unwrap();
            let loss = crate::ops::sum_all(&g, &y).unwrap();
            let mut gr = g.backward(&loss).unwrap();
            store.grad(&mut gr, w).unwrap().to_vec()
        })
    };
    assert_eq!(run(1), run(3));
}
