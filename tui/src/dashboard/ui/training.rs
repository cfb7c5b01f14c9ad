//! Screen 2: progress with ETA, loss curves (batch detail downsampled, train and validation
//! per epoch), validation UA/WA per epoch, learning rate, and the log with warnings.

use super::layout;
use crate::dashboard::app::App;
use crate::dashboard::live::{Fit, LiveRun, Phase};
use crate::dashboard::widgets::{duration, fit as cut};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Chart, Dataset, Gauge, GraphType, LegendPosition, Paragraph, Wrap,
};
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

/// Series of the loss chart: x label, batch means, train per epoch, validation per epoch.
pub struct LossSeries {
    /// `epoch` or `step`.
    pub x_label: &'static str,
    /// Downsampled batch losses.
    pub batch: Vec<(f64, f64)>,
    /// Mean training loss at the end of each epoch.
    pub train: Vec<(f64, f64)>,
    /// Validation loss at the end of each epoch.
    pub valid: Vec<(f64, f64)>,
}

impl LossSeries {
    /// The series of `fit`, on an epoch axis once the epoch length is known.
    pub fn of(fit: &Fit) -> Self {
        let per = fit.steps_per_epoch.map(|s| s as f64);
        let batch = fit
            .steps
            .points()
            .into_iter()
            .map(|(x, y)| (per.map(|p| x / p).unwrap_or(x), y))
            .collect();
        let end = |e: usize| (e + 1) as f64;
        LossSeries {
            x_label: if per.is_some() || fit.steps.points().is_empty() {
                "epoch"
            } else {
                "step"
            },
            batch,
            train: fit
                .epochs
                .iter()
                .map(|e| (end(e.epoch), e.train_loss))
                .filter(|p| p.1.is_finite())
                .collect(),
            valid: fit
                .epochs
                .iter()
                .filter_map(|e| e.valid_loss.map(|v| (end(e.epoch), v)))
                .filter(|p| p.1.is_finite())
                .collect(),
        }
    }

    fn bounds(&self) -> ([f64; 2], [f64; 2]) {
        let all = self.batch.iter().chain(&self.train).chain(&self.valid);
        let (mut x1, mut y0, mut y1) = (1.0f64, f64::INFINITY, f64::NEG_INFINITY);
        for &(x, y) in all {
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if !y0.is_finite() {
            (y0, y1) = (0.0, 1.0);
        }
        let pad = ((y1 - y0) * 0.05).max(1e-3);
        ([0.0, x1], [(y0 - pad).max(0.0), y1 + pad])
    }

    /// Whether there is anything to plot.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty() && self.train.is_empty() && self.valid.is_empty()
    }
}

fn labels(b: [f64; 2], decimals: usize) -> Vec<Line<'static>> {
    let mid = (b[0] + b[1]) / 2.0;
    [b[0], mid, b[1]]
        .iter()
        .map(|v| Line::from(format!("{v:.decimals$}")))
        .collect()
}

/// Draw the training screen.
pub fn draw(frame: &mut Frame, app: &App, body: Rect, now: Duration) {
    let Some(live) = &app.live else {
        super::empty(frame, body, " Training ", super::NO_RUN);
        return;
    };
    let [head, charts, log] = layout::training(body);
    let fit = shown_fit(app, live);
    draw_header(frame, live, fit, head, now);
    let [loss, metrics] = layout::charts(charts);
    draw_loss(frame, app, live, fit, loss);
    draw_metrics(frame, fit, metrics);
    draw_log(frame, live, log);
}

fn draw_header(frame: &mut Frame, live: &LiveRun, fit: Option<&Fit>, area: Rect, now: Duration) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let (state, color) = match &live.phase {
        Phase::Starting => ("starting".to_string(), Color::Cyan),
        Phase::Features { .. } => ("extracting features".to_string(), Color::Cyan),
        Phase::Training if live.stopping => ("stopping".to_string(), Color::Yellow),
        Phase::Training if live.paused => ("PAUSED".to_string(), Color::Yellow),
        Phase::Training => ("training".to_string(), Color::Cyan),
        Phase::Finished { stopped: false } => ("finished".to_string(), Color::Green),
        Phase::Finished { stopped: true } => ("stopped".to_string(), Color::Yellow),
        Phase::Failed(e) => (format!("failed: {e}"), Color::Red),
    };
    let mut l1 = vec![
        Span::styled(live.experiment.clone(), bold),
        Span::raw("  "),
        Span::styled(state, Style::new().fg(color).add_modifier(Modifier::BOLD)),
    ];
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
        l1.push(Span::raw(format!("  {done}/{} folds done", live.folds)));
    }

    let mut l3 = Vec::new();
    if let Some(f) = fit {
        let steps = match f.total_steps {
            Some(t) => format!("step {}/{t}", f.last_step),
            None => format!("step {}", f.last_step),
        };
        l3.push(steps);
        if let Some(e) = f.epochs.last() {
            l3.push(match f.total_epochs() {
                Some(t) => format!("epoch {}/{t}", e.epoch + 1),
                None => format!("epoch {}", e.epoch + 1),
            });
        }
        if let Some(lr) = f.lr() {
            l3.push(format!("lr {lr:.2e}"));
        }
    }
    l3.push(format!("warnings {}", live.warnings));
    l3.push(format!("elapsed {}", duration(live.active(now))));

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
    let [r1, r2, r3] =
        ratatui::layout::Layout::vertical([ratatui::layout::Constraint::Length(1); 3]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(l1)), r1);
    frame.render_widget(
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!("{label}{eta}"))
            .gauge_style(Style::new().fg(Color::Cyan).bg(Color::Black)),
        r2,
    );
    frame.render_widget(
        Paragraph::new(l3.join(" · ")).style(Style::new().fg(Color::Gray)),
        r3,
    );
}

fn draw_loss(frame: &mut Frame, app: &App, live: &LiveRun, fit: Option<&Fit>, area: Rect) {
    let follow = if app.fold_sel.is_none() && app.system_sel.is_none() {
        "following"
    } else {
        "chosen"
    };
    let title = match fit {
        Some(f) => format!(" Loss · {} fold {} ({follow}) ", f.model, f.fold + 1),
        None => " Loss ".into(),
    };
    let block = Block::bordered().title(title);
    let Some(f) = fit else {
        let text = match &live.phase {
            Phase::Starting | Phase::Features { .. } => "training starts after feature extraction",
            _ => "no model has started fitting",
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(Style::new().fg(Color::DarkGray))
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    };
    let s = LossSeries::of(f);
    if s.is_empty() {
        let steps = match f.total_steps {
            Some(t) => format!("{}/{t}", f.last_step),
            None => f.last_step.to_string(),
        };
        frame.render_widget(
            Paragraph::new(format!(
                "`{}` reports no loss (a model without batches, e.g. a forest); steps done: {steps}.",
                f.model
            ))
            .style(Style::new().fg(Color::DarkGray))
            .wrap(Wrap { trim: true })
            .block(block),
            area,
        );
        return;
    }
    let (xb, yb) = s.bounds();
    let datasets = vec![
        Dataset::default()
            .name("batch")
            .marker(Marker::Braille)
            .graph_type(GraphType::Scatter)
            .style(Style::new().fg(Color::DarkGray))
            .data(&s.batch),
        Dataset::default()
            .name("train")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(Color::Cyan))
            .data(&s.train),
        Dataset::default()
            .name("valid")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(Color::Yellow))
            .data(&s.valid),
    ];
    frame.render_widget(
        Chart::new(datasets)
            .block(block)
            .legend_position(Some(LegendPosition::TopRight))
            .hidden_legend_constraints((
                ratatui::layout::Constraint::Ratio(1, 2),
                ratatui::layout::Constraint::Ratio(1, 2),
            ))
            .x_axis(
                Axis::default()
                    .title(s.x_label)
                    .bounds(xb)
                    .labels(labels(xb, 0)),
            )
            .y_axis(Axis::default().bounds(yb).labels(labels(yb, 2))),
        area,
    );
}

fn draw_metrics(frame: &mut Frame, fit: Option<&Fit>, area: Rect) {
    let points =
        |f: &dyn Fn(&crate::dashboard::live::EpochPoint) -> Option<f64>| -> Vec<(f64, f64)> {
            fit.map(|x| {
                x.epochs
                    .iter()
                    .filter_map(|e| f(e).map(|v| ((e.epoch + 1) as f64, v)))
                    .collect()
            })
            .unwrap_or_default()
        };
    let ua = points(&|e| e.valid_ua);
    let wa = points(&|e| e.valid_wa);
    let best = ua
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(x, v)| format!(" best UA {v:.3} @ {x:.0} "))
        .unwrap_or_default();
    let block = Block::bordered().title(format!(" Valid UA/WA{best}"));
    if ua.is_empty() && wa.is_empty() {
        frame.render_widget(
            Paragraph::new("no per-epoch validation metrics for this model")
                .style(Style::new().fg(Color::DarkGray))
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    }
    let x1 = ua.iter().chain(&wa).map(|p| p.0).fold(1.0, f64::max);
    let datasets = vec![
        Dataset::default()
            .name("UA")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(Color::Green))
            .data(&ua),
        Dataset::default()
            .name("WA")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(Color::Magenta))
            .data(&wa),
    ];
    frame.render_widget(
        Chart::new(datasets)
            .block(block)
            .legend_position(Some(LegendPosition::BottomRight))
            .hidden_legend_constraints((
                ratatui::layout::Constraint::Ratio(1, 2),
                ratatui::layout::Constraint::Ratio(1, 2),
            ))
            .x_axis(
                Axis::default()
                    .title("epoch")
                    .bounds([0.0, x1])
                    .labels(labels([0.0, x1], 0)),
            )
            .y_axis(
                Axis::default()
                    .bounds([0.0, 1.0])
                    .labels(labels([0.0, 1.0], 1)),
            ),
        area,
    );
}

fn draw_log(frame: &mut Frame, live: &LiveRun, area: Rect) {
    let rows = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = live
        .log
        .iter()
        .skip(live.log.len().saturating_sub(rows))
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
    let title = format!(" Log ({} warnings) ", live.warnings);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}
