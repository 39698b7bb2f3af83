//! Runs an axum router on 127.0.0.1 in a background task that can be stopped gracefully, and
//! what the sandboxes' control endpoints share.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long `stop` lets in-flight requests finish. A request can legitimately hang (a "slow"
/// fault, a client that never reads), and a test must not hang with it.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub(crate) struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Server {
    /// Binds 127.0.0.1:`port` (0 picks a free port) and starts serving `router`.
    pub(crate) async fn start(router: Router, port: u16) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{port}"))?;
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let serve = axum::serve(listener, router).with_graceful_shutdown(async {
            // A dropped sender means the owner is gone, which is a reason to stop too.
            let _ = stopped.await;
        });
        let task = tokio::spawn(async move {
            if let Err(error) = serve.await {
                tracing::error!(%error, "sandbox server failed");
            }
        });
        Ok(Self {
            addr,
            shutdown: Some(shutdown),
            task,
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and waits (bounded) for in-flight requests.
    pub(crate) async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // On timeout, Drop aborts whatever is still running.
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Without this a dropped sandbox would keep serving until the runtime ends.
        self.task.abort();
    }
}

/// Reads a control endpoint's body as JSON whatever its Content-Type (a bare `curl -d`, as the
/// demo uses, sends a form type) and hands it to `apply`: 204 when applied, 400 with the reason
/// when the body does not parse or `apply` refuses it.
pub(crate) fn apply_json<T: DeserializeOwned>(
    body: &[u8],
    apply: impl FnOnce(T) -> Result<(), String>,
) -> Response {
    match serde_json::from_slice(body)
        .map_err(|error| error.to_string())
        .and_then(apply)
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(problem) => (StatusCode::BAD_REQUEST, problem).into_response(),
    }
}
