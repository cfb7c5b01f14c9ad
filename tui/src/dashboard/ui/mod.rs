//! Drawing: one function per screen, all area-splitting in [`layout`], state only read.
//! `draw` works on any ratatui backend, so screens are tested with `TestBackend`.

pub mod browser;
pub mod charts;
pub mod compare;
pub mod compare_extra;
pub mod confusion;
pub mod fusion;
pub mod help;
pub mod layout;
pub mod log;
pub mod training;
pub mod variant;
pub mod viewer;

use super::app::{App, Confirm, Screen};
use super::live::{LiveRun, Phase};
use super::widgets::{duration, popup};
use ratatui::layout::Alignment;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use std::time::Duration;

/// Draw the whole dashboard at time `now`.
pub fn draw(frame: &mut Frame, app: &App, now: Duration) {
    let [tabs, body, status] = layout::chrome(frame.area());
    draw_tabs(frame, app, tabs);
    if let Some(v) = &app.viewer {
        viewer::draw(frame, v, body);
    } else {
        match app.screen {
            Screen::Browser => browser::draw(frame, app, body),
            Screen::Training => training::draw(frame, app, body, now),
            Screen::Confusion => confusion::draw(frame, app, body),
            Screen::Fusion => fusion::draw(frame, app, body),
            Screen::Compare => compare::draw(frame, app, body),
        }
    }
    draw_status(frame, app, status, now);
    if app.help {
        help::draw(frame, app);
    }
    if let Some(c) = app.confirm {
        draw_confirm(frame, c);
    }
    if let Some(f) = &app.form {
        variant::draw(frame, f);
    }
}

fn draw_tabs(frame: &mut Frame, app: &App, area: ratatui::layout::Rect) {
    let mut spans = Vec::new();
    for (s, label) in layout::tab_labels() {
        let st = if s == app.screen && app.viewer.is_none() {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::Gray)
        };
        spans.push(Span::styled(label, st));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A one-line summary of the live run: `quickstart fold 2/6 35% ETA 0:42`.
pub fn run_badge(live: &LiveRun, now: Duration) -> (String, Color) {
    let state = match &live.phase {
        Phase::Finished { stopped: false } => {
            return (format!("{} finished", live.experiment), Color::Green)
        }
        Phase::Finished { stopped: true } => {
            return (format!("{} stopped", live.experiment), Color::Yellow)
        }
        Phase::Failed(_) => return (format!("{} failed", live.experiment), Color::Red),
        Phase::Starting => "starting".to_string(),
        Phase::Features { done, total, .. } => format!("features {done}/{total}"),
        Phase::Training => match &live.current {
            Some((f, _)) => format!("fold {}/{}", f + 1, live.folds),
            None => format!("{} folds", live.folds),
        },
    };
    let mut s = format!("{} {state}", live.experiment);
    if let Some(f) = live.fraction() {
        s.push_str(&format!(" {:.0}%", f * 100.0));
    }
    if live.stopping {
        s.push_str(" stopping…");
        return (s, Color::Yellow);
    }
    if live.paused {
        s.push_str(" PAUSED");
        return (s, Color::Yellow);
    }
    if let Some(eta) = live.eta(now) {
        s.push_str(&format!(" ETA {}", duration(eta)));
    }
    (s, Color::Cyan)
}

fn hints(app: &App) -> &'static str {
    if app.viewer.is_some() {
        return "↑↓ scroll  Esc close  ? help";
    }
    match app.screen {
        Screen::Browser => "r run  v view  R resume  V variant  Space mark  c compare  ? help",
        Screen::Training | Screen::Confusion | Screen::Fusion if app.past.is_some() => {
            "x close  [ ] fold  m model  , . b epoch  c recall  ? help"
        }
        Screen::Training | Screen::Confusion | Screen::Fusion => {
            "p pause  s stop  n skip  [ ] fold  m model  , . epoch  ? help"
        }
        Screen::Compare => "↑↓ scroll  m all systems  1 experiments  ? help",
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: ratatui::layout::Rect, now: Duration) {
    let (badge, color) = app
        .live
        .as_ref()
        .map(|l| run_badge(l, now))
        .unwrap_or_default();
    let bw = badge.chars().count() as u16;
    let left = app.message.as_deref().unwrap_or(hints(app));
    let left_style = if app.message.is_some() {
        Style::new().fg(Color::Yellow)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    let [l, r] = layout::split_right(area, (bw + 1).min(area.width));
    frame.render_widget(
        Paragraph::new(Span::styled(
            super::widgets::fit(left, l.width as usize),
            left_style,
        )),
        l,
    );
    frame.render_widget(
        Paragraph::new(Span::styled(
            badge,
            Style::new().fg(color).add_modifier(Modifier::BOLD),
        ))
        .alignment(Alignment::Right),
        r,
    );
}

fn draw_confirm(frame: &mut Frame, c: Confirm) {
    let (title, text) = match c {
        Confirm::Stop => (
            " Stop the run? ",
            "Finished folds are kept; the run folder is marked stopped.",
        ),
        Confirm::Quit => (
            " Quit? ",
            "The run is stopped first; finished folds are kept and the run folder is marked stopped.",
        ),
    };
    let area = popup::open(frame, 50, 7);
    let lines = vec![
        Line::from(text),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(" / Enter: yes    "),
            Span::styled("n", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(" / Esc: no"),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::bordered()
                .title(title)
                .border_style(Style::new().fg(Color::Yellow)),
        ),
        area,
    );
}

/// A centred grey note for an empty screen.
pub fn empty(frame: &mut Frame, area: ratatui::layout::Rect, title: &str, text: &str) {
    frame.render_widget(
        Paragraph::new(text)
            .style(Style::new().fg(Color::DarkGray))
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(title.to_string())),
        area,
    );
}

/// Text for screens that need a run started here.
pub const NO_RUN: &str = "No run started in this session. On screen 1 (Experiments) press r to \
     run the selected experiment, or choose a past run in the runs list (→) and press v to \
     open it here.";
