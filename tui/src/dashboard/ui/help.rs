//! The help overlay: every binding of [`BINDINGS`], grouped by where it applies, in one or
//! two columns depending on the width. Each line is cut to its column (with `…`) and the
//! columns are two cells apart, so no text runs into the other column; two columns split
//! at a group heading, so no group straddles them.

use crate::dashboard::app::App;
use crate::dashboard::keys::{Context, BINDINGS};
use crate::dashboard::widgets::{fit, popup};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// Width of the key column.
const KEY: usize = 11;
/// Cells between the two columns.
const GUTTER: u16 = 2;

/// One help entry: a heading, or a key with its help.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// A context heading.
    Heading(&'static str),
    /// Keys and what they do.
    Key(&'static str, &'static str),
}

/// The help entries, grouped by context (keys documented with another are left out).
pub fn entries() -> Vec<Entry> {
    let mut out = Vec::new();
    for ctx in Context::ALL {
        out.push(Entry::Heading(ctx.title()));
        out.extend(
            BINDINGS
                .iter()
                .filter(|b| b.context == ctx && !b.help.is_empty())
                .map(|b| Entry::Key(b.label, b.help)),
        );
    }
    out
}

/// The entries as lines `width` cells wide at most.
pub fn lines(entries: &[Entry], width: usize) -> Vec<Line<'static>> {
    entries
        .iter()
        .map(|e| match e {
            Entry::Heading(t) => Line::from(Span::styled(
                fit(t, width),
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            )),
            Entry::Key(k, h) => Line::from(vec![
                Span::styled(
                    format!(" {:<w$}", fit(k, KEY - 2), w = KEY - 1),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(fit(h, width.saturating_sub(KEY))),
            ]),
        })
        .collect()
}

/// Where two columns split: the heading nearest the middle (so the left one holds at
/// least half, rounded up, and no group is cut).
pub fn split_at(entries: &[Entry]) -> usize {
    let half = entries.len().div_ceil(2);
    let headings = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Entry::Heading(_)))
        .map(|(i, _)| i);
    headings
        .min_by_key(|&i| i.abs_diff(half))
        .filter(|&i| i > 0)
        .unwrap_or(half)
}

/// Draw the help overlay.
pub fn draw(frame: &mut Frame, app: &App) {
    let all = entries();
    let area = frame.area();
    let two = area.width >= 80;
    let cut = if two { split_at(&all) } else { all.len() };
    let per_col = cut.max(all.len() - cut);
    let height = (per_col as u16 + 2).min(area.height);
    let width = if two {
        area.width.min(100)
    } else {
        area.width.min(48)
    };
    let r = popup::open(frame, width, height);
    let rows = r.height.saturating_sub(2) as usize;
    let more = if per_col > rows {
        " · ↑↓ more"
    } else {
        ""
    };
    let block = Block::bordered()
        .title(format!(" Keys (? or Esc closes{more}) "))
        .border_style(Style::new().fg(Color::Cyan));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let scroll = app.help_scroll.min(per_col.saturating_sub(rows)) as u16;
    if two {
        let [a, _, b] = Layout::horizontal([
            Constraint::Fill(1),
            Constraint::Length(GUTTER),
            Constraint::Fill(1),
        ])
        .areas(inner);
        let (left, right) = all.split_at(cut);
        frame.render_widget(
            Paragraph::new(lines(left, a.width as usize)).scroll((scroll, 0)),
            a,
        );
        frame.render_widget(
            Paragraph::new(lines(right, b.width as usize)).scroll((scroll, 0)),
            b,
        );
    } else {
        frame.render_widget(
            Paragraph::new(lines(&all, inner.width as usize)).scroll((scroll, 0)),
            inner,
        );
    }
}
