//! Unit tests of the training parameters, kept apart so the parameter code reads without them.

use super::*;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Arch {
    hidden: Vec<usize>,
}
impl ArchParams for Arch {
    const KEYS: &'static [&'static str] = &["hidden"];
}

#[test]
fn a_flat_table_splits_into_architecture_and_training_and_round_trips() {
    let p: NeuralParams<Arch> = toml::from_str("hidden = [4, 2]\nepochs = 3\nlr = 0.1").unwrap();
    assert_eq!(p.arch.hidden, vec![4, 2]);
    assert_eq!((p.train.epochs, p.train.lr), (3, 0.1));
    assert_eq!(p.train.batch_size, 32);
    let text = toml::to_string(&p).unwrap();
    assert_eq!(toml::from_str::<NeuralParams<Arch>>(&text).unwrap(), p);
}

#[test]
fn unknown_and_bad_keys_are_named() {
    let e = toml::from_str::<NeuralParams<Arch>>("epoch = 3")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown parameter `epoch`") && e.contains("`epochs`"),
        "{e}"
    );
    let e = toml::from_str::<NeuralParams<Arch>>("normalize = \"speakr\"")
        .unwrap_err()
        .to_string();
    assert!(e.contains("speakr"), "{e}");
    let p: NeuralParams<Arch> = toml::from_str("noise_snr_db = [30.0, 10.0]").unwrap();
    assert!(p
        .train
        .validate()
        .unwrap_err()
        .to_string()
        .contains("noise_snr_db"));
}

#[test]
fn every_training_key_has_help() {
    let help: &[(&str, &str)] = params_help!(("hidden", "sizes"));
    for k in TRAIN_KEYS {
        assert!(help.iter().any(|(h, _)| h == k), "no help for `{k}`");
    }
    assert_eq!(help.len(), TRAIN_KEYS.len() + 1);
    let t = toml::Table::try_from(TrainParams::default()).unwrap();
    assert_eq!(t.len(), TRAIN_KEYS.len());
    assert!(t.keys().all(|k| TRAIN_KEYS.contains(&k.as_str())));
}
