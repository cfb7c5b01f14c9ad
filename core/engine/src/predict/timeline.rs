//! Streaming prediction: a long recording cut into overlapping windows, each predicted by
//! a [`Predictor`] like a recording of its own, giving a timeline of class probabilities
//! (`serlab predict RUN long.wav --window S --hop S`, and `serlab live`, which feeds
//! windows as they arrive). Written as CSV and drawn as a PNG.
//!
//! A window that cannot be predicted because it is silent (all zero samples) is skipped
//! and listed, not an error: pauses are ordinary in a long recording.

use super::{Predictor, Report, Request};
use crate::plots::draw::{canvas, fail, series_color};
use crate::plots::font::FAMILY;
use crate::{Audio, Error, Result};
use plotters::prelude::*;
use std::path::Path;

/// Window spans `[start, end)` in samples: every `hop` from 0 while a whole window fits,
/// plus one window ending at the end when the last one falls short of it. A recording
/// shorter than one window is one window.
pub fn spans(len: usize, window: usize, hop: usize) -> Vec<(usize, usize)> {
    let (window, hop) = (window.max(1), hop.max(1));
    if len <= window {
        return vec![(0, len)];
    }
    let mut v: Vec<(usize, usize)> = (0..)
        .map(|i| i * hop)
        .take_while(|s| s + window <= len)
        .map(|s| (s, s + window))
        .collect();
    if v.last().is_some_and(|(_, e)| *e < len) {
        v.push((len - window, len));
    }
    v
}

/// One predicted window.
#[derive(Clone, Debug)]
pub struct Window {
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// What the run said about it.
    pub report: Report,
}

/// Every window of a recording.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Class names.
    pub classes: Vec<String>,
    /// Predicted windows, in time order.
    pub windows: Vec<Window>,
    /// Windows left out, `(start s, end s, why)`.
    pub skipped: Vec<(f64, f64, String)>,
}

/// Seconds to a sample count at `rate`, refusing what is not a positive finite length.
pub fn samples(seconds: f64, rate: u32, what: &str) -> Result<usize> {
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(Error::invalid(format!(
            "{what} must be a positive number of seconds, not {seconds}"
        )));
    }
    Ok(((seconds * f64::from(rate)).round() as usize).max(1))
}

/// Predict every `window`-second window of `audio`, one every `hop` seconds.
pub fn timeline(
    p: &Predictor,
    audio: &Audio,
    window: f64,
    hop: f64,
    req: &Request<'_>,
) -> Result<Timeline> {
    let rate = audio.sample_rate;
    let w = samples(window, rate, "--window")?;
    let h = samples(hop, rate, "--hop")?;
    let mut t = Timeline {
        classes: p.classes().to_vec(),
        ..Default::default()
    };
    for (s, e) in spans(audio.samples.len(), w, h) {
        let (start, end) = (s as f64 / f64::from(rate), e as f64 / f64::from(rate));
        let piece = Audio {
            samples: audio.samples[s..e].to_vec(),
            sample_rate: rate,
        };
        let name = format!("{} [{start:.2}-{end:.2} s]", req.name);
        let r = Request {
            name: &name,
            ..*req
        };
        match p.predict(&piece, &r) {
            Ok(report) => t.windows.push(Window { start, end, report }),
            Err(Error::Audio { reason, .. }) if reason.contains("all samples are zero") => {
                t.skipped.push((start, end, "silent".into()))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(t)
}

/// `start_s,end_s,system,predicted,p_<class>...`: one row per window and system.
pub fn write_csv(path: &Path, t: &Timeline) -> Result<()> {
    use std::fmt::Write;
    let mut s = String::from("start_s,end_s,system,predicted");
    for c in &t.classes {
        let _ = write!(s, ",p_{c}");
    }
    s.push('\n');
    for w in &t.windows {
        for x in &w.report.systems {
            let top = crate::metrics::argmax(&x.probs);
            let _ = write!(s, "{:.3},{:.3},{},{}", w.start, w.end, x.id, t.classes[top]);
            for p in &x.probs {
                let _ = write!(s, ",{p:.5}");
            }
            s.push('\n');
        }
    }
    crate::results::write_atomic(path, s.as_bytes())
}

/// The system a timeline is drawn for: the first fusion, else the first model.
pub fn main_system(t: &Timeline) -> Option<String> {
    let systems = &t.windows.first()?.report.systems;
    systems
        .iter()
        .find(|s| s.fused)
        .or(systems.first())
        .map(|s| s.id.clone())
}

/// One line per class: `system`'s probability at each window's centre.
pub fn draw(path: &Path, t: &Timeline, system: &str, title: &str) -> Result<()> {
    let end = t.windows.iter().map(|w| w.end).fold(1e-3, f64::max);
    let area = canvas(path, 1000, 420)?;
    let mut chart = ChartBuilder::on(&area)
        .caption(title, (FAMILY, 18))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..end, 0.0..1.0)
        .map_err(|e| fail(path, e))?;
    chart
        .configure_mesh()
        .x_desc("time (s), window centre")
        .y_desc(format!("p ({system})"))
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .light_line_style(RGBColor(245, 245, 245))
        .draw()
        .map_err(|e| fail(path, e))?;
    for (c, class) in t.classes.iter().enumerate() {
        let color = series_color(c);
        let pts: Vec<(f64, f64)> = t
            .windows
            .iter()
            .filter_map(|w| {
                let x = w.report.systems.iter().find(|s| s.id == system)?;
                Some(((w.start + w.end) / 2.0, f64::from(x.probs[c])))
            })
            .collect();
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(|e| fail(path, e))?
            .label(class.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FAMILY, 13))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| fail(path, e))?;
    area.present().map_err(|e| fail(path, e))
}

#[cfg(test)]
mod tests {
    use super::spans;

    #[test]
    fn windows_cover_the_recording_to_its_end() {
        assert_eq!(spans(10, 4, 2), [(0, 4), (2, 6), (4, 8), (6, 10)]);
        assert_eq!(spans(11, 4, 3), [(0, 4), (3, 7), (6, 10), (7, 11)]);
        assert_eq!(
            spans(3, 4, 2),
            [(0, 3)],
            "shorter than a window: one window"
        );
        assert_eq!(spans(8, 4, 4), [(0, 4), (4, 8)]);
    }
}
