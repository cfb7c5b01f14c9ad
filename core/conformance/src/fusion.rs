//! The checks of a fusion: distributions out, no panic before fitting, save and load.

use crate::data::member_probs;
use crate::model::bad_rows;
use crate::report::{no_panic, params_checks, round_trip, Outcome, Report};
use serlab_api::plugin::{ComponentKind, FusionFactory};
use std::path::Path;

pub(crate) fn check(f: &dyn FusionFactory, params: &str, dir: &Path, report: &mut Report) {
    let info = f.info();
    let name = info.name.as_str();
    let kind = ComponentKind::Fusion;
    report.extend(params_checks(name, kind, &info.defaults, |p| f.resolve(p)));
    let classes = 3;
    let valid_labels: Vec<usize> = (0..30).map(|i| i % classes).collect();
    let test_labels: Vec<usize> = (0..12).map(|i| (i * 7) % classes).collect();
    let valid = member_probs(&valid_labels, classes, 3);
    let test = member_probs(&test_labels, classes, 3);
    let mut fusion = match f.create(params) {
        Ok(x) => x,
        Err(e) => {
            report.push(name, kind, "create", Outcome::Fail(e.to_string()));
            return;
        }
    };
    // A fusion that learns nothing may combine at once; one that learns must say it is not
    // fitted. Either way, no panic.
    let early = fusion.combine(&test);
    let outcome = no_panic(&early).unwrap_or(match &early {
        Ok(rows) => bad_rows(rows, test_labels.len(), classes)
            .map(Outcome::Fail)
            .unwrap_or(Outcome::Pass),
        Err(_) => Outcome::Pass,
    });
    report.push(name, kind, "combine before fit", outcome);
    let combined = fusion
        .fit(&valid, &valid_labels)
        .and_then(|()| fusion.combine(&test));
    let outcome = match &combined {
        Err(e) => Outcome::Fail(e.to_string()),
        Ok(rows) => bad_rows(rows, test_labels.len(), classes)
            .map(Outcome::Fail)
            .unwrap_or(Outcome::Pass),
    };
    report.push(name, kind, "fit + combine", outcome);
    let Ok(rows) = combined else { return };
    let again = round_trip(
        dir,
        "fusion",
        |path| fusion.save(path),
        || f.create(params),
        |g, path| {
            g.load(path)?;
            g.combine(&test)
        },
    );
    let outcome = match again {
        Err(e) => Outcome::Fail(e.to_string()),
        Ok(b) if b == rows => Outcome::Pass,
        Ok(b) => Outcome::Fail(format!(
            "the loaded fusion combines otherwise: {b:?} vs {rows:?}"
        )),
    };
    report.push(name, kind, "save-load", outcome);
}
