//! Screen 4: each member's and the fused UA side by side, fold by fold as folds complete,
//! with pooled and mean rows and bars of the pooled UA.

use crate::dashboard::app::App;
use crate::dashboard::widgets::bars::{Bar, Bars};
use crate::dashboard::widgets::{fit, score, title};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Cell, Row, Table};
use ratatui::Frame;
use serlab_engine::metrics::Confusion;

/// Draw the fusion screen.
pub fn draw(frame: &mut Frame, app: &App, body: Rect) {
    let Some(live) = app.shown() else {
        super::empty(frame, body, " Fusion ", super::NO_RUN);
        return;
    };
    if live.systems.is_empty() {
        super::empty(
            frame,
            body,
            " Fusion ",
            "Waiting for the run to start training.",
        );
        return;
    }
    let fusions = live.fusions();
    let systems = &live.systems;
    let pooled: Vec<Option<f64>> = systems
        .iter()
        .map(|s| {
            live.confusion(s, None)
                .map(|c| Confusion { counts: c }.ua())
        })
        .collect();
    let n_sys = systems.len() as u16;
    // The folds that have started, newest kept when they do not all fit.
    let started: Vec<usize> = (0..live.folds)
        .filter(|f| live.fold_info.get(*f).is_some_and(|i| !i.test.is_empty()))
        .collect();
    // Table: borders, header, the folds, pooled and mean rows; bars under it.
    let want = started.len() as u16 + 5;
    let room = body.height.saturating_sub(n_sys + 2);
    let [t_area, b_area, _] = Layout::vertical([
        Constraint::Length(want.min(room).max(6)),
        Constraint::Length(n_sys + 2),
        Constraint::Min(0),
    ])
    .areas(body);
    let rows_fit = t_area.height.saturating_sub(5) as usize;
    let skip = started.len().saturating_sub(rows_fit);
    let shown: Vec<usize> = started.into_iter().skip(skip).collect();
    let best_style = Style::new().fg(Color::Green).add_modifier(Modifier::BOLD);
    let value_row = |label: String, values: Vec<Option<f64>>, st: Style| {
        let best = values
            .iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let mut cells = vec![Cell::from(label)];
        cells.extend(values.iter().map(|v| {
            let c = Cell::from(format!("{:>7}", score(*v)));
            if v.is_some_and(|x| x == best) && values.iter().flatten().count() > 1 {
                c.style(best_style)
            } else {
                c
            }
        }));
        Row::new(cells).style(st)
    };
    let mut rows: Vec<Row> = shown
        .iter()
        .map(|&f| {
            let info = &live.fold_info[f];
            let state = if info.skipped {
                " skipped"
            } else if !info.finished {
                " …"
            } else {
                ""
            };
            let label = format!("{} {}{state}", f + 1, fit(&info.test.join(","), 10));
            let values = systems
                .iter()
                .map(|s| live.evals.get(s).and_then(|m| m.get(&f)).map(|e| e.ua))
                .collect();
            value_row(label, values, Style::new())
        })
        .collect();
    let mean: Vec<Option<f64>> = systems
        .iter()
        .map(|s| {
            let m = live.evals.get(s)?;
            (!m.is_empty()).then(|| m.values().map(|e| e.ua).sum::<f64>() / m.len() as f64)
        })
        .collect();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    rows.push(value_row("pooled".into(), pooled.clone(), bold));
    rows.push(value_row("fold mean".into(), mean, Style::new()));
    let mut header = vec![Cell::from("fold (test)")];
    header.extend(systems.iter().map(|s| {
        let st = if fusions.contains(&s.as_str()) {
            Style::new().fg(Color::Yellow)
        } else {
            Style::new()
        };
        Cell::from(format!("{:>7}", fit(s, 12))).style(st)
    }));
    let mut widths = vec![Constraint::Length(20)];
    widths.extend(
        systems
            .iter()
            .map(|s| Constraint::Length(s.chars().count().clamp(7, 12) as u16)),
    );
    let heading = if fusions.is_empty() {
        " UA per fold (this experiment has no fusion) ".to_string()
    } else {
        format!(" UA per fold: members and {} ", fusions.join(", "))
    };
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(bold.add_modifier(Modifier::UNDERLINED)))
            .block(Block::bordered().title(title(&heading, t_area.width))),
        t_area,
    );
    let bars: Vec<Bar> = systems
        .iter()
        .zip(&pooled)
        .map(|(s, v)| Bar {
            label: s.clone(),
            value: *v,
            note: String::new(),
            highlight: fusions.contains(&s.as_str()),
        })
        .collect();
    let bb = Block::bordered().title(" Pooled UA so far ");
    let bi = bb.inner(b_area);
    frame.render_widget(bb, b_area);
    frame.render_widget(Bars(&bars), bi);
}
