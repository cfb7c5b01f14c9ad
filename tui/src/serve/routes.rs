//! The routes and their handlers. Each handler takes axum's extractors as `Result`s so a
//! malformed request becomes an [`ApiError`] with a JSON body, never axum's plain text.

use super::error::ApiError;
use super::response::Prediction;
use super::{on_worker, State as Shared};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, Method, Uri};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde::Deserialize;
use serlab_engine::predict::{Report, Request};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// Every route, the body limit and the JSON fallbacks.
pub(super) fn router(state: Arc<Shared>) -> Router {
    let limit = state.limits.max_body_bytes;
    Router::new()
        .route("/health", get(health))
        .route("/info", get(info))
        .route("/predict", post(predict))
        .route("/predict/batch", post(batch))
        .route("/speakers", get(speakers))
        .route("/speakers/{id}", delete(forget))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(uri.path().to_string())
}

async fn wrong_method(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}

async fn health(State(st): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let busy = st.limits.workers - st.permits.available_permits();
    Json(serde_json::json!({
        "status": "ok",
        "uptime_s": st.started.elapsed().as_secs_f64(),
        "served": st.served.load(Ordering::Relaxed),
        "workers": st.limits.workers,
        "busy": busy,
    }))
}

async fn info(State(st): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let mut v = serde_json::to_value(st.predictor.info()).unwrap_or_default();
    v["limits"] = serde_json::to_value(&st.limits).unwrap_or_default();
    v["speaker_statistics"] = serde_json::json!({
        "recordings_per_speaker": st.predictor.enrolment.per_speaker,
        "max_speakers": st.predictor.enrolment.max_speakers,
    });
    Json(v)
}

/// `POST /predict`'s query string.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictQuery {
    /// The words spoken (else the run's recogniser is asked).
    transcript: Option<String>,
    /// Speaker id for speaker-normalised models' enrolment.
    speaker: Option<String>,
}

/// Content types `POST /predict` takes.
const AUDIO_TYPES: &str =
    "the recording's bytes as audio/* (wav, flac, ogg, mpeg) or application/octet-stream";

fn check_audio_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let got = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)").to_string());
    let essence = got.as_deref().map(|g| {
        g.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    match essence.as_deref() {
        Some(e) if e.starts_with("audio/") || e == "application/octet-stream" => Ok(()),
        _ => Err(ApiError::ContentType {
            got: got.unwrap_or_else(|| "none".into()),
            want: AUDIO_TYPES,
        }),
    }
}

fn check_fields(transcript: Option<&str>, speaker: Option<&str>) -> Result<(), ApiError> {
    if let Some(s) = speaker {
        if s.is_empty() || s.len() > 128 || s.chars().any(char::is_control) {
            return Err(ApiError::BadRequest(
                "speaker: give 1 to 128 printable characters".into(),
            ));
        }
    }
    if transcript.is_some_and(|t| t.len() > 10_000) {
        return Err(ApiError::BadRequest(
            "transcript: at most 10000 bytes".into(),
        ));
    }
    Ok(())
}

/// Decode, check the length, predict: the work of one recording, on a worker thread.
fn predict_bytes(
    st: &Shared,
    bytes: Vec<u8>,
    name: &str,
    transcript: Option<&str>,
    speaker: Option<&str>,
) -> Result<Report, ApiError> {
    let audio = serlab_engine::audio::read_mono_bytes(bytes, std::path::Path::new(name))
        .map_err(ApiError::from_engine)?;
    if audio.duration() > st.limits.max_seconds {
        return Err(ApiError::AudioTooLong {
            seconds: audio.duration(),
            limit: st.limits.max_seconds,
        });
    }
    let r = st
        .predictor
        .predict(
            &audio,
            &Request {
                name,
                transcript,
                speaker,
            },
        )
        .map_err(ApiError::from_engine)?;
    st.served.fetch_add(1, Ordering::Relaxed);
    Ok(r)
}

async fn predict(
    State(st): State<Arc<Shared>>,
    headers: HeaderMap,
    query: Result<Query<PredictQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Prediction>, ApiError> {
    let t0 = Instant::now();
    check_audio_type(&headers)?;
    let Query(q) = query?;
    let body = body?;
    if body.is_empty() {
        return Err(ApiError::MissingBody);
    }
    check_fields(q.transcript.as_deref(), q.speaker.as_deref())?;
    let report = on_worker(&st, move |st| {
        predict_bytes(
            st,
            body.to_vec(),
            "request body",
            q.transcript.as_deref(),
            q.speaker.as_deref(),
        )
    })
    .await?;
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    Ok(Json(Prediction::new(
        &st.predictor.info().run_id,
        report,
        ms,
    )))
}

/// `POST /predict/batch`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    items: Vec<BatchItem>,
}

/// One recording of a batch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchItem {
    /// The recording's bytes, standard base64.
    audio_base64: String,
    transcript: Option<String>,
    speaker: Option<String>,
}

async fn batch(
    State(st): State<Arc<Shared>>,
    body: Result<Json<Batch>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Json(b) = body?;
    if b.items.is_empty() {
        return Err(ApiError::BadRequest(
            "items: give at least one recording".into(),
        ));
    }
    if b.items.len() > st.limits.max_batch {
        return Err(ApiError::BadRequest(format!(
            "items: {} recordings, this server takes at most {} per batch",
            b.items.len(),
            st.limits.max_batch
        )));
    }
    let mut tasks = Vec::new();
    for (i, item) in b.items.into_iter().enumerate() {
        let st = st.clone();
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            check_fields(item.transcript.as_deref(), item.speaker.as_deref())?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(item.audio_base64.as_bytes())
                .map_err(|e| ApiError::BadRequest(format!("items[{i}].audio_base64: {e}")))?;
            if bytes.is_empty() {
                return Err(ApiError::MissingBody);
            }
            let name = format!("items[{i}]");
            let report = on_worker(&st, move |st| {
                predict_bytes(
                    st,
                    bytes,
                    &name,
                    item.transcript.as_deref(),
                    item.speaker.as_deref(),
                )
            })
            .await?;
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            Ok(Prediction::new(&st.predictor.info().run_id, report, ms))
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        let r = t
            .await
            .unwrap_or_else(|e| Err(ApiError::Internal(format!("batch item failed: {e}"))));
        results.push(match r {
            Ok(p) => serde_json::json!({ "prediction": p }),
            Err(e) => e.body(),
        });
    }
    Ok(Json(serde_json::json!({ "results": results })))
}

async fn speakers(State(st): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let list: Vec<serde_json::Value> = st
        .predictor
        .enrolment
        .speakers()
        .into_iter()
        .map(|(id, n)| serde_json::json!({ "id": id, "utterances": n }))
        .collect();
    Json(serde_json::json!({ "speakers": list }))
}

async fn forget(
    State(st): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    match st.predictor.enrolment.forget(&id) {
        0 => Err(ApiError::UnknownSpeaker(id)),
        n => Ok(Json(
            serde_json::json!({ "forgotten": id, "utterances": n }),
        )),
    }
}
