//! Unit tests of the graph (gradient checks), kept apart so the graph reads without them.

use super::*;
use crate::gradcheck::{check, values, Tolerance};
use crate::params::ParamStore;

/// dfdx ops (here `tanh` and a scalar product) on a var, through the bridge, get
/// the right gradient, and so does the var the bridge started from.
#[test]
fn dfdx_ops_through_the_bridge_have_correct_gradients() {
    let mut store = ParamStore::new();
    let x = (values(6, 1), vec![2, 3]);
    check(&mut store, &[x], true, Tolerance::default(), |g, _, xs| {
        let t = g.to_dfdx(&xs[0]);
        let t = dfdx::tensor_ops::tanh(t) * 2.0;
        let y = g.from_dfdx(t, &[2, 3])?;
        crate::ops::relu(g, &y)
    })
    .unwrap();
}

#[test]
fn a_value_used_twice_gets_both_gradients_and_inference_records_nothing() {
    let g = Graph::<f64>::train();
    let x = g.leaf(vec![1.0, 2.0], &[2]).unwrap();
    let y = crate::ops::add(&g, &x, &x).unwrap();
    let l = crate::ops::sum_all(&g, &y).unwrap();
    let mut grads = g.backward(&l).unwrap();
    assert_eq!(grads.of(&x).unwrap(), &[2.0, 2.0]);

    let g = Graph::<f64>::inference();
    let x = g.leaf(vec![1.0], &[1]).unwrap();
    assert!(!x.requires_grad());
    assert!(g.backward(&x).is_err());
}
