//! The `/_sandbox/` JSON endpoints through which the demo and scripts steer the sandbox; the
//! same operations as the `SellerCenterSandbox` methods.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::faults::Fault;
use super::ledger::{ItemState, ReceivedCall, SharedLedger, lock};
use super::status::ItemStatus;
use crate::server::apply_json;

pub(super) async fn calls(State(ledger): State<SharedLedger>) -> Json<Vec<ReceivedCall>> {
    Json(lock(&ledger).calls.clone())
}

pub(super) async fn items(State(ledger): State<SharedLedger>) -> Json<BTreeMap<String, ItemState>> {
    Json(lock(&ledger).items())
}

pub(super) async fn faults(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    apply_json(&body, |fault: Fault| {
        lock(&ledger).faults.push(fault);
        Ok(())
    })
}

/// The body of `POST /_sandbox/items`, e.g.
/// `{"statuses":{"11":"ready_to_ship","12":"delivered"},"unknown":["99"]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemsChange {
    #[serde(default)]
    statuses: BTreeMap<String, String>,
    /// Replaces the set of unknown items when given.
    #[serde(default)]
    unknown: Option<Vec<String>>,
}

pub(super) async fn set_items(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    apply_json(&body, |change: ItemsChange| {
        // All or nothing: a bad status must not leave the others half applied.
        let statuses = change
            .statuses
            .iter()
            .map(|(id, status)| Ok((id, ItemStatus::parse_named(status)?)))
            .collect::<Result<Vec<_>, String>>()?;
        let mut ledger = lock(&ledger);
        if let Some(unknown) = &change.unknown {
            ledger.set_unknown_items(unknown.iter().map(String::as_str));
        }
        for (id, status) in statuses {
            ledger.set_item_status(id, status);
        }
        Ok(())
    })
}

/// The body of `POST /_sandbox/access`: `{"denied":true}` answers every call with E009.
#[derive(Deserialize)]
struct Access {
    denied: bool,
}

pub(super) async fn access(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    apply_json(&body, |access: Access| {
        lock(&ledger).access_denied = access.denied;
        Ok(())
    })
}

/// The body of `POST /_sandbox/api_key`: `{"api_key":"…"}`, a key rotated on the platform.
#[derive(Deserialize)]
struct ApiKey {
    api_key: String,
}

pub(super) async fn api_key(State(ledger): State<SharedLedger>, body: Bytes) -> Response {
    apply_json(&body, |key: ApiKey| {
        lock(&ledger).config.api_key = key.api_key;
        Ok(())
    })
}

pub(super) async fn reset(State(ledger): State<SharedLedger>) -> StatusCode {
    lock(&ledger).reset();
    StatusCode::NO_CONTENT
}
