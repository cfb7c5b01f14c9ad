//! Screen 2: progress with ETA, the fit's hyper-parameters, CPU and memory use, the charts
//! (`charts.rs`: loss, validation UA/WA or per-class recall, best epoch marked) and the
//! scrollable log (`log.rs`). A past run opened with `v` is drawn the same way, from its
//! folder.

use super::{charts, layout, log};
use crate::dashboard::app::App;
use crate::dashboard::live::{Fit, LiveRun, Phase};
use crate::dashboard::resources::bytes;
use crate::dashboard::widgets::{duration, fit as cut};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};
use ratatui::Frame;
use std::time::Duration;

/// The fit shown: the selected fold and model, defaulting to the one training now
/// (or the last one).
pub fn shown_fit<'a>(app: &App, live: &'a LiveRun) -> Option<&'a Fit> {
    let model = app.system_sel.as_deref();
    live.fits
        .iter()
        .rev()
        .find(|f| app.fold_sel.is_none_or(|s| s == f.fold) && model.is_none_or(|m| m == f.model))
}

/// Draw the training screen.
pub fn draw(frame: &mut Frame, app: &App, body: Rect, now: Duration) {
    let Some(live) = app.shown() else {
        super::empty(frame, body, " Training ", super::NO_RUN);
        return;
    };
    let [head, chart_area, log_area] = layout::training(body);
    let fit = shown_fit(app, live);
    draw_header(frame, app, live, fit, head, now);
    match layout::charts(chart_area) {
        [Some(loss), Some(metrics), Some(recall)] => {
            charts::draw_loss(frame, app, live, fit, loss);
            charts::draw_metrics(frame, fit, metrics);
            charts::draw_recall(frame, fit, &live.classes, recall);
        }
        [Some(loss), Some(right), _] => {
            charts::draw_loss(frame, app, live, fit, loss);
            if app.show_recall {
                charts::draw_recall(frame, fit, &live.classes, right);
            } else {
                charts::draw_metrics(frame, fit, right);
            }
        }
        _ => {}
    }
    log::draw(frame, live, app.log_scroll, log_area);
}

/// The fit's parameters as `key=value` pairs (`lr` first), the seed last.
pub fn params_line(live: &LiveRun, fit: Option<&Fit>) -> String {
    let model = fit
        .map(|f| f.model.as_str())
        .or(live.current.as_ref().map(|c| c.1.as_str()))
        .or(live.models.first().map(String::as_str));
    let mut parts = Vec::new();
    if let Some(m) = model {
        let mut kv: Vec<&(String, String)> = live.params.get(m).into_iter().flatten().collect();
        kv.sort_by_key(|(k, _)| k != "lr");
        parts.push(format!("{m}:"));
        if kv.is_empty() {
            parts.push("(defaults)".into());
        }
        parts.extend(kv.iter().map(|(k, v)| format!("{k}={v}")));
    }
    if let Some(s) = live.seed {
        parts.push(format!("seed={s}"));
    }
    parts.join(" ")
}

fn draw_header(
    frame: &mut Frame,
    app: &App,
    live: &LiveRun,
    fit: Option<&Fit>,
    area: Rect,
    now: Duration,
) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let (state, color) = match &live.phase {
        Phase::Starting => ("starting".to_string(), Color::Cyan),
        Phase::Features { .. } => ("extracting features".to_string(), Color::Cyan),
        Phase::Training if live.stopping => ("stopping".to_string(), Color::Yellow),
        Phase::Training if live.paused => ("PAUSED".to_string(), Color::Yellow),
        Phase::Training => ("training".to_string(), Color::Cyan),
        Phase::Finished { stopped: false } => ("finished".to_string(), Color::Green),
        Phase::Finished { stopped: true } => ("stopped".to_string(), Color::Yellow),
        Phase::Failed(_) if live.past => ("failed".to_string(), Color::Red),
        Phase::Failed(e) => (cut(&format!("failed: {e}"), 60), Color::Red),
    };
    let mut l1 = vec![
        Span::styled(live.experiment.clone(), bold),
        Span::raw("  "),
        Span::styled(state, Style::new().fg(color).add_modifier(Modifier::BOLD)),
    ];
    if live.past {
        l1.push(Span::styled(
            "  past run (x: close)",
            Style::new().fg(Color::Magenta),
        ));
    }
    if let Some((f, m)) = &live.current {
        let test = live
            .fold_info
            .get(*f)
            .map(|i| i.test.join(","))
            .unwrap_or_default();
        let mi = live
            .models
            .iter()
            .position(|x| x == m)
            .map(|i| i + 1)
            .unwrap_or(0);
        l1.push(Span::raw(format!(
            "  fold {}/{} (test {})  model {} {mi}/{}",
            f + 1,
            live.folds,
            cut(&test, 16),
            m,
            live.models.len()
        )));
    } else if live.folds > 0 {
        let done = live.fold_info.iter().filter(|f| f.finished).count();
        let skipped = live.fold_info.iter().filter(|f| f.skipped).count();
        let skipped = if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        };
        l1.push(Span::raw(format!(
            "  {done}/{} folds done{skipped}",
            live.folds
        )));
    }

    let mut l3 = Vec::new();
    if let Some(f) = fit {
        match f.total_steps {
            Some(t) => l3.push(format!("step {}/{t}", f.last_step)),
            // A past run keeps no steps, only epochs.
            None if f.last_step == 0 => {}
            None => l3.push(format!("step {}", f.last_step)),
        }
        if let Some(e) = f.epochs.last() {
            l3.push(match f.total_epochs() {
                Some(t) => format!("epoch {}/{t}", e.epoch + 1),
                None => format!("epoch {}", e.epoch + 1),
            });
        }
        if let Some(lr) = f.lr() {
            l3.push(format!("lr {lr:.2e}"));
        }
        if let Some(b) = charts::best_text(f) {
            l3.push(b);
        }
    }
    l3.push(format!("warnings {}", live.warnings));
    if !live.past {
        l3.push(format!("elapsed {}", duration(live.active(now))));
    }
    if let Some(u) = app.usage {
        l3.push(format!(
            "CPU {:.0}% of {} cores · RSS {} (peak {})",
            u.cpu_percent,
            u.cores,
            bytes(u.rss_bytes),
            bytes(u.peak_rss_bytes)
        ));
    }

    let (ratio, label) = match (&live.phase, live.fraction()) {
        (Phase::Features { stage, done, total }, Some(f)) => (f, format!("{stage} {done}/{total}")),
        (_, Some(f)) => (f, format!("run {:.0}%", f * 100.0)),
        (Phase::Finished { .. }, None) => (1.0, "done".to_string()),
        _ => (0.0, String::new()),
    };
    let eta = live
        .eta(now)
        .map(|d| format!(" · ETA {}", duration(d)))
        .unwrap_or_default();
    let [r1, r2, r3, r4] =
        ratatui::layout::Layout::vertical([ratatui::layout::Constraint::Length(1); 4]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(l1)), r1);
    frame.render_widget(
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!("{label}{eta}"))
            .gauge_style(Style::new().fg(Color::Cyan).bg(Color::Black)),
        r2,
    );
    let w = area.width as usize;
    frame.render_widget(
        Paragraph::new(cut(&l3.join(" · "), w)).style(Style::new().fg(Color::Gray)),
        r3,
    );
    frame.render_widget(
        Paragraph::new(cut(&params_line(live, fit), w)).style(Style::new().fg(Color::DarkGray)),
        r4,
    );
}
