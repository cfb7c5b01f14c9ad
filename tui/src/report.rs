//! `serlab report RUN`: a Markdown summary of a run folder, `report.md`, beside the files
//! it describes (plots are linked by relative path, so the folder can be moved or shared).

use serlab_engine::plots;
use serlab_engine::results::{RunResults, Scores};
use serlab_engine::runner::load_results;
use serlab_engine::Result;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Write `report.md` in the run folder `dir` (drawing the plots first); returns its path.
pub fn write(dir: &Path) -> Result<PathBuf> {
    let r = load_results(dir)?;
    let pngs = plots::write_all(dir)?;
    let config = std::fs::read_to_string(dir.join("config.toml")).ok();
    let text = render(dir, &r, config.as_deref(), &pngs);
    let path = dir.join("report.md");
    serlab_engine::results::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "–".into())
}

/// The Markdown text.
pub fn render(dir: &Path, r: &RunResults, config: Option<&str>, pngs: &[PathBuf]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} — run report\n", r.experiment);
    let corpus = &r.corpus;
    let skipped = corpus["skipped"].as_array().map_or(0, Vec::len);
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(s, "| run folder | `{}` |", dir.display());
    let _ = writeln!(s, "| status | {} |", r.status);
    let _ = writeln!(s, "| serlab | {} |", r.serlab_version);
    let _ = writeln!(s, "| seed | {} |", r.seed);
    let _ = writeln!(
        s,
        "| corpus | {} ({} utterances, {skipped} skipped) |",
        corpus["name"].as_str().unwrap_or("?"),
        corpus["utterances"]
    );
    let _ = writeln!(s, "| classes | {} |", r.classes.join(", "));
    let _ = writeln!(s, "| folds | {} |", r.folds.len());
    for p in &r.plugins {
        let _ = writeln!(
            s,
            "| plugin | {} {} |",
            p["name"].as_str().unwrap_or("?"),
            p["version"].as_str().unwrap_or("?")
        );
    }
    let m = &r.metrics;
    let unit = format!("{:?}", m.bootstrap_unit).to_lowercase();
    let ks: Vec<usize> = m.top_k.clone();
    let _ = writeln!(s, "\n## Results, pooled over folds\n");
    let _ = write!(
        s,
        "| system | UA | UA {:.0}% CI | WA | macro-F1 |",
        m.confidence * 100.0
    );
    for k in &ks {
        let _ = write!(s, " top-{k} |");
    }
    let _ = writeln!(s, " UA fold mean ± sd | n |");
    let _ = writeln!(
        s,
        "|---|---:|---|---:|---:|{}---:|---:|",
        "---:|".repeat(ks.len())
    );
    for sys in &r.systems {
        let Some(p) = r.pooled.get(sys) else {
            let _ = writeln!(s, "| {sys} | failed on every fold |");
            continue;
        };
        let ci = p
            .ua_ci
            .as_ref()
            .map(|c| format!("[{:.3}, {:.3}]", c.low, c.high))
            .unwrap_or_else(|| "–".into());
        let _ = write!(
            s,
            "| {sys} | {:.3} | {ci} | {:.3} | {:.3} |",
            p.ua, p.wa, p.macro_f1
        );
        for k in &ks {
            let _ = write!(s, " {} |", opt(p.top_k.get(k).copied()));
        }
        let fm = &r.fold_mean[sys];
        let _ = writeln!(s, " {:.3} ± {:.3} | {} |", fm.ua_mean, fm.ua_std, p.n);
    }
    if m.bootstrap > 0 {
        let _ = writeln!(
            s,
            "\nUA intervals: percentile bootstrap, {} resamples of {unit}s, seeded by the run's seed.",
            m.bootstrap
        );
    }
    let ccc: Vec<(&String, &Scores)> = r
        .systems
        .iter()
        .filter_map(|sys| r.pooled.get(sys).map(|p| (sys, p)))
        .filter(|(_, p)| p.ccc.is_some())
        .collect();
    if !ccc.is_empty() {
        let _ = writeln!(s, "\n## Dimensional (CCC)\n\n| system | valence | arousal | dominance | n |\n|---|---:|---:|---:|---:|");
        for (sys, p) in ccc {
            let c = p.ccc.as_ref().expect("filtered");
            let _ = writeln!(
                s,
                "| {sys} | {} | {} | {} | {} |",
                opt(c.valence),
                opt(c.arousal),
                opt(c.dominance),
                c.n
            );
        }
    }
    let _ = writeln!(s, "\n## Per fold (UA)\n");
    let _ = write!(s, "| fold | test speakers |");
    for sys in &r.systems {
        let _ = write!(s, " {sys} |");
    }
    let _ = writeln!(s, "\n|---:|---|{}", "---:|".repeat(r.systems.len()));
    for f in &r.folds {
        let _ = write!(s, "| {} | {} |", f.index + 1, f.test_speakers.join(", "));
        for sys in &r.systems {
            let cell = match (f.systems.get(sys), f.failures.get(sys)) {
                (Some(x), _) => format!("{:.3}", x.ua),
                (None, Some(_)) => "failed".into(),
                _ => "–".into(),
            };
            let _ = write!(s, " {cell} |");
        }
        let _ = writeln!(s);
    }
    let failures: Vec<String> = r
        .folds
        .iter()
        .flat_map(|f| {
            f.failures
                .iter()
                .map(move |(sys, m)| format!("- fold {}, `{sys}`: {m}", f.index + 1))
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(s, "\n### Failures\n\n{}", failures.join("\n"));
    }
    for sys in &r.systems {
        let Some(p) = r.pooled.get(sys) else { continue };
        let _ = writeln!(s, "\n## Per class: {sys}\n\n| class | recall | precision | F1 | support |\n|---|---:|---:|---:|---:|");
        for (i, c) in r.classes.iter().enumerate() {
            let support: usize = p.confusion.get(i).map_or(0, |row| row.iter().sum());
            let _ = writeln!(
                s,
                "| {c} | {} | {} | {} | {support} |",
                opt(p.recall.get(i).copied().flatten()),
                opt(p.precision.get(i).copied().flatten()),
                opt(p.f1.get(i).copied().flatten())
            );
        }
    }
    let speakers: std::collections::BTreeSet<&String> =
        r.per_speaker.values().flat_map(|m| m.keys()).collect();
    if !speakers.is_empty() {
        let _ = writeln!(s, "\n## Per speaker (UA)\n");
        let _ = write!(s, "| speaker |");
        for sys in &r.systems {
            let _ = write!(s, " {sys} |");
        }
        let _ = writeln!(s, " n |\n|---|{}---:|", "---:|".repeat(r.systems.len()));
        for spk in speakers {
            let _ = write!(s, "| {spk} |");
            let mut n = 0;
            for sys in &r.systems {
                let x = r.per_speaker.get(sys).and_then(|m| m.get(spk));
                n = n.max(x.map_or(0, |x| x.n));
                let _ = write!(s, " {} |", opt(x.map(|x| x.ua)));
            }
            let _ = writeln!(s, " {n} |");
        }
    }
    if !pngs.is_empty() {
        let _ = writeln!(s, "\n## Plots\n");
        for p in pngs {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            let _ = writeln!(s, "![{}]({name})\n", name.trim_end_matches(".png"));
        }
    }
    if let Some(c) = config {
        let _ = writeln!(
            s,
            "## Configuration (resolved, `config.toml`)\n\n```toml\n{}\n```",
            c.trim_end()
        );
    }
    s
}
