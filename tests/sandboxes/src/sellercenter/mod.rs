//! A Seller Center OMS API sandbox: an HTTP server that speaks the `/oms-api/` protocol
//! (signed query, JSON body, `UpdateItemsStatus` and `UpdateItemsInformation`), keeps every
//! order item's status under the platform's state machine, answers as the platform does
//! (`ErrorResponse` under HTTP 200, one `Position` per item not processed), and can be told to
//! misbehave.
//!
//! Besides `POST /oms-api/`, it serves JSON control endpoints under `/_sandbox/`: `GET calls`,
//! `GET items`, and `POST faults`, `items`, `access`, `api_key`, `reset`.

mod auth;
mod control;
mod endpoint;
mod envelope;
mod faults;
mod items;
mod ledger;
mod service;
mod signature;
mod status;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::server::Server;
pub use faults::{Fault, FaultKind};
pub use ledger::{ItemState, ReceivedCall};
use ledger::{Ledger, SharedLedger, lock};
pub use signature::signature;
use status::ItemStatus;

/// The account as Seller Center is configured for it.
#[derive(Clone)]
pub struct SellerCenterConfig {
    /// The client system's name, `ServiceName` in every call ("OMS").
    pub service_name: String,
    /// The key calls are signed with.
    pub api_key: String,
    /// More items than this in one call is `E011: Request too big` (the platform: 4000).
    pub max_items_per_call: usize,
    /// How far a call's `Timestamp` may be from now, either way, in seconds.
    pub timestamp_window_secs: i64,
    /// Status details `UpdateItemsInformation` accepts, per item status (e.g. `returned`).
    pub status_details: BTreeMap<String, Vec<String>>,
}

impl Default for SellerCenterConfig {
    fn default() -> Self {
        Self {
            service_name: "OMS".to_owned(),
            api_key: "sandbox-api-key".to_owned(),
            max_items_per_call: 4000,
            timestamp_window_secs: 300,
            status_details: default_status_details(),
        }
    }
}

/// The seed's lists ("Order Processing – More Detailed Status"): the details for `Returned`
/// and for `Failed`, which is the API's `failed_delivery`.
fn default_status_details() -> BTreeMap<String, Vec<String>> {
    let returned = [
        "Initiated",
        "With 3PL on way to Venture",
        "With Venture awaiting processing",
        "With Venture awaiting return to Seller",
        "Return Refused",
        "With 3PL on way to Seller",
        "Returned to Seller",
    ];
    let failed_delivery = [
        "With 3PL on way to Venture",
        "Returned to Seller",
        "With 3PL on way to Seller",
        "With Venture",
    ];
    [
        ("returned", &returned[..]),
        ("failed_delivery", &failed_delivery[..]),
    ]
    .into_iter()
    .map(|(status, details)| {
        let details = details.iter().map(|detail| detail.to_string()).collect();
        (status.to_owned(), details)
    })
    .collect()
}

impl fmt::Debug for SellerCenterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SellerCenterConfig")
            .field("service_name", &self.service_name)
            .field("api_key", &"<redacted>")
            .field("max_items_per_call", &self.max_items_per_call)
            .field("timestamp_window_secs", &self.timestamp_window_secs)
            .field("status_details", &self.status_details)
            .finish()
    }
}

/// A running sandbox. It stops when dropped; [`SellerCenterSandbox::stop`] lets requests
/// finish first.
pub struct SellerCenterSandbox {
    ledger: SharedLedger,
    server: Server,
}

impl SellerCenterSandbox {
    /// Starts on a free port.
    pub async fn start(config: SellerCenterConfig) -> anyhow::Result<Self> {
        Self::start_on(config, 0).await
    }

    /// Starts on 127.0.0.1:`port` (0 picks a free one).
    pub async fn start_on(config: SellerCenterConfig, port: u16) -> anyhow::Result<Self> {
        let ledger = Arc::new(Mutex::new(Ledger::new(config)));
        let server = Server::start(router(ledger.clone()), port).await?;
        Ok(Self { ledger, server })
    }

    /// `http://127.0.0.1:PORT`; the API is at `/oms-api/` below it.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Every call that passed authentication, in arrival order.
    pub fn calls(&self) -> Vec<ReceivedCall> {
        lock(&self.ledger).calls.clone()
    }

    /// Every request to `/oms-api/`, faulted and refused ones included.
    pub fn requests(&self) -> u64 {
        lock(&self.ledger).requests
    }

    pub fn item(&self, id: &str) -> Option<ItemState> {
        lock(&self.ledger).item(id)
    }

    /// Puts an item in `status` (any status, `pending` and `ready_to_ship` included) whatever
    /// it was, as the platform's own flow would.
    ///
    /// # Panics
    /// When `status` is not a Seller Center item status: a mistake in the test.
    pub fn set_item_status(&self, id: &str, status: &str) {
        let status = ItemStatus::parse_named(status).unwrap_or_else(|problem| panic!("{problem}"));
        lock(&self.ledger).set_item_status(id, status);
    }

    /// Items Seller Center does not know ("Order Item with src_id: X not found"); replaces
    /// the previous set.
    pub fn set_unknown_items(&self, ids: &[&str]) {
        lock(&self.ledger).set_unknown_items(ids.iter().copied());
    }

    /// Queues `fault` for the next `fault.times` calls.
    pub fn inject(&self, fault: Fault) {
        lock(&self.ledger).faults.push(fault);
    }

    /// Drops the faults still queued.
    pub fn clear_faults(&self) {
        lock(&self.ledger).faults.clear();
    }

    /// While denied, every call gets `E009: Access denied` (as from an IP not allow-listed).
    pub fn set_access_denied(&self, denied: bool) {
        lock(&self.ledger).access_denied = denied;
    }

    /// Rotates the API key calls must be signed with.
    pub fn set_api_key(&self, key: &str) {
        lock(&self.ledger).config.api_key = key.to_owned();
    }

    /// Back to the configuration it started with, without items, calls or faults.
    pub fn reset(&self) {
        lock(&self.ledger).reset();
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

impl crate::harness::Running for SellerCenterSandbox {
    fn base_url(&self) -> String {
        SellerCenterSandbox::base_url(self)
    }

    async fn stop(self) {
        SellerCenterSandbox::stop(self).await;
    }
}

/// Bodies of 4,000 items and more exceed axum's 2 MB default; the platform's limit is on
/// items (E011), so the transport's must be well above it.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

fn router(ledger: SharedLedger) -> Router {
    Router::new()
        .route("/_sandbox/calls", get(control::calls))
        .route(
            "/_sandbox/items",
            get(control::items).post(control::set_items),
        )
        .route("/_sandbox/faults", post(control::faults))
        .route("/_sandbox/access", post(control::access))
        .route("/_sandbox/api_key", post(control::api_key))
        .route("/_sandbox/reset", post(control::reset))
        .fallback(endpoint::oms_api)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(ledger)
}
