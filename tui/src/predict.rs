//! `serlab predict RUN-DIR file.wav`: the engine's [`serlab_engine::predict`] (the run's
//! own extraction, models and fusions applied to one recording), rendered as a table.

pub use serlab_engine::predict::{predict, Options, Report, SystemResult, Transcript};
use std::path::Path;

/// The report as text: one row per system, its probabilities and its top class.
pub fn render(r: &Report, wav: &Path) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "recording: {} ({:.2} s)", wav.display(), r.seconds);
    if let Some(t) = &r.transcript {
        let _ = writeln!(s, "transcript ({}): \"{}\"", t.source, t.text);
    }
    let w = r
        .systems
        .iter()
        .map(|x| x.id.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = write!(s, "{:<w$}", "system");
    for c in &r.classes {
        let c: String = c.chars().take(8).collect();
        let _ = write!(s, " {c:>8}");
    }
    let _ = writeln!(s, "  predicted (folds)");
    for x in &r.systems {
        let _ = write!(s, "{:<w$}", x.id);
        for p in &x.probs {
            let _ = write!(s, " {p:>8.3}");
        }
        let top = serlab_engine::metrics::argmax(&x.probs);
        let kind = if x.fused { ", fused" } else { "" };
        let _ = write!(s, "  {} ({}{kind})", r.classes[top], x.folds);
        if let Some(v) = x.vad {
            let _ = write!(s, "  V/A/D {:.2} {:.2} {:.2}", v[0], v[1], v[2]);
        }
        let _ = writeln!(s);
    }
    for n in &r.notes {
        let _ = writeln!(s, "note: {n}");
    }
    s
}
