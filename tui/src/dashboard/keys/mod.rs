//! Every key of the dashboard, in one table: the key handler, the help overlay and the
//! README's key section are all read from [`BINDINGS`], so none can list a key the others
//! do not know.
//!
//! The table is in `bindings.rs`; this file has what a binding is, the lookup and the
//! README rendering.

mod bindings;

use super::app::Screen;
pub use bindings::BINDINGS;
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
    /// Open the selected run folder on the training, confusion and fusion screens.
    ViewRun,
    /// Leave the past run shown on the screens (back to the live run).
    CloseView,
    /// Resume the selected run folder (`serlab run --resume`).
    Resume,
    /// Launch a variant of the selected experiment or run (seed, lr).
    Variant,
    /// Previous epoch (the confusion at an epoch; before the first: the test result).
    PrevEpoch,
    /// Next epoch.
    NextEpoch,
    /// The best epoch.
    BestEpoch,
    /// Training screen: validation UA/WA, or per-class recall over epochs.
    ToggleRecall,
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
    /// One line of help; empty for a key documented with another (`.` under `,`).
    pub help: &'static str,
}

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
        KeyCode::Char(c)
            if key.modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() =>
        {
            KeyCode::Char(c.to_ascii_uppercase())
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
            .filter(|b| b.context == ctx && !b.help.is_empty())
            .map(|b| format!("`{}` {}", b.label, b.help))
            .collect();
        s.push_str(&format!("- *{}*: {}\n", ctx.title(), keys.join("; ")));
    }
    s
}

#[cfg(test)]
mod tests;
