//! Top-k accuracy: the share of utterances whose reference class is among the `k` most
//! probable classes. Ties are broken as [`super::argmax`] breaks them (the lower class index
//! ranks first), so top-1 accuracy equals WA exactly.

/// Whether `label` is among the `k` most probable classes of `probs`.
pub fn in_top_k(probs: &[f32], label: usize, k: usize) -> bool {
    let p = probs[label];
    let ahead = probs
        .iter()
        .enumerate()
        .filter(|&(i, &q)| q > p || (q == p && i < label))
        .count();
    ahead < k
}

/// Top-k accuracy over utterances (0 for none).
pub fn top_k_accuracy<'a>(rows: impl IntoIterator<Item = (&'a [f32], usize)>, k: usize) -> f64 {
    let (mut hit, mut n) = (0usize, 0usize);
    for (p, label) in rows {
        n += 1;
        hit += usize::from(in_top_k(p, label, k));
    }
    if n == 0 {
        0.0
    } else {
        hit as f64 / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_counted_top_k() {
        // Reference ranks: utterance 0 rank 1, 1 rank 2, 2 rank 3, 3 rank 1.
        let probs = [
            vec![0.7, 0.2, 0.1],
            vec![0.5, 0.3, 0.2],
            vec![0.6, 0.3, 0.1],
            vec![0.1, 0.1, 0.8],
        ];
        let labels = [0, 1, 2, 2];
        let rows = || probs.iter().map(Vec::as_slice).zip(labels);
        assert_eq!(top_k_accuracy(rows(), 1), 0.5);
        assert_eq!(top_k_accuracy(rows(), 2), 0.75);
        assert_eq!(top_k_accuracy(rows(), 3), 1.0);
    }

    #[test]
    fn ties_rank_like_argmax() {
        // Classes 0 and 1 tie: argmax picks 0, so 0 is top-1 and 1 is not.
        let p = [0.4, 0.4, 0.2];
        assert!(in_top_k(&p, 0, 1));
        assert!(!in_top_k(&p, 1, 1));
        assert!(in_top_k(&p, 1, 2));
        assert_eq!(crate::metrics::argmax(&p), 0);
    }
}
