//! The training screen's log: the newest lines, or older ones scrolled back with ↑/PgUp
//! (the reducer keeps how many lines back); warnings highlighted. The same lines are saved
//! as `dashboard.log` in the run folder when the run ends.

use crate::dashboard::live::LiveRun;
use crate::dashboard::widgets::{duration, title};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// The log lines shown in `rows` rows, `back` lines back from the newest: (first, end).
pub fn window(len: usize, rows: usize, back: usize) -> (usize, usize) {
    let end = len.saturating_sub(back.min(len.saturating_sub(1)));
    (end.saturating_sub(rows), end)
}

/// Draw the log of `live`, `back` lines back from the newest.
pub fn draw(frame: &mut Frame, live: &LiveRun, back: usize, area: Rect) {
    let rows = area.height.saturating_sub(2) as usize;
    let (first, end) = window(live.log.len(), rows, back);
    let lines: Vec<Line> = live
        .log
        .range(first..end)
        .map(|l| {
            let st = if l.warning {
                Style::new().fg(Color::Yellow)
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(
                    format!("{:>5} ", duration(l.at)),
                    Style::new().fg(Color::DarkGray),
                ),
                Span::styled(
                    if l.warning { "warning: " } else { "" },
                    st.add_modifier(Modifier::BOLD),
                ),
                Span::styled(l.text.clone(), st),
            ])
        })
        .collect();
    let position = if end < live.log.len() {
        format!(
            " · lines {}-{} of {} (↓ newer)",
            first + 1,
            end,
            live.log.len()
        )
    } else if live.log.len() > rows {
        " · ↑ older".to_string()
    } else {
        String::new()
    };
    let t = format!(" Log ({} warnings){position} ", live.warnings);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title(&t, area.width))),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn the_window_follows_the_newest_and_stops_at_the_oldest() {
        assert_eq!(window(100, 4, 0), (96, 100));
        assert_eq!(window(100, 4, 10), (86, 90));
        // Scrolled past the start: the oldest line stays shown.
        assert_eq!(window(100, 4, 1000), (0, 1));
        assert_eq!(window(3, 4, 0), (0, 3));
        assert_eq!(window(0, 4, 5), (0, 0));
    }
}
