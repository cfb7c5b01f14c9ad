//! Every key of the dashboard, in one table: the key handler, the help overlay and the
//! README's key section are all read from [`BINDINGS`], so none can list a key the others
//! do not know.

use super::app::Screen;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key (or mouse gesture) asks for; the reducer decides what it means in context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Quit (asks first while a run is going).
    Quit,
    /// Quit at once, stopping a run (Ctrl-C).
    QuitNow,
    /// Toggle the help overlay.
    Help,
    /// Close the overlay or text view on top.
    Back,
    /// Go to a screen.
    Show(Screen),
    /// Next screen.
    NextScreen,
    /// Previous screen.
    PrevScreen,
    /// Move up a row.
    Up,
    /// Move down a row.
    Down,
    /// Move up a page.
    PageUp,
    /// Move down a page.
    PageDown,
    /// Go to the first row.
    Top,
    /// Go to the last row.
    Bottom,
    /// Focus the experiments list.
    FocusLeft,
    /// Focus the runs list.
    FocusRight,
    /// Open the selected experiment file or run folder.
    Open,
    /// Start a run of the selected experiment.
    StartRun,
    /// Pause or resume the run.
    Pause,
    /// Stop the run (asks first).
    Stop,
    /// Skip to the next fold.
    SkipFold,
    /// Mark or unmark a run for comparison.
    Mark,
    /// Compare the marked runs.
    Compare,
    /// Read the experiments folder and run folders again.
    Rescan,
    /// Previous fold (or pooled).
    PrevFold,
    /// Next fold (or pooled).
    NextFold,
    /// Next system (model or fusion).
    NextSystem,
    /// Compare: headline system only, or every system.
    AllSystems,
    /// Answer yes.
    Yes,
    /// Answer no.
    No,
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Everywhere.
    Global,
    /// While a run is going, on any screen.
    Run,
    /// Lists and text (experiments, runs, compare, help, file view).
    Move,
    /// The experiments screen.
    Browser,
    /// The training, confusion and fusion screens.
    Views,
    /// The compare screen.
    Compare,
    /// A yes/no question.
    Confirm,
    /// The mouse (shown in help; gestures are mapped in the event loop).
    Mouse,
}

impl Context {
    /// Heading in the help overlay and README.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "everywhere",
            Context::Run => "run control",
            Context::Move => "lists and text",
            Context::Browser => "experiments screen",
            Context::Views => "training, confusion, fusion",
            Context::Compare => "compare screen",
            Context::Confirm => "questions",
            Context::Mouse => "mouse",
        }
    }

    /// All contexts in help order.
    pub const ALL: [Context; 8] = [
        Context::Global,
        Context::Run,
        Context::Browser,
        Context::Move,
        Context::Views,
        Context::Compare,
        Context::Confirm,
        Context::Mouse,
    ];
}

/// One key binding.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// How the help shows the keys.
    pub label: &'static str,
    /// The key codes (any of them).
    pub keys: &'static [KeyCode],
    /// Whether Ctrl must be held.
    pub ctrl: bool,
    /// Where it applies.
    pub context: Context,
    /// What it does.
    pub action: Option<Action>,
    /// One line of help.
    pub help: &'static str,
}

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

/// The action of `key` among the bindings of `contexts`, earlier contexts first.
pub fn action_for(contexts: &[Context], key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if key.modifiers.contains(KeyModifiers::ALT) {
        return None;
    }
    let code = match key.code {
        // Some terminals report Shift+letter as the lower-case letter with SHIFT.
        Char(c) if key.modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() => {
            Char(c.to_ascii_uppercase())
        }
        c => c,
    };
    contexts.iter().find_map(|ctx| {
        BINDINGS
            .iter()
            .filter(|b| b.context == *ctx && b.ctrl == ctrl)
            .find(|b| b.keys.contains(&code))
            .and_then(|b| b.action)
    })
}

/// The keys section of the README, as Markdown (a test keeps README.md equal to it).
pub fn markdown() -> String {
    let mut s = String::new();
    for ctx in Context::ALL {
        let keys: Vec<String> = BINDINGS
            .iter()
            .filter(|b| b.context == ctx)
            .map(|b| format!("`{}` {}", b.label, b.help))
            .collect();
        s.push_str(&format!("- *{}*: {}\n", ctx.title(), keys.join("; ")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn keys_map_by_context() {
        let browser = [
            Context::Global,
            Context::Run,
            Context::Browser,
            Context::Move,
        ];
        let none = KeyModifiers::NONE;
        assert_eq!(
            action_for(&browser, press(Char('r'), none)),
            Some(Action::StartRun)
        );
        assert_eq!(
            action_for(&browser, press(Left, none)),
            Some(Action::FocusLeft)
        );
        assert_eq!(
            action_for(&[Context::Views], press(Left, none)),
            Some(Action::PrevFold)
        );
        assert_eq!(
            action_for(&browser, press(Char('n'), none)),
            Some(Action::SkipFold)
        );
        assert_eq!(
            action_for(&[Context::Confirm], press(Char('n'), none)),
            Some(Action::No)
        );
        assert_eq!(
            action_for(&browser, press(Char('c'), KeyModifiers::CONTROL)),
            Some(Action::QuitNow)
        );
        assert_eq!(
            action_for(&browser, press(Char('c'), none)),
            Some(Action::Compare)
        );
        assert_eq!(
            action_for(&browser, press(Char('g'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(action_for(&browser, press(Char('z'), none)), None);
        assert_eq!(action_for(&[Context::Views], press(Char('r'), none)), None);
    }

    #[test]
    fn no_key_means_two_things_in_one_context() {
        for a in BINDINGS {
            for b in BINDINGS {
                if std::ptr::eq(a, b) || a.context != b.context || a.ctrl != b.ctrl {
                    continue;
                }
                for k in a.keys {
                    assert!(!b.keys.contains(k), "{k:?} bound twice in {:?}", a.context);
                }
            }
        }
    }

    #[test]
    fn the_readme_lists_every_key() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
            .expect("README.md");
        let md = markdown();
        assert!(
            readme.contains(&md),
            "README.md's dashboard key list is out of date; paste this:\n{md}"
        );
    }
}
