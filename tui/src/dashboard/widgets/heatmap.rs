//! The confusion matrix as a heat map: rows are reference classes, columns predictions,
//! each cell the count and the row-normalised percentage, shaded by that percentage.
//! It picks the widest layout that fits: `count pct%` on one line, then count over
//! percentage on two lines, then percentages only (saying so in [`Heatmap::note`]).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Widget;

/// How cells are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `12 34%` on one line.
    Wide,
    /// Count over percentage, two lines a row.
    Tall,
    /// Percentages only.
    Percent,
}

/// A confusion matrix with class names.
pub struct Heatmap<'a> {
    /// Class names, in matrix order.
    pub classes: &'a [String],
    /// Counts, rows = reference.
    pub counts: &'a [Vec<usize>],
}

/// The 256-colour shade for a row share in [0, 1]: dark blue to cyan.
pub fn shade(p: f64) -> Color {
    const RAMP: [u8; 8] = [234, 17, 18, 19, 25, 31, 37, 44];
    let i = (p.clamp(0.0, 1.0) * (RAMP.len() - 1) as f64).round() as usize;
    Color::Indexed(RAMP[i])
}

impl Heatmap<'_> {
    fn label_w(&self) -> usize {
        self.classes
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(8, 12)
    }

    fn count_w(&self) -> usize {
        let max = self.counts.iter().flatten().copied().max().unwrap_or(0);
        max.to_string().len()
    }

    /// Cell width (without the separating space) in `mode`.
    fn cell_w(&self, mode: Mode) -> usize {
        match mode {
            Mode::Wide => self.count_w() + 1 + 4,
            Mode::Tall => self.count_w().max(4),
            Mode::Percent => 4,
        }
    }

    /// Width and height the matrix needs in `mode`.
    pub fn size(&self, mode: Mode) -> (u16, u16) {
        let k = self.classes.len();
        let w = self.label_w() + k * (self.cell_w(mode) + 1);
        let rows = if mode == Mode::Tall { 2 * k } else { k };
        (w as u16, (rows + 1) as u16)
    }

    /// The widest mode that fits `width` x `height`, with the size it needs.
    pub fn layout(&self, width: u16, height: u16) -> (Mode, (u16, u16)) {
        for m in [Mode::Wide, Mode::Tall] {
            let (w, h) = self.size(m);
            if w <= width && h <= height {
                return (m, (w, h));
            }
        }
        (Mode::Percent, self.size(Mode::Percent))
    }

    /// The widest mode that fits `area`.
    pub fn mode_for(&self, area: Rect) -> Mode {
        self.layout(area.width, area.height).0
    }

    /// What a reader should know about the chosen mode.
    pub fn note(mode: Mode) -> &'static str {
        match mode {
            Mode::Percent => "counts hidden: enlarge the terminal",
            _ => "",
        }
    }
}

impl Widget for Heatmap<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let mode = self.mode_for(area);
        let lw = self.label_w();
        let cw = self.cell_w(mode);
        let right = area.x + area.width;
        let put = |buf: &mut Buffer, x: usize, y: u16, s: &str, st: Style| {
            let x = area.x + x as u16;
            if x < right && y < area.y + area.height {
                buf.set_stringn(x, y, s, (right - x) as usize, st);
            }
        };
        let dim = Style::new().fg(Color::DarkGray);
        put(buf, 0, area.y, &format!("{:<lw$}", "ref\\pred"), dim);
        for (j, c) in self.classes.iter().enumerate() {
            let x = lw + j * (cw + 1) + 1;
            put(
                buf,
                x,
                area.y,
                &format!("{:>cw$}", super::fit(c, cw)),
                Style::new().add_modifier(Modifier::BOLD),
            );
        }
        let lines = if mode == Mode::Tall { 2 } else { 1 };
        for (i, (c, row)) in self.classes.iter().zip(self.counts).enumerate() {
            let y = area.y + 1 + (i * lines) as u16;
            put(
                buf,
                0,
                y,
                &format!("{:<lw$}", super::fit(c, lw)),
                Style::new().add_modifier(Modifier::BOLD),
            );
            let total: usize = row.iter().sum();
            for (j, &n) in row.iter().enumerate() {
                let p = if total > 0 {
                    n as f64 / total as f64
                } else {
                    0.0
                };
                let mut st = Style::new().bg(shade(p)).fg(if p >= 0.6 {
                    Color::Black
                } else {
                    Color::White
                });
                if i == j {
                    st = st.add_modifier(Modifier::BOLD);
                }
                let pct = format!("{:.0}%", p * 100.0);
                let x = lw + j * (cw + 1) + 1;
                match mode {
                    Mode::Wide => put(buf, x, y, &format!("{:>cw$}", format!("{n} {pct:>4}")), st),
                    Mode::Tall => {
                        put(buf, x, y, &format!("{n:>cw$}"), st);
                        put(buf, x, y + 1, &format!("{pct:>cw$}"), st);
                    }
                    Mode::Percent => put(buf, x, y, &format!("{pct:>cw$}"), st),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(n: usize) -> Vec<String> {
        [
            "neutral",
            "happy",
            "sad",
            "angry",
            "fear",
            "disgust",
            "boredom",
            "surprised",
        ]
        .iter()
        .take(n)
        .map(|s| s.to_string())
        .collect()
    }

    fn text(buf: &Buffer) -> String {
        let a = buf.area;
        (a.y..a.y + a.height)
            .map(|y| {
                (a.x..a.x + a.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn cells_show_counts_and_row_percentages() {
        let c = classes(2);
        let m = vec![vec![3, 1], vec![0, 4]];
        let area = Rect::new(0, 0, 40, 3);
        let mut buf = Buffer::empty(area);
        Heatmap {
            classes: &c,
            counts: &m,
        }
        .render(area, &mut buf);
        let t = text(&buf);
        assert!(t.contains("3  75%") && t.contains("1  25%"), "{t}");
        assert!(t.contains("4 100%") && t.contains("0   0%"), "{t}");
        assert!(t.lines().nth(1).unwrap().starts_with("neutral"), "{t}");
        // Only the perfect row has a cell in the brightest shade.
        let brightest = |y: u16| (0..area.width).any(|x| buf[(x, y)].bg == shade(1.0));
        assert!(brightest(2) && !brightest(1), "{t}");
    }

    #[test]
    fn narrow_areas_fall_back_to_taller_then_percent_cells() {
        let c = classes(8);
        let m = vec![vec![100; 8]; 8];
        let h = Heatmap {
            classes: &c,
            counts: &m,
        };
        assert_eq!(h.mode_for(Rect::new(0, 0, 90, 20)), Mode::Wide);
        assert_eq!(h.mode_for(Rect::new(0, 0, 60, 20)), Mode::Tall);
        assert_eq!(h.mode_for(Rect::new(0, 0, 60, 12)), Mode::Percent);
    }
}
