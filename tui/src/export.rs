//! `serlab features EXP.toml --out feats.h5`: a corpus' features in one HDF5 file, for
//! analysis outside serlab (h5py, MATLAB, R). The layout is documented in
//! `tui/FEATURES-H5.md`; [`FORMAT_VERSION`] changes whenever it does.
//!
//! Extraction is the runner's ([`serlab_engine::cache::extract_utterance`]): in parallel over
//! files, through the feature cache unless `--no-cache`, so exporting after a run is cheap.
//! The file is written under a temporary name and renamed, so a stopped export never leaves
//! a file that looks complete.

use crate::progress::ProgressSink;
use hdf5::types::VarLenUnicode;
use rayon::prelude::*;
use serlab_engine::cache::{self, ConfiguredExtractor, Extracted};
use serlab_engine::config::{Experiment, FeatureSpec};
use serlab_engine::corpus::Skipped;
use serlab_engine::h5cache;
use serlab_engine::plugin::PluginSet;
use serlab_engine::suggest::closest;
use serlab_engine::{Corpus, Error, EventSink, FeatureShape, Features, Result, RunEvent};
use std::path::{Path, PathBuf};

/// Version of the file layout, in the root attribute `format_version`.
pub const FORMAT_VERSION: u32 = 1;

/// Arguments of `serlab features`.
#[derive(clap::Args, Debug, Clone)]
pub struct FeaturesArgs {
    /// The experiment TOML file: its corpus and its `[features.<id>]` sets.
    pub experiment: PathBuf,
    /// The HDF5 file to write (replaced if it exists).
    #[arg(long)]
    pub out: PathBuf,
    /// Export only this feature set (an id of `[features.<id>]`); repeat for several.
    #[arg(long = "extractor", value_name = "ID")]
    pub extractors: Vec<String>,
    /// Extract everything again; neither read nor write the feature cache.
    #[arg(long)]
    pub no_cache: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    /// The file written.
    pub file: PathBuf,
    /// Utterances exported.
    pub utterances: usize,
    /// Files left out (unreadable audio, failing extractor), with the reason.
    pub skipped: Vec<Skipped>,
    /// Feature set ids exported, in order.
    pub feature_sets: Vec<String>,
    /// Utterance × feature set pairs taken from the cache.
    pub cached: usize,
    /// Warnings (cache problems, refused plugins).
    pub warnings: Vec<String>,
}

/// Select the feature sets named by `ids` (all when empty); an unknown id names the file.
pub fn select_features<'a>(exp: &'a Experiment, ids: &[String]) -> Result<Vec<&'a FeatureSpec>> {
    if ids.is_empty() {
        return Ok(exp.features.iter().collect());
    }
    let known: Vec<&str> = exp.features.iter().map(|f| f.id.as_str()).collect();
    ids.iter()
        .map(|id| {
            exp.features.iter().find(|f| &f.id == id).ok_or_else(|| {
                let hint = closest(id, known.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                Error::config(
                    exp.file.display().to_string(),
                    format!("features.{id}"),
                    format!(
                        "no feature set `{id}`{hint}; the experiment has: {}",
                        known.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// Run `serlab features`.
pub fn run(args: &FeaturesArgs) -> Result<ExportSummary> {
    let exp = Experiment::from_file(&args.experiment)?;
    let plugins = PluginSet::load_default(&exp.meta.plugin_paths);
    let mut warnings: Vec<String> = plugins
        .refused
        .iter()
        .map(|r| format!("plugin refused: {}", r.error))
        .collect();
    let specs = select_features(&exp, &args.extractors)?;
    let set: Vec<ConfiguredExtractor> = specs
        .iter()
        .map(|s| ConfiguredExtractor::new(&plugins, s))
        .collect::<Result<_>>()?;
    // The layout holds numbers; transcripts are already text in the corpus' own files.
    if let Some(c) = set
        .iter()
        .find(|c| c.info.shape == serlab_engine::FeatureShape::Text)
    {
        return Err(Error::invalid(format!(
            "feature set `{}` is text (extractor `{}`): only numeric feature sets can be \
             exported; choose others with --extractor",
            c.id, c.key.extractor
        )));
    }
    let cache = h5cache::open(&exp, args.no_cache);
    let loaded = exp.corpus.load(&exp.meta.output)?;
    let corpus = loaded.corpus;
    let mut skipped = loaded.skipped;

    let quiet = args.quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut sink = ProgressSink::new(quiet);
    let total = corpus.utterances.len();
    let mut rows: Vec<(usize, Extracted)> = Vec::with_capacity(total);
    let mut cached = 0;
    for (c, chunk) in corpus.utterances.chunks(64).enumerate() {
        let out: Vec<Result<Extracted>> = chunk
            .par_iter()
            .map(|u| cache::extract_utterance(&u.audio, &set, cache.as_deref()))
            .collect();
        for (i, r) in out.into_iter().enumerate() {
            let u = &corpus.utterances[c * 64 + i];
            match r {
                Ok(x) => {
                    cached += x.cached;
                    rows.push((c * 64 + i, x));
                }
                Err(e) if exp.meta.fail_fast => return Err(e),
                Err(e) => skipped.push(Skipped {
                    path: u.audio.clone(),
                    reason: e.to_string(),
                }),
            }
        }
        sink.emit(RunEvent::Progress {
            stage: "features".into(),
            done: (c * 64 + chunk.len()).min(total),
            total,
        });
    }
    if let Some(c) = &cache {
        c.flush();
        warnings.extend(c.take_warnings());
    }
    if rows.is_empty() {
        return Err(Error::Corpus {
            path: exp.file.clone(),
            message: "no utterance could be used; see the skipped files".into(),
        });
    }
    write_file(&args.out, &exp, &corpus, &set, &rows, &skipped)?;
    Ok(ExportSummary {
        file: args.out.clone(),
        utterances: rows.len(),
        skipped,
        feature_sets: set.iter().map(|c| c.id.clone()).collect(),
        cached,
        warnings,
    })
}

fn h5err(path: &Path) -> impl Fn(hdf5::Error) -> Error + '_ {
    move |e| Error::io(path, std::io::Error::other(format!("HDF5: {e}")))
}

fn vlen(strings: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<VarLenUnicode> {
    strings
        .into_iter()
        // HDF5 strings end at NUL; none of ours contain one, but never let it fail the export.
        .map(|s| {
            s.as_ref()
                .replace('\0', "")
                .parse()
                .expect("no NUL left in the string")
        })
        .collect()
}

fn str_attr(loc: &hdf5::Location, name: &str, value: &str) -> hdf5::Result<()> {
    let v: VarLenUnicode = value.replace('\0', "").parse().expect("NUL removed");
    loc.new_attr::<VarLenUnicode>()
        .create(name)?
        .write_scalar(&v)
}

fn u32_attr(loc: &hdf5::Location, name: &str, value: u32) -> hdf5::Result<()> {
    loc.new_attr::<u32>().create(name)?.write_scalar(&value)
}

fn str_dataset(g: &hdf5::Group, name: &str, values: Vec<VarLenUnicode>) -> hdf5::Result<()> {
    g.new_dataset_builder()
        .with_data(values.as_slice())
        .create(name)
        .map(drop)
}

fn write_file(
    out: &Path,
    exp: &Experiment,
    corpus: &Corpus,
    set: &[ConfiguredExtractor],
    rows: &[(usize, Extracted)],
    skipped: &[Skipped],
) -> Result<()> {
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "features.h5".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let err = h5err(out);
    let labels = corpus.label_indices();
    let utts: Vec<&serlab_engine::Utterance> =
        rows.iter().map(|(i, _)| &corpus.utterances[*i]).collect();
    let written = (|| -> hdf5::Result<()> {
        let f = hdf5::File::create(&tmp)?;
        str_attr(&f, "format", "serlab-features")?;
        u32_attr(&f, "format_version", FORMAT_VERSION)?;
        str_attr(&f, "serlab_version", env!("CARGO_PKG_VERSION"))?;
        str_attr(&f, "experiment", &exp.meta.name)?;
        str_attr(&f, "experiment_file", &exp.file.display().to_string())?;
        str_attr(&f, "corpus", &corpus.name)?;
        str_dataset(&f, "classes", vlen(&corpus.classes))?;

        let g = f.create_group("utterances")?;
        str_dataset(&g, "id", vlen(utts.iter().map(|u| &u.id)))?;
        str_dataset(&g, "speaker", vlen(utts.iter().map(|u| &u.speaker)))?;
        str_dataset(
            &g,
            "session",
            vlen(utts.iter().map(|u| u.session.as_deref().unwrap_or(""))),
        )?;
        str_dataset(
            &g,
            "gender",
            vlen(utts.iter().map(|u| match u.gender {
                Some(serlab_engine::Gender::Female) => "female",
                Some(serlab_engine::Gender::Male) => "male",
                None => "",
            })),
        )?;
        str_dataset(
            &g,
            "path",
            vlen(utts.iter().map(|u| u.audio.display().to_string())),
        )?;
        let label: Vec<i32> = rows.iter().map(|(i, _)| labels[*i] as i32).collect();
        g.new_dataset_builder()
            .with_data(label.as_slice())
            .create("label")?;

        let g = f.create_group("skipped")?;
        str_dataset(
            &g,
            "path",
            vlen(skipped.iter().map(|s| s.path.display().to_string())),
        )?;
        str_dataset(&g, "reason", vlen(skipped.iter().map(|s| &s.reason)))?;

        let feats = f.create_group("features")?;
        for c in set {
            let g = feats.create_group(&c.id)?;
            str_attr(&g, "extractor", &c.key.extractor)?;
            str_attr(&g, "plugin", &c.extractor.plugin)?;
            u32_attr(&g, "version", c.info.version)?;
            u32_attr(&g, "sample_rate", c.info.sample_rate)?;
            let kind = match c.info.shape {
                FeatureShape::Frames => "frames",
                FeatureShape::Vector => "vector",
                FeatureShape::Text => unreachable!("text sets are refused above"),
            };
            str_attr(&g, "kind", kind)?;
            str_attr(
                &g,
                "params",
                &toml::to_string(&c.params).expect("a TOML table serialises"),
            )?;
            str_attr(&g, "cache_key", c.key.digest())?;
            str_dataset(&g, "names", vlen(&c.info.names))?;
            let dim = c.info.dim;
            let per: Vec<&Features> = rows.iter().map(|(_, x)| &x.features[&c.id]).collect();
            match c.info.shape {
                FeatureShape::Vector => {
                    let mut data = Vec::with_capacity(per.len() * dim);
                    for f in &per {
                        data.extend_from_slice(&f.as_vector());
                    }
                    let ds = g
                        .new_dataset::<f32>()
                        .shape([per.len(), dim])
                        .create("data")?;
                    if !data.is_empty() {
                        ds.write_raw(data.as_slice())?;
                    }
                }
                FeatureShape::Text => unreachable!("text sets are refused above"),
                FeatureShape::Frames => {
                    let mut offsets: Vec<i64> = Vec::with_capacity(per.len() + 1);
                    offsets.push(0);
                    let mut data: Vec<f32> = Vec::new();
                    for f in &per {
                        if let Features::Frames { data: d, .. } = f {
                            data.extend_from_slice(d);
                        }
                        offsets.push((data.len() / dim.max(1)) as i64);
                    }
                    let frames = *offsets.last().expect("one offset") as usize;
                    let ds = g.new_dataset::<f32>().shape([frames, dim]).create("data")?;
                    if !data.is_empty() {
                        ds.write_raw(data.as_slice())?;
                    }
                    g.new_dataset_builder()
                        .with_data(offsets.as_slice())
                        .create("offsets")?;
                }
            }
        }
        f.close()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(out, e)
    })
}

/// The text `serlab features` prints after an export.
pub fn report(s: &ExportSummary) -> String {
    let mut t = format!(
        "wrote {}: {} utterances, feature sets {}; {} of {} extractions from the cache",
        s.file.display(),
        s.utterances,
        s.feature_sets.join(", "),
        s.cached,
        s.utterances * s.feature_sets.len()
    );
    if !s.skipped.is_empty() {
        t.push_str(&format!(
            "\n{} files skipped (listed in /skipped of the file)",
            s.skipped.len()
        ));
    }
    t
}
