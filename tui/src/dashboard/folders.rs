//! Reading run folders for the screens: a past run for the training, confusion and fusion
//! screens ([`load_past`]), a model's parameters, and what the compare screen adds to the
//! scores — parameter differences and the paired tests of `serlab compare`
//! ([`compare_extra`]). The event loop calls these (the reducer never touches the disk).

use super::live::folder::FolderContents;
use super::live::LiveRun;
use crate::compare::Side;
use serlab_engine::runner::{load_results, parts};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The parameters of each `[models.<id>]` table of an experiment or `config.toml`
/// (`model` and `features` left out: they are shown elsewhere), in file order of keys.
pub fn model_params(config: &toml::Table) -> BTreeMap<String, Vec<(String, String)>> {
    let Some(models) = config.get("models").and_then(|m| m.as_table()) else {
        return BTreeMap::new();
    };
    models
        .iter()
        .filter_map(|(id, t)| {
            let t = t.as_table()?;
            let kv = t
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "model" | "features"))
                .map(|(k, v)| (k.clone(), value(v)))
                .collect();
            Some((id.clone(), kv))
        })
        .collect()
}

fn value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A TOML file as a table, or why not.
pub fn read_toml(path: &Path) -> Result<toml::Table, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.parse::<toml::Table>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Every leaf of a TOML table as `a.b.c = value`.
pub fn flatten(t: &toml::Table) -> BTreeMap<String, String> {
    fn walk(prefix: &str, t: &toml::Table, out: &mut BTreeMap<String, String>) {
        for (k, v) in t {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(sub) => walk(&key, sub, out),
                other => {
                    out.insert(key, value(other));
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", t, &mut out);
    out
}

/// The number of folds of the protocol, from the first fold part of the run folder.
fn protocol_folds(dir: &Path) -> Option<usize> {
    let rd = std::fs::read_dir(parts::dir(dir)).ok()?;
    rd.flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .find_map(|p| parts::read(&p).ok())
        .map(|part| part.folds)
}

/// A past run read from its folder, for the live screens.
pub fn load_past(dir: &Path) -> Result<LiveRun, String> {
    let results = load_results(dir).map_err(|e| e.to_string())?;
    let epochs = serlab_engine::epochs::read(dir).map_err(|e| e.to_string())?;
    let config = read_toml(&dir.join("config.toml")).unwrap_or_default();
    let params = model_params(&config);
    let models: Vec<String> = results
        .systems
        .iter()
        .filter(|s| params.contains_key(*s))
        .cloned()
        .collect();
    let mut run = LiveRun::from_folder(&FolderContents {
        results: &results,
        epochs: &epochs,
        models,
        params,
        folds: protocol_folds(dir),
        dir: dir.display().to_string(),
    });
    // The log the dashboard saved when the run ended, if a dashboard ran it.
    if let Ok(log) = std::fs::read_to_string(dir.join(super::runtime::LOG_FILE)) {
        let zero = std::time::Duration::ZERO;
        run.note(
            format!("---- {} ----", super::runtime::LOG_FILE),
            false,
            zero,
        );
        for line in log.lines() {
            let (at, text) = log_line(line);
            match text.strip_prefix("warning: ") {
                Some(w) => run.note(w, true, at),
                None => run.note(text, false, at),
            }
        }
    }
    Ok(run)
}

/// A line of a saved log, `m:ss text` (or `h:mm:ss text`): its time and its text.
pub fn log_line(line: &str) -> (std::time::Duration, &str) {
    let line = line.trim_start();
    let Some((time, text)) = line.split_once(' ') else {
        return (std::time::Duration::ZERO, line);
    };
    let secs = time
        .split(':')
        .try_fold(0u64, |acc, p| p.parse::<u64>().ok().map(|v| acc * 60 + v));
    match secs {
        Some(s) if time.contains(':') => (std::time::Duration::from_secs(s), text),
        _ => (std::time::Duration::ZERO, line),
    }
}

/// One parameter that differs between the compared runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDiff {
    /// `models.cnn.lr`, `experiment.seed`.
    pub key: String,
    /// Its value in each run (`None`: not set).
    pub values: Vec<Option<String>>,
}

/// What the compare screen shows beyond the scores.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareExtra {
    /// The runs, in order.
    pub dirs: Vec<PathBuf>,
    /// Resolved parameters that differ (the output folder and the experiment file left out).
    pub params: Vec<ParamDiff>,
    /// `serlab compare`'s report of the runs: the paired tests over matched folds and
    /// shared utterances, each named, or why none could be made.
    pub tests: Result<String, String>,
}

/// Keys that differ between runs for reasons that are not settings.
fn incidental(key: &str) -> bool {
    matches!(key, "experiment.output" | "experiment.cache")
}

/// The parameter differences of `dirs` (from their `config.toml`) and their paired tests.
pub fn compare_extra(dirs: &[PathBuf]) -> CompareExtra {
    let configs: Vec<BTreeMap<String, String>> = dirs
        .iter()
        .map(|d| {
            read_toml(&d.join("config.toml"))
                .map(|t| flatten(&t))
                .unwrap_or_default()
        })
        .collect();
    let mut keys: Vec<&String> = configs.iter().flat_map(|c| c.keys()).collect();
    keys.sort();
    keys.dedup();
    let params = keys
        .into_iter()
        .filter(|k| !incidental(k))
        .filter_map(|k| {
            let values: Vec<Option<String>> = configs.iter().map(|c| c.get(k).cloned()).collect();
            values.iter().any(|v| v != &values[0]).then(|| ParamDiff {
                key: k.clone(),
                values,
            })
        })
        .collect();
    let tests = dirs
        .iter()
        .map(|d| Side::load(d, None))
        .collect::<serlab_engine::Result<Vec<Side>>>()
        .and_then(|sides| crate::compare::report(&sides))
        .map_err(|e| e.to_string());
    CompareExtra {
        dirs: dirs.to_vec(),
        params,
        tests,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_and_flattened() {
        let t: toml::Table = r#"
            [experiment]
            name = "x"
            seed = 3
            [models.cnn]
            model = "cnn"
            features = "mel"
            lr = 0.001
            epochs = 30
        "#
        .parse()
        .unwrap();
        let p = model_params(&t);
        assert_eq!(
            p["cnn"],
            [
                ("lr".to_string(), "0.001".to_string()),
                ("epochs".to_string(), "30".to_string())
            ]
        );
        let f = flatten(&t);
        assert_eq!(f["experiment.seed"], "3");
        assert_eq!(f["models.cnn.features"], "mel");
    }

    #[test]
    fn saved_log_lines_keep_their_time() {
        use std::time::Duration;
        assert_eq!(
            log_line(" 0:06 run finished"),
            (Duration::from_secs(6), "run finished")
        );
        assert_eq!(
            log_line("1:02:03 warning: x"),
            (Duration::from_secs(3723), "warning: x")
        );
        assert_eq!(log_line("no time here"), (Duration::ZERO, "no time here"));
    }

    #[test]
    fn differences_and_tests_of_two_run_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let write = |name: &str, seed: u64, lr: f64| {
            let d = tmp.path().join(name);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(
                d.join("config.toml"),
                format!(
                    "[experiment]\nname = \"x\"\nseed = {seed}\noutput = \"{name}\"\n\
                     [models.cnn]\nmodel = \"cnn\"\nlr = {lr:?}\nepochs = 5\n"
                ),
            )
            .unwrap();
            d
        };
        let a = write("a", 1, 0.001);
        let b = write("b", 2, 0.001);
        let e = compare_extra(&[a.clone(), b.clone()]);
        let keys: Vec<&str> = e.params.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["experiment.seed"], "output folders are not settings");
        assert_eq!(
            e.params[0].values,
            [Some("1".to_string()), Some("2".to_string())]
        );
        // No results.json: the tests say why they are missing, naming the folder.
        let why = e.tests.unwrap_err();
        assert!(why.contains("a"), "{why}");
    }
}
