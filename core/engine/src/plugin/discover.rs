//! Finding plugin libraries: by what they export, not by what they are called.
//!
//! A plugin is any shared library that exports `serlab_plugin_declaration`, whatever its
//! file name, so an author may call their crate anything. Folders that hold plugins also
//! hold other libraries (cargo's `target/<profile>/deps` has every proc-macro of the build),
//! and opening a library runs its initialisers, so a library is opened only when its bytes
//! name the declaration symbol at all: every object format (ELF, Mach-O, PE) keeps exported
//! names as plain strings. The rest are skipped without a word; they are not plugins.
//!
//! The same library is often found twice: cargo hard-links each cdylib into both
//! `target/<profile>/` and `target/<profile>/deps/`, and both are search folders. Identical
//! contents mean one plugin, not a clash, so the loader compares [`digest`]s before it
//! warns that two libraries declare one name.

use std::path::{Path, PathBuf};

/// The exported symbol every plugin has (written by `serlab_api::export_plugin!`).
pub const DECLARATION_SYMBOL: &str = "serlab_plugin_declaration";

/// Where plugins are looked for: next to the executable (and cargo's `deps/` beside it),
/// every folder of `SERLAB_PLUGIN_PATH`, then `extra` (from the experiment file).
pub fn search_dirs(extra: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            dirs.push(dir.to_path_buf());
            if dir.file_name().is_some_and(|n| n == "deps") {
                if let Some(up) = dir.parent() {
                    dirs.push(up.to_path_buf());
                }
            } else {
                dirs.push(dir.join("deps"));
            }
        }
    }
    if let Some(p) = std::env::var_os("SERLAB_PLUGIN_PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    dirs.extend(extra.iter().cloned());
    dirs
}

/// True for a file with this platform's shared-library suffix (`.so`, `.dylib`, `.dll`).
fn is_shared_library(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(std::env::consts::DLL_SUFFIX))
}

/// Whether the library's bytes contain the declaration symbol's name; a cheap test made
/// without loading (and so without running) the library.
pub fn names_declaration(path: &Path) -> bool {
    std::fs::read(path)
        .is_ok_and(|bytes| memchr::memmem::find(&bytes, DECLARATION_SYMBOL.as_bytes()).is_some())
}

/// Candidate plugin libraries: for each folder, its shared libraries that name the
/// declaration symbol, in file-name order; a path that is a file is taken as it is (the
/// user named it, so the loader must say why it is not a plugin).
pub fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
            continue;
        }
        let Ok(rd) = std::fs::read_dir(p) else {
            continue;
        };
        let mut found: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|f| is_shared_library(f) && f.is_file() && names_declaration(f))
            .collect();
        found.sort();
        out.extend(found);
    }
    out
}

/// A hash of a library file's contents: equal digests are the same library found twice.
pub fn digest(path: &Path) -> Option<[u8; 32]> {
    let bytes = std::fs::read(path).ok()?;
    Some(*blake3::hash(&bytes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_libraries_naming_the_declaration_are_candidates() {
        let dir = tempfile::tempdir().unwrap();
        let lib = |name: &str| {
            dir.path()
                .join(format!("{name}{}", std::env::consts::DLL_SUFFIX))
        };
        std::fs::write(
            lib("libany_name"),
            b"\x7fELF...serlab_plugin_declaration\0...",
        )
        .unwrap();
        std::fs::write(lib("libproc_macro_thing"), b"\x7fELF... other symbols").unwrap();
        std::fs::write(dir.path().join("notes.txt"), DECLARATION_SYMBOL).unwrap();
        let found = discover(&[dir.path().to_path_buf()]);
        assert_eq!(found, vec![lib("libany_name")]);
        // A file named explicitly is always a candidate.
        let named = dir.path().join("notes.txt");
        assert_eq!(discover(std::slice::from_ref(&named)), vec![named.clone()]);
        assert_eq!(digest(&named), digest(&named));
        assert_ne!(digest(&named), digest(&lib("libany_name")));
    }
}
