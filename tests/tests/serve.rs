//! `serlab serve` end to end: a quick synthetic run (two forests and a speaker-normalised
//! MLP, averaged), the `serlab` binary serving it on 127.0.0.1:0, every route exercised
//! with a blocking HTTP client, malformed, oversized and truncated bodies, concurrent
//! clients, and SIGTERM. The server's answers are checked against the engine's own
//! [`Predictor`] and `serlab predict`, so the HTTP path cannot drift from the CLI's.
//!
//! Needs `target/debug/serlab` built (`cargo build -p serlab`).

use serde_json::Value;
use serlab_engine::config::Experiment;
use serlab_engine::predict::{Predictor, Request};
use serlab_engine::synthetic::{prosody, synthesize, Voice};
use serlab_tests::run_to;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// The quick experiment: 4 synthetic speakers x 4 emotions x 3 utterances, leave one
/// speaker out (4 folds); trains in seconds.
const QUICK: &str = r#"
[experiment]
name = "serve-quick"
seed = 11
[corpus]
kind = "synthetic"
speakers = 4
per_class = 3
[protocol]
kind = "leave-one-speaker-out"
validation_speakers = 1
[features.func]
extractor = "functionals"
[features.mfcc]
extractor = "mfcc"
n_mfcc = 13
[models.forest-func]
model = "random-forest"
features = "func"
n_trees = 20
[models.forest-mfcc]
model = "random-forest"
features = "mfcc"
n_trees = 20
[models.mlp]
model = "mlp"
features = "func"
hidden = [16]
epochs = 8
normalize = "speaker"
[fusion]
method = "average"
"#;

/// Seed of the quick run (its speakers' voices come from it).
pub const SEED: u64 = 11;

/// The quick run, trained once per test binary; its folder.
pub fn quick_run() -> &'static Path {
    static RUN: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("quick.toml");
        std::fs::write(&file, QUICK).unwrap();
        let mut exp = Experiment::from_file(&file).unwrap();
        exp.meta.output = dir.path().to_path_buf();
        let run = dir.path().join("run");
        run_to(&exp, run.clone()).unwrap();
        (dir, run)
    })
    .1
}

/// `seconds` of `emotion` spoken by speaker `speaker` of the quick corpus, as mono
/// samples at 16 kHz.
pub fn speech(emotion: &str, speaker: usize, seconds: f32, seed: u64) -> Vec<f32> {
    let voice = Voice::for_speaker(SEED, speaker);
    synthesize(voice, prosody(emotion).unwrap(), seconds, 16000, seed)
}

/// 16-bit WAV bytes of `samples` at 16 kHz.
pub fn wav_bytes(samples: &[f32]) -> Vec<u8> {
    let f = tempfile::NamedTempFile::new().unwrap();
    serlab_engine::audio::write_wav16(f.path(), samples, 16000).unwrap();
    std::fs::read(f.path()).unwrap()
}

/// The `serlab` binary cargo built beside this test executable.
pub fn serlab_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap();
    let up = if dir.ends_with("deps") {
        dir.parent().unwrap()
    } else {
        dir
    };
    let bin = up.join(format!("serlab{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} not built: run `cargo build -p serlab` first",
        bin.display()
    );
    bin
}

/// A running `serlab serve`; killed if a test fails before stopping it.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(run: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(serlab_bin())
            .arg("serve")
            .arg(run)
            .args(["--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { child, url }
    }

    /// SIGTERM; returns (exit success, stderr).
    fn terminate(mut self) -> (bool, String) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status.success(), err)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// (status, JSON body) of a request with a body.
fn post(a: &ureq::Agent, url: &str, ctype: Option<&str>, body: &[u8]) -> (u16, Value) {
    let mut r = a.post(url);
    if let Some(c) = ctype {
        r = r.header("Content-Type", c);
    }
    let mut resp = r.send(body).unwrap();
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, v)
}

fn get(a: &ureq::Agent, url: &str) -> (u16, Value) {
    let mut resp = a.get(url).call().unwrap();
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

fn probs(v: &Value) -> Vec<f32> {
    v["probs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn system<'a>(v: &'a Value, group: &str, id: &str) -> &'a Value {
    v[group]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no {group} `{id}` in {v}"))
}

/// (status, error code, message) of a failed request.
fn refused((status, v): (u16, Value)) -> (u16, String, String) {
    (
        status,
        v["error"].as_str().unwrap_or_default().to_string(),
        v["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn serve_answers_every_route_and_refuses_bad_input() {
    let run = quick_run();
    let s = Server::start(
        run,
        &["--workers", "2", "--max-seconds", "3", "--max-body-mb", "1"],
    );
    let a = agent();
    let (st, h) = get(&a, &format!("{}/health", s.url));
    assert_eq!(
        (st, h["status"].as_str(), h["workers"].as_u64()),
        (200, Some("ok"), Some(2))
    );

    let (st, info) = get(&a, &format!("{}/info", s.url));
    assert_eq!(st, 200);
    assert_eq!(
        info["classes"],
        serde_json::json!(["neutral", "happy", "sad", "angry"])
    );
    assert_eq!(info["run_id"], "serve-quick/run");
    assert_eq!(info["folds"].as_array().unwrap().len(), 4);
    let normalised: Vec<bool> = info["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["speaker_normalised"].as_bool().unwrap())
        .collect();
    assert_eq!(normalised, [false, false, true]);
    assert_eq!(info["fusions"][0]["method"], "average");
    assert_eq!(info["limits"]["max_seconds"], 3.0);
    let plugins: Vec<&str> = info["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        plugins.contains(&"random-forest") && plugins.contains(&"neural"),
        "{plugins:?}"
    );
    assert_eq!(info["serlab_version"], env!("CARGO_PKG_VERSION"));

    // A clip of a training speaker: the server's answer is the engine's, and `serlab
    // predict` prints the same probabilities (both are the mean over the 4 fold models).
    let clip = speech("angry", 1, 1.0, 901);
    let wav = wav_bytes(&clip);
    let predict_url = format!("{}/predict", s.url);
    let (st, v) = post(&a, &predict_url, Some("audio/wav"), &wav);
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["seconds"], 1.0);
    let engine = Predictor::load(run, 1).unwrap();
    let audio = serlab_engine::audio::read_mono_bytes(wav.clone(), Path::new("x")).unwrap();
    let want = engine
        .predict(
            &audio,
            &Request {
                name: "x",
                ..Default::default()
            },
        )
        .unwrap();
    for w in &want.systems {
        let group = if w.fused { "fusions" } else { "models" };
        let got = system(&v, group, &w.id);
        assert_eq!(probs(got), w.probs, "{}", w.id);
        assert_eq!(got["folds"], 4);
    }
    let file = tempfile::NamedTempFile::with_suffix(".wav").unwrap();
    std::fs::write(file.path(), &wav).unwrap();
    let cli = serlab::predict::predict(run, file.path(), &Default::default()).unwrap();
    assert_eq!(cli.systems, want.systems);
    // The average fusion is the mean of its three members.
    let fused = probs(system(&v, "fusions", "fusion"));
    for (c, f) in fused.iter().enumerate() {
        let mean: f32 = ["forest-func", "forest-mfcc", "mlp"]
            .iter()
            .map(|m| probs(system(&v, "models", m))[c])
            .sum::<f32>()
            / 3.0;
        assert!((f - mean).abs() < 1e-5, "class {c}");
    }
    // Without a speaker id the speaker-normalised MLP says so, in the answer and a note.
    assert_eq!(
        system(&v, "models", "mlp")["statistics"]["kind"],
        "utterance"
    );
    assert_eq!(
        system(&v, "models", "forest-func")["statistics"]["kind"],
        "model"
    );
    assert!(
        v["notes"][0].as_str().unwrap().contains("no speaker id"),
        "{v}"
    );

    // Enrolment: each recording of speaker `guest` joins its statistics, and the answer is
    // the engine's with the same history.
    let engine = Predictor::load(run, 1).unwrap();
    for (i, emotion) in ["sad", "angry", "happy"].iter().enumerate() {
        let w = wav_bytes(&speech(emotion, 7, 1.0, 950 + i as u64));
        let (st, v) = post(
            &a,
            &format!("{predict_url}?speaker=guest"),
            Some("audio/wav"),
            &w,
        );
        assert_eq!(st, 200, "{v}");
        let mlp = system(&v, "models", "mlp");
        assert_eq!(mlp["statistics"]["kind"], "speaker");
        assert_eq!(mlp["statistics"]["utterances"], i + 1);
        let audio = serlab_engine::audio::read_mono_bytes(w, Path::new("x")).unwrap();
        let r = engine
            .predict(
                &audio,
                &Request {
                    name: "x",
                    transcript: None,
                    speaker: Some("guest"),
                },
            )
            .unwrap();
        assert_eq!(probs(mlp), r.systems[2].probs, "recording {i}");
    }
    let (_, sp) = get(&a, &format!("{}/speakers", s.url));
    assert_eq!(
        sp["speakers"],
        serde_json::json!([{"id": "guest", "utterances": 3}])
    );
    let del = |who: &str| {
        let mut r = a
            .delete(&format!("{}/speakers/{who}", s.url))
            .call()
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    };
    assert_eq!(del("guest").0, 200);
    let (st, body) = del("guest");
    assert!(st == 404 && body.contains("unknown_speaker"), "{st} {body}");

    // Every kind of bad request: a 4xx with a JSON error naming the problem.
    let bad = |ctype: Option<&str>, body: &[u8], query: &str| {
        refused(post(&a, &format!("{predict_url}{query}"), ctype, body))
    };
    let (st, code, _) = bad(None, &wav, "");
    assert_eq!((st, code.as_str()), (415, "unsupported_media_type"));
    let (st, code, msg) = bad(Some("text/plain"), &wav, "");
    assert_eq!((st, code.as_str()), (415, "unsupported_media_type"));
    assert!(msg.contains("text/plain"), "{msg}");
    let (st, code, _) = bad(Some("audio/wav"), b"", "");
    assert_eq!((st, code.as_str()), (400, "missing_body"));
    let (st, code, msg) = bad(Some("audio/wav"), b"this is not audio at all", "");
    assert_eq!((st, code.as_str()), (422, "bad_audio"));
    assert!(msg.contains("not a recognised audio file"), "{msg}");
    let (st, code, msg) = bad(Some("audio/wav"), &wav[..wav.len() / 2], "");
    assert_eq!((st, code.as_str()), (422, "bad_audio"));
    assert!(msg.contains("truncated"), "{msg}");
    let (st, code, msg) = bad(Some("audio/wav"), &wav[..30], "");
    assert_eq!((st, code.as_str()), (422, "bad_audio"), "{msg}");
    let (st, code, msg) = bad(Some("audio/wav"), &wav_bytes(&[0.0; 8000]), "");
    assert_eq!((st, code.as_str()), (422, "bad_audio"));
    assert!(msg.contains("all samples are zero"), "{msg}");
    let (st, code, msg) = bad(Some("audio/wav"), &wav, "?language=en");
    assert_eq!((st, code.as_str()), (400, "bad_request"));
    assert!(msg.contains("language"), "{msg}");
    let (st, code, msg) = bad(Some("audio/wav"), &wav_bytes(&speech("sad", 1, 4.0, 3)), "");
    assert_eq!((st, code.as_str()), (413, "audio_too_long"));
    assert!(msg.contains("4.0 s") && msg.contains("3 s"), "{msg}");
    let (st, code, _) = bad(Some("audio/wav"), &vec![0u8; (1 << 20) + 1], "");
    assert_eq!((st, code.as_str()), (413, "body_too_large"));
    let (st, v) = get(&a, &format!("{}/nowhere", s.url));
    assert_eq!((st, v["error"].as_str()), (404, Some("not_found")));
    let (st, v) = get(&a, &predict_url);
    assert_eq!((st, v["error"].as_str()), (405, Some("method_not_allowed")));

    // Batch: JSON with base64 audio; each item answered or refused on its own.
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let batch_url = format!("{}/predict/batch", s.url);
    let body = serde_json::json!({"items": [
        {"audio_base64": b64(&wav)},
        {"audio_base64": b64(b"not audio")},
        {"audio_base64": "%%%"},
    ]});
    let (st, v) = post(
        &a,
        &batch_url,
        Some("application/json"),
        body.to_string().as_bytes(),
    );
    assert_eq!(st, 200, "{v}");
    let r = v["results"].as_array().unwrap();
    assert_eq!(
        probs(system(&r[0]["prediction"], "fusions", "fusion")),
        fused
    );
    assert_eq!(r[1]["error"], "bad_audio");
    assert_eq!(r[2]["error"], "bad_request");
    assert!(r[2]["message"]
        .as_str()
        .unwrap()
        .contains("items[2].audio_base64"));
    let (st, code, msg) = refused(post(
        &a,
        &batch_url,
        Some("application/json"),
        br#"{"items": [], "extra": 1}"#,
    ));
    assert_eq!((st, code.as_str()), (400, "bad_request"));
    assert!(msg.contains("extra"), "{msg}");
    let (st, code, _) = refused(post(&a, &batch_url, Some("text/plain"), b"{}"));
    assert_eq!((st, code.as_str()), (415, "unsupported_media_type"));
    let (st, code, _) = refused(post(
        &a,
        &batch_url,
        Some("application/json"),
        b"{\"items\": [",
    ));
    assert_eq!((st, code.as_str()), (400, "bad_request"));

    // Still healthy after all that; SIGTERM ends it cleanly.
    let (st, h) = get(&a, &format!("{}/health", s.url));
    assert_eq!((st, h["busy"].as_u64()), (200, Some(0)));
    let (ok, err) = s.terminate();
    assert!(ok, "exit status after SIGTERM: {err}");
    assert!(err.contains("requests in flight finished"), "{err}");
}

#[test]
fn concurrent_clients_get_the_answers_sequential_clients_get() {
    let run = quick_run();
    let s = Server::start(run, &["--workers", "2"]);
    let clips: Vec<Vec<u8>> = ["neutral", "happy", "sad", "angry"]
        .iter()
        .enumerate()
        .map(|(i, e)| wav_bytes(&speech(e, 2, 1.0, 70 + i as u64)))
        .collect();
    let url = format!("{}/predict", s.url);
    let a = agent();
    let sequential: Vec<Value> = clips
        .iter()
        .map(|c| post(&a, &url, Some("audio/wav"), c).1["fusions"].clone())
        .collect();
    // 8 clients x 6 requests on 2 workers: requests queue, none fails, answers are equal.
    std::thread::scope(|sc| {
        for t in 0..8 {
            let (clips, sequential, url) = (&clips, &sequential, &url);
            sc.spawn(move || {
                let a = agent();
                for k in 0..6 {
                    let i = (t + k) % clips.len();
                    let (st, v) = post(&a, url, Some("audio/wav"), &clips[i]);
                    assert_eq!(st, 200, "{v}");
                    assert_eq!(v["fusions"], sequential[i], "client {t} request {k}");
                }
            });
        }
    });
    let (_, h) = get(&a, &format!("{}/health", s.url));
    assert_eq!(h["served"], 4 + 8 * 6);
    let (ok, _) = s.terminate();
    assert!(ok);
}
