//! Horizontal bars with a label and a value (per-class recall, UA per system): one line per
//! bar, eighth-block precision, so a narrow terminal still shows differences of a few percent.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// One bar: label, value in [0, 1] (or none), and an optional note after the value.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Label on the left.
    pub label: String,
    /// Value in [0, 1]; `None` draws `-`.
    pub value: Option<f64>,
    /// Text after the value (`n=36`).
    pub note: String,
    /// Draw highlighted (e.g. the fused system).
    pub highlight: bool,
}

/// A list of bars sharing one scale from 0 to 1.
pub struct Bars<'a>(pub &'a [Bar]);

const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// The bar glyphs for `value` over `width` cells.
pub fn bar_text(value: f64, width: usize) -> String {
    let eighths = (value.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    if eighths % 8 > 0 && s.chars().count() < width {
        s.push(EIGHTHS[eighths % 8]);
    }
    s
}

impl Widget for Bars<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let label_w = self
            .0
            .iter()
            .map(|b| b.label.chars().count())
            .max()
            .unwrap_or(0)
            .min(area.width as usize / 3);
        let note_w = self
            .0
            .iter()
            .map(|b| b.note.chars().count())
            .max()
            .unwrap_or(0);
        // label, space, bar, space, "100.0%", space, note
        let fixed = label_w + 1 + 1 + 6 + if note_w > 0 { 1 + note_w } else { 0 };
        let bar_w = (area.width as usize).saturating_sub(fixed).max(1);
        for (i, b) in self.0.iter().enumerate().take(area.height as usize) {
            let style = if b.highlight {
                Style::new().fg(Color::Yellow)
            } else {
                Style::new().fg(Color::Cyan)
            };
            let (bar, val) = match b.value {
                Some(v) => (bar_text(v, bar_w), format!("{:>5.1}%", v * 100.0)),
                None => (String::new(), format!("{:>6}", "-")),
            };
            let pad = bar_w.saturating_sub(bar.chars().count());
            let line = Line::from(vec![
                Span::raw(format!("{:<label_w$} ", super::fit(&b.label, label_w))),
                Span::styled(bar, style),
                Span::styled("·".repeat(pad), Style::new().fg(Color::DarkGray)),
                Span::raw(format!(" {val}")),
                Span::raw(if note_w > 0 {
                    format!(" {}", b.note)
                } else {
                    String::new()
                }),
            ]);
            buf.set_line(area.x, area.y + i as u16, &line, area.width);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_with_eighths() {
        assert_eq!(bar_text(1.0, 4), "████");
        assert_eq!(bar_text(0.5, 4), "██");
        assert_eq!(bar_text(0.0, 4), "");
        assert_eq!(bar_text(0.25 + 1.0 / 32.0, 4), "█▏");
    }
}
