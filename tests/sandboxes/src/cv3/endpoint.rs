//! The HTTP side of the CV3 SOAP endpoint: transport checks, queued faults, responses.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{ALLOW, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::faults::{Fault, FaultKind, message_of};
use super::ledger::{SharedLedger, lock};
use super::soap::{self, FaultCode};
use super::{document, service};
use crate::harness::answers;

const XML: &str = "text/xml; charset=utf-8";

/// Serves every path that is not a control endpoint, as CV3 answers on both `/` and
/// `/index.php` (its WSDL names the latter, some clients post to the former).
pub(super) async fn cv3(
    State(ledger): State<SharedLedger>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    if path != "/" && !path.ends_with("index.php") {
        return StatusCode::NOT_FOUND.into_response();
    }
    if method != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, [(ALLOW, "POST")]).into_response();
    }
    let (request, fault) = {
        let mut ledger = lock(&ledger);
        (ledger.begin_request(), ledger.faults.take())
    };
    if let Some(fault) = fault
        && let Some(response) = misbehave(&fault).await
    {
        return response;
    }
    let data = match unwrap_call(&headers, &body) {
        Ok(data) => data,
        Err((status, problem)) => return soap_fault(status, FaultCode::Client, &problem),
    };
    let errors = service::apply(&mut lock(&ledger), request, &data);
    xml(StatusCode::OK, soap::response(&document::response(&errors)))
}

/// The response a fault replaces the real one with; `None` lets the request through.
async fn misbehave(fault: &Fault) -> Option<Response> {
    let text = |status, content_type, body| {
        Some((status, [(CONTENT_TYPE, content_type)], body).into_response())
    };
    match fault.kind {
        FaultKind::Http500 => Some(answers::server_error()),
        FaultKind::Unauthorized => text(
            StatusCode::UNAUTHORIZED,
            "text/plain; charset=utf-8",
            "Unauthorized",
        ),
        FaultKind::Garbage => Some(answers::garbage()),
        FaultKind::Error => {
            let document = document::response(&[message_of(fault).to_owned()]);
            Some(xml(StatusCode::OK, soap::response(&document)))
        }
        FaultKind::SoapFault => Some(soap_fault(
            StatusCode::INTERNAL_SERVER_ERROR,
            FaultCode::Server,
            message_of(fault),
        )),
        FaultKind::Slow => {
            tokio::time::sleep(fault.delay()).await;
            None
        }
    }
}

/// The `data` parameter of a well-formed SOAP 1.1 `CV3Data` call, or the HTTP status and
/// reason of the client fault that refuses the request.
fn unwrap_call(headers: &HeaderMap, body: &[u8]) -> Result<String, (StatusCode, String)> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    let content_type = header("content-type").unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("text/xml") {
        let problem = format!("Content-Type must be text/xml, got \"{content_type}\"");
        return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, problem));
    }
    // SOAP 1.1 allows the action quoted or not; CV3 clients send both.
    match header("soapaction").map(|action| action.trim_matches('"')) {
        None => {
            let problem = "SOAPAction header is missing".to_owned();
            return Err((StatusCode::INTERNAL_SERVER_ERROR, problem));
        }
        Some(action) if !action.ends_with("/CV3Data") => {
            let problem = format!("SOAPAction \"{action}\" does not name the CV3Data operation");
            return Err((StatusCode::INTERNAL_SERVER_ERROR, problem));
        }
        Some(_) => {}
    }
    soap::cv3_data(body).map_err(|problem| (StatusCode::INTERNAL_SERVER_ERROR, problem))
}

fn soap_fault(status: StatusCode, code: FaultCode, message: &str) -> Response {
    xml(status, soap::fault(code, message))
}

fn xml(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(CONTENT_TYPE, XML)], body).into_response()
}
