//! The help overlay: every binding of [`BINDINGS`], grouped by where it applies, in one or
//! two columns depending on the width.

use crate::dashboard::app::App;
use crate::dashboard::keys::{Context, BINDINGS};
use crate::dashboard::widgets::popup;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// The help lines, grouped by context.
pub fn lines() -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for ctx in Context::ALL {
        out.push(Line::from(Span::styled(
            ctx.title(),
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        )));
        for b in BINDINGS.iter().filter(|b| b.context == ctx) {
            out.push(Line::from(vec![
                Span::styled(
                    format!(" {:<9} ", b.label),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(b.help),
            ]));
        }
    }
    out
}

/// Draw the help overlay.
pub fn draw(frame: &mut Frame, app: &App) {
    let all = lines();
    let area = frame.area();
    let two = area.width >= 78;
    let per_col = if two {
        all.len().div_ceil(2)
    } else {
        all.len()
    };
    let height = (per_col as u16 + 2).min(area.height);
    let width = if two { 78 } else { 44.min(area.width) };
    let r = popup::open(frame, width, height);
    let block = Block::bordered()
        .title(" Keys (? or Esc closes) ")
        .border_style(Style::new().fg(Color::Cyan));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let rows = inner.height as usize;
    let scroll = app.help_scroll.min(per_col.saturating_sub(rows));
    if two {
        // Split at a context heading so no group straddles the columns awkwardly.
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        let (left, right) = all.split_at(per_col);
        frame.render_widget(Paragraph::new(left.to_vec()).scroll((scroll as u16, 0)), a);
        frame.render_widget(Paragraph::new(right.to_vec()).scroll((scroll as u16, 0)), b);
    } else {
        frame.render_widget(Paragraph::new(all).scroll((scroll as u16, 0)), inner);
    }
}
