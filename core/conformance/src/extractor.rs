//! The checks of a feature extractor: its output has the shape its info declares, finite
//! numbers, the same output twice.

use crate::data::audio;
use crate::report::{params_checks, Outcome, Report};
use serlab_api::plugin::{ComponentKind, ExtractorFactory};
use serlab_api::{FeatureInfo, FeatureInput, FeatureShape, Features};

/// Why `f` does not match `info`, if it does not.
fn mismatch(info: &FeatureInfo, f: &Features) -> Option<String> {
    match (info.shape, f) {
        (FeatureShape::Vector, Features::Vector(v)) if v.len() != info.dim => Some(format!(
            "a vector of {} values, {} declared",
            v.len(),
            info.dim
        )),
        (FeatureShape::Frames, Features::Frames { frames, dim, data }) => {
            if *dim != info.dim {
                Some(format!("frames of {dim} values, {} declared", info.dim))
            } else if data.len() != frames * dim || *frames == 0 {
                Some(format!("{frames} frames x {dim} but {} values", data.len()))
            } else {
                None
            }
        }
        (FeatureShape::Vector, Features::Vector(_)) | (FeatureShape::Text, Features::Text(_)) => {
            None
        }
        (shape, _) => Some(format!("declares {shape:?} features but returned {f:?}")),
    }
    .or_else(|| {
        let v = match f {
            Features::Vector(v) | Features::Frames { data: v, .. } => v.as_slice(),
            Features::Text(_) => &[],
        };
        v.iter()
            .position(|x| !x.is_finite())
            .map(|i| format!("value {i} is {}", v[i]))
    })
}

pub(crate) fn check(f: &dyn ExtractorFactory, params: &str, report: &mut Report) {
    let meta = f.info();
    let name = meta.name.as_str();
    let kind = ComponentKind::Extractor;
    report.extend(params_checks(name, kind, &meta.defaults, |p| f.resolve(p)));
    let e = match f.create(params) {
        Ok(e) => e,
        Err(err) => {
            report.push(name, kind, "create", Outcome::Fail(err.to_string()));
            return;
        }
    };
    let info = match e.info() {
        Ok(i) => i,
        Err(err) => {
            report.push(name, kind, "info", Outcome::Fail(err.to_string()));
            return;
        }
    };
    let extract = |seed: u64| match e.input() {
        FeatureInput::Audio => e.extract(&audio(info.sample_rate, 1.0, seed)),
        FeatureInput::Transcript => e.extract_text("Well, I am SO happy today... really!"),
    };
    let outcome = match (extract(3), extract(3)) {
        (Ok(a), Ok(b)) => match mismatch(&info, &a) {
            Some(why) => Outcome::Fail(why),
            None if a != b => Outcome::Fail("two extractions of one input differ".into()),
            None => Outcome::Pass,
        },
        (Err(err), _) | (_, Err(err)) => Outcome::Fail(err.to_string()),
    };
    report.push(name, kind, "output matches info", outcome);
    if matches!(info.shape, FeatureShape::Vector) && !info.names.is_empty() {
        let outcome = if info.names.len() == info.dim {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "{} names for {} values",
                info.names.len(),
                info.dim
            ))
        };
        report.push(name, kind, "one name per value", outcome);
    }
}
