//! The HTTP side of the Speed4Trade SOAP endpoint: Basic auth, queued faults, the SOAP call,
//! and one report per order.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::document::{self, Report};
use super::faults::{Fault, FaultKind};
use super::ledger::{ReceivedCall, ReceivedOrder, SharedLedger, lock};
use crate::harness::answers;
use crate::soap::{self, FaultCode};

const XML: &str = "text/xml; charset=utf-8";
const OPERATION: &str = "updateOrderStatus";
const PARAMETER: &str = "argRequestData";

pub(super) async fn speed4trade(
    State(ledger): State<SharedLedger>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let (request, fault, authorized, namespace) = {
        let mut ledger = lock(&ledger);
        let request = ledger.begin_request();
        let fault = ledger.faults.take();
        let authorized = is_authorized(&headers, &ledger.config.username, &ledger.config.password);
        if !authorized {
            ledger.auth_failures += 1;
        }
        (
            request,
            fault,
            authorized,
            ledger.config.soap_namespace.clone(),
        )
    };
    let mut drop_last_report = false;
    if let Some(fault) = fault {
        tokio::time::sleep(fault.delay()).await;
        match misbehave(&fault) {
            Some(response) => return response,
            None => drop_last_report = fault.kind == FaultKind::MissingReport,
        }
    }
    if !authorized {
        return unauthorized();
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("text/xml") {
        let problem = format!("Content-Type must be text/xml, got \"{content_type}\"");
        return soap_fault(StatusCode::UNSUPPORTED_MEDIA_TYPE, &problem);
    }
    let call = match soap::call_parameter(&body, OPERATION, PARAMETER) {
        Ok(call) => call,
        Err(problem) => return soap_fault(StatusCode::INTERNAL_SERVER_ERROR, &problem),
    };
    if call.namespace.as_deref() != Some(namespace.as_str()) {
        let problem = format!(
            "Cannot find dispatch method for {{{}}}{OPERATION} (the service's namespace is {namespace})",
            call.namespace.unwrap_or_default()
        );
        return soap_fault(StatusCode::INTERNAL_SERVER_ERROR, &problem);
    }
    let reports = match document::read(&call.value) {
        // A request the field table refuses as a whole: one report, naming no order.
        Err(problem) => vec![Report {
            reference_id: None,
            return_code: -1,
            error_description: Some(problem),
        }],
        Ok(mut orders) => {
            if drop_last_report {
                orders.pop();
            }
            let mut ledger = lock(&ledger);
            let mut received = Vec::new();
            let mut reports = Vec::new();
            for order in orders {
                let report = match order {
                    Ok(order) => {
                        let mut seen = ReceivedOrder {
                            reference_id: None,
                            key: order.key.clone(),
                            status: order.status.clone(),
                            packages: order.packages.clone(),
                            payments: order.payments.clone(),
                            export_time: order.export_time.clone(),
                            return_code: 0,
                        };
                        let report = ledger.apply(order);
                        seen.reference_id = report.reference_id.clone();
                        seen.return_code = report.return_code;
                        received.push(seen);
                        report
                    }
                    Err(refused) => Report {
                        reference_id: refused.reference_id,
                        return_code: -1,
                        error_description: Some(refused.problem),
                    },
                };
                reports.push(report);
            }
            ledger.calls.push(ReceivedCall {
                request,
                orders: received,
            });
            reports
        }
    };
    let returned = document::response(&reports);
    xml(
        StatusCode::OK,
        soap::response(OPERATION, &namespace, &returned, None),
    )
}

/// The response a fault replaces the real one with; `None` lets the request through.
fn misbehave(fault: &Fault) -> Option<Response> {
    match fault.kind {
        FaultKind::Unauthorized => Some(unauthorized()),
        FaultKind::ServerError => Some(answers::server_error()),
        FaultKind::Garbage => Some(answers::garbage()),
        FaultKind::SoapFault => Some(xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            soap::fault(
                FaultCode::Server,
                fault.message.as_deref().unwrap_or("Internal error"),
            ),
        )),
        FaultKind::Slow | FaultKind::MissingReport => None,
    }
}

fn is_authorized(headers: &HeaderMap, username: &str, password: &str) -> bool {
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let expected = format!("{username}:{password}");
    STANDARD
        .decode(encoded.trim())
        .is_ok_and(|decoded| decoded == expected.as_bytes())
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(WWW_AUTHENTICATE, "Basic realm=\"Speed4Trade CONNECT\"")],
        "Unauthorized",
    )
        .into_response()
}

fn soap_fault(status: StatusCode, message: &str) -> Response {
    xml(status, soap::fault(FaultCode::Client, message))
}

fn xml(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(CONTENT_TYPE, XML)], body).into_response()
}
