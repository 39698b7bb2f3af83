//! A Speed4Trade CONNECT sandbox: an HTTP server that speaks the SOAP call `updateOrderStatus`
//! (seed 002) behind HTTP Basic auth, reads `argRequestData` against the seed's field table,
//! keeps each order's status and enforces the seed's rules, answers one report per order with
//! its `reference_id`, records each call, and can be told to misbehave.
//!
//! Besides the SOAP endpoint (any path but `/_sandbox/…`), it serves JSON control endpoints:
//! `GET /_sandbox/calls`, `GET /_sandbox/orders`, and `POST /_sandbox/faults`,
//! `/_sandbox/orders` (set statuses, e.g. `{"1|order_number_and_prefix|100|T2-":"CANCELED"}`),
//! `/_sandbox/credentials`, `/_sandbox/reset`.

mod document;
mod endpoint;
mod faults;
mod ledger;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::server::{Server, apply_json};
pub use document::{OrderRequest, Package, Report};
pub use faults::{Fault, FaultKind};
use ledger::{Ledger, SharedLedger, lock};
pub use ledger::{OrderState, ReceivedCall, ReceivedOrder};

/// The namespace of the sandbox's WSDL unless configured.
pub const DEFAULT_SOAP_NAMESPACE: &str = "http://webservice.connect.speed4trade.com/";

/// The installation the sandbox plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Speed4TradeConfig {
    pub username: String,
    pub password: String,
    pub soap_namespace: String,
}

impl Default for Speed4TradeConfig {
    fn default() -> Self {
        Self {
            username: "sandbox-user".into(),
            password: "sandbox-pass".into(),
            soap_namespace: DEFAULT_SOAP_NAMESPACE.into(),
        }
    }
}

/// A running sandbox. It stops when dropped; [`Speed4TradeSandbox::stop`] lets requests finish.
pub struct Speed4TradeSandbox {
    ledger: SharedLedger,
    server: Server,
}

impl Speed4TradeSandbox {
    pub async fn start(config: Speed4TradeConfig) -> anyhow::Result<Self> {
        Self::start_on(config, 0).await
    }

    /// Starts on 127.0.0.1:`port` (0 picks a free one).
    pub async fn start_on(config: Speed4TradeConfig, port: u16) -> anyhow::Result<Self> {
        let ledger = Arc::new(Mutex::new(Ledger::new(config)));
        let server = Server::start(router(ledger.clone()), port).await?;
        Ok(Self { ledger, server })
    }

    /// The SOAP endpoint.
    pub fn base_url(&self) -> String {
        format!("http://{}/ConnectService", self.server.addr())
    }

    /// Every call that reached the rules, in order.
    pub fn calls(&self) -> Vec<ReceivedCall> {
        lock(&self.ledger).calls.clone()
    }

    /// Every request to the SOAP endpoint, faulted and refused ones included.
    pub fn requests(&self) -> u64 {
        lock(&self.ledger).requests
    }

    /// Requests refused for their credentials.
    pub fn auth_failures(&self) -> u64 {
        lock(&self.ledger).auth_failures
    }

    /// An order's state, by `mandator_id|significant_key|key values`.
    pub fn order(&self, key: &str) -> Option<OrderState> {
        lock(&self.ledger).orders.get(key).cloned()
    }

    /// Sets orders' statuses as Speed4Trade's own workflow would (e.g. CANCELED, REGROUPED).
    pub fn set_statuses(&self, statuses: &[(&str, &str)]) {
        let mut ledger = lock(&self.ledger);
        for (key, status) in statuses {
            ledger.orders.entry((*key).to_owned()).or_default().status = (*status).to_owned();
        }
    }

    pub fn inject(&self, fault: Fault) {
        lock(&self.ledger).faults.push(fault);
    }

    /// Drops the faults still queued.
    pub fn clear_faults(&self) {
        lock(&self.ledger).faults.clear();
    }

    /// From now on only these credentials are accepted.
    pub fn set_credentials(&self, username: &str, password: &str) {
        let mut ledger = lock(&self.ledger);
        ledger.config.username = username.to_owned();
        ledger.config.password = password.to_owned();
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

impl crate::harness::Running for Speed4TradeSandbox {
    fn base_url(&self) -> String {
        Speed4TradeSandbox::base_url(self)
    }

    async fn stop(self) {
        Speed4TradeSandbox::stop(self).await;
    }
}

fn router(ledger: SharedLedger) -> Router {
    Router::new()
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/orders", get(orders).post(set_orders))
        .route("/_sandbox/faults", post(faults))
        .route("/_sandbox/credentials", post(credentials))
        .route("/_sandbox/reset", post(reset))
        .fallback(endpoint::speed4trade)
        .with_state(ledger)
}

async fn calls(State(ledger): State<SharedLedger>) -> Json<Vec<ReceivedCall>> {
    Json(lock(&ledger).calls.clone())
}

async fn orders(State(ledger): State<SharedLedger>) -> Json<BTreeMap<String, OrderState>> {
    Json(lock(&ledger).orders.clone())
}

async fn set_orders(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    apply_json(&body, |statuses: BTreeMap<String, String>| {
        let mut ledger = lock(&ledger);
        for (key, status) in statuses {
            ledger.orders.entry(key).or_default().status = status;
        }
        Ok(())
    })
}

async fn faults(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    apply_json(&body, |fault: Fault| {
        lock(&ledger).faults.push(fault);
        Ok(())
    })
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn credentials(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    apply_json(&body, |c: Credentials| {
        let mut ledger = lock(&ledger);
        ledger.config.username = c.username;
        ledger.config.password = c.password;
        Ok(())
    })
}

async fn reset(State(ledger): State<SharedLedger>) -> StatusCode {
    lock(&ledger).reset();
    StatusCode::NO_CONTENT
}
