//! Confusion-matrix heat-map: rows are reference classes, columns predictions; each cell
//! shows its count and its share of the row (the recall for diagonal cells), and is shaded
//! by that share, so rows of rare and frequent classes read on the same scale.

use super::draw::{canvas, fail, fit, ink_on, style, text};
use crate::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::Path;

/// Pixel geometry of a heat-map of `k` classes.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Left edge of the first column.
    pub left: i32,
    /// Top edge of the first row.
    pub top: i32,
    /// Side of a cell.
    pub cell: i32,
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
}

impl Layout {
    /// The geometry for `k` classes.
    pub fn new(k: usize) -> Layout {
        let k = k.max(1) as i32;
        let cell = (600 / k).clamp(48, 120);
        let (left, top) = (150, 96);
        Layout {
            left,
            top,
            cell,
            width: (left + k * cell + 40).max(680) as u32,
            height: (top + k * cell + 64) as u32,
        }
    }

    /// Centre of cell (`row`, `col`).
    pub fn center(&self, row: usize, col: usize) -> (i32, i32) {
        (
            self.left + col as i32 * self.cell + self.cell / 2,
            self.top + row as i32 * self.cell + self.cell / 2,
        )
    }
}

/// The shade of a row share in [0, 1]: matplotlib's "Blues" end points and middle.
pub fn shade(share: f64) -> RGBColor {
    let stops = [
        (247.0, 251.0, 255.0),
        (107.0, 174.0, 214.0),
        (8.0, 48.0, 107.0),
    ];
    let s = share.clamp(0.0, 1.0) * 2.0;
    let (a, b, t) = if s <= 1.0 {
        (stops[0], stops[1], s)
    } else {
        (stops[1], stops[2], s - 1.0)
    };
    let mix = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Draw the heat-map of `counts` (rows = reference) to `path`.
pub fn draw(
    path: &Path,
    title: &str,
    subtitle: &str,
    classes: &[String],
    counts: &[Vec<usize>],
) -> Result<()> {
    let k = classes.len();
    let l = Layout::new(k);
    let area = canvas(path, l.width, l.height)?;
    let title_style = style(20, BLACK, true, HPos::Left, VPos::Top);
    let small = style(14, RGBColor(80, 80, 80), false, HPos::Left, VPos::Top);
    text(
        &area,
        path,
        &fit(&area, title, &title_style, l.width - 24),
        12,
        10,
        &title_style,
    )?;
    text(
        &area,
        path,
        &fit(&area, subtitle, &small, l.width - 24),
        12,
        38,
        &small,
    )?;
    let axis = style(14, RGBColor(60, 60, 60), true, HPos::Right, VPos::Bottom);
    text(&area, path, "reference", l.left - 8, l.top - 6, &axis)?;
    let axis = style(14, RGBColor(60, 60, 60), true, HPos::Center, VPos::Bottom);
    let mid = l.left + k as i32 * l.cell / 2;
    text(&area, path, "prediction", mid, l.height as i32 - 10, &axis)?;
    let label_size = if l.cell >= 80 { 15 } else { 13 };
    for (i, c) in classes.iter().enumerate() {
        let (x, y) = l.center(i, i);
        let row = style(label_size, BLACK, false, HPos::Right, VPos::Center);
        text(
            &area,
            path,
            &fit(&area, c, &row, (l.left - 16) as u32),
            l.left - 8,
            y,
            &row,
        )?;
        let col = style(label_size, BLACK, false, HPos::Center, VPos::Top);
        let bottom = l.top + k as i32 * l.cell;
        text(
            &area,
            path,
            &fit(&area, c, &col, (l.cell - 4) as u32),
            x,
            bottom + 8,
            &col,
        )?;
    }
    for (r, row) in counts.iter().enumerate() {
        let total: usize = row.iter().sum();
        for (c, &n) in row.iter().enumerate() {
            let share = if total > 0 {
                n as f64 / total as f64
            } else {
                0.0
            };
            let fill = shade(share);
            let (x0, y0) = (l.left + c as i32 * l.cell, l.top + r as i32 * l.cell);
            area.draw(&Rectangle::new(
                [(x0, y0), (x0 + l.cell, y0 + l.cell)],
                fill.filled(),
            ))
            .map_err(|e| fail(path, e))?;
            area.draw(&Rectangle::new(
                [(x0, y0), (x0 + l.cell, y0 + l.cell)],
                RGBColor(255, 255, 255).stroke_width(1),
            ))
            .map_err(|e| fail(path, e))?;
            let (cx, cy) = l.center(r, c);
            let ink = ink_on(fill);
            if l.cell >= 64 {
                let big = style(17, ink, true, HPos::Center, VPos::Bottom);
                let pct = style(12, ink, false, HPos::Center, VPos::Top);
                text(&area, path, &n.to_string(), cx, cy + 2, &big)?;
                if n > 0 {
                    text(
                        &area,
                        path,
                        &format!("{:.0}%", share * 100.0),
                        cx,
                        cy + 4,
                        &pct,
                    )?;
                }
            } else {
                let mid = style(13, ink, true, HPos::Center, VPos::Center);
                text(&area, path, &n.to_string(), cx, cy, &mid)?;
            }
        }
    }
    area.present().map_err(|e| fail(path, e))
}
