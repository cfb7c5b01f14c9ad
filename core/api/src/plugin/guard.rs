//! Panic-catching wrappers, compiled into each plugin through generics.
//!
//! `catch_unwind` only works within one copy of `std`; a cdylib has its own, so the
//! catching must run in the plugin's code. Everything here is generic over the component
//! type (hence monomorphised in the plugin) or called from such code.

use super::registry::{
    Component, ComponentInfo, ComponentKind, ExtractorFactory, FusionFactory, ModelFactory,
    TranscriberFactory,
};
use super::registry::{
    ExtractorComponent, FusionComponent, ModelComponent, Registrar, TranscriberComponent,
};
use crate::features::{Audio, FeatureInfo, FeatureInput, Features};
use crate::fusion::MemberProbs;
use crate::model::{FitContext, LabeledSet};
use crate::{Error, FeatureExtractor, Fusion, Model, Result, Transcriber};
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The innermost trait method entered through [`delegate`] on this thread: a default
    /// method such as `predict_proba_by_speaker` calls `predict_proba` on the component
    /// itself, past the guard, so the guard alone would name the outer method.
    static ENTERED: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Run `f` as trait method `method`, for default methods that forward to another method of
/// the same component (`predict_proba_by_speaker` → `predict_proba`): should `f` panic, the
/// guard reports `method`, the method whose code panicked, not the one the host called.
pub fn delegate<T>(method: &'static str, f: impl FnOnce() -> T) -> T {
    let outer = ENTERED.with(|e| e.replace(Some(method)));
    let out = f();
    // Reached only without a panic; after a panic the mark stays for the guard to read.
    ENTERED.with(|e| e.set(outer));
    out
}

/// Replace this `std`'s panic hook by one that records the message and location instead of
/// printing them (printing would tear a terminal dashboard). Called by `export_plugin!`.
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let msg = payload_text(info.payload());
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
        }));
    });
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Errors that hold no pointer into plugin code pass through; an I/O error (which may box
/// a plugin-defined source) is flattened to text.
fn flatten(plugin: &str, component: &str, during: &'static str, e: Error) -> Error {
    match e {
        Error::Io { .. } => Error::Plugin {
            plugin: plugin.into(),
            component: component.into(),
            during,
            message: e.to_string(),
        },
        other => other,
    }
}

/// Run `f`, turning a panic into [`Error::PluginPanic`] and flattening errors.
pub fn guarded<T>(
    plugin: &str,
    component: &str,
    during: &'static str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let outer = ENTERED.with(|e| e.take());
    let result = catch_unwind(AssertUnwindSafe(f));
    let entered = ENTERED.with(|e| e.replace(outer));
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(flatten(plugin, component, during, e)),
        Err(payload) => {
            let message = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| payload_text(payload.as_ref()));
            Err(Error::PluginPanic {
                plugin: plugin.into(),
                component: component.into(),
                during: entered.unwrap_or(during),
                message,
            })
        }
    }
}

/// Call a plugin's registration function, catching a panic in it.
pub fn register_guarded(r: &mut Registrar, register: fn(&mut Registrar)) {
    let plugin = r.plugin().to_string();
    if let Err(e) = guarded(&plugin, "plugin", "register", || {
        register(r);
        Ok(())
    }) {
        r.failure = Some(e);
    }
}

fn parse_params<C: Component>(plugin: &str, text: &str) -> Result<C::Params> {
    toml::from_str::<C::Params>(text).map_err(|e| Error::Config {
        file: format!("parameters of `{}` (plugin `{plugin}`)", C::NAME),
        key: e
            .span()
            .map(|s| text.get(s).unwrap_or("-").to_string())
            .unwrap_or_else(|| "-".into()),
        message: e.message().to_string(),
    })
}

fn info_of<C: Component>(kind: ComponentKind) -> ComponentInfo {
    ComponentInfo {
        name: C::NAME.into(),
        kind,
        summary: C::SUMMARY.into(),
        defaults: toml::to_string(&C::Params::default())
            .unwrap_or_else(|e| format!("# cannot show defaults: {e}")),
        params: C::PARAMS_HELP
            .iter()
            .map(|(k, h)| (k.to_string(), h.to_string()))
            .collect(),
    }
}

macro_rules! factory {
    ($name:ident, $bound:ident, $factory:ident, $guarded:ident, $obj:ident, $kind:expr) => {
        pub(crate) struct $name<C> {
            plugin: String,
            _c: PhantomData<fn() -> C>,
        }
        impl<C> $name<C> {
            pub(crate) fn new(plugin: &str) -> Self {
                Self {
                    plugin: plugin.to_string(),
                    _c: PhantomData,
                }
            }
        }
        impl<C: $bound> $factory for $name<C> {
            fn info(&self) -> ComponentInfo {
                info_of::<C>($kind)
            }
            fn resolve(&self, params: &str) -> Result<String> {
                guarded(&self.plugin, C::NAME, "resolve", || {
                    let p = parse_params::<C>(&self.plugin, params)?;
                    toml::to_string(&p).map_err(|e| {
                        Error::config(format!("parameters of `{}`", C::NAME), "-", e.to_string())
                    })
                })
            }
            fn create(&self, params: &str) -> Result<Box<dyn $obj>> {
                let plugin = self.plugin.clone();
                guarded(&self.plugin, C::NAME, "new", || {
                    let p = parse_params::<C>(&plugin, params)?;
                    Ok(Box::new($guarded {
                        inner: C::new(p)?,
                        plugin,
                    }) as Box<dyn $obj>)
                })
            }
        }
    };
}

factory!(
    ExtractorFactoryImpl,
    ExtractorComponent,
    ExtractorFactory,
    GuardedExtractor,
    FeatureExtractor,
    ComponentKind::Extractor
);
factory!(
    ModelFactoryImpl,
    ModelComponent,
    ModelFactory,
    GuardedModel,
    Model,
    ComponentKind::Model
);
factory!(
    FusionFactoryImpl,
    FusionComponent,
    FusionFactory,
    GuardedFusion,
    Fusion,
    ComponentKind::Fusion
);

factory!(
    TranscriberFactoryImpl,
    TranscriberComponent,
    TranscriberFactory,
    GuardedTranscriber,
    Transcriber,
    ComponentKind::Transcriber
);

struct GuardedTranscriber<C> {
    inner: C,
    plugin: String,
}

impl<C: TranscriberComponent> Transcriber for GuardedTranscriber<C> {
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }
    fn transcribe(&self, audio: &Audio) -> Result<String> {
        guarded(&self.plugin, C::NAME, "transcribe", || {
            self.inner.transcribe(audio)
        })
    }
}

struct GuardedExtractor<C> {
    inner: C,
    plugin: String,
}

impl<C: ExtractorComponent> FeatureExtractor for GuardedExtractor<C> {
    fn info(&self) -> Result<FeatureInfo> {
        guarded(&self.plugin, C::NAME, "info", || self.inner.info())
    }
    fn extract(&self, audio: &Audio) -> Result<Features> {
        guarded(&self.plugin, C::NAME, "extract", || {
            self.inner.extract(audio)
        })
    }
    fn input(&self) -> FeatureInput {
        guarded(&self.plugin, C::NAME, "input", || Ok(self.inner.input())).unwrap_or_default()
    }
    fn extract_text(&self, text: &str) -> Result<Features> {
        guarded(&self.plugin, C::NAME, "extract_text", || {
            self.inner.extract_text(text)
        })
    }
}

struct GuardedModel<C> {
    inner: C,
    plugin: String,
}

impl<C: ModelComponent> Model for GuardedModel<C> {
    fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        let inner = &mut self.inner;
        guarded(&self.plugin, C::NAME, "fit", || {
            inner.fit(train, valid, ctx)
        })
    }
    fn predict_proba(&self, inputs: &[&Features]) -> Result<Vec<Vec<f32>>> {
        guarded(&self.plugin, C::NAME, "predict_proba", || {
            self.inner.predict_proba(inputs)
        })
    }
    fn predict_proba_by_speaker(
        &self,
        inputs: &[&Features],
        speakers: &[&str],
    ) -> Result<Vec<Vec<f32>>> {
        guarded(&self.plugin, C::NAME, "predict_proba_by_speaker", || {
            self.inner.predict_proba_by_speaker(inputs, speakers)
        })
    }
    fn predict_vad(&self, inputs: &[&Features]) -> Result<Option<Vec<[f32; 3]>>> {
        guarded(&self.plugin, C::NAME, "predict_vad", || {
            self.inner.predict_vad(inputs)
        })
    }
    fn predict_vad_by_speaker(
        &self,
        inputs: &[&Features],
        speakers: &[&str],
    ) -> Result<Option<Vec<[f32; 3]>>> {
        guarded(&self.plugin, C::NAME, "predict_vad_by_speaker", || {
            self.inner.predict_vad_by_speaker(inputs, speakers)
        })
    }
    fn save(&self, path: &Path) -> Result<()> {
        guarded(&self.plugin, C::NAME, "save", || self.inner.save(path))
    }
    fn load(&mut self, path: &Path) -> Result<()> {
        let inner = &mut self.inner;
        guarded(&self.plugin, C::NAME, "load", || inner.load(path))
    }
}

struct GuardedFusion<C> {
    inner: C,
    plugin: String,
}

impl<C: FusionComponent> Fusion for GuardedFusion<C> {
    fn fit(&mut self, members: MemberProbs<'_>, labels: &[usize]) -> Result<()> {
        let inner = &mut self.inner;
        guarded(&self.plugin, C::NAME, "fit", || inner.fit(members, labels))
    }
    fn combine(&self, members: MemberProbs<'_>) -> Result<Vec<Vec<f32>>> {
        guarded(&self.plugin, C::NAME, "combine", || {
            self.inner.combine(members)
        })
    }
    fn save(&self, path: &Path) -> Result<()> {
        guarded(&self.plugin, C::NAME, "save", || self.inner.save(path))
    }
    fn load(&mut self, path: &Path) -> Result<()> {
        let inner = &mut self.inner;
        guarded(&self.plugin, C::NAME, "load", || inner.load(path))
    }
}
