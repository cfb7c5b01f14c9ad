//! Screen 1: the experiment files of the folder and the runs of the selected experiment.

use super::layout;
use crate::dashboard::app::App;
use crate::dashboard::browser::Pane;
use crate::dashboard::widgets::{fit, score};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

fn row_style(selected: bool, focused: bool) -> Style {
    match (selected, focused) {
        (true, true) => Style::new().fg(Color::Black).bg(Color::Cyan),
        (true, false) => Style::new().add_modifier(Modifier::REVERSED),
        _ => Style::new(),
    }
}

fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

/// Draw the browser.
pub fn draw(frame: &mut Frame, app: &App, body: Rect) {
    let b = &app.browser;
    let [mut top, bottom] = layout::browser(body, b.experiments.len());
    let focus_exp = b.focus == Pane::Experiments;
    if layout::wide(body) {
        let [list, details] = layout::browser_left(top, b.experiments.len());
        top = list;
        draw_details(frame, app, details);
    }

    let title = format!(" Experiments in {} ", b.dir.display());
    if b.experiments.is_empty() {
        frame.render_widget(
            Paragraph::new(format!(
                "No .toml experiment file in {}. Start serlab tui with the experiments folder, e.g. `serlab tui experiments`.",
                b.dir.display()
            ))
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(title).border_style(border(focus_exp))),
            top,
        );
    } else {
        let rows_fit = layout::table_rows(top);
        let off = layout::offset(b.exp_sel, rows_fit);
        let rows: Vec<Row> = b
            .experiments
            .iter()
            .enumerate()
            .skip(off)
            .take(rows_fit)
            .map(|(i, e)| {
                let st = row_style(i == b.exp_sel, focus_exp);
                match &e.summary {
                    Ok(s) => {
                        let mut models = s
                            .models
                            .iter()
                            .map(|m| m.split(' ').next().unwrap_or(m).to_string())
                            .collect::<Vec<_>>()
                            .join(", ");
                        if let Some(f) = &s.fusion {
                            models.push_str(&format!(" + {f}"));
                        }
                        // Cut to the columns with `…`, so a shortened name shows it is.
                        let mw = top.width.saturating_sub(2 + 16 + 10 + 16 + 3) as usize;
                        Row::new(vec![
                            Cell::from(fit(&s.name, 16)),
                            Cell::from(fit(&s.corpus, 10)),
                            Cell::from(fit(&s.protocol, 16)),
                            Cell::from(fit(&models, mw)),
                        ])
                        .style(st)
                    }
                    Err(msg) => {
                        // The file is named in the row already; keep the key and reason.
                        let file = e.path.display().to_string();
                        let short = msg
                            .strip_prefix(&file)
                            .map(|m| m.trim_start_matches(": "))
                            .unwrap_or(msg);
                        let red = Style::new().fg(Color::Red);
                        Row::new(vec![
                            Cell::from(fit(&e.name(), 16)),
                            Cell::from(Span::styled("invalid", red)),
                            Cell::from(""),
                            Cell::from(Span::styled(short.to_string(), red)),
                        ])
                        .style(st)
                    }
                }
            })
            .collect();
        let header = Row::new(["name", "corpus", "protocol", "models"])
            .style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
        frame.render_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(16),
                    Constraint::Length(10),
                    Constraint::Length(16),
                    Constraint::Min(10),
                ],
            )
            .header(header)
            .block(
                Block::bordered()
                    .title(title)
                    .border_style(border(focus_exp)),
            ),
            top,
        );
    }

    let runs = b.visible_runs();
    let name = b
        .selected_experiment()
        .map(|e| e.name())
        .unwrap_or_else(|| "all experiments".into());
    let marked = if b.marked.is_empty() {
        String::new()
    } else {
        format!("· {} marked ", b.marked.len())
    };
    let title = format!(" Runs of {name} ({}) {marked}", runs.len());
    let block = Block::bordered()
        .title(title)
        .border_style(border(!focus_exp));
    if runs.is_empty() {
        frame.render_widget(
            Paragraph::new(format!("No run folder yet. Press r to run {name}."))
                .style(Style::new().fg(Color::DarkGray))
                .wrap(Wrap { trim: true })
                .block(block),
            bottom,
        );
        return;
    }
    let rows_fit = layout::table_rows(bottom);
    let off = layout::offset(b.run_sel, rows_fit);
    let rows: Vec<Row> = runs
        .iter()
        .enumerate()
        .skip(off)
        .take(rows_fit)
        .map(|(i, r)| {
            let mark = if b.is_marked(&r.dir) { "*" } else { " " };
            let (sys, ua, wa) = match r.headline() {
                Some((s, ua, wa)) => (s.to_string(), Some(ua), Some(wa)),
                None => ("-".into(), None, None),
            };
            let folds = r
                .results
                .as_ref()
                .map(|x| x.folds.len().to_string())
                .unwrap_or_default();
            let status_style = match r.status() {
                "finished" => Style::new().fg(Color::Green),
                "stopped" | "running" => Style::new().fg(Color::Yellow),
                _ => Style::new().fg(Color::Red),
            };
            Row::new(vec![
                Cell::from(mark),
                Cell::from(r.stamp.clone()),
                Cell::from(Span::styled(r.status().to_string(), status_style)),
                Cell::from(folds),
                Cell::from(fit(&sys, 10)),
                Cell::from(score(ua)),
                Cell::from(score(wa)),
            ])
            .style(row_style(i == b.run_sel, !focus_exp))
        })
        .collect();
    let header = Row::new(["", "started (UTC)", "status", "folds", "system", "UA", "WA"])
        .style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(1),
                Constraint::Length(15),
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Length(10),
                Constraint::Length(6),
                Constraint::Length(6),
            ],
        )
        .header(header)
        .block(block),
        bottom,
    );
}

/// The selected experiment in full (wide terminals): file, corpus, protocol, every model
/// with its component, fusion, run folder root; or the whole error of an invalid file.
fn draw_details(frame: &mut Frame, app: &App, area: Rect) {
    let Some(e) = app.browser.selected_experiment() else {
        return;
    };
    let mut lines = vec![format!("file      {}", e.path.display())];
    match &e.summary {
        Ok(s) => {
            lines.push(format!("corpus    {}", s.corpus));
            lines.push(format!("protocol  {}", s.protocol));
            for (i, m) in s.models.iter().enumerate() {
                lines.push(format!("{:<10}{m}", if i == 0 { "models" } else { "" }));
            }
            lines.push(format!(
                "fusion    {}",
                s.fusion.as_deref().unwrap_or("none")
            ));
            lines.push(format!("runs in   {}", s.output.join(&s.name).display()));
        }
        Err(msg) => lines.push(format!("invalid: {msg}")),
    }
    let style = if e.summary.is_ok() {
        Style::new()
    } else {
        Style::new().fg(Color::Red)
    };
    frame.render_widget(
        Paragraph::new(lines.join("\n"))
            .style(style)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {} ", e.name()))),
        area,
    );
}
