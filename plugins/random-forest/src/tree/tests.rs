//! Unit tests of the decision tree, kept apart so the tree reads without them.

use super::*;
use rand::SeedableRng;

fn cfg(k: usize, mtry: usize) -> TreeConfig {
    TreeConfig {
        max_depth: usize::MAX,
        min_samples_split: 2,
        min_samples_leaf: 1,
        mtry,
        criterion: Criterion::Gini,
        n_classes: k,
    }
}

#[test]
fn single_split_on_the_informative_feature() {
    // Feature 0 is constant, feature 1 separates the classes between 2 and 10.
    let m = Matrix {
        x: vec![5.0, 5.0, 5.0, 5.0, 1.0, 2.0, 10.0, 11.0],
        n: 4,
        d: 2,
    };
    let y = [0, 0, 1, 1];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let g = grow(&m, &y, &[0, 1, 2, 3], &[1.0; 4], &cfg(2, 1), &mut rng);
    assert_eq!(
        g.tree.nodes[0],
        Node::Split {
            feature: 1,
            threshold: 6.0,
            left: 1,
            right: 2
        }
    );
    assert_eq!(g.tree.leaf_distribution(&[0.0, 3.0]), &[1.0, 0.0]);
    assert_eq!(g.tree.leaf_distribution(&[0.0, 7.0]), &[0.0, 1.0]);
    // All the impurity decrease is on feature 1: 4 * 0.5 - 0 - 0.
    assert_eq!(g.importances, vec![0.0, 2.0]);
    g.tree.check(2, 2).unwrap();
}

#[test]
fn adjacent_floats_still_split() {
    let a = 1.0f32;
    let b = f32::from_bits(a.to_bits() + 1);
    let m = Matrix {
        x: vec![a, b],
        n: 2,
        d: 1,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let g = grow(&m, &[0, 1], &[0, 1], &[1.0; 2], &cfg(2, 1), &mut rng);
    assert_eq!(g.tree.leaf_distribution(&[a]), &[1.0, 0.0]);
    assert_eq!(g.tree.leaf_distribution(&[b]), &[0.0, 1.0]);
}

#[test]
fn check_rejects_cycles() {
    let t = Tree {
        nodes: vec![Node::Split {
            feature: 0,
            threshold: 0.0,
            left: 0,
            right: 0,
        }],
        leaves: vec![1.0],
        n_classes: 1,
    };
    assert!(t.check(1, 1).is_err());
}
