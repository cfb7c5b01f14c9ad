//! Centred pop-ups drawn over a screen (help, questions).

use ratatui::layout::Rect;
use ratatui::widgets::Clear;
use ratatui::Frame;

/// A `width` x `height` rectangle centred in `area` (clamped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clear a centred rectangle for a pop-up and return it.
pub fn open(frame: &mut Frame, width: u16, height: u16) -> Rect {
    let r = centered(frame.area(), width, height);
    frame.render_widget(Clear, r);
    r
}
