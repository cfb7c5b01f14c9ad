//! The reducer for user actions: what each key [`Action`] does given the screen, the
//! overlays and the run, and the [`Effect`]s it asks of the event loop. Runner messages and
//! the state's own queries stay in `mod.rs`; this is the part that grows with every key.

use super::*;

impl App {
    /// Apply a user action at time `now`.
    pub fn update(&mut self, action: Action, now: Duration) -> Vec<Effect> {
        self.message = None;
        if action == Action::QuitNow {
            return self.quit(now);
        }
        if let Some(c) = self.confirm {
            return match action {
                Action::Yes => {
                    self.confirm = None;
                    match c {
                        Confirm::Stop => self.stop(now),
                        Confirm::Quit => self.quit(now),
                    }
                }
                Action::No | Action::Back => {
                    self.confirm = None;
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        if self.help {
            match action {
                Action::Help | Action::Back | Action::Quit => self.help = false,
                Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                Action::Down => self.help_scroll += 1,
                Action::PageUp => self.help_scroll = self.help_scroll.saturating_sub(self.page),
                Action::PageDown => self.help_scroll += self.page,
                Action::Top => self.help_scroll = 0,
                _ => {}
            }
            return Vec::new();
        }
        if let Some(v) = &mut self.viewer {
            let last = v.lines.len().saturating_sub(1);
            let moved = match action {
                Action::Up => Some(v.scroll.saturating_sub(1)),
                Action::Down => Some(v.scroll + 1),
                Action::PageUp => Some(v.scroll.saturating_sub(self.page)),
                Action::PageDown => Some(v.scroll + self.page),
                Action::Top => Some(0),
                Action::Bottom => Some(last),
                _ => None,
            };
            if let Some(s) = moved {
                v.scroll = s.min(last);
                return Vec::new();
            }
            if action == Action::Back || action == Action::Quit {
                self.viewer = None;
                return Vec::new();
            }
        }
        match action {
            Action::Quit => {
                if self.running() {
                    self.confirm = Some(Confirm::Quit);
                    Vec::new()
                } else {
                    self.quit(now)
                }
            }
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
                Vec::new()
            }
            Action::Back => Vec::new(),
            Action::Show(s) => self.show(s),
            Action::NextScreen => self.show(self.screen.step(1)),
            Action::PrevScreen => self.show(self.screen.step(-1)),
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                let d = match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -(self.page as isize),
                    _ => self.page as isize,
                };
                self.scroll(d);
                Vec::new()
            }
            Action::Top => {
                self.scroll(isize::MIN / 2);
                Vec::new()
            }
            Action::Bottom => {
                self.scroll(isize::MAX / 2);
                Vec::new()
            }
            Action::FocusLeft => {
                self.browser.focus = Pane::Experiments;
                Vec::new()
            }
            Action::FocusRight => {
                self.browser.focus = Pane::Runs;
                Vec::new()
            }
            Action::Open => self.open(),
            Action::StartRun => self.start(now),
            Action::Pause => {
                let Some(live) = self.live.as_mut().filter(|l| l.is_running()) else {
                    self.message = Some("no run is going".into());
                    return Vec::new();
                };
                let p = !live.paused;
                live.set_paused(p, now);
                let text = if p {
                    "paused (training halts at the next batch)"
                } else {
                    "resumed"
                };
                live.note(text, false, now);
                vec![Effect::Pause(p)]
            }
            Action::Stop => {
                if self.running() && !self.live.as_ref().is_some_and(|l| l.stopping) {
                    self.confirm = Some(Confirm::Stop);
                } else if !self.running() {
                    self.message = Some("no run is going".into());
                }
                Vec::new()
            }
            Action::SkipFold => {
                let Some(live) = self.live.as_mut().filter(|l| l.is_running()) else {
                    self.message = Some("no run is going".into());
                    return Vec::new();
                };
                if live.phase != Phase::Training || live.current.is_none() || live.stopping {
                    self.message = Some("no fold is training now".into());
                    return Vec::new();
                }
                let fold = live.current.as_ref().map(|c| c.0 + 1).unwrap_or(0);
                live.note(format!("skip of fold {fold} requested"), false, now);
                vec![Effect::SkipFold]
            }
            Action::Mark => {
                if let Some(on) = self.browser.toggle_mark() {
                    let n = self.browser.marked.len();
                    self.message = Some(format!(
                        "{} ({n} marked; c compares)",
                        if on { "marked" } else { "unmarked" }
                    ));
                }
                Vec::new()
            }
            Action::Compare => {
                if self.browser.marked_results().len() >= 2 {
                    self.screen = Screen::Compare;
                    self.compare_scroll = 0;
                    return vec![Effect::LoadCompare(self.browser.marked.clone())];
                }
                self.message = Some("mark two or more runs with Space first".into());
                Vec::new()
            }
            Action::Rescan => vec![Effect::Rescan],
            Action::PrevFold | Action::NextFold => {
                let opts = self.fold_options();
                let at = opts.iter().position(|o| *o == self.fold_sel).unwrap_or(0);
                let n = opts.len() as isize;
                let by = if action == Action::NextFold { 1 } else { -1 };
                self.fold_sel = opts[(at as isize + by).rem_euclid(n) as usize];
                Vec::new()
            }
            Action::NextSystem => {
                let opts = self.system_options();
                let at = opts.iter().position(|o| *o == self.system_sel).unwrap_or(0);
                self.system_sel = opts[(at + 1) % opts.len()].clone();
                Vec::new()
            }
            Action::AllSystems => {
                self.compare_all = !self.compare_all;
                Vec::new()
            }
            Action::ViewRun
            | Action::CloseView
            | Action::Resume
            | Action::Variant
            | Action::PrevEpoch
            | Action::NextEpoch
            | Action::BestEpoch
            | Action::ToggleRecall => self.view_action(action, now),
            Action::Yes | Action::No | Action::QuitNow => Vec::new(),
        }
    }

    fn show(&mut self, s: Screen) -> Vec<Effect> {
        self.screen = s;
        self.viewer = None;
        let marked = &self.browser.marked;
        let stale = self
            .compare_extra
            .as_ref()
            .is_none_or(|e| &e.dirs != marked);
        if s == Screen::Compare && marked.len() >= 2 && stale {
            return vec![Effect::LoadCompare(marked.clone())];
        }
        Vec::new()
    }

    fn scroll(&mut self, d: isize) {
        match self.screen {
            Screen::Browser => self.browser.move_by(d),
            Screen::Compare => {
                self.compare_scroll = (self.compare_scroll as isize + d).clamp(0, 10_000) as usize
            }
            // Up (negative) goes back in the log.
            Screen::Training => self.scroll_log(-d),
            _ => {}
        }
    }

    fn open(&mut self) -> Vec<Effect> {
        match self.browser.focus {
            Pane::Experiments => self
                .browser
                .selected_experiment()
                .map(|e| vec![Effect::OpenExperiment(e.path.clone())])
                .unwrap_or_default(),
            Pane::Runs => self
                .browser
                .selected_run()
                .map(|r| vec![Effect::OpenRun(r.dir.clone())])
                .unwrap_or_default(),
        }
    }

    fn start(&mut self, now: Duration) -> Vec<Effect> {
        if self.running() {
            self.message = Some("a run is going: stop it first (s)".into());
            return Vec::new();
        }
        let Some(e) = self.browser.selected_experiment() else {
            self.message = Some("no experiment file in this folder".into());
            return Vec::new();
        };
        match &e.summary {
            Ok(s) => {
                let (name, path) = (s.name.clone(), e.path.clone());
                self.begin_live(&name, format!("starting {}", path.display()), now);
                vec![Effect::StartRun(path)]
            }
            Err(msg) => {
                self.message = Some(format!("cannot run: {msg}"));
                Vec::new()
            }
        }
    }

    fn stop(&mut self, now: Duration) -> Vec<Effect> {
        match self.live.as_mut().filter(|l| l.is_running()) {
            Some(live) if !live.stopping => {
                live.stopping = true;
                live.note("stop requested: finishing the current step", false, now);
                vec![Effect::Stop]
            }
            _ => Vec::new(),
        }
    }

    fn quit(&mut self, now: Duration) -> Vec<Effect> {
        self.quitting = true;
        self.confirm = None;
        let mut v = self.stop(now);
        v.push(Effect::Quit);
        v
    }
}
