//! Under the compare table: the warning when folds do not match, the parameters that differ
//! between the runs (from their resolved `config.toml`) and the paired tests of
//! `serlab compare` (Wilcoxon and paired t over matched folds, McNemar over shared
//! utterances), as that command prints them.

use crate::dashboard::folders::CompareExtra;
use crate::dashboard::widgets::{fit, title};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// The lines of the parameter differences, `width` cells wide at most.
pub fn param_lines(extra: &CompareExtra, width: usize) -> Vec<Line<'static>> {
    if extra.params.is_empty() {
        return vec![Line::from(Span::styled(
            "same settings (config.toml) apart from the output folder",
            Style::new().fg(Color::DarkGray),
        ))];
    }
    extra
        .params
        .iter()
        .map(|p| {
            let values = p
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{}={}", letter(i), v.as_deref().unwrap_or("-")))
                .collect::<Vec<_>>()
                .join("  ");
            Line::from(vec![
                Span::styled(
                    format!("{} ", p.key),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(values),
            ])
        })
        .map(|l| cut_line(l, width))
        .collect()
}

/// `A`, `B`, ... as `serlab compare` labels the runs.
fn letter(i: usize) -> char {
    (b'A' + (i % 26) as u8) as char
}

fn cut_line(l: Line<'static>, width: usize) -> Line<'static> {
    let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
    if text.chars().count() <= width {
        l
    } else {
        Line::from(fit(&text, width))
    }
}

/// Draw the warning, parameters and tests in `area`.
pub fn draw(frame: &mut Frame, extra: Option<&CompareExtra>, area: Rect) {
    let Some(extra) = extra else {
        frame.render_widget(
            Paragraph::new("reading the runs' settings and predictions…")
                .style(Style::new().fg(Color::DarkGray))
                .block(Block::bordered()),
            area,
        );
        return;
    };
    let [p_area, t_area] = if area.width >= 120 {
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area)
    };
    let pw = p_area.width.saturating_sub(2) as usize;
    let rows = p_area.height.saturating_sub(2) as usize;
    let n = extra.params.len();
    let more = if n > rows {
        format!(", {rows} shown")
    } else {
        String::new()
    };
    let heading = format!(" Settings that differ ({n}{more}; A = first run) ");
    frame.render_widget(
        Paragraph::new(param_lines(extra, pw))
            .block(Block::bordered().title(title(&heading, p_area.width))),
        p_area,
    );
    let tw = t_area.width.saturating_sub(2) as usize;
    let tests: Vec<Line> = match &extra.tests {
        Ok(text) => text
            .lines()
            // The first lines repeat the table above; the tests start at the first "vs".
            .skip_while(|l| !l.contains(" vs "))
            .map(|l| Line::from(fit(l, tw)))
            .collect(),
        Err(e) => vec![Line::from(Span::styled(
            fit(&format!("no paired tests: {e}"), tw),
            Style::new().fg(Color::Yellow),
        ))],
    };
    frame.render_widget(
        Paragraph::new(tests).block(Block::bordered().title(title(
            " Paired tests against A (serlab compare) ",
            t_area.width,
        ))),
        t_area,
    );
}
