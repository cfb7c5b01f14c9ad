//! Every split of the screen, in one place, so drawing and mouse hit-testing agree.

use super::super::app::Screen;
use ratatui::layout::{Constraint, Layout, Rect};

/// Tab bar, body, status bar.
pub fn chrome(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The tab labels in order (` 1 Experiments `, ...).
pub fn tab_labels() -> Vec<(Screen, String)> {
    Screen::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, format!(" {} {} ", i + 1, s.title())))
        .collect()
}

/// The screen whose tab is at column `x` of the tab bar.
pub fn tab_at(x: u16) -> Option<Screen> {
    let mut at = 0u16;
    for (s, label) in tab_labels() {
        let w = label.chars().count() as u16;
        if x >= at && x < at + w {
            return Some(s);
        }
        at += w + 1;
    }
    None
}

/// `area` split into a left part and a right part `right` columns wide.
pub fn split_right(area: Rect, right: u16) -> [Rect; 2] {
    Layout::horizontal([Constraint::Min(0), Constraint::Length(right)]).areas(area)
}

/// Whether the body is wide enough for side-by-side panes.
pub fn wide(body: Rect) -> bool {
    body.width >= 120
}

/// Experiments list and runs list (side by side when wide, else stacked).
pub fn browser(body: Rect, experiments: usize) -> [Rect; 2] {
    if wide(body) {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body)
    } else {
        let want = (experiments as u16 + 3).max(5);
        let top = want.min(body.height / 2);
        Layout::vertical([Constraint::Length(top), Constraint::Min(0)]).areas(body)
    }
}

/// In a wide browser, the experiments list over the selected experiment's details.
pub fn browser_left(left: Rect, experiments: usize) -> [Rect; 2] {
    let want = (experiments as u16 + 3).max(5);
    Layout::vertical([
        Constraint::Length(want.min(left.height / 2)),
        Constraint::Min(0),
    ])
    .areas(left)
}

/// Rows of a bordered table with a header that fit in `area`.
pub fn table_rows(area: Rect) -> usize {
    area.height.saturating_sub(3) as usize
}

/// The first row shown so that `selected` is visible in `rows` rows.
pub fn offset(selected: usize, rows: usize) -> usize {
    if rows == 0 {
        0
    } else {
        selected.saturating_sub(rows - 1)
    }
}

/// Training screen: header (state, gauge, figures, parameters), charts, log.
pub fn training(body: Rect) -> [Rect; 3] {
    let log = if body.height >= 30 { 10 } else { 6 };
    Layout::vertical([
        Constraint::Length(4),
        Constraint::Min(6),
        Constraint::Length(log),
    ])
    .areas(body)
}

/// Loss chart, validation-metrics chart and, when wide, the per-class recall chart (when
/// narrow the second chart shows one or the other).
pub fn charts(area: Rect) -> [Option<Rect>; 3] {
    if wide(area) {
        let [a, b, c] = Layout::horizontal([
            Constraint::Percentage(40),
            Constraint::Percentage(30),
            Constraint::Percentage(30),
        ])
        .areas(area);
        [Some(a), Some(b), Some(c)]
    } else {
        let [a, b] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(area);
        [Some(a), Some(b), None]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_are_hit_where_drawn() {
        assert_eq!(tab_at(0), Some(Screen::Browser));
        let labels = tab_labels();
        let start_of_training = labels[0].1.chars().count() as u16 + 1;
        assert_eq!(tab_at(start_of_training), Some(Screen::Training));
        assert_eq!(tab_at(start_of_training - 1), None);
        assert_eq!(tab_at(200), None);
    }

    #[test]
    fn selection_stays_visible() {
        assert_eq!(offset(3, 10), 0);
        assert_eq!(offset(12, 10), 3);
    }
}
