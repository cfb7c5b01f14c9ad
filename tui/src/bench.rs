//! `serlab bench-features`: how fast each feature extractor runs on a corpus, as a
//! real-time factor (seconds of audio processed per second of wall time).
//!
//! A benchmark, not a test: numbers depend on the machine. Audio is decoded and resampled
//! once per sample rate before timing (reported as its own row, since a run pays it once
//! for all extractors of that rate); each extractor then runs over every file in parallel
//! (rayon, `--threads`), `--repeat` times, and the fastest pass is reported with the median.
//! The CPU time of that pass (all threads, from `getrusage`) is reported too: on a loaded
//! machine wall time grows with the other load, CPU time much less, so `x RT/core`
//! (audio seconds per CPU second) is the figure to compare across machines and loads.
//! The feature cache is never used here.

use rayon::prelude::*;
use serlab_engine::config::{Experiment, FeatureSpec};
use serlab_engine::plugin::{ComponentKind, PluginSet};
use serlab_engine::{audio, Audio, Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `serlab bench-features`.
#[derive(clap::Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["experiment", "corpus"])))]
pub struct BenchArgs {
    /// An experiment file whose corpus is used (its feature set ids can be named with
    /// `--extractor`).
    pub experiment: Option<PathBuf>,
    /// A folder of audio files (WAV, FLAC, OGG, MP3; searched recursively) instead of an
    /// experiment's corpus.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Benchmark only this extractor: a component name (default parameters) or a feature
    /// set id of the experiment (its parameters); repeat for several. Default: every
    /// registered extractor.
    #[arg(long = "extractor", value_name = "NAME")]
    pub extractors: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Use at most this many files.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Timed passes per extractor.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Extra plugin folders or files.
    #[arg(long = "plugin-path")]
    pub plugin_paths: Vec<PathBuf>,
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    /// `decode@<rate>` or the extractor (feature set id or component name).
    pub name: String,
    /// Sample rate of the audio it processed.
    pub sample_rate: u32,
    /// Files processed per pass.
    pub files: usize,
    /// Seconds of audio processed per pass.
    pub audio_seconds: f64,
    /// Fastest pass, seconds.
    pub best_seconds: f64,
    /// Median pass, seconds.
    pub median_seconds: f64,
    /// CPU time (user + system, all threads) of the fastest pass, seconds; `None` where
    /// the platform does not say.
    pub cpu_seconds: Option<f64>,
}

impl BenchRow {
    /// Audio seconds per wall second, from the fastest pass.
    pub fn real_time_factor(&self) -> f64 {
        self.audio_seconds / self.best_seconds.max(1e-12)
    }

    /// Audio seconds per CPU second (one core's real-time factor).
    pub fn per_core_factor(&self) -> Option<f64> {
        self.cpu_seconds.map(|c| self.audio_seconds / c.max(1e-12))
    }
}

/// CPU time used by this process so far (user + system, all threads), in seconds.
#[cfg(unix)]
fn cpu_time() -> Option<f64> {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a complete `rusage` into the pointer it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: getrusage succeeded, so the struct is initialised.
    let u = unsafe { u.assume_init() };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    Some(secs(u.ru_utime) + secs(u.ru_stime))
}

#[cfg(not(unix))]
fn cpu_time() -> Option<f64> {
    None
}

/// The benchmark's result.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Worker threads used.
    pub threads: usize,
    /// Passes per row.
    pub repeat: usize,
    /// Files that could not be decoded (left out of every row).
    pub unreadable: Vec<(PathBuf, String)>,
    /// Decoding rows first, then one per extractor.
    pub rows: Vec<BenchRow>,
}

/// Audio files under `dir` (by extension, as corpus folder scans find them), sorted.
fn wav_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if audio::has_audio_extension(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Error::Corpus {
            path: dir.to_path_buf(),
            message: format!(
                "no audio file ({}) found (searched recursively)",
                audio::EXTENSIONS.join(", ")
            ),
        });
    }
    Ok(out)
}

/// Wall times of `repeat` passes of `f`.
struct Timing {
    best: f64,
    median: f64,
    /// CPU seconds of the fastest pass.
    cpu: Option<f64>,
}

/// Times `f` `repeat` times.
fn time(repeat: usize, mut f: impl FnMut() -> Result<()>) -> Result<Timing> {
    let mut t: Vec<(f64, Option<f64>)> = Vec::with_capacity(repeat);
    for _ in 0..repeat.max(1) {
        let cpu0 = cpu_time();
        let start = Instant::now();
        f()?;
        let wall = start.elapsed().as_secs_f64();
        t.push((wall, cpu0.zip(cpu_time()).map(|(a, b)| b - a)));
    }
    t.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(Timing {
        best: t[0].0,
        median: t[t.len() / 2].0,
        cpu: t[0].1,
    })
}

/// Run the benchmark.
pub fn run(args: &BenchArgs) -> Result<BenchReport> {
    let exp = args
        .experiment
        .as_deref()
        .map(Experiment::from_file)
        .transpose()?;
    let mut extra = args.plugin_paths.clone();
    if let Some(e) = &exp {
        extra.extend(e.meta.plugin_paths.iter().cloned());
    }
    let plugins = PluginSet::load_default(&extra);
    for r in &plugins.refused {
        eprintln!("warning: plugin refused: {}", r.error);
    }
    let mut files = match (&exp, &args.corpus) {
        (_, Some(dir)) => wav_files(dir)?,
        (Some(e), None) => {
            let loaded = e.corpus.load(&e.meta.output)?;
            loaded
                .corpus
                .utterances
                .into_iter()
                .map(|u| u.audio)
                .collect()
        }
        (None, None) => unreachable!("clap requires an experiment or --corpus"),
    };
    if let Some(n) = args.limit {
        files.truncate(n.max(1));
    }

    // The extractors: named ones, or every registered component with its defaults.
    let names: Vec<String> = if args.extractors.is_empty() {
        let mut v: Vec<String> = plugins
            .plugins
            .iter()
            .flat_map(|p| p.components())
            .filter(|c| c.kind == ComponentKind::Extractor)
            .map(|c| c.name)
            .collect();
        v.dedup();
        v
    } else {
        args.extractors.clone()
    };
    let specs: Vec<FeatureSpec> = names
        .iter()
        .map(|n| {
            exp.as_ref()
                .and_then(|e| e.features.iter().find(|f| &f.id == n).cloned())
                .unwrap_or_else(|| FeatureSpec {
                    id: n.clone(),
                    extractor: n.clone(),
                    params: toml::Table::new(),
                })
        })
        .collect();
    let mut set = Vec::new();
    for s in &specs {
        let text = toml::to_string(&s.params).expect("a TOML table serialises");
        let ex = plugins.extractor(&s.extractor, &text)?;
        let info = ex.info()?;
        if ex.input() == serlab_engine::FeatureInput::Transcript {
            // Reads transcripts, not audio: nothing to time here. Named explicitly, say so.
            if !args.extractors.is_empty() {
                return Err(Error::invalid(format!(
                    "extractor `{}` reads transcripts, not audio; bench-features times audio \
                     extractors",
                    s.id
                )));
            }
            continue;
        }
        set.push((s.id.clone(), ex, info));
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::invalid(format!("cannot start {:?} threads: {e}", args.threads)))?;
    let threads = pool.current_num_threads();
    let mut report = BenchReport {
        threads,
        repeat: args.repeat.max(1),
        unreadable: Vec::new(),
        rows: Vec::new(),
    };

    // Decode once per rate (timed as its own row); unreadable files are listed, not timed.
    let mut rates: Vec<u32> = set.iter().map(|(_, _, i)| i.sample_rate).collect();
    rates.sort_unstable();
    rates.dedup();
    let mut audio_at: BTreeMap<u32, Vec<Audio>> = BTreeMap::new();
    for rate in rates {
        let mut decoded: Vec<Result<Audio>> = Vec::new();
        let timing = time(report.repeat, || {
            decoded = pool.install(|| files.par_iter().map(|p| audio::load(p, rate)).collect());
            Ok(())
        })?;
        let mut ok = Vec::new();
        for (p, r) in files.iter().zip(decoded) {
            match r {
                Ok(a) => ok.push(a),
                Err(e) => {
                    if !report.unreadable.iter().any(|(q, _)| q == p) {
                        report.unreadable.push((p.clone(), e.to_string()));
                    }
                }
            }
        }
        report.rows.push(BenchRow {
            name: format!("decode@{rate}"),
            sample_rate: rate,
            files: files.len(),
            audio_seconds: ok.iter().map(Audio::duration).sum(),
            best_seconds: timing.best,
            median_seconds: timing.median,
            cpu_seconds: timing.cpu,
        });
        audio_at.insert(rate, ok);
    }

    for (id, ex, info) in &set {
        let audio = &audio_at[&info.sample_rate];
        let timing = time(report.repeat, || {
            pool.install(|| {
                audio.par_iter().try_for_each(|a| {
                    std::hint::black_box(ex.extract(a))
                        .map(drop)
                        .map_err(|e| Error::invalid(format!("extractor `{id}` failed: {e}")))
                })
            })
        })?;
        report.rows.push(BenchRow {
            name: id.clone(),
            sample_rate: info.sample_rate,
            files: audio.len(),
            audio_seconds: audio.iter().map(Audio::duration).sum(),
            best_seconds: timing.best,
            median_seconds: timing.median,
            cpu_seconds: timing.cpu,
        });
    }
    Ok(report)
}

/// The report as a text table.
pub fn render(r: &BenchReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} threads, best of {} passes (median in brackets); decoding is timed separately",
        r.threads, r.repeat
    );
    let _ = writeln!(
        s,
        "{:<22} {:>6} {:>6} {:>9} {:>20} {:>12} {:>8} {:>10}",
        "extractor", "rate", "files", "audio s", "wall s", "x real time", "cpu s", "x RT/core"
    );
    for row in &r.rows {
        let wall = format!("{:.4} ({:.4})", row.best_seconds, row.median_seconds);
        let (cpu, per_core) = match (row.cpu_seconds, row.per_core_factor()) {
            (Some(c), Some(f)) => (format!("{c:.3}"), format!("{f:.0}")),
            _ => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            s,
            "{:<22} {:>6} {:>6} {:>9.1} {:>20} {:>12.0} {:>8} {:>10}",
            row.name,
            row.sample_rate,
            row.files,
            row.audio_seconds,
            wall,
            row.real_time_factor(),
            cpu,
            per_core
        );
    }
    for (p, e) in &r.unreadable {
        let _ = writeln!(s, "unreadable, left out: {}: {e}", p.display());
    }
    s
}
