//! Every way a request can fail, each with its HTTP status and a JSON body
//! `{"error": "<code>", "message": "<what was wrong>"}`, so a client can branch on the code
//! and show the message. Nothing a client sends makes the server panic: every rejection of
//! axum's extractors is mapped here too.

use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No body, or an empty one (400 `missing_body`).
    #[error("the request has no body; send the recording's bytes")]
    MissingBody,
    /// The body is larger than `--max-body-mb` (413 `body_too_large`).
    #[error("{0}")]
    BodyTooLarge(String),
    /// The body could not be read (400 `bad_body`).
    #[error("the body could not be read: {0}")]
    BadBody(String),
    /// A `Content-Type` this route does not take (415 `unsupported_media_type`).
    #[error("Content-Type `{got}` is not accepted here; send {want}")]
    ContentType {
        /// What the request said (`none` when absent).
        got: String,
        /// What the route takes.
        want: &'static str,
    },
    /// A query parameter or JSON field that is unknown or malformed (400 `bad_request`).
    #[error("{0}")]
    BadRequest(String),
    /// The bytes are not usable audio (422 `bad_audio`), with the decoder's reason.
    #[error("{0}")]
    BadAudio(String),
    /// The recording is longer than `--max-seconds` (413 `audio_too_long`).
    #[error("the recording is {seconds:.1} s long; this server takes at most {limit} s")]
    AudioTooLong {
        /// Its length.
        seconds: f64,
        /// The limit.
        limit: f64,
    },
    /// The request took longer than `--timeout` (503 `timeout`), waiting included.
    #[error("the prediction did not finish within {0} s (the server may be overloaded)")]
    Timeout(u64),
    /// No such route (404 `not_found`).
    #[error("no route {0}; see GET /info and docs/openapi.yaml")]
    NotFound(String),
    /// The route exists but not for this method (405 `method_not_allowed`).
    #[error("method {0} is not allowed on this route")]
    MethodNotAllowed(String),
    /// No enrolled speaker by that id (404 `unknown_speaker`).
    #[error("no speaker `{0}` is enrolled")]
    UnknownSpeaker(String),
    /// The run's models failed (500 `prediction_failed`); the message names the plugin.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::MissingBody => (StatusCode::BAD_REQUEST, "missing_body"),
            ApiError::BodyTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::BadBody(_) => (StatusCode::BAD_REQUEST, "bad_body"),
            ApiError::ContentType { .. } => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::BadAudio(_) => (StatusCode::UNPROCESSABLE_ENTITY, "bad_audio"),
            ApiError::AudioTooLong { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "audio_too_long"),
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "timeout"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::UnknownSpeaker(_) => (StatusCode::NOT_FOUND, "unknown_speaker"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "prediction_failed"),
        }
    }

    /// The JSON body: `{"error": code, "message": text}`.
    pub fn body(&self) -> serde_json::Value {
        let (_, code) = self.status_and_code();
        serde_json::json!({ "error": code, "message": self.to_string() })
    }

    /// From the engine: bad audio is the client's fault, anything else the run's.
    pub fn from_engine(e: serlab_engine::Error) -> ApiError {
        match e {
            serlab_engine::Error::Audio { path, reason } => {
                ApiError::BadAudio(format!("{}: {reason}", path.display()))
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        (status, Json(self.body())).into_response()
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge(r.body_text())
        } else {
            ApiError::BadBody(r.body_text())
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(format!("query string: {}", r.body_text()))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => ApiError::ContentType {
                got: "not JSON".into(),
                want: "application/json",
            },
            JsonRejection::BytesRejection(b) => b.into(),
            other => ApiError::BadRequest(format!("JSON body: {}", other.body_text())),
        }
    }
}
