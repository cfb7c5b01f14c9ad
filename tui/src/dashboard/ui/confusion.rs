//! Screen 3: the confusion matrix of one system, on one fold or pooled over the folds
//! evaluated so far, as a heat map with class names, counts and row percentages, and the
//! per-class recall as bars. With an epoch chosen (`,` `.` `b`), the validation confusion
//! of the model at that epoch, where the model reports it (fold or summed over folds).

use crate::dashboard::app::App;
use crate::dashboard::live::LiveRun;
use crate::dashboard::widgets::bars::{Bar, Bars};
use crate::dashboard::widgets::heatmap::Heatmap;
use crate::dashboard::widgets::title;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table};
use ratatui::Frame;
use serlab_engine::metrics::Confusion;

/// The system shown: the chosen one, else the headline (the fusion if any, else the last
/// system evaluated).
pub fn shown_system(app: &App, live: &LiveRun) -> Option<String> {
    if let Some(s) = &app.system_sel {
        if live.systems.contains(s) {
            return Some(s.clone());
        }
    }
    live.systems
        .iter()
        .rev()
        .find(|s| live.evals.contains_key(*s))
        .cloned()
}

/// Draw the confusion screen.
pub fn draw(frame: &mut Frame, app: &App, body: Rect) {
    let Some(live) = app.shown() else {
        super::empty(frame, body, " Confusion ", super::NO_RUN);
        return;
    };
    if let Some(epoch) = app.epoch_sel {
        draw_epoch(frame, app, live, epoch, body);
        return;
    }
    let Some(system) = shown_system(app, live) else {
        super::empty(
            frame,
            body,
            " Confusion ",
            "No fold has been evaluated yet; the matrix appears when the first fold finishes.",
        );
        return;
    };
    let n_folds = live.evals.get(&system).map(|m| m.len()).unwrap_or(0);
    let (scope, counts) = match app.fold_sel {
        None => (
            format!("pooled over {n_folds}/{} folds", live.folds),
            live.confusion(&system, None),
        ),
        Some(f) => (format!("fold {}", f + 1), live.confusion(&system, Some(f))),
    };
    let Some(counts) = counts else {
        super::empty(
            frame,
            body,
            &format!(" Confusion · {system} · {scope} "),
            &format!("`{system}` has no result on this fold (yet). [ ] chooses another fold."),
        );
        return;
    };
    draw_matrix(frame, app, live, &system, &scope, &counts, body);
}

/// The validation confusion of the epoch model at `epoch`.
fn draw_epoch(frame: &mut Frame, app: &App, live: &LiveRun, epoch: usize, body: Rect) {
    let Some(model) = app.epoch_model() else {
        super::empty(
            frame,
            body,
            " Confusion ",
            "No model of this run reports epochs.",
        );
        return;
    };
    let best = app
        .best_epoch()
        .filter(|b| *b == epoch)
        .map(|_| " (best)")
        .unwrap_or("");
    match live.epoch_confusion(&model, app.fold_sel, epoch) {
        Some((counts, n)) => {
            let scope = match app.fold_sel {
                Some(f) => format!("validation, epoch {}{best}, fold {}", epoch + 1, f + 1),
                None => format!("validation, epoch {}{best}, {n} folds summed", epoch + 1),
            };
            draw_matrix(frame, app, live, &model, &scope, &counts, body);
        }
        None => super::empty(
            frame,
            body,
            &format!(" Confusion · {model} · epoch {} ", epoch + 1),
            &format!(
                "`{model}` reports no validation confusion at epoch {} on this fold (only \
                 UA/WA or loss). `,` `.` choose another epoch; `,` before the first returns \
                 to the test result.",
                epoch + 1
            ),
        ),
    }
}

fn draw_matrix(
    frame: &mut Frame,
    app: &App,
    live: &LiveRun,
    system: &str,
    scope: &str,
    counts: &[Vec<usize>],
    body: Rect,
) {
    let c = Confusion {
        counts: counts.to_vec(),
    };
    let [head, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(system.to_string(), bold.fg(Color::Cyan)),
            Span::raw(format!(" · {scope} · ")),
            Span::styled(format!("UA {:.3}  WA {:.3}", c.ua(), c.wa()), bold),
            Span::styled(
                format!("  n={}  (m system, [ ] fold, , . epoch, b best)", c.total()),
                Style::new().fg(Color::DarkGray),
            ),
        ])),
        head,
    );
    let hm = Heatmap {
        classes: &live.classes,
        counts,
    };
    let k = live.classes.len() as u16;
    // Matrix and recall bars side by side when there is room, else stacked; the rest of
    // the height lists the system's folds.
    let side = rest.width >= 100;
    let (mw, top_h) = if side {
        let (_, (w, h)) = hm.layout(rest.width.saturating_sub(40), rest.height.saturating_sub(2));
        (w + 2, h.max(k) + 2)
    } else {
        let room = rest.height.saturating_sub(k + 2 + 2);
        let (_, (w, h)) = hm.layout(rest.width.saturating_sub(2), room);
        (w + 2, h + 2 + k + 2)
    };
    let [top, folds_area] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(0)]).areas(rest);
    let [m_area, b_area] = if side {
        Layout::horizontal([Constraint::Length(mw), Constraint::Min(20)]).areas(top)
    } else {
        Layout::vertical([Constraint::Min(0), Constraint::Length(k + 2)]).areas(top)
    };
    let inner = Block::bordered().inner(m_area);
    let mode = hm.mode_for(inner);
    let note = Heatmap::note(mode);
    frame.render_widget(
        Block::bordered().title(title(
            &format!(" Confusion (rows: reference, columns: predicted) {note}"),
            m_area.width,
        )),
        m_area,
    );
    frame.render_widget(hm, inner);
    let support = c.support();
    let bars: Vec<Bar> = live
        .classes
        .iter()
        .zip(c.recalls())
        .zip(support)
        .map(|((name, r), n)| Bar {
            label: name.clone(),
            value: r,
            note: format!("n={n}"),
            highlight: false,
        })
        .collect();
    let bb = Block::bordered().title(" Recall per class ");
    let bi = bb.inner(b_area);
    frame.render_widget(bb, b_area);
    frame.render_widget(Bars(&bars), bi);
    if folds_area.height >= 3 {
        draw_folds(frame, app, live, system, folds_area);
    }
}

/// The folds of `system` so far: test speakers, UA, WA, utterances; the shown fold marked.
fn draw_folds(frame: &mut Frame, app: &App, live: &LiveRun, system: &str, area: Rect) {
    let Some(evals) = live.evals.get(system) else {
        return;
    };
    let rows_fit = area.height.saturating_sub(3) as usize;
    let skip = evals.len().saturating_sub(rows_fit);
    let rows: Vec<Row> = evals
        .iter()
        .skip(skip)
        .map(|(f, e)| {
            let test = live
                .fold_info
                .get(*f)
                .map(|i| i.test.join(","))
                .unwrap_or_default();
            let n: usize = e.confusion.iter().flatten().sum();
            let row = Row::new(vec![
                format!("{}", f + 1),
                test,
                format!("{:.3}", e.ua),
                format!("{:.3}", e.wa),
                n.to_string(),
            ]);
            if app.fold_sel == Some(*f) {
                row.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(["fold", "test speakers", "UA", "WA", "n"])
        .style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(5),
                Constraint::Min(14),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(6),
            ],
        )
        .header(header)
        .block(Block::bordered().title(title(&format!(" Folds of {system} "), area.width))),
        area,
    );
}
