//! The comparison of finished runs as a table model: rows of metrics, one column per
//! (run, system). Kept apart from drawing so it is tested on plain values.
//!
//! Folds are matched by their test speakers (the key `serlab compare` pairs them by), one
//! row per fold; a warning says when the runs did not finish the same number of folds (a
//! stopped 4-fold run beside a 10-fold one): their pooled scores then cover different
//! speakers and only the matched fold rows compare like with like.

use super::browser::RunEntry;
use serlab_engine::results::RunResults;

/// One column: a system of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// `name@stamp` of the run.
    pub run: String,
    /// Status of the run (`finished`, `stopped`, ...).
    pub status: String,
    /// The system.
    pub system: String,
}

/// One row of the comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    /// A section heading (`fold UA`: one row per fold, matched by its test speakers).
    Section(String),
    /// A metric with one value per column (`None`: not available for that column).
    Values {
        /// Metric name.
        label: String,
        /// Values, in column order.
        values: Vec<Option<f64>>,
        /// Whether the highest value is the best (false for spreads).
        higher_is_better: bool,
    },
}

/// The whole comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: Vec<Row>,
    /// Why the pooled scores are not comparable, when they are not.
    pub warning: Option<String>,
}

/// The warning when the runs finished different folds (or some did not finish).
pub fn fold_warning(runs: &[(&RunEntry, &RunResults)]) -> Option<String> {
    let counts: Vec<usize> = runs.iter().map(|(_, r)| r.folds.len()).collect();
    let keys = |r: &RunResults| -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = r.folds.iter().map(fold_key).collect();
        v.sort();
        v
    };
    let first = keys(runs.first()?.1);
    if runs.iter().all(|(_, r)| keys(r) == first) {
        return None;
    }
    let list = runs
        .iter()
        .map(|(e, r)| format!("{} {} folds ({})", e.label(), r.folds.len(), r.status))
        .collect::<Vec<_>>()
        .join(", ");
    let same = counts.iter().all(|c| *c == counts[0]);
    Some(if same {
        format!("the runs tested different speakers per fold: {list}; pooled scores are not paired")
    } else {
        format!(
            "different numbers of folds: {list}; pooled scores cover different speakers, \
             compare the matched fold rows"
        )
    })
}

/// A fold's key: its test speakers, sorted.
fn fold_key(f: &serlab_engine::results::FoldResult) -> Vec<String> {
    let mut k = f.test_speakers.clone();
    k.sort();
    k
}

/// Compare `runs`: their headline system each, or every system when `all_systems`.
pub fn compare(runs: &[(&RunEntry, &RunResults)], all_systems: bool) -> Comparison {
    let mut columns = Vec::new();
    let mut picks: Vec<(&RunResults, String)> = Vec::new();
    for (entry, r) in runs {
        let systems: Vec<String> = if all_systems {
            r.systems
                .iter()
                .filter(|s| r.pooled.contains_key(*s))
                .cloned()
                .collect()
        } else {
            r.main_system().map(String::from).into_iter().collect()
        };
        for s in systems {
            columns.push(Column {
                run: entry.label(),
                status: r.status.clone(),
                system: s.clone(),
            });
            picks.push((r, s));
        }
    }
    let mut rows = vec![Row::Section("pooled".into())];
    let pooled = |f: &dyn Fn(&serlab_engine::results::Scores) -> f64| -> Vec<Option<f64>> {
        picks.iter().map(|(r, s)| r.pooled.get(s).map(f)).collect()
    };
    rows.push(Row::Values {
        label: "UA".into(),
        values: pooled(&|p| p.ua),
        higher_is_better: true,
    });
    rows.push(Row::Values {
        label: "WA".into(),
        values: pooled(&|p| p.wa),
        higher_is_better: true,
    });
    rows.push(Row::Values {
        label: "macro-F1".into(),
        values: pooled(&|p| p.macro_f1),
        higher_is_better: true,
    });
    rows.push(Row::Values {
        label: "UA fold mean".into(),
        values: picks
            .iter()
            .map(|(r, s)| r.fold_mean.get(s).map(|m| m.ua_mean))
            .collect(),
        higher_is_better: true,
    });
    rows.push(Row::Values {
        label: "UA fold sd".into(),
        values: picks
            .iter()
            .map(|(r, s)| r.fold_mean.get(s).map(|m| m.ua_std))
            .collect(),
        higher_is_better: false,
    });
    let mut folds: Vec<Vec<String>> = picks
        .iter()
        .flat_map(|(r, _)| r.folds.iter().map(fold_key))
        .collect();
    folds.sort();
    folds.dedup();
    rows.push(Row::Section("fold UA".into()));
    for key in folds {
        rows.push(Row::Values {
            label: key.join(","),
            values: picks
                .iter()
                .map(|(r, s)| {
                    let f = r.folds.iter().find(|f| fold_key(f) == key)?;
                    f.systems.get(s).map(|x| x.ua)
                })
                .collect(),
            higher_is_better: true,
        });
    }
    let mut classes: Vec<&str> = Vec::new();
    for (r, _) in &picks {
        for c in &r.classes {
            if !classes.contains(&c.as_str()) {
                classes.push(c);
            }
        }
    }
    rows.push(Row::Section("class recall".into()));
    for c in classes {
        rows.push(Row::Values {
            label: c.into(),
            values: picks
                .iter()
                .map(|(r, s)| {
                    let i = r.classes.iter().position(|x| x == c)?;
                    r.pooled.get(s)?.recall.get(i).copied().flatten()
                })
                .collect(),
            higher_is_better: true,
        });
    }
    let mut speakers: Vec<&str> = picks
        .iter()
        .flat_map(|(r, s)| r.per_speaker.get(s).into_iter().flat_map(|m| m.keys()))
        .map(String::as_str)
        .collect();
    speakers.sort_unstable();
    speakers.dedup();
    rows.push(Row::Section("speaker UA".into()));
    for sp in speakers {
        rows.push(Row::Values {
            label: sp.into(),
            values: picks
                .iter()
                .map(|(r, s)| r.per_speaker.get(s)?.get(sp).map(|x| x.ua))
                .collect(),
            higher_is_better: true,
        });
    }
    Comparison {
        columns,
        rows,
        warning: fold_warning(runs),
    }
}
