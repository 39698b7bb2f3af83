//! A CommerceV3 sandbox: an HTTP server that speaks CV3's SOAP `CV3Data(data)` protocol,
//! enforces its authentication and validation rules, records what it accepted, and can be told
//! to misbehave.
//!
//! Besides the CV3 endpoint (`POST /index.php` or `/`), it serves JSON control endpoints under
//! `/_sandbox/`: `GET received`, and `POST faults`, `unknown_orders`, `credentials`, `reset`.

mod control;
mod document;
mod endpoint;
mod faults;
mod ledger;
mod rules;
mod service;
mod soap;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::server::Server;
pub use faults::{Fault, FaultKind};
use ledger::{Ledger, SharedLedger, lock};
pub use ledger::{Received, ReceivedConfirmation, ReceivedStatus};

/// What `<authenticate>` must carry. CV3 rotates the password often, which
/// [`Cv3Sandbox::set_credentials`] simulates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cv3Credentials {
    pub user: String,
    pub pass: String,
    pub service_id: String,
}

/// A running sandbox. It stops when dropped; [`Cv3Sandbox::stop`] lets requests finish first.
pub struct Cv3Sandbox {
    ledger: SharedLedger,
    server: Server,
}

impl Cv3Sandbox {
    /// Starts on a free port.
    pub async fn start(credentials: Cv3Credentials) -> anyhow::Result<Cv3Sandbox> {
        Self::start_on(credentials, 0).await
    }

    /// Starts on 127.0.0.1:`port` (0 picks a free one).
    pub async fn start_on(credentials: Cv3Credentials, port: u16) -> anyhow::Result<Cv3Sandbox> {
        let ledger = Arc::new(Mutex::new(Ledger::new(credentials)));
        let server = Server::start(router(ledger.clone()), port).await?;
        Ok(Cv3Sandbox { ledger, server })
    }

    /// The SOAP endpoint, e.g. `http://127.0.0.1:PORT/index.php`.
    pub fn base_url(&self) -> String {
        format!("http://{}/index.php", self.server.addr())
    }

    pub fn received(&self) -> Received {
        lock(&self.ledger).received.clone()
    }

    /// Queues `fault` for the next `fault.times` CV3 requests.
    pub fn inject(&self, fault: Fault) {
        lock(&self.ledger).faults.push(fault);
    }

    /// Drops the faults still queued.
    pub fn clear_faults(&self) {
        lock(&self.ledger).faults.clear();
    }

    /// Orders CV3 does not know: status updates for them fail with "order not found".
    pub fn set_unknown_orders(&self, ids: &[&str]) {
        lock(&self.ledger).unknown_orders = ids.iter().map(|id| id.to_string()).collect();
    }

    pub fn set_credentials(&self, credentials: Cv3Credentials) {
        lock(&self.ledger).credentials = credentials;
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

impl crate::harness::Running for Cv3Sandbox {
    fn base_url(&self) -> String {
        Cv3Sandbox::base_url(self)
    }

    async fn stop(self) {
        Cv3Sandbox::stop(self).await;
    }
}

fn router(ledger: SharedLedger) -> Router {
    Router::new()
        .route("/_sandbox/received", get(control::received))
        .route("/_sandbox/faults", post(control::faults))
        .route("/_sandbox/unknown_orders", post(control::unknown_orders))
        .route("/_sandbox/credentials", post(control::credentials))
        .route("/_sandbox/reset", post(control::reset))
        .fallback(endpoint::cv3)
        .with_state(ledger)
}
