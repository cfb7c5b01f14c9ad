//! Saving and loading a fitted component as JSON, atomically.
//!
//! Every model and learning fusion must write what it learnt and read it back; done by hand
//! that is ~30 lines of temporary files, fsync and error mapping per plugin, and the easy
//! shortcut (writing the file in place) leaves a torn checkpoint when a run is killed. These
//! two functions are the whole of it: [`save_json`] writes `path.tmp`, syncs it and renames
//! it over `path` (readers see the old file or the new one, never half of one), and
//! [`load_json`] names the file and the component when the content is not what it expects.

use crate::{Error, Result};
use serde::{de::DeserializeOwned, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `value` as JSON to `path` atomically (through `path.tmp` and a rename).
pub fn save_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        serde_json::to_writer(&mut w, value).map_err(std::io::Error::other)?;
        w.flush()?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Read a value written by [`save_json`]; `component` names the model in the error when the
/// file holds something else.
pub fn load_json<T: DeserializeOwned>(path: &Path, component: &str) -> Result<T> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
        Error::invalid(format!(
            "{component}: {} is not a {component} model file: {e}",
            path.display()
        ))
    })
}

/// The error of a method that needs a fitted component (`predict_proba` before `fit`).
pub fn not_fitted(component: &str, method: &str) -> Error {
    Error::invalid(format!("{component}: {method} called before fit (or load)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_value_loads_back_and_a_foreign_file_is_named() {
        let dir = std::env::temp_dir().join(format!("serlab-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.json");
        save_json(&path, &vec![1.5f32, -2.0]).unwrap();
        assert!(!dir.join("m.json.tmp").exists());
        assert_eq!(load_json::<Vec<f32>>(&path, "m").unwrap(), vec![1.5, -2.0]);
        std::fs::write(&path, "{\"not\": 1}").unwrap();
        let e = load_json::<Vec<f32>>(&path, "centroid")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.json") && e.contains("not a centroid model file"),
            "{e}"
        );
        let e = load_json::<Vec<f32>>(&dir.join("absent"), "m").unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
