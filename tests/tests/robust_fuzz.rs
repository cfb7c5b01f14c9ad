//! The fuzz targets' entry functions (`fuzz/src/lib.rs`, compiled in here unchanged) run on
//! stable Rust over the committed seed corpus (`fuzz/seeds/<target>/`) and deterministic
//! mutations of it, about a second per target. Long runs use cargo-fuzz (docs/guarantees.md);
//! this keeps CI exercising the same code paths without a nightly toolchain. A panic, an
//! abort or an allocation the machine cannot hold fails the test binary.

#[path = "../../fuzz/src/lib.rs"]
mod entries;

use std::time::{Duration, Instant};

/// xorshift64*: deterministic, so a failure here reproduces on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Values that break size arithmetic, written as little-endian u32 (WAV header fields) or
/// as text (TOML, CSV, JSON numbers).
const INTERESTING: [u32; 8] = [
    0,
    1,
    2,
    255,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
];
const TEXT: [&str; 10] = [
    "nan",
    "inf",
    "-1",
    "1e308",
    "9223372036854775807",
    "\"",
    "[",
    "{",
    ",",
    "\n",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 if b.len() >= 4 => {
                let i = at.min(b.len() - 4);
                let v = INTERESTING[rng.below(INTERESTING.len())];
                b[i..i + 4].copy_from_slice(&v.to_le_bytes());
            }
            2 => {
                let t = TEXT[rng.below(TEXT.len())];
                b.splice(at..at, t.bytes());
            }
            3 => b.truncate(at),
            4 if !b.is_empty() => {
                let end = (at + rng.below(16)).min(b.len());
                b.drain(at.min(end)..end);
            }
            _ => {
                let i = rng.below(b.len() + 1);
                let chunk: Vec<u8> = b[i.min(b.len())..].iter().take(32).copied().collect();
                b.splice(at..at, chunk);
            }
        }
    }
    b
}

fn exercise(target: &str, entry: fn(&[u8])) {
    let dir = serlab_tests::repo().join("fuzz/seeds").join(target);
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    for s in &seeds {
        entry(s);
    }
    let mut rng = Rng(0x5EED_0000 + target.len() as u64);
    let t0 = Instant::now();
    let mut n = 0;
    while t0.elapsed() < Duration::from_millis(1200) && n < 20_000 {
        let seed = &seeds[rng.below(seeds.len())];
        entry(&mutate(&mut rng, seed));
        n += 1;
    }
    assert!(n > 50, "{target}: only {n} inputs in the time budget");
}

#[test]
fn fuzz_seeds_audio() {
    exercise("audio", entries::audio);
}

#[test]
fn fuzz_seeds_manifest() {
    exercise("manifest", entries::manifest);
}

#[test]
fn fuzz_seeds_experiment() {
    exercise("experiment", entries::experiment);
}

#[test]
fn fuzz_seeds_run_folder() {
    exercise("run_folder", entries::run_folder);
}
