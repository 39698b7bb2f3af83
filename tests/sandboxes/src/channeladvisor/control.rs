//! The `/_sandbox/` JSON endpoints through which scripts and the demo steer the sandbox; the
//! same operations as the `ChannelAdvisorSandbox` methods.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::AppState;
use super::calls::ReceivedCall;
use super::faults::Fault;
use super::ledger::lock;
use super::limits::Stats;
use super::orders::Order;
use crate::server::apply_json;

pub(super) async fn calls(State(app): State<AppState>) -> Json<Vec<ReceivedCall>> {
    Json(lock(&app.ledger).calls.all())
}

pub(super) async fn orders(State(app): State<AppState>) -> Json<Vec<Order>> {
    Json(lock(&app.ledger).orders.all())
}

pub(super) async fn stats(State(app): State<AppState>) -> Json<Stats> {
    Json(app.stats())
}

/// `POST /_sandbox/orders`: an array of orders, each added or replacing the one with its id;
/// all or nothing.
pub(super) async fn add_orders(State(app): State<AppState>, body: Bytes) -> Response {
    apply_json(&body, |orders: Vec<Order>| app.add_orders(orders))
}

pub(super) async fn faults(State(app): State<AppState>, body: Bytes) -> Response {
    apply_json(&body, |fault: Fault| {
        lock(&app.ledger).faults.push(fault);
        Ok(())
    })
}

/// The body of `POST /_sandbox/limits`; a limit left out stays as it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Limits {
    in_flight: Option<usize>,
    per_minute: Option<u32>,
}

pub(super) async fn limits(State(app): State<AppState>, body: Bytes) -> Response {
    apply_json(&body, |limits: Limits| {
        let (in_flight, per_minute) = app.limits();
        app.set_limits(
            limits.in_flight.unwrap_or(in_flight),
            limits.per_minute.unwrap_or(per_minute),
        );
        Ok(())
    })
}

pub(super) async fn reset(State(app): State<AppState>) -> StatusCode {
    app.reset();
    StatusCode::NO_CONTENT
}
