//! Loss per epoch: one line per fold, training loss on the left and validation loss on the
//! right (with each fold's best validation epoch circled, the one early stopping keeps).

use super::draw::{canvas, fail, fit, series_color, style, text};
use super::font::FAMILY;
use crate::epochs::EpochRow;
use crate::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::BTreeMap;
use std::path::Path;

/// Draw the loss curves of one model (`rows` of that model only) to `path`.
pub fn draw(path: &Path, title: &str, rows: &[EpochRow]) -> Result<()> {
    let has_valid = rows.iter().any(|r| r.valid_loss.is_some());
    let (w, h) = (if has_valid { 1100 } else { 620 }, 460);
    let area = canvas(path, w, h)?;
    let (head, body) = area.split_vertically(44);
    let t = style(20, BLACK, true, HPos::Left, VPos::Top);
    text(&head, path, &fit(&head, title, &t, w - 24), 12, 10, &t)?;
    let panels = if has_valid {
        body.split_evenly((1, 2))
    } else {
        vec![body]
    };
    let mut by_fold: BTreeMap<usize, Vec<&EpochRow>> = BTreeMap::new();
    for r in rows {
        by_fold.entry(r.fold).or_default().push(r);
    }
    for v in by_fold.values_mut() {
        v.sort_by_key(|r| r.epoch);
    }
    let last_epoch = rows.iter().map(|r| r.epoch).max().unwrap_or(0).max(1) as f64;
    for (i, panel) in panels.iter().enumerate() {
        let valid = i == 1;
        let value = |r: &EpochRow| {
            if valid {
                r.valid_loss
            } else {
                Some(r.train_loss)
            }
        };
        let vals: Vec<f64> = rows
            .iter()
            .filter_map(value)
            .filter(|v| v.is_finite())
            .collect();
        let (lo, hi) = vals
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let pad = ((hi - lo) * 0.08).max(1e-3);
        let mut chart = ChartBuilder::on(panel)
            .caption(
                if valid {
                    "validation loss"
                } else {
                    "training loss"
                },
                (FAMILY, 16),
            )
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..last_epoch, (lo - pad).max(0.0).min(lo)..hi + pad)
            .map_err(|e| fail(path, e))?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc("loss")
            .label_style((FAMILY, 13))
            .axis_desc_style((FAMILY, 14))
            .light_line_style(RGBColor(245, 245, 245))
            .draw()
            .map_err(|e| fail(path, e))?;
        for (&fold, frs) in &by_fold {
            let color = series_color(fold);
            let pts: Vec<(f64, f64)> = frs
                .iter()
                .filter_map(|r| value(r).map(|v| (r.epoch as f64, v)))
                .filter(|(_, v)| v.is_finite())
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(|e| fail(path, e))?
                .label(format!("fold {}", fold + 1))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
                });
            if valid {
                if let Some(best) = pts.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
                    chart
                        .draw_series(std::iter::once(Circle::new(
                            *best,
                            5,
                            color.stroke_width(2),
                        )))
                        .map_err(|e| fail(path, e))?;
                }
            }
        }
        if i + 1 == panels.len() && by_fold.len() <= 12 {
            chart
                .configure_series_labels()
                .label_font((FAMILY, 13))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(|e| fail(path, e))?;
        }
    }
    area.present().map_err(|e| fail(path, e))
}
