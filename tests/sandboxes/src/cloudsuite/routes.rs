//! The API's routes, each reading its request and handing it to the module whose rules apply.
//! They run behind the gate, so the call is already recorded and its token checked.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use super::desadv::{self, Format};
use super::drf::{self, ApiError, FieldErrors, message};
use super::ledger::lock;
use super::patch::OrderPatch;
use super::timeline;

type Answer = Result<(StatusCode, Json<Value>), ApiError>;

/// `GET /api/order/?reference=X[&webshop=N]`: one page holding every match (other filters
/// are not the uploader's business and are ignored).
pub(super) async fn list_orders(
    State(app): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Answer {
    let webshop = match params.get("webshop") {
        None => None,
        Some(webshop) => Some(
            webshop
                .parse::<u64>()
                .map_err(|_| ApiError::Invalid(FieldErrors::one("webshop", "Enter a number.")))?,
        ),
    };
    let reference = params.get("reference");
    let ledger = lock(&app.ledger);
    let results: Vec<Value> = ledger
        .orders
        .iter()
        .filter(|order| reference.is_none_or(|reference| order.reference == *reference))
        .filter(|order| webshop.is_none_or(|webshop| order.webshop == webshop))
        .map(|order| order.api_json())
        .collect();
    let page = json!({"count": results.len(), "next": null, "previous": null, "results": results});
    Ok((StatusCode::OK, Json(page)))
}

/// `GET /api/order/{id}/`.
pub(super) async fn get_order(State(app): State<AppState>, Path(id): Path<String>) -> Answer {
    let id = order_id(&id)?;
    let ledger = lock(&app.ledger);
    let order = ledger.orders.get(id).ok_or(ApiError::NotFound)?;
    Ok((StatusCode::OK, Json(order.api_json())))
}

/// `PATCH /api/order/{id}/`: the order is looked up before the body is read, as DRF does.
pub(super) async fn patch_order(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let id = order_id(&id)?;
    let mut ledger = lock(&app.ledger);
    let order = ledger.orders.get_mut(id).ok_or(ApiError::NotFound)?;
    let body = drf::json_body(content_type(&headers), &body)?;
    OrderPatch::read(order, &body)?.apply(order);
    Ok((StatusCode::OK, Json(order.api_json())))
}

/// `POST /proxy/des_adv_xml/delivery/?shop=S&user=U`.
pub(super) async fn post_delivery(
    State(app): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut ledger = lock(&app.ledger);
    let config = &ledger.config;
    account(&params, &[("shop", &config.shop), ("user", &config.user)])?;
    let format = Format::of(content_type(&headers))?;
    let desadv = desadv::read(format, &body)?;
    let number = desadv.number.clone();
    let ledger = &mut *ledger;
    let id = ledger
        .deliveries
        .accept(&mut ledger.orders, desadv, format)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "DesadvNumber": number})),
    ))
}

/// `POST /proxy/v1/orderstatus/?shop=S`: the body is checked before the order is looked up.
pub(super) async fn post_order_status(
    State(app): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut ledger = lock(&app.ledger);
    account(&params, &[("shop", &ledger.config.shop)])?;
    let body = drf::json_body(content_type(&headers), &body)?;
    let post = timeline::read(&body)?;
    let order_id = post.order.find(&ledger.orders).ok_or(ApiError::NotFound)?;
    let id = ledger.timeline.record(order_id, post.entry);
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

/// Any other path or method.
pub(super) async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}

/// An id in a path that is not a number matches no route on the platform: 404.
fn order_id(id: &str) -> Result<u64, ApiError> {
    id.parse().map_err(|_| ApiError::NotFound)
}

/// The proxy's mandatory account parameters (`shop`, `user`), each of which must be the
/// sandbox's.
fn account(params: &HashMap<String, String>, expected: &[(&str, &str)]) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    for (name, value) in expected {
        match params.get(*name).map(String::as_str) {
            None | Some("") => errors.add(*name, message::REQUIRED),
            Some(given) if given != *value => {
                errors.add(
                    *name,
                    format!("Invalid pk \"{given}\" - object does not exist."),
                );
            }
            Some(_) => {}
        }
    }
    errors.or(())
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
}

/// A route's other methods, worded as DRF words them.
pub(super) async fn method_not_allowed(method: Method) -> Response {
    let text = format!("Method \"{method}\" not allowed.");
    drf::detail(StatusCode::METHOD_NOT_ALLOWED, &text)
}
