//! What every API call goes through before its route: it is recorded, then a queued fault may
//! answer instead, then the bearer token must be live. Token and control calls skip it.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::calls::ReceivedCall;
use super::faults::misbehave;
use super::ledger::lock;

/// Far above any order or DESADV a client sends; a body larger than this is a client bug.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

pub(super) async fn gate(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, BODY_LIMIT).await;
    let mut call = ReceivedCall {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        content_type: parts
            .headers
            .get(CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
        body: body
            .as_ref()
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default(),
        status: 0,
        fault: None,
    };
    let (ticket, fault) = {
        let mut ledger = lock(&app.ledger);
        let fault = ledger.faults.take();
        call.fault = fault.as_ref().map(|fault| fault.kind);
        (ledger.calls.arrived(call), fault)
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
    fault: Option<super::Fault>,
    parts: Parts,
    body: Bytes,
    next: Next,
) -> Response {
    if let Some(fault) = fault
        && let Some(response) = misbehave(&fault).await
    {
        return response;
    }
    if let Some(refusal) = app.tokens.unauthorized(&parts.headers) {
        return refusal;
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}
