//! Each platform's response reader, on arbitrary bodies (and statuses, where the reader takes
//! one), followed by the shared classification every platform's answer goes through.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, Method, StatusCode};
use orderstatus::answer::classify;
use orderstatus::http::HttpResponse;
use orderstatus::soap::{SoapCall, Style};
use orderstatus::xml::unsafe_char;
use orderstatus_cloudsuite::request::{CallKind, CallRequest};
use orderstatus_cloudsuite::response::{
    OrderPage, OrderSummary, field_errors, read_lookup, read_write,
};
use orderstatus_cv3::response::{Cv3Answer, decoded_return, is_auth_error, names_order};
use orderstatus_sellercenter::response::{OmsAnswer, is_already_applied};
use orderstatus_speed4trade::response::{S4tAnswer, reports_of};

/// A SOAP answer whose `return` holds `value`, written by the product's SOAP writer.
fn soap_answer(value: &str) -> String {
    let envelope = SoapCall {
        namespace: "urn:fuzz",
        operation: "fuzzResponse",
        style: Style::Literal,
        parameters: &[("return", value)],
    }
    .envelope();
    String::from_utf8(envelope).expect("the SOAP writer writes UTF-8")
}

/// CV3: the bytes as a whole answer, and as the decoded `return` document of a well-formed one.
pub fn cv3_response(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let answer = orderstatus_cv3::response::read_response(body);
    match &answer {
        Cv3Answer::Document { errors } => {
            for error in errors {
                is_auth_error(error);
                names_order(error, "12345");
            }
            assert!(
                decoded_return(body).is_some(),
                "a document without a decoded return"
            );
        }
        Cv3Answer::Fault { .. } => {}
        Cv3Answer::Garbage { problem } => assert!(!problem.trim().is_empty(), "empty problem"),
    }

    let wrapped = soap_answer(&STANDARD.encode(body));
    assert_eq!(decoded_return(&wrapped).as_deref(), Some(body));
    match orderstatus_cv3::response::read_response(&wrapped) {
        Cv3Answer::Document { .. } => {}
        Cv3Answer::Garbage { problem } => assert!(!problem.trim().is_empty(), "empty problem"),
        fault @ Cv3Answer::Fault { .. } => panic!("a return read as {fault:?}"),
    }
}

/// Seller Center: an OMS answer (the body decides, whatever the status).
pub fn sellercenter_response(data: &[u8]) {
    let body = String::from_utf8_lossy(data);
    match orderstatus_sellercenter::response::read_answer(&body) {
        OmsAnswer::Success => {}
        OmsAnswer::ItemErrors(errors) => {
            assert!(!errors.is_empty(), "item errors without an item");
            for error in errors {
                is_already_applied(&error.message);
            }
        }
        OmsAnswer::CallError(error) => {
            is_already_applied(&error.message);
        }
        OmsAnswer::Unreadable { problem } => {
            assert!(!problem.trim().is_empty(), "empty problem")
        }
    }
}

/// Speed4Trade: the bytes as a whole answer, as the `<response>` document directly, and as
/// that document carried in a SOAP `return` (as Speed4Trade sends it), which must read the
/// same as the document read directly.
pub fn speed4trade_response(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    if let S4tAnswer::Garbage { problem } = orderstatus_speed4trade::response::read_response(body) {
        assert!(!problem.trim().is_empty(), "empty problem");
    }
    let direct = reports_of(body);
    if unsafe_char(body).is_some() {
        // No SOAP answer can carry it.
        return;
    }
    let carried = orderstatus_speed4trade::response::read_response(&soap_answer(body));
    match (&direct, &carried) {
        (Ok(reports), S4tAnswer::Reports(read)) => {
            assert_eq!(
                reports, read,
                "the document reads differently in a SOAP answer"
            )
        }
        (Err(_), S4tAnswer::Garbage { .. }) => {}
        _ => panic!("directly {direct:?}, carried in a SOAP answer {carried:?}"),
    }
}

/// An HTTP answer from the input: its first two bytes (big-endian) pick the status, 100-999,
/// the rest is the body, decoded as the HTTP client decodes it (lossy UTF-8).
fn http_answer(data: &[u8]) -> Option<HttpResponse> {
    let (status, body) = data.split_first_chunk::<2>()?;
    let status = StatusCode::from_u16(100 + u16::from_be_bytes(*status) % 900).ok()?;
    Some(HttpResponse {
        status,
        headers: HeaderMap::new(),
        body: String::from_utf8_lossy(body).into_owned(),
        attempts: 1,
    })
}

fn advice(detail: &str) -> String {
    format!("check the credentials ({detail})")
}

/// CloudSuite: every reader on any kind of call (the first byte), status and body (the rest,
/// as [`http_answer`] reads it).
pub fn cloudsuite_response(data: &[u8]) {
    let Some((kind, rest)) = data.split_first() else {
        return;
    };
    let kinds = [
        CallKind::Lookup,
        CallKind::Patch,
        CallKind::Delivery,
        CallKind::Timeline,
    ];
    let kind = kinds[usize::from(*kind) % kinds.len()];
    let Some(response) = http_answer(rest) else {
        return;
    };
    let request = CallRequest {
        kind,
        method: Method::POST,
        url: url::Url::parse("https://api.cloudsuite.example/api/order/1/").expect("a URL"),
        content_type: None,
        body: Default::default(),
        about: "order 1".to_owned(),
    };
    let _ = classify(
        "CloudSuite",
        &response,
        read_write(&request, &response),
        advice,
    );
    if let Ok(page) = classify(
        "CloudSuite",
        &response,
        read_lookup::<OrderPage>(&request, &response),
        advice,
    ) {
        for order in &page.results {
            order.id_text();
            order.number();
        }
    }
    if let Ok(order) = classify(
        "CloudSuite",
        &response,
        read_lookup::<OrderSummary>(&request, &response),
        advice,
    ) {
        order.id_text();
        order.number();
    }
    if let Some(fields) = field_errors(&response.body) {
        fields.text();
    }
}

/// ChannelAdvisor: the reader on any status and body (as [`http_answer`] reads them).
pub fn channeladvisor_response(data: &[u8]) {
    let Some(response) = http_answer(data) else {
        return;
    };
    let request = orderstatus_channeladvisor::request::CallRequest {
        url: url::Url::parse("https://api.channeladvisor.com/v1/Orders(1)/Ship").expect("a URL"),
        body: Default::default(),
        about: "order 1".to_owned(),
    };
    let says = orderstatus_channeladvisor::response::read(&request, &response);
    let _ = classify("ChannelAdvisor", &response, says, advice);
    orderstatus_channeladvisor::response::message(&response.body);
}
