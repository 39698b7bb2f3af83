//! The API's one route: it reads which action the request names and hands its body to the
//! module whose rules apply. It runs behind the gate, so the call is already recorded,
//! admitted by the limits and its token checked.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::adjust::AdjustRequest;
use super::fields::json_body;
use super::ledger::lock;
use super::orders::Order;
use super::refusal::Refusal;
use super::resource::{Action, action};
use super::ship::Shipment;

/// Every API path: 204 when the action is applied, else the platform's refusal.
pub(super) async fn dispatch(
    State(app): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match apply(&app, &method, &uri, &headers, &body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

fn apply(
    app: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Refusal> {
    let action = action(method, uri.path()).ok_or(Refusal::NoResource)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let mut ledger = lock(&app.ledger);
    let ledger = &mut *ledger;
    match action {
        Action::Ship(id) => {
            let order = order(&mut ledger.orders, id)?;
            let shipment = Shipment::read(&json_body(content_type, body)?)?;
            shipment.apply(order, &ledger.config)
        }
        // The export flag takes no body; setting it twice is no error.
        Action::Export(id) => {
            order(&mut ledger.orders, id)?.exported = true;
            Ok(())
        }
        Action::Unexport(id) => {
            order(&mut ledger.orders, id)?.exported = false;
            Ok(())
        }
        Action::AdjustOrder(id) => {
            let order = order(&mut ledger.orders, id)?;
            AdjustRequest::read(&json_body(content_type, body)?)?.cancel_order(order)
        }
        Action::AdjustItem(item_id) => {
            let not_found = || Refusal::NotFound(format!("Order item {item_id} not found."));
            let order_id = ledger.orders.order_of_item(item_id).ok_or_else(not_found)?;
            let order = order(&mut ledger.orders, order_id)?;
            AdjustRequest::read(&json_body(content_type, body)?)?.cancel_item(order, item_id)
        }
    }
}

/// Order `id`, or 404 naming it.
fn order(orders: &mut super::orders::Orders, id: u64) -> Result<&mut Order, Refusal> {
    orders
        .get_mut(id)
        .ok_or_else(|| Refusal::NotFound(format!("Order {id} not found.")))
}
