//! Pretrained word vectors in the common text formats: GloVe (`word v1 ... vd` per line)
//! and word2vec's text format (the same after a `count dim` header line).
//!
//! Only the rows of words in the model's vocabulary are kept, so a large file costs one
//! pass and little memory. The first line fixes the dimension; every later line must give
//! a word and exactly that many numbers, else the error names the file and the line.
//! Words of the vocabulary the file lacks get random rows with the per-dimension mean and
//! standard deviation of the rows found (so they look like the rest); the padding row is
//! zero. Reading is written by hand: the formats are one `split_whitespace` each, and the
//! crates that read them (`finalfusion`) bring a storage format and dependencies this
//! does not need.

use super::vocab::{Vocab, PAD};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serlab_nn::params::normal;
use serlab_nn::{NnError, Result};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// An embedding table initialised from a vectors file.
#[derive(Clone, Debug, PartialEq)]
pub struct Pretrained {
    /// Values per word.
    pub dim: usize,
    /// `vocab.len() x dim` values, row-major.
    pub table: Vec<f32>,
    /// Vocabulary entries found in the file (the special tokens excluded).
    pub found: usize,
}

fn malformed(path: &Path, line: usize, message: String) -> NnError {
    NnError::Data(format!(
        "pretrained vectors {}, line {line}: {message}",
        path.display()
    ))
}

/// Read `path` and build the table of `vocab`; `seed` draws the rows of missing words.
pub fn load(path: &Path, vocab: &Vocab, seed: u64) -> Result<Pretrained> {
    let file = std::fs::File::open(path).map_err(|source| NnError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut dim: Option<usize> = None;
    let mut rows: Vec<Option<Vec<f32>>> = vec![None; vocab.len()];
    let mut line = String::new();
    let mut reader = BufReader::new(file);
    let mut n = 0usize;
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(|e| {
            let what = if e.kind() == std::io::ErrorKind::InvalidData {
                "is not UTF-8 text".to_string()
            } else {
                e.to_string()
            };
            malformed(path, n + 1, what)
        })?;
        if read == 0 {
            break;
        }
        n += 1;
        let mut fields = line.split_whitespace();
        let Some(word) = fields.next() else {
            continue;
        };
        let values: Vec<&str> = fields.collect();
        if n == 1 && values.len() == 1 {
            // word2vec's `count dim` header (else a one-dimensional GloVe row).
            if let (Ok(_), Ok(d)) = (word.parse::<usize>(), values[0].parse::<usize>()) {
                if d > 0 {
                    dim = Some(d);
                    continue;
                }
            }
        }
        let d = *dim.get_or_insert(values.len());
        if d == 0 || values.len() != d {
            return Err(malformed(
                path,
                n,
                format!(
                    "`{word}` has {} numbers, expected {d} (the file's dimension)",
                    values.len()
                ),
            ));
        }
        let mut v = Vec::with_capacity(d);
        for (j, s) in values.iter().enumerate() {
            match s.parse::<f32>() {
                Ok(x) if x.is_finite() => v.push(x),
                _ => {
                    return Err(malformed(
                        path,
                        n,
                        format!("value {} of `{word}` is `{s}`, not a finite number", j + 1),
                    ))
                }
            }
        }
        let id = vocab.id(word);
        if id > super::vocab::UNK && rows[id].is_none() {
            rows[id] = Some(v);
        }
    }
    let dim = dim.ok_or_else(|| malformed(path, n, "the file holds no vectors".into()))?;
    let found: Vec<&Vec<f32>> = rows.iter().flatten().collect();
    let (mut mean, mut std) = (vec![0f64; dim], vec![0.1f64; dim]);
    if found.len() >= 2 {
        let k = found.len() as f64;
        for j in 0..dim {
            let m = found.iter().map(|r| f64::from(r[j])).sum::<f64>() / k;
            let var = found
                .iter()
                .map(|r| (f64::from(r[j]) - m).powi(2))
                .sum::<f64>()
                / k;
            mean[j] = m;
            std[j] = var.sqrt().max(1e-3);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut table = vec![0f32; vocab.len() * dim];
    for (i, row) in rows.iter().enumerate() {
        let out = &mut table[i * dim..(i + 1) * dim];
        match row {
            _ if i == PAD => {}
            Some(r) => out.copy_from_slice(r),
            None => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = (mean[j] + normal(&mut rng) * std[j]) as f32;
                }
            }
        }
    }
    Ok(Pretrained {
        dim,
        table,
        found: found.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn glove_and_word2vec_rows_land_on_their_words() {
        let vocab = Vocab::build(["good bad good bad odd"], 1, 0, true);
        // ids: <pad> 0, <unk> 1, bad 2, good 3, odd 4.
        let glove = file("good 1 2\nunused 9 9\nbad -1 0.5\ngood 7 7\n");
        let p = load(glove.path(), &vocab, 0).unwrap();
        assert_eq!((p.dim, p.found), (2, 2));
        assert_eq!(&p.table[..2], &[0.0, 0.0]);
        assert_eq!(&p.table[4..8], &[-1.0, 0.5, 1.0, 2.0]);
        // `odd` is missing: a random row, seeded.
        assert!(p.table[8..10].iter().all(|v| v.is_finite() && *v != 0.0));
        assert_eq!(load(glove.path(), &vocab, 0).unwrap(), p);
        let w2v = file("2 2\ngood 1 2\nbad -1 0.5\n");
        let q = load(w2v.path(), &vocab, 0).unwrap();
        assert_eq!(&q.table[4..8], &p.table[4..8]);
    }

    #[test]
    fn malformed_files_name_the_file_and_line() {
        let vocab = Vocab::build(["good"], 1, 0, true);
        let f = file("good 1 2 3\nbad 1 2\n");
        let e = load(f.path(), &vocab, 0).unwrap_err().to_string();
        let name = f.path().display().to_string();
        assert!(
            e.contains(&name) && e.contains("line 2") && e.contains("expected 3"),
            "{e}"
        );
        let f = file("good 1 x\n");
        let e = load(f.path(), &vocab, 0).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("`x`"), "{e}");
        let f = file("\n\n");
        let e = load(f.path(), &vocab, 0).unwrap_err().to_string();
        assert!(e.contains("no vectors"), "{e}");
        let e = load(Path::new("/no/such/vectors.txt"), &vocab, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/no/such/vectors.txt"), "{e}");
    }
}
