//! The table itself: every binding of the dashboard, grouped by context in help order. It is
//! the bulk of the key code and changes for its own reasons (a new key, a reworded help
//! line), so it lives apart from the lookup and the README rendering in `mod.rs`.

use super::{Action, Binding, Context};
use crate::dashboard::app::Screen;
use ratatui::crossterm::event::KeyCode;

const fn key(
    label: &'static str,
    keys: &'static [KeyCode],
    context: Context,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        label,
        keys,
        ctrl: false,
        context,
        action: Some(action),
        help,
    }
}

use KeyCode::{
    BackTab, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up, F,
};

/// Every binding, grouped by context in help order.
pub const BINDINGS: &[Binding] = &[
    key(
        "?",
        &[Char('?')],
        Context::Global,
        Action::Help,
        "show or hide this help",
    ),
    key(
        "q",
        &[Char('q')],
        Context::Global,
        Action::Quit,
        "quit (asks if a run goes)",
    ),
    Binding {
        label: "Ctrl-C",
        keys: &[Char('c')],
        ctrl: true,
        context: Context::Global,
        action: Some(Action::QuitNow),
        help: "quit now, stopping the run",
    },
    key(
        "1",
        &[Char('1')],
        Context::Global,
        Action::Show(Screen::Browser),
        "experiments screen",
    ),
    key(
        "2",
        &[Char('2')],
        Context::Global,
        Action::Show(Screen::Training),
        "training screen",
    ),
    key(
        "3",
        &[Char('3')],
        Context::Global,
        Action::Show(Screen::Confusion),
        "confusion screen",
    ),
    key(
        "4",
        &[Char('4')],
        Context::Global,
        Action::Show(Screen::Fusion),
        "fusion screen",
    ),
    key(
        "5",
        &[Char('5')],
        Context::Global,
        Action::Show(Screen::Compare),
        "compare screen",
    ),
    key(
        "Tab",
        &[Tab],
        Context::Global,
        Action::NextScreen,
        "next screen",
    ),
    key(
        "Shift-Tab",
        &[BackTab],
        Context::Global,
        Action::PrevScreen,
        "previous screen",
    ),
    key(
        "Esc",
        &[Esc],
        Context::Global,
        Action::Back,
        "close help / file view",
    ),
    key(
        "p",
        &[Char('p')],
        Context::Run,
        Action::Pause,
        "pause / resume (next batch)",
    ),
    key(
        "s",
        &[Char('s')],
        Context::Run,
        Action::Stop,
        "stop the run (asks first)",
    ),
    key(
        "n",
        &[Char('n')],
        Context::Run,
        Action::SkipFold,
        "skip to the next fold",
    ),
    key(
        "r",
        &[Char('r')],
        Context::Browser,
        Action::StartRun,
        "run the selected experiment",
    ),
    key(
        "Enter",
        &[Enter],
        Context::Browser,
        Action::Open,
        "open file / run (config)",
    ),
    key(
        "← h",
        &[Left, Char('h')],
        Context::Browser,
        Action::FocusLeft,
        "focus experiments",
    ),
    key(
        "→ l",
        &[Right, Char('l')],
        Context::Browser,
        Action::FocusRight,
        "focus runs",
    ),
    key(
        "Space",
        &[Char(' ')],
        Context::Browser,
        Action::Mark,
        "mark run for compare",
    ),
    key(
        "c",
        &[Char('c')],
        Context::Browser,
        Action::Compare,
        "compare marked runs",
    ),
    key(
        "F5",
        &[F(5)],
        Context::Browser,
        Action::Rescan,
        "read folders again",
    ),
    key("↑ k", &[Up, Char('k')], Context::Move, Action::Up, "up"),
    key(
        "↓ j",
        &[Down, Char('j')],
        Context::Move,
        Action::Down,
        "down",
    ),
    key("PgUp", &[PageUp], Context::Move, Action::PageUp, "page up"),
    key(
        "PgDn",
        &[PageDown],
        Context::Move,
        Action::PageDown,
        "page down",
    ),
    key(
        "Home g",
        &[Home, Char('g')],
        Context::Move,
        Action::Top,
        "first row",
    ),
    key(
        "End G",
        &[End, Char('G')],
        Context::Move,
        Action::Bottom,
        "last row",
    ),
    key(
        "[ ←",
        &[Char('['), Left],
        Context::Views,
        Action::PrevFold,
        "previous fold / pooled",
    ),
    key(
        "] →",
        &[Char(']'), Right],
        Context::Views,
        Action::NextFold,
        "next fold / pooled",
    ),
    key(
        "m",
        &[Char('m')],
        Context::Views,
        Action::NextSystem,
        "next model / fusion",
    ),
    key(
        "m",
        &[Char('m')],
        Context::Compare,
        Action::AllSystems,
        "headline / all systems",
    ),
    key(
        "y Enter",
        &[Char('y'), Enter],
        Context::Confirm,
        Action::Yes,
        "yes",
    ),
    key(
        "n Esc",
        &[Char('n'), Esc],
        Context::Confirm,
        Action::No,
        "no",
    ),
    Binding {
        label: "click",
        keys: &[],
        ctrl: false,
        context: Context::Mouse,
        action: None,
        help: "select a tab or a row",
    },
    Binding {
        label: "wheel",
        keys: &[],
        ctrl: false,
        context: Context::Mouse,
        action: None,
        help: "scroll lists and text",
    },
];
