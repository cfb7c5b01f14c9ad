//! Checkpoints as safetensors files: one tensor per registered name (parameters and
//! buffers) with its dimensions, little-endian `F32` or `F64`, and string metadata (the
//! model's configuration), so Python reads them with `safetensors.numpy.load_file` or
//! `safetensors.torch.load_file` and a PyTorch twin of the network can load the weights.

use crate::error::{NnError, Result};
use crate::params::ParamStore;
use crate::Float;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::path::Path;

/// The metadata key that marks a serlab-nn checkpoint.
pub const FORMAT_KEY: &str = "format";
/// Its value.
pub const FORMAT: &str = "serlab-nn";

fn dtype<E: Float>() -> Dtype {
    if std::mem::size_of::<E>() == 4 {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

fn to_bytes<E: Float>(v: &[E]) -> Vec<u8> {
    let mut out = Vec::with_capacity(std::mem::size_of_val(v));
    for x in v {
        if std::mem::size_of::<E>() == 4 {
            out.extend_from_slice(&(x.f() as f32).to_le_bytes());
        } else {
            out.extend_from_slice(&x.f().to_le_bytes());
        }
    }
    out
}

/// Write every tensor of `store` and `metadata` to `path` (atomically: a temporary file
/// renamed into place).
pub fn save<E: Float>(
    store: &ParamStore<E>,
    metadata: &HashMap<String, String>,
    path: &Path,
) -> Result<()> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = store
        .ids()
        .map(|id| {
            (
                store.name(id).to_string(),
                store.dims(id).to_vec(),
                to_bytes(store.values(id)),
            )
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = bytes
        .iter()
        .map(|(n, d, b)| {
            TensorView::new(dtype::<E>(), d.clone(), b)
                .map(|v| (n.clone(), v))
                .map_err(|e| NnError::Checkpoint {
                    path: path.to_path_buf(),
                    message: format!("tensor `{n}`: {e}"),
                })
        })
        .collect::<Result<_>>()?;
    let mut meta = metadata.clone();
    meta.insert(FORMAT_KEY.into(), FORMAT.into());
    let data = safetensors::serialize(views, &Some(meta)).map_err(|e| NnError::Checkpoint {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, data).map_err(|source| NnError::Io {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| NnError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The metadata of a checkpoint file (without loading tensors into a store).
pub fn read_metadata(path: &Path) -> Result<HashMap<String, String>> {
    let data = std::fs::read(path).map_err(|source| NnError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (_, meta) = SafeTensors::read_metadata(&data).map_err(|e| NnError::Checkpoint {
        path: path.to_path_buf(),
        message: format!("not a safetensors file: {e}"),
    })?;
    let m = meta.metadata().clone().unwrap_or_default();
    if m.get(FORMAT_KEY).map(String::as_str) != Some(FORMAT) {
        return Err(NnError::Checkpoint {
            path: path.to_path_buf(),
            message: format!(
                "not a serlab-nn checkpoint (metadata `{FORMAT_KEY}` is not `{FORMAT}`)"
            ),
        });
    }
    Ok(m)
}

/// Load every tensor of `store` from `path`; names and dimensions must match exactly.
pub fn load<E: Float>(store: &mut ParamStore<E>, path: &Path) -> Result<HashMap<String, String>> {
    let meta = read_metadata(path)?;
    let data = std::fs::read(path).map_err(|source| NnError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |message: String| NnError::Checkpoint {
        path: path.to_path_buf(),
        message,
    };
    let st = SafeTensors::deserialize(&data).map_err(|e| bad(e.to_string()))?;
    let ids: Vec<_> = store.ids().collect();
    if st.len() != ids.len() {
        return Err(bad(format!(
            "{} tensors in the file, {} in the model (was it saved with other parameters?)",
            st.len(),
            ids.len()
        )));
    }
    for id in ids {
        let name = store.name(id).to_string();
        let t = st
            .tensor(&name)
            .map_err(|_| bad(format!("tensor `{name}` is missing")))?;
        if t.shape() != store.dims(id) {
            return Err(bad(format!(
                "tensor `{name}` has dimensions {:?}, the model {:?}",
                t.shape(),
                store.dims(id)
            )));
        }
        let values: Vec<E> = match t.dtype() {
            Dtype::F32 => t
                .data()
                .chunks_exact(4)
                .map(|b| E::of(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))))
                .collect(),
            Dtype::F64 => t
                .data()
                .chunks_exact(8)
                .map(|b| E::of(f64::from_le_bytes(b.try_into().expect("8 bytes"))))
                .collect(),
            other => {
                return Err(bad(format!(
                    "tensor `{name}` has dtype {other:?}, not F32/F64"
                )))
            }
        };
        store.set(id, &values)?;
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> ParamStore<f32> {
        let mut s = ParamStore::new();
        s.add(
            "conv.weight",
            &[2, 1, 3],
            vec![0.5, -1.0, 2.0, 3.25, 1e-3, -7.0],
            true,
        )
        .unwrap();
        s.add_buffer("bn.running_var", &[2], vec![1.0, 2.0])
            .unwrap();
        s
    }

    #[test]
    fn round_trips_and_refuses_other_shapes_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        let s = store();
        let meta: HashMap<String, String> = [("model".to_string(), "cnn".to_string())].into();
        save(&s, &meta, &path).unwrap();
        let mut t = store();
        t.set(t.find("conv.weight").unwrap(), &[0.0; 6]).unwrap();
        let m = load(&mut t, &path).unwrap();
        assert_eq!(m["model"], "cnn");
        assert_eq!(t.snapshot(), s.snapshot());

        let mut other = ParamStore::<f32>::new();
        other
            .add("conv.weight", &[3, 2], vec![0.0; 6], true)
            .unwrap();
        other
            .add_buffer("bn.running_var", &[2], vec![0.0; 2])
            .unwrap();
        let e = load(&mut other, &path).unwrap_err().to_string();
        assert!(e.contains("conv.weight") && e.contains("[2, 1, 3]"), "{e}");

        std::fs::write(dir.path().join("x"), b"not a checkpoint").unwrap();
        let e = load(&mut t, &dir.path().join("x")).unwrap_err().to_string();
        assert!(e.contains("not a safetensors file"), "{e}");
    }

    /// The file must load in Python's `safetensors` (the reference reader).
    #[test]
    fn python_safetensors_reads_the_file() {
        let py = std::env::var("SERLAB_PYTHON").unwrap_or_else(|_| "/work/pyenv/bin/python".into());
        let ok = std::process::Command::new(&py)
            .args(["-c", "import safetensors.numpy, numpy"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            println!("SKIPPED python_safetensors_reads_the_file: no Python with safetensors and numpy at {py} (set SERLAB_PYTHON)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        save(&store(), &HashMap::new(), &path).unwrap();
        let script = "import sys, numpy as np\nfrom safetensors.numpy import load_file\nfrom safetensors import safe_open\nt = load_file(sys.argv[1])\nw = t['conv.weight']\nassert w.dtype == np.float32 and w.shape == (2, 1, 3), (w.dtype, w.shape)\nassert np.array_equal(w.ravel(), np.array([0.5, -1.0, 2.0, 3.25, 1e-3, -7.0], dtype=np.float32))\nassert t['bn.running_var'].tolist() == [1.0, 2.0]\nwith safe_open(sys.argv[1], 'np') as f:\n    assert f.metadata()['format'] == 'serlab-nn'\nprint('ok')\n";
        let out = std::process::Command::new(&py)
            .args(["-c", script, path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
