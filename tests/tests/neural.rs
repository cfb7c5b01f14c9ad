//! The `neural` plugin through the runner: loaded as a shared library, configured from
//! TOML, trained per fold with events, selected on the validation speaker.

use serlab_engine::config::Experiment;
use serlab_engine::events::VecSink;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::{RunEvent, StopHandle};
use serlab_tests::bundled_plugins;

const EXPERIMENT: &str = r#"
[experiment]
name = "neural-synthetic"
seed = 3

[corpus]
kind = "synthetic"
speakers = 4
per_class = 5

[protocol]
kind = "leave-one-speaker-out"
validation_speakers = 1

[features.func]
extractor = "functionals"

[models.mlp]
model = "mlp"
features = "func"
hidden = [32, 32]
epochs = 40
batch_size = 16
lr = 0.005
normalize = "speaker"

# Handed to the mlp, which declares an `augmentation` parameter (an [augmentation] table
# that no model takes is refused).
[augmentation]
copies = 1
noise_std = 0.01
"#;

#[test]
fn the_neural_plugin_trains_through_the_runner() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("neural.toml");
    std::fs::write(&file, EXPERIMENT).unwrap();
    let mut exp = Experiment::from_file(&file).unwrap();
    exp.meta.output = dir.path().to_path_buf();
    let plugins = bundled_plugins();
    assert!(plugins.plugins.iter().any(|p| p.name == "neural"));
    let mut sink = VecSink::default();
    let s = runner::run(
        &exp,
        &plugins,
        &RunOptions {
            output: Some(dir.path().join("run")),
            ..Default::default()
        },
        &mut sink,
        &StopHandle::new(),
    )
    .unwrap();
    assert_eq!(s.results.status, "finished");
    assert_eq!(s.results.folds.len(), 4);
    // 4 balanced classes (chance 0.25); the generator's emotions differ in pitch,
    // loudness, tempo and tilt, which the functionals capture.
    let ua = s.results.pooled["mlp"].ua;
    assert!(ua > 0.6, "pooled UA {ua}");
    let epochs = sink
        .0
        .iter()
        .filter(|e| {
            matches!(
                e,
                RunEvent::Epoch {
                    valid_ua: Some(_),
                    ..
                }
            )
        })
        .count();
    assert!(epochs >= 4, "{epochs} epoch events with validation UA");
    let config = std::fs::read_to_string(dir.path().join("run/config.toml")).unwrap();
    assert!(
        config.contains("batch_norm = true") && config.contains("mixup_alpha"),
        "{config}"
    );
    let mlp_aug = config
        .split("[models.mlp.augmentation]")
        .nth(1)
        .unwrap_or_else(|| panic!("the mlp got no augmentation: {config}"));
    assert!(mlp_aug.trim_start().starts_with("copies = 1"), "{config}");
}
