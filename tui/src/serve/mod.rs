//! `serlab serve RUN [--addr 127.0.0.1:PORT]`: a finished run as an HTTP JSON API.
//!
//! Why this shape: the run is loaded once into a [`Predictor`] (its fold models kept in
//! memory, `--workers` copies), so a request costs one extraction and one pass over the
//! fold models instead of the seconds `serlab predict` spends loading them. The server is
//! axum on tokio; predictions are CPU work, so they run on tokio's blocking threads
//! behind a semaphore of `--workers` permits (one per model copy): at most that many run
//! at once and the rest wait, within the request time limit. Body size, audio length and
//! request time are bounded; every failure is a JSON error (see [`error::ApiError`]);
//! SIGINT/SIGTERM stop accepting connections and let the requests in flight finish.
//!
//! Routes (docs/serve.md, docs/openapi.yaml): `GET /health`, `GET /info`,
//! `POST /predict`, `POST /predict/batch`, `GET /speakers`, `DELETE /speakers/{id}`.

pub mod error;
mod response;
mod routes;

use serlab_engine::predict::Predictor;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Arguments of `serlab serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// The run folder (holding config.toml, results.json and checkpoints/).
    pub run_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Predictions run at once, each with its own copy of the models (default: CPU count).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Largest request body, MiB.
    #[arg(long, default_value_t = 16)]
    pub max_body_mb: usize,
    /// Longest recording, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub max_seconds: f64,
    /// Longest a request may take, waiting for a worker included, seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Most recordings in one `POST /predict/batch`.
    #[arg(long, default_value_t = 16)]
    pub max_batch: usize,
}

/// The limits a server enforces (reported by `GET /info`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Limits {
    /// Largest body, bytes.
    pub max_body_bytes: usize,
    /// Longest recording, seconds.
    pub max_seconds: f64,
    /// Request time limit, seconds.
    pub timeout_s: u64,
    /// Most recordings per batch.
    pub max_batch: usize,
    /// Predictions at once.
    pub workers: usize,
}

/// What every handler shares.
pub(crate) struct State {
    pub predictor: Predictor,
    pub limits: Limits,
    pub permits: Arc<tokio::sync::Semaphore>,
    pub started: Instant,
    pub served: std::sync::atomic::AtomicU64,
}

/// Load the run, bind, print `listening on http://ADDR`, serve until SIGINT/SIGTERM.
pub fn execute(args: ServeArgs) -> serlab_engine::Result<()> {
    let workers = args.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if workers == 0 || args.max_batch == 0 || args.max_body_mb == 0 || args.timeout == 0 {
        return Err(serlab_engine::Error::invalid(
            "--workers, --max-batch, --max-body-mb and --timeout must be at least 1",
        ));
    }
    if !(args.max_seconds.is_finite() && args.max_seconds > 0.0) {
        return Err(serlab_engine::Error::invalid(
            "--max-seconds must be a positive number",
        ));
    }
    let t0 = Instant::now();
    let predictor = Predictor::load(&args.run_dir, workers)?;
    eprintln!(
        "loaded {} ({} folds, {} models, {} fusions, {workers} copies) in {:.2} s",
        predictor.info().run_id,
        predictor.info().folds.len(),
        predictor.info().models.len(),
        predictor.info().fusions.len(),
        t0.elapsed().as_secs_f64()
    );
    let state = Arc::new(State {
        predictor,
        limits: Limits {
            max_body_bytes: args.max_body_mb << 20,
            max_seconds: args.max_seconds,
            timeout_s: args.timeout,
            max_batch: args.max_batch,
            workers,
        },
        permits: Arc::new(tokio::sync::Semaphore::new(workers)),
        started: Instant::now(),
        served: Default::default(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(workers + 2)
        .enable_all()
        .build()
        .map_err(|e| serlab_engine::Error::invalid(format!("cannot start the runtime: {e}")))?;
    rt.block_on(serve(state, args.addr))
}

async fn serve(state: Arc<State>, addr: SocketAddr) -> serlab_engine::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| serlab_engine::Error::invalid(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| serlab_engine::Error::invalid(format!("bound address: {e}")))?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{bound}");
        let _ = out.flush();
    }
    let app = routes::router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| serlab_engine::Error::invalid(format!("server failed: {e}")))?;
    eprintln!("stopped: requests in flight finished");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("shutting down: no new connections; finishing requests in flight");
}

/// Run `f` on a blocking thread once a worker permit is free, all within the time limit.
pub(crate) async fn on_worker<T: Send + 'static>(
    state: &Arc<State>,
    f: impl FnOnce(&State) -> Result<T, error::ApiError> + Send + 'static,
) -> Result<T, error::ApiError> {
    let limit = Duration::from_secs(state.limits.timeout_s);
    let st = state.clone();
    let work = async move {
        let permit = st
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| error::ApiError::Internal("the server is shutting down".into()))?;
        let st2 = st.clone();
        tokio::task::spawn_blocking(move || {
            // Held until the prediction ends, even when the client gave up: the number of
            // predictions running never exceeds the permits.
            let _permit = permit;
            f(&st2)
        })
        .await
        .map_err(|e| error::ApiError::Internal(format!("the prediction task failed: {e}")))?
    };
    tokio::time::timeout(limit, work)
        .await
        .map_err(|_| error::ApiError::Timeout(state.limits.timeout_s))?
}
