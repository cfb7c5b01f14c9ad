//! Small drawing helpers shared by the plots: a white canvas, anchored text, errors that
//! name the file. Plots that place categories (classes, speakers) lay them out in pixels
//! themselves, which keeps every label exactly under its cell or bar.

use super::font::{self, FAMILY};
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// The drawing area of a PNG being drawn.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// A white canvas of `w` x `h` pixels writing to `path` when presented.
pub fn canvas(path: &Path, w: u32, h: u32) -> Result<Area<'_>> {
    font::ensure();
    let area = BitMapBackend::new(path, (w, h)).into_drawing_area();
    area.fill(&WHITE).map_err(|e| fail(path, e))?;
    Ok(area)
}

/// An error naming the plot file.
pub fn fail(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        path,
        std::io::Error::other(format!("drawing the plot: {e}")),
    )
}

/// A text style of `size` pixels, anchored at `(h, v)`.
pub fn style(size: u32, color: RGBColor, bold: bool, h: HPos, v: VPos) -> TextStyle<'static> {
    let font = if bold {
        (FAMILY, size as f64, FontStyle::Bold).into_font()
    } else {
        (FAMILY, size as f64).into_font()
    };
    font.color(&color).pos(Pos::new(h, v))
}

/// Draw `s` at `(x, y)` with `style`.
pub fn text(
    area: &Area<'_>,
    path: &Path,
    s: &str,
    x: i32,
    y: i32,
    st: &TextStyle<'_>,
) -> Result<()> {
    area.draw(&Text::new(s.to_string(), (x, y), st.clone()))
        .map_err(|e| fail(path, e))
}

/// Width in pixels of `s` in `style`.
pub fn width(area: &Area<'_>, s: &str, st: &TextStyle<'_>) -> u32 {
    area.estimate_text_size(s, st).map(|(w, _)| w).unwrap_or(0)
}

/// Shorten `s` with an ellipsis until it fits in `max` pixels.
pub fn fit(area: &Area<'_>, s: &str, st: &TextStyle<'_>, max: u32) -> String {
    if width(area, s, st) <= max {
        return s.to_string();
    }
    let mut chars: Vec<char> = s.chars().collect();
    while chars.len() > 1 {
        chars.pop();
        let t: String = chars.iter().collect::<String>() + "…";
        if width(area, &t, st) <= max {
            return t;
        }
    }
    s.chars().take(1).collect()
}

/// Dark text on light fills, white text on dark ones.
pub fn ink_on(fill: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = fill;
    let luma = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luma < 140.0 {
        WHITE
    } else {
        BLACK
    }
}

/// A colour per series (fold, system), readable on white and distinct for up to 10.
pub fn series_color(i: usize) -> RGBColor {
    // Tableau 10, the matplotlib default cycle.
    const C: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let (r, g, b) = C[i % C.len()];
    RGBColor(r, g, b)
}
