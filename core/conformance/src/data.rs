//! Synthetic data: small, separable, the same on every machine (a fixed xorshift stream).

use serlab_api::{Audio, Features, LabeledSet};

/// The input kinds a model may take; the suite finds the one it fits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InputKind {
    Vector,
    Frames,
    Text,
}

impl InputKind {
    pub(crate) const ALL: [InputKind; 3] = [InputKind::Vector, InputKind::Frames, InputKind::Text];

    pub(crate) fn label(self) -> &'static str {
        match self {
            InputKind::Vector => "vector",
            InputKind::Frames => "frames",
            InputKind::Text => "text",
        }
    }
}

/// Uniform numbers in [-1, 1) from a seeded xorshift.
pub(crate) struct Noise(u64);

impl Noise {
    pub(crate) fn new(seed: u64) -> Self {
        Noise(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub(crate) fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// `seconds` of a voiced-like signal (a 150 Hz tone with harmonics, an envelope and noise).
pub(crate) fn audio(sample_rate: u32, seconds: f32, seed: u64) -> Audio {
    let mut noise = Noise::new(seed);
    let n = (sample_rate as f32 * seconds) as usize;
    let sr = sample_rate as f32;
    let samples = (0..n)
        .map(|i| {
            let t = i as f32 / sr;
            let env = 0.5 + 0.5 * (2.0 * std::f32::consts::PI * 3.0 * t).sin();
            let tone: f32 = (1..4)
                .map(|h| (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32)
                .sum();
            0.3 * env * tone + 0.01 * noise.next()
        })
        .collect();
    Audio {
        samples,
        sample_rate,
    }
}

/// Values per vector; frames are wider (40, as log-mel bands), since convolutional models
/// pool the feature axis and need room for it.
const DIM: usize = 6;
const FRAME_DIM: usize = 40;
const FRAMES: usize = 32;
const WORDS: [&[&str]; 3] = [
    &["happy", "joy", "great", "wonderful", "smile"],
    &["sad", "tears", "sorry", "lonely", "loss"],
    &["angry", "furious", "hate", "mad", "shout"],
];

/// A labelled set, owned; [`Set::view`] lends it as a [`LabeledSet`].
pub(crate) struct Set {
    pub(crate) inputs: Vec<Features>,
    pub(crate) labels: Vec<usize>,
    pub(crate) speakers: Vec<String>,
    pub(crate) classes: Vec<String>,
}

impl Set {
    /// `per_class` utterances of each of three classes, of `kind`, over four speakers.
    pub(crate) fn new(kind: InputKind, per_class: usize, seed: u64) -> Set {
        let mut noise = Noise::new(seed);
        let mut inputs = Vec::new();
        let mut labels = Vec::new();
        let mut speakers = Vec::new();
        for i in 0..per_class * 3 {
            let class = i % 3;
            let row = |noise: &mut Noise, dim: usize| -> Vec<f32> {
                (0..dim)
                    .map(|d| if d % 3 == class { 2.0 } else { 0.0 } + 0.5 * noise.next())
                    .collect()
            };
            inputs.push(match kind {
                InputKind::Vector => Features::Vector(row(&mut noise, DIM)),
                InputKind::Frames => Features::Frames {
                    frames: FRAMES,
                    dim: FRAME_DIM,
                    data: (0..FRAMES)
                        .flat_map(|_| row(&mut noise, FRAME_DIM))
                        .collect(),
                },
                InputKind::Text => {
                    let w = WORDS[class];
                    let pick = |n: &mut Noise| w[((n.next() + 1.0) * 2.49) as usize];
                    Features::Text(format!(
                        "well i am {} and {} today",
                        pick(&mut noise),
                        pick(&mut noise)
                    ))
                }
            });
            labels.push(class);
            speakers.push(format!("spk{}", i % 4));
        }
        Set {
            inputs,
            labels,
            speakers,
            classes: ["anger", "happiness", "sadness"].map(String::from).to_vec(),
        }
    }

    /// Run `f` on this set as a [`LabeledSet`] (and its speaker list).
    pub(crate) fn view<R>(&self, f: impl FnOnce(&LabeledSet<'_>) -> R) -> R {
        let inputs: Vec<&Features> = self.inputs.iter().collect();
        let speakers: Vec<&str> = self.speakers.iter().map(String::as_str).collect();
        let vad = vec![None; self.labels.len()];
        f(&LabeledSet {
            inputs: &inputs,
            labels: &self.labels,
            speakers: &speakers,
            vad: &vad,
            classes: &self.classes,
            aux: &[],
        })
    }

    pub(crate) fn refs(&self) -> Vec<&Features> {
        self.inputs.iter().collect()
    }
}

/// Per member, per utterance, per class probabilities leaning towards `labels` (members of
/// unequal skill), rows summing to 1.
pub(crate) fn member_probs(labels: &[usize], classes: usize, members: usize) -> Vec<Vec<Vec<f32>>> {
    let mut noise = Noise::new(11);
    (0..members)
        .map(|m| {
            labels
                .iter()
                .map(|&y| {
                    let mut row: Vec<f32> = (0..classes)
                        .map(|c| {
                            let bump = if c == y { 1.5 / (m + 1) as f32 } else { 0.0 };
                            (bump + noise.next()).exp()
                        })
                        .collect();
                    let s: f32 = row.iter().sum();
                    row.iter_mut().for_each(|p| *p /= s);
                    row
                })
                .collect()
        })
        .collect()
}
