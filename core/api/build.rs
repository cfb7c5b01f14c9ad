//! Records what a plugin must share with the host to be ABI-compatible: the rustc that
//! compiled this copy of serlab-api and a hash of serlab-api's source (the interface).
//!
//! Only this crate is hashed: the engine (corpora, runner, run folders) is not part of
//! what crosses the boundary, so editing it leaves built plugins loadable. Comments and
//! blank space are left out of the hash, so a reworded doc comment does not refuse every
//! plugin either; any change to a token does.
use std::{env, fs, path::Path, process::Command};

/// `src` without `//` comments (doc comments included) and without whitespace runs, so the
/// hash follows the tokens. String literals are kept as they are.
fn tokens_only(src: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    for line in src.lines() {
        let mut in_str = false;
        let mut prev = '\0';
        let mut kept = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            }
            if !in_str && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            kept.push(c);
            prev = c;
        }
        let t = kept.split_whitespace().collect::<Vec<_>>().join(" ");
        if !t.is_empty() {
            out.extend_from_slice(t.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

fn hash_dir(root: &Path, dir: &Path, h: &mut u64) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("serlab-api/src is readable")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            hash_dir(root, &p, h);
        } else if p.extension().is_some_and(|e| e == "rs") {
            println!("cargo:rerun-if-changed={}", p.display());
            let text = fs::read_to_string(&p).expect("serlab-api source is UTF-8");
            // FNV-1a over the relative path and the tokens: stable across machines.
            let rel = p.strip_prefix(root).unwrap_or(&p);
            for b in rel.to_string_lossy().bytes().chain(tokens_only(&text)) {
                *h ^= u64::from(b);
                *h = h.wrapping_mul(0x100_0000_01b3);
            }
        }
    }
}

fn main() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown rustc".into());
    println!("cargo:rustc-env=SERLAB_RUSTC_VERSION={version}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    hash_dir(root, &root.join("src"), &mut h);
    println!("cargo:rustc-env=SERLAB_INTERFACE_HASH={h:016x}");
    println!("cargo:rerun-if-changed=build.rs");
}
