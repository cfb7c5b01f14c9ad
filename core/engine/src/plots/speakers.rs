//! UA per test speaker, one bar per system, with the chance level (1 / classes) marked:
//! the spread across speakers is what a pooled UA hides.

use super::draw::{canvas, fail, fit, series_color, style, text};
use crate::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::Path;

/// Pixel geometry of the bar chart.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Left edge of the plot.
    pub left: i32,
    /// Top of the plot (UA 1).
    pub top: i32,
    /// Height of the plot (UA 0 at `top + plot_h`).
    pub plot_h: i32,
    /// Width of one bar.
    pub bar: i32,
    /// Width of one speaker's group of bars, gap included.
    pub group: i32,
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
}

impl Layout {
    /// The geometry for `speakers` groups of `systems` bars.
    pub fn new(speakers: usize, systems: usize) -> Layout {
        let (s, m) = (speakers.max(1) as i32, systems.max(1) as i32);
        let bar = (900 / (s * m)).clamp(8, 36);
        let group = bar * m + 16;
        let (left, top, plot_h) = (70, 100, 320);
        Layout {
            left,
            top,
            plot_h,
            bar,
            group,
            width: (left + s * group + 90).max(560) as u32,
            height: (top + plot_h + 70) as u32,
        }
    }

    /// Pixel row of a UA value.
    pub fn y(&self, ua: f64) -> i32 {
        self.top + ((1.0 - ua.clamp(0.0, 1.0)) * f64::from(self.plot_h)).round() as i32
    }

    /// Left edge of bar `system` of speaker `speaker`.
    pub fn x(&self, speaker: usize, system: usize) -> i32 {
        self.left + speaker as i32 * self.group + 8 + system as i32 * self.bar
    }
}

/// Draw the bars: `ua[system][speaker]` (None where a system has no score) to `path`.
pub fn draw(
    path: &Path,
    title: &str,
    systems: &[String],
    speakers: &[String],
    ua: &[Vec<Option<f64>>],
    chance: f64,
) -> Result<()> {
    let l = Layout::new(speakers.len(), systems.len());
    let area = canvas(path, l.width, l.height)?;
    let t = style(20, BLACK, true, HPos::Left, VPos::Top);
    text(
        &area,
        path,
        &fit(&area, title, &t, l.width - 24),
        12,
        10,
        &t,
    )?;
    // Legend: one swatch per system.
    let mut x = 14;
    let leg = style(14, BLACK, false, HPos::Left, VPos::Center);
    for (s, name) in systems.iter().enumerate() {
        area.draw(&Rectangle::new(
            [(x, 46), (x + 14, 60)],
            series_color(s).filled(),
        ))
        .map_err(|e| fail(path, e))?;
        text(&area, path, name, x + 20, 53, &leg)?;
        x += 40 + super::draw::width(&area, name, &leg) as i32;
    }
    // Axis, grid and ticks.
    let grid = RGBColor(225, 225, 225);
    let right = l.left + speakers.len() as i32 * l.group;
    let tick = style(13, RGBColor(60, 60, 60), false, HPos::Right, VPos::Center);
    for i in 0..=5 {
        let v = f64::from(i) / 5.0;
        let y = l.y(v);
        area.draw(&PathElement::new(
            vec![(l.left, y), (right, y)],
            grid.stroke_width(1),
        ))
        .map_err(|e| fail(path, e))?;
        text(&area, path, &format!("{v:.1}"), l.left - 8, y, &tick)?;
    }
    let axis = style(14, RGBColor(60, 60, 60), true, HPos::Left, VPos::Bottom);
    text(&area, path, "UA", 14, l.top - 10, &axis)?;
    // Bars, values on top where they fit.
    for (s, row) in ua.iter().enumerate() {
        for (k, v) in row.iter().enumerate() {
            let Some(v) = v else { continue };
            let x0 = l.x(k, s);
            area.draw(&Rectangle::new(
                [(x0, l.y(*v)), (x0 + l.bar - 2, l.y(0.0))],
                series_color(s).filled(),
            ))
            .map_err(|e| fail(path, e))?;
            if l.bar >= 28 {
                let val = style(11, BLACK, false, HPos::Center, VPos::Bottom);
                text(
                    &area,
                    path,
                    &format!("{v:.2}"),
                    x0 + (l.bar - 2) / 2,
                    l.y(*v) - 2,
                    &val,
                )?;
            }
        }
    }
    // Chance level, dashed.
    let yc = l.y(chance);
    let mut x = l.left;
    while x < right {
        area.draw(&PathElement::new(
            vec![(x, yc), ((x + 8).min(right), yc)],
            RGBColor(200, 30, 30).stroke_width(2),
        ))
        .map_err(|e| fail(path, e))?;
        x += 14;
    }
    let ch = style(12, RGBColor(200, 30, 30), false, HPos::Left, VPos::Center);
    text(
        &area,
        path,
        &format!("chance {chance:.2}"),
        right + 6,
        yc,
        &ch,
    )?;
    // Speaker names under their groups.
    let size = if l.group >= 48 { 13 } else { 11 };
    let name = style(size, BLACK, false, HPos::Center, VPos::Top);
    for (k, s) in speakers.iter().enumerate() {
        let cx = l.left + k as i32 * l.group + l.group / 2;
        text(
            &area,
            path,
            &fit(&area, s, &name, (l.group - 2) as u32),
            cx,
            l.y(0.0) + 8,
            &name,
        )?;
    }
    let foot = style(13, RGBColor(60, 60, 60), true, HPos::Center, VPos::Bottom);
    text(
        &area,
        path,
        "test speaker",
        (l.left + right) / 2,
        l.height as i32 - 8,
        &foot,
    )?;
    area.present().map_err(|e| fail(path, e))
}
