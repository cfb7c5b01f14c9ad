//! The training screen's charts: loss (batch detail downsampled, train and validation per
//! epoch), validation UA/WA per epoch, and per-class validation recall per epoch, each with
//! a vertical marker at the best epoch (highest validation UA, else lowest validation
//! loss: the epoch an early-stopping model keeps).

use crate::dashboard::app::App;
use crate::dashboard::live::{EpochPoint, Fit, LiveRun, Phase};
use crate::dashboard::widgets::title;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, LegendPosition, Paragraph, Wrap};
use ratatui::Frame;

/// Colours of the class curves, in class order (repeated past eight classes).
const CLASS_COLORS: [Color; 8] = [
    Color::Cyan,
    Color::Yellow,
    Color::Green,
    Color::Magenta,
    Color::Blue,
    Color::LightRed,
    Color::White,
    Color::LightGreen,
];

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

/// The best epoch's x (epochs drawn from 1) as a vertical line over `y`.
fn marker(fit: &Fit, y: [f64; 2]) -> Option<[(f64, f64); 2]> {
    let x = (fit.best_epoch()?.epoch + 1) as f64;
    Some([(x, y[0]), (x, y[1])])
}

fn note(frame: &mut Frame, block: Block, text: &str, area: Rect) {
    frame.render_widget(
        Paragraph::new(text.to_string())
            .style(Style::new().fg(Color::DarkGray))
            .wrap(Wrap { trim: true })
            .block(block),
        area,
    );
}

fn chart<'a>(datasets: Vec<Dataset<'a>>, block: Block<'a>, x: Axis<'a>, y: Axis<'a>) -> Chart<'a> {
    Chart::new(datasets)
        .block(block)
        .legend_position(Some(LegendPosition::TopRight))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)))
        .x_axis(x)
        .y_axis(y)
}

/// Draw the loss chart of `fit`.
pub fn draw_loss(frame: &mut Frame, app: &App, live: &LiveRun, fit: Option<&Fit>, area: Rect) {
    let follow = if live.past {
        "past run"
    } else if app.fold_sel.is_none() && app.system_sel.is_none() {
        "following"
    } else {
        "chosen"
    };
    let t = match fit {
        Some(f) => format!(" Loss · {} fold {} ({follow}) ", f.model, f.fold + 1),
        None => " Loss ".into(),
    };
    let block = Block::bordered().title(title(&t, area.width));
    let Some(f) = fit else {
        let text = match &live.phase {
            Phase::Starting | Phase::Features { .. } => "training starts after feature extraction",
            _ if live.past => "this run has no epoch log (epochs.csv) for its models",
            _ => "no model has started fitting",
        };
        note(frame, block, text, area);
        return;
    };
    let s = LossSeries::of(f);
    if s.is_empty() {
        let steps = match f.total_steps {
            Some(t) => format!("{}/{t}", f.last_step),
            None => f.last_step.to_string(),
        };
        let text = format!(
            "`{}` reports no loss (a model without batches, e.g. a forest); steps done: {steps}.",
            f.model
        );
        note(frame, block, &text, area);
        return;
    }
    let (xb, yb) = s.bounds();
    let best = marker(f, yb);
    let mut datasets = vec![
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
    if let Some(b) = &best {
        datasets.push(best_line(b));
    }
    frame.render_widget(
        chart(
            datasets,
            block,
            Axis::default()
                .title(s.x_label)
                .bounds(xb)
                .labels(labels(xb, 0)),
            Axis::default().bounds(yb).labels(labels(yb, 2)),
        ),
        area,
    );
}

fn best_line(points: &[(f64, f64)]) -> Dataset<'_> {
    Dataset::default()
        .name("best")
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::new().fg(Color::Red))
        .data(points)
}

/// `best UA 0.893 @ 14` (epochs from 1), or the best validation loss.
pub fn best_text(fit: &Fit) -> Option<String> {
    let b = fit.best_epoch()?;
    Some(match b.valid_ua {
        Some(ua) => format!("best UA {ua:.3} @ {}", b.epoch + 1),
        None => format!(
            "best loss {:.3} @ {}",
            b.valid_loss.unwrap_or(f64::NAN),
            b.epoch + 1
        ),
    })
}

fn points(fit: Option<&Fit>, f: &dyn Fn(&EpochPoint) -> Option<f64>) -> Vec<(f64, f64)> {
    fit.map(|x| {
        x.epochs
            .iter()
            .filter_map(|e| {
                f(e).filter(|v| v.is_finite())
                    .map(|v| ((e.epoch + 1) as f64, v))
            })
            .collect()
    })
    .unwrap_or_default()
}

fn epoch_axis(x1: f64) -> Axis<'static> {
    Axis::default()
        .title("epoch")
        .bounds([0.0, x1])
        .labels(labels([0.0, x1], 0))
}

fn unit_axis() -> Axis<'static> {
    Axis::default()
        .bounds([0.0, 1.0])
        .labels(labels([0.0, 1.0], 1))
}

/// Draw validation UA and WA per epoch with the best epoch marked.
pub fn draw_metrics(frame: &mut Frame, fit: Option<&Fit>, area: Rect) {
    let ua = points(fit, &|e| e.valid_ua);
    let wa = points(fit, &|e| e.valid_wa);
    let best = fit
        .and_then(best_text)
        .map(|b| format!(" · {b}"))
        .unwrap_or_default();
    let block = Block::bordered().title(title(&format!(" Valid UA/WA{best} "), area.width));
    if ua.is_empty() && wa.is_empty() {
        note(
            frame,
            block,
            "no per-epoch validation metrics for this model",
            area,
        );
        return;
    }
    let x1 = ua.iter().chain(&wa).map(|p| p.0).fold(1.0, f64::max);
    let mark = fit.and_then(|f| marker(f, [0.0, 1.0]));
    let mut datasets = vec![
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
    if let Some(m) = &mark {
        datasets.push(best_line(m));
    }
    frame.render_widget(chart(datasets, block, epoch_axis(x1), unit_axis()), area);
}

/// Draw each class's validation recall per epoch (from the epoch confusion matrices).
pub fn draw_recall(frame: &mut Frame, fit: Option<&Fit>, classes: &[String], area: Rect) {
    let block = Block::bordered().title(title(" Valid recall per class ", area.width));
    let series: Vec<(String, Vec<(f64, f64)>)> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let pts = points(fit, &|e| {
                e.recalls().and_then(|r| r.get(i).copied().flatten())
            });
            (c.clone(), pts)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    if series.is_empty() {
        note(
            frame,
            block,
            "this model reports no validation confusion per epoch (c: UA/WA)",
            area,
        );
        return;
    }
    let x1 = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.0))
        .fold(1.0, f64::max);
    let mark = fit.and_then(|f| marker(f, [0.0, 1.0]));
    let mut datasets: Vec<Dataset> = series
        .iter()
        .enumerate()
        .map(|(i, (name, pts))| {
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(CLASS_COLORS[i % CLASS_COLORS.len()]))
                .data(pts)
        })
        .collect();
    if let Some(m) = &mark {
        datasets.push(best_line(m));
    }
    frame.render_widget(chart(datasets, block, epoch_axis(x1), unit_axis()), area);
}
