//! The variant form: a new run of an experiment file or of a past run's resolved
//! `config.toml`, with the seed and the learning rate overridden. Two text fields; keys go
//! to the form while it is open (digits, `.`, `e`, `-`, Backspace, Tab, Enter, Esc), and
//! Enter checks both before launching, saying what is wrong in the form itself.

use super::*;
use crate::dashboard::trainer::Variant;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

/// The variant form's state.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantForm {
    /// The experiment file or `config.toml` the variant starts from.
    pub source: PathBuf,
    /// The experiment's name.
    pub name: String,
    /// The seed the source has, when known.
    pub base_seed: Option<u64>,
    /// Seed typed (empty: keep).
    pub seed: String,
    /// Learning rate typed (empty: keep).
    pub lr: String,
    /// Field with the cursor: 0 seed, 1 lr.
    pub field: usize,
    /// Why Enter was refused.
    pub error: Option<String>,
}

impl VariantForm {
    /// An empty form for `source`.
    pub fn new(source: PathBuf, name: &str, base_seed: Option<u64>) -> VariantForm {
        VariantForm {
            source,
            name: name.into(),
            base_seed,
            seed: String::new(),
            lr: String::new(),
            field: 0,
            error: None,
        }
    }

    /// The overrides typed, or what is wrong with them.
    pub fn parse(&self) -> Result<Variant, String> {
        let seed = match self.seed.trim() {
            "" => None,
            s => Some(
                s.parse::<u64>()
                    .map_err(|_| format!("seed `{s}`: a whole number from 0"))?,
            ),
        };
        let lr = match self.lr.trim() {
            "" => None,
            s => match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Some(v),
                _ => return Err(format!("lr `{s}`: a number above 0, e.g. 0.0005 or 5e-4")),
            },
        };
        if seed.is_none() && lr.is_none() {
            return Err("type a seed or an lr (or Esc to cancel)".into());
        }
        Ok(Variant {
            source: self.source.clone(),
            seed,
            lr,
        })
    }
}

impl App {
    /// A key while the variant form is open.
    pub fn form_key(&mut self, key: KeyEvent, now: Duration) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let Some(form) = self.form.as_mut() else {
            return Vec::new();
        };
        let text = if form.field == 0 {
            &mut form.seed
        } else {
            &mut form.lr
        };
        match key.code {
            KeyCode::Esc => {
                self.form = None;
                self.message = Some("variant cancelled".into());
            }
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                form.field = 1 - form.field;
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) if c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-') => {
                if text.len() < 24 {
                    text.push(c);
                }
                form.error = None;
            }
            KeyCode::Enter => match form.parse() {
                Ok(v) => {
                    let name = form.name.clone();
                    let what = [
                        v.seed.map(|s| format!("seed {s}")),
                        v.lr.map(|l| format!("lr {l:e}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                    self.form = None;
                    self.begin_live(
                        &name,
                        format!("variant of {} ({what})", v.source.display()),
                        now,
                    );
                    return vec![Effect::StartVariant(v)];
                }
                Err(e) => form.error = Some(e),
            },
            _ => {}
        }
        Vec::new()
    }
}
