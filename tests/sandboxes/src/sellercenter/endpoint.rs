//! The HTTP side of the OMS API: path and method, queued faults, access, authentication, then
//! the call itself.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::ALLOW;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::auth::{self, Expected, QueryParams};
use super::envelope::{self, CallError};
use super::faults::{Fault, FaultKind};
use super::ledger::{SharedLedger, lock};
use super::service;
use crate::harness::answers;

/// Serves every path that is not a control endpoint; only `/oms-api/` (with or without the
/// slash, the seed's FAQ writes both) is the API.
pub(super) async fn oms_api(
    State(ledger): State<SharedLedger>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    if !matches!(uri.path(), "/oms-api/" | "/oms-api") {
        return StatusCode::NOT_FOUND.into_response();
    }
    if method != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, [(ALLOW, "POST")]).into_response();
    }
    let params = QueryParams::parse(uri.query());
    let action = params.get("Action").unwrap_or_default();
    let fault = {
        let mut ledger = lock(&ledger);
        ledger.requests += 1;
        ledger.faults.take()
    };
    if let Some(fault) = fault
        && let Some(response) = misbehave(&fault, action).await
    {
        return response;
    }
    let mut ledger = lock(&ledger);
    let outcome = if ledger.access_denied {
        // Checked first, as the platform's IP allow-list is.
        Err(CallError::AccessDenied)
    } else {
        let expected = Expected {
            service_name: &ledger.config.service_name,
            api_key: &ledger.config.api_key,
            timestamp_window_secs: ledger.config.timestamp_window_secs,
        };
        auth::authenticate(&params, &expected, Utc::now())
            .and_then(|()| service::apply(&mut ledger, action, &body))
    };
    match outcome {
        Ok(failures) => envelope::items_response(action, &failures),
        Err(error) => error.response(action),
    }
}

/// The answer a fault replaces the real one with, after its delay; `None` lets the call
/// through.
async fn misbehave(fault: &Fault, action: &str) -> Option<Response> {
    tokio::time::sleep(fault.delay()).await;
    match fault.kind {
        FaultKind::TooManyRequests => Some(CallError::TooManyRequests.response(action)),
        FaultKind::HttpTooManyRequests => Some(answers::with_retry_after(
            CallError::TooManyRequests.response_with(action, StatusCode::TOO_MANY_REQUESTS),
            1,
        )),
        FaultKind::ExpiredTimestamp => Some(CallError::TimestampExpired.response(action)),
        FaultKind::ServerError => Some(answers::server_error()),
        FaultKind::Slow => None,
    }
}
