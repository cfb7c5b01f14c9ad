//! Mouse gestures to state changes, hit-tested with the same layout the screens draw with:
//! a click on a tab switches screen, a click on a browser row selects it, the wheel scrolls.

use super::app::{App, Effect, Screen};
use super::browser::Pane;
use super::keys::Action;
use super::ui::layout;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use std::time::Duration;

/// Apply a mouse event on a terminal of `size`.
pub fn on_mouse(app: &mut App, m: MouseEvent, size: Rect, now: Duration) -> Vec<Effect> {
    match m.kind {
        MouseEventKind::ScrollUp => app.update(Action::Up, now),
        MouseEventKind::ScrollDown => app.update(Action::Down, now),
        MouseEventKind::Down(MouseButton::Left) => click(app, m.column, m.row, size, now),
        _ => Vec::new(),
    }
}

fn click(app: &mut App, x: u16, y: u16, size: Rect, now: Duration) -> Vec<Effect> {
    if app.help || app.confirm.is_some() {
        return Vec::new();
    }
    let [tabs, body, _] = layout::chrome(size);
    if tabs.contains(Position { x, y }) {
        return match layout::tab_at(x - tabs.x) {
            Some(s) => app.update(Action::Show(s), now),
            None => Vec::new(),
        };
    }
    if app.screen != Screen::Browser || app.viewer.is_some() {
        return Vec::new();
    }
    let [top, bottom] = layout::browser(body, app.browser.experiments.len());
    for (pane, area) in [(Pane::Experiments, top), (Pane::Runs, bottom)] {
        if !area.contains(Position { x, y }) {
            continue;
        }
        // Border and header rows come first.
        let first = area.y + 2;
        let rows = layout::table_rows(area);
        if y < first || y >= first + rows as u16 {
            app.browser.focus = pane;
            return Vec::new();
        }
        let sel = match pane {
            Pane::Experiments => app.browser.exp_sel,
            Pane::Runs => app.browser.run_sel,
        };
        let i = layout::offset(sel, rows) + (y - first) as usize;
        let len = match pane {
            Pane::Experiments => app.browser.experiments.len(),
            Pane::Runs => app.browser.visible_runs().len(),
        };
        if i < len {
            app.browser.select(pane, i);
        }
    }
    Vec::new()
}
