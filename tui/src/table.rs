//! The final report printed by `serlab run`: UA/WA/F1 per system, per-class recall and the
//! pooled confusion matrix of the headline system, with class names.

use serlab_engine::results::RunResults;
use std::fmt::Write;

/// Render the results as plain text.
pub fn render(r: &RunResults) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "experiment `{}` ({} folds, status {})",
        r.experiment,
        r.folds.len(),
        r.status
    );
    let _ = writeln!(
        s,
        "{:<20} {:>7} {:>7} {:>9} {:>7} {:>15}",
        "system", "UA", "WA", "macro-F1", "wF1", "UA fold mean±sd"
    );
    for sys in &r.systems {
        let Some(p) = r.pooled.get(sys) else {
            let _ = writeln!(s, "{sys:<20} failed on every fold");
            continue;
        };
        let m = &r.fold_mean[sys];
        let _ = writeln!(
            s,
            "{sys:<20} {:>7.3} {:>7.3} {:>9.3} {:>7.3} {:>9.3}±{:.3}",
            p.ua, p.wa, p.macro_f1, p.weighted_f1, m.ua_mean, m.ua_std
        );
    }
    let failures: usize = r.folds.iter().map(|f| f.failures.len()).sum();
    if failures > 0 {
        let _ = writeln!(s, "{failures} system-fold failure(s): see results.json");
    }
    let Some(main) = r.main_system() else {
        return s;
    };
    let p = &r.pooled[main];
    let w = r.classes.iter().map(|c| c.len()).max().unwrap_or(5).max(6);
    let _ = writeln!(s, "\nper-class recall ({main}):");
    for (c, rec) in r.classes.iter().zip(&p.recall) {
        let _ = writeln!(
            s,
            "  {c:<w$} {}",
            rec.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into())
        );
    }
    let _ = writeln!(
        s,
        "\npooled confusion matrix ({main}; rows = reference, columns = prediction):"
    );
    let short: Vec<String> = r
        .classes
        .iter()
        .map(|c| c.chars().take(7).collect())
        .collect();
    let _ = write!(s, "  {:<w$}", "");
    for c in &short {
        let _ = write!(s, " {c:>7}");
    }
    let _ = writeln!(s);
    for (c, row) in r.classes.iter().zip(&p.confusion) {
        let _ = write!(s, "  {c:<w$}");
        for v in row {
            let _ = write!(s, " {v:>7}");
        }
        let _ = writeln!(s);
    }
    s
}
