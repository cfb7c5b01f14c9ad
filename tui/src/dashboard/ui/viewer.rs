//! A scrollable text over the body: an experiment file, or a run's summary and resolved
//! `config.toml`.

use crate::dashboard::app::TextView;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// Draw the text view.
pub fn draw(frame: &mut Frame, v: &TextView, area: Rect) {
    let rows = area.height.saturating_sub(2) as usize;
    let end = (v.scroll + rows).min(v.lines.len());
    let title = format!(
        " {} · lines {}-{end} of {} · Esc closes ",
        v.title,
        (v.scroll + 1).min(end),
        v.lines.len()
    );
    let text: Vec<ratatui::text::Line> = v.lines[v.scroll.min(v.lines.len())..end]
        .iter()
        .map(|l| ratatui::text::Line::from(l.clone()))
        .collect();
    frame.render_widget(
        Paragraph::new(text).block(Block::bordered().title(title)),
        area,
    );
}
