//! The `/_sandbox/` JSON endpoints through which tests and the demo steer the sandbox.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Cv3Credentials;
use super::faults::Fault;
use super::ledger::{Received, SharedLedger, lock};

pub(super) async fn received(State(ledger): State<SharedLedger>) -> Json<Received> {
    Json(lock(&ledger).received.clone())
}

pub(super) async fn faults(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    with_json(&body, |fault: Fault| lock(&ledger).faults.push(fault))
}

#[derive(Deserialize)]
struct UnknownOrders {
    order_ids: Vec<String>,
}

pub(super) async fn unknown_orders(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    with_json(&body, |orders: UnknownOrders| {
        lock(&ledger).unknown_orders = orders.order_ids.into_iter().collect();
    })
}

pub(super) async fn credentials(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    with_json(&body, |credentials: Cv3Credentials| {
        lock(&ledger).credentials = credentials;
    })
}

pub(super) async fn reset(State(ledger): State<SharedLedger>) -> StatusCode {
    lock(&ledger).reset();
    StatusCode::NO_CONTENT
}

/// Parses the body as JSON whatever its Content-Type, so a bare `curl -d` works in the demo.
fn with_json<T: DeserializeOwned>(body: &Bytes, apply: impl FnOnce(T)) -> Response {
    match serde_json::from_slice(body) {
        Ok(value) => {
            apply(value);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}
