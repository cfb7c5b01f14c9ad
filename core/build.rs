//! Records what a plugin must share with the host to be ABI-compatible: the rustc that
//! compiled this copy of serlab-core and a hash of core's source (its public interface).
use std::{env, fs, path::Path, process::Command};

fn hash_dir(dir: &Path, h: &mut u64) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            hash_dir(&p, h);
        } else if p.extension().is_some_and(|e| e == "rs") {
            println!("cargo:rerun-if-changed={}", p.display());
            // FNV-1a over the relative path and the bytes: stable across machines.
            let rel = p.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&p);
            for b in rel.to_string_lossy().bytes().chain(fs::read(&p).unwrap()) {
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
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    hash_dir(
        Path::new(&format!("{}/src", env!("CARGO_MANIFEST_DIR"))),
        &mut h,
    );
    println!("cargo:rustc-env=SERLAB_INTERFACE_HASH={h:016x}");
    println!("cargo:rerun-if-changed=build.rs");
}
