//! The `/_sandbox/` JSON endpoints through which scripts and the demo steer the sandbox; the
//! same operations as the `CloudSuiteSandbox` methods.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::AppState;
use super::calls::ReceivedCall;
use super::deliveries::Delivery;
use super::faults::Fault;
use super::ledger::lock;
use super::orders::Order;
use super::timeline::TimelineEntry;
use crate::server::apply_json;

pub(super) async fn calls(State(app): State<AppState>) -> Json<Vec<ReceivedCall>> {
    Json(lock(&app.ledger).calls.all())
}

pub(super) async fn orders(State(app): State<AppState>) -> Json<Vec<Order>> {
    Json(lock(&app.ledger).orders.all())
}

/// `POST /_sandbox/orders`: an array of orders, each added or replacing the one with its id;
/// all or nothing.
pub(super) async fn add_orders(State(app): State<AppState>, body: Bytes) -> Response {
    apply_json(&body, |orders: Vec<Order>| {
        orders.iter().try_for_each(Order::check)?;
        let mut ledger = lock(&app.ledger);
        for order in orders {
            ledger.orders.put(order)?;
        }
        Ok(())
    })
}

pub(super) async fn deliveries(State(app): State<AppState>) -> Json<Vec<Delivery>> {
    Json(lock(&app.ledger).deliveries.all())
}

pub(super) async fn timeline(
    State(app): State<AppState>,
    Path(order_id): Path<u64>,
) -> Json<Vec<TimelineEntry>> {
    Json(lock(&app.ledger).timeline.of(order_id))
}

pub(super) async fn faults(State(app): State<AppState>, body: Bytes) -> Response {
    apply_json(&body, |fault: Fault| {
        lock(&app.ledger).faults.push(fault);
        Ok(())
    })
}

pub(super) async fn reset(State(app): State<AppState>) -> StatusCode {
    app.reset();
    StatusCode::NO_CONTENT
}
