//! Screen 5: two or more runs side by side (UA, WA, per-class recall, per-speaker UA), the
//! best value of each row highlighted.

use crate::dashboard::app::App;
use crate::dashboard::compare::{compare, Row as CRow};
use crate::dashboard::widgets::{fit, score, title};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Text};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

/// Width of a value column.
const COL: u16 = 16;

/// Draw the compare screen.
pub fn draw(frame: &mut Frame, app: &App, body: Rect) {
    let runs = app.browser.marked_results();
    if runs.len() < 2 {
        super::empty(
            frame,
            body,
            " Compare ",
            "Mark two or more runs with Space on screen 1 (Experiments, runs list), then press c.",
        );
        return;
    }
    let cmp = compare(&runs, app.compare_all);
    // Table on top; the fold warning, settings that differ and paired tests below.
    let extra_h = (body.height / 3).max(6);
    let warn_h = u16::from(cmp.warning.is_some());
    let [warn, body, extra] = Layout::vertical([
        Constraint::Length(warn_h),
        Constraint::Min(6),
        Constraint::Length(extra_h),
    ])
    .areas(body);
    if let Some(w) = &cmp.warning {
        frame.render_widget(
            Paragraph::new(fit(&format!("⚠ {w}"), warn.width as usize))
                .style(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
            warn,
        );
    }
    let extra_data = app
        .compare_extra
        .as_ref()
        .filter(|e| e.dirs == app.browser.marked);
    super::compare_extra::draw(frame, extra_data, extra);
    let label_w = 14u16;
    let fits = ((body.width.saturating_sub(2 + label_w)) / (COL + 1)).max(1) as usize;
    let hidden = cmp.columns.len().saturating_sub(fits);
    let cols = &cmp.columns[..cmp.columns.len().min(fits)];
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut header = vec![Cell::from(Text::from(vec![
        Line::from("run"),
        Line::from("started"),
        Line::from("system"),
    ]))];
    for c in cols {
        let (name, stamp) = c.run.split_once('@').unwrap_or((&c.run, ""));
        let mut sys = c.system.clone();
        if c.status != "finished" {
            sys = format!("{sys} ({})", c.status);
        }
        header.push(Cell::from(Text::from(vec![
            Line::from(fit(name, COL as usize)),
            Line::from(fit(stamp, COL as usize)),
            Line::from(fit(&sys, COL as usize)),
        ])));
    }
    let rows_fit = body.height.saturating_sub(6) as usize;
    let scroll = app
        .compare_scroll
        .min(cmp.rows.len().saturating_sub(rows_fit));
    let rows: Vec<Row> = cmp
        .rows
        .iter()
        .skip(scroll)
        .take(rows_fit)
        .map(|r| match r {
            CRow::Section(t) => Row::new(vec![Cell::from(t.clone())]).style(bold.fg(Color::Cyan)),
            CRow::Values {
                label,
                values,
                higher_is_better,
            } => {
                let vals = &values[..cols.len()];
                let present = vals.iter().flatten().count();
                let best = vals
                    .iter()
                    .flatten()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max);
                let mut cells = vec![Cell::from(format!("  {}", fit(label, 12)))];
                cells.extend(vals.iter().map(|v| {
                    let c = Cell::from(format!("{:>7}", score(*v)));
                    if *higher_is_better && present > 1 && v.is_some_and(|x| x == best) {
                        c.style(Style::new().fg(Color::Green).add_modifier(Modifier::BOLD))
                    } else {
                        c
                    }
                }));
                Row::new(cells)
            }
        })
        .collect();
    let mut widths = vec![Constraint::Length(label_w)];
    widths.extend(cols.iter().map(|_| Constraint::Length(COL)));
    let more = if hidden > 0 {
        format!(" · {hidden} more column(s) do not fit ")
    } else {
        String::new()
    };
    let what = if app.compare_all {
        "every system"
    } else {
        "headline systems"
    };
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).height(3).style(bold))
            .block(Block::bordered().title(title(
                &format!(
                    " Compare {} runs ({what}; rows {}-{} of {}) {more}",
                    runs.len(),
                    scroll + 1,
                    (scroll + rows_fit).min(cmp.rows.len()),
                    cmp.rows.len()
                ),
                body.width,
            ))),
        body,
    );
}
