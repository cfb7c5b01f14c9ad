//! Widgets the screens share: the confusion heat map, horizontal bars, pop-ups and the
//! small text formats (durations, scores) used everywhere.

pub mod bars;
pub mod heatmap;
pub mod popup;

use std::time::Duration;

/// `m:ss`, or `h:mm:ss` from an hour up.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A score in [0, 1] with three decimals, or `-`.
pub fn score(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into())
}

/// `s` cut to `width` characters, with `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}

/// A block title cut to fit a block `width` cells wide (its corners kept), with `…` where
/// cut, so a shortened title still shows it was shortened.
pub fn title(text: &str, width: u16) -> String {
    fit(text, width.saturating_sub(2) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(duration(Duration::from_secs(75)), "1:15");
        assert_eq!(duration(Duration::from_secs(3723)), "1:02:03");
        assert_eq!(score(Some(0.81249)), "0.812");
        assert_eq!(score(None), "-");
        assert_eq!(fit("neutral", 4), "neu…");
        assert_eq!(fit("sad", 4), "sad");
        assert_eq!(title(" best UA 0.893 @ 14 ", 18), " best UA 0.893 …");
    }
}
