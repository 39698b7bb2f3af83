//! What every API call goes through before its route, in the platform's order: it is
//! recorded; a queued fault may answer instead (and then counts toward no limit); the request
//! limits admit it or answer 429; a slow fault waits, in flight; the access token (from
//! `?access_token=` or `Authorization: Bearer`) must be live. Token and control calls skip it.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::calls::{ReceivedCall, redact_query};
use super::faults::{Fault, misbehave};
use super::ledger::lock;
use super::limits::admit;
use super::refusal::{DENIED, Refusal};

/// Far above any Ship or Adjust body; a body larger than this is a client bug.
const BODY_LIMIT: usize = 1024 * 1024;

pub(super) async fn gate(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, BODY_LIMIT).await;
    let call = ReceivedCall {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: redact_query(parts.uri.query().unwrap_or_default()),
        body: body
            .as_ref()
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default(),
        status: 0,
    };
    let (ticket, fault) = {
        let mut ledger = lock(&app.ledger);
        (ledger.calls.arrived(call), ledger.faults.take())
    };
    let response = match body {
        Ok(body) => answer(&app, fault, parts, body, next).await,
        Err(_) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    lock(&app.ledger)
        .calls
        .answered(ticket, response.status().as_u16());
    response
}

async fn answer(
    app: &AppState,
    fault: Option<Fault>,
    parts: Parts,
    body: Bytes,
    next: Next,
) -> Response {
    if let Some(fault) = &fault
        && let Some(response) = misbehave(fault).await
    {
        return response;
    }
    // Held until the answer is built, slow waits included.
    let _in_flight = match admit(&app.limits) {
        Ok(in_flight) => in_flight,
        Err(refusal) => return refusal.into_response(),
    };
    if let Some(slow) = fault {
        tokio::time::sleep(slow.delay()).await;
    }
    if !authorized(app, &parts) {
        return Refusal::Unauthorized(DENIED.to_owned()).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// Whether the request carries a live token, in the query or as a Bearer header.
fn authorized(app: &AppState, parts: &Parts) -> bool {
    let query = parts.uri.query().unwrap_or_default();
    let from_query = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| name == "access_token")
        .map(|(_, token)| token.into_owned());
    let from_header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim().to_owned());
    from_query
        .chain(from_header)
        .any(|token| app.tokens.live_token(&token))
}
