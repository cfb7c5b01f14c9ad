//! The variant form on top of the screen: a new run of the chosen experiment or run with
//! another seed and learning rate.

use crate::dashboard::app::VariantForm;
use crate::dashboard::widgets::{fit, popup};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// Draw the form.
pub fn draw(frame: &mut Frame, f: &VariantForm) {
    let area = popup::open(frame, 60, 9);
    let w = area.width.saturating_sub(2) as usize;
    let field = |i: usize, label: &str, value: &str, keep: String| {
        let focused = f.field == i;
        let st = if focused {
            Style::new().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        };
        let cursor = if focused { "▏" } else { "" };
        let shown = if value.is_empty() {
            format!("{cursor}{keep}")
        } else {
            format!("{value}{cursor}")
        };
        Line::from(vec![
            Span::styled(
                format!("{label:<6}"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{shown:<20}"), st),
        ])
    };
    let base = f
        .base_seed
        .map(|s| format!("(keep {s})"))
        .unwrap_or_else(|| "(keep)".into());
    let mut lines = vec![
        Line::from(fit(&format!("from {}", f.source.display()), w)),
        Line::from(""),
        field(0, "seed", &f.seed, base),
        field(1, "lr", &f.lr, "(keep each model's)".into()),
        Line::from(""),
    ];
    lines.push(match &f.error {
        Some(e) => Line::from(Span::styled(fit(e, w), Style::new().fg(Color::Yellow))),
        None => Line::from(Span::styled(
            fit("Tab next field · Enter launch · Esc cancel", w),
            Style::new().fg(Color::DarkGray),
        )),
    });
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(format!(" Variant of {} ", fit(&f.name, 40)))
                .border_style(Style::new().fg(Color::Cyan)),
        ),
        area,
    );
}
