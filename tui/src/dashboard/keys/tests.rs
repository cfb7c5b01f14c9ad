//! Keys: the table resolves keys by context, and the README's key section equals it.

use super::*;
use KeyCode::{Char, Left};

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
