//! An OMS API answer → what it says about the call and its items.
//!
//! Seller Center answers `{"SuccessResponse":…}` or `{"ErrorResponse":{"Head":…,"Body":…}}`,
//! often under HTTP 200, so the body decides, not the status. An error whose body lists items
//! (`ErrorCode`, `ErrorMessage`, `Position` = index in the request's array) is about those
//! items only; one without is about the whole call, its code in the message (`E007: …`).

use orderstatus::answer::excerpt;
use serde::Deserialize;
use serde_json::Value;

/// What an OMS answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OmsAnswer {
    /// Every item was processed.
    Success,
    /// Some items were refused; the others were processed.
    ItemErrors(Vec<ItemError>),
    /// The whole call was refused.
    CallError(CallError),
    /// Not an OMS answer: a proxy page, a truncated body, …
    Unreadable { problem: String },
}

/// One refused item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// Index of the item in the request's array, when the answer gives a usable one.
    pub position: Option<usize>,
    pub message: String,
}

/// A refusal of the whole call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The OMS error number: 3 for `E003`, 429 for `E429`, …
    pub code: Option<u32>,
    pub message: String,
}

/// The global errors this function acts on (platform-apis.md §5.2).
pub mod codes {
    pub const TIMESTAMP_EXPIRED: u32 = 3;
    pub const INTERNAL_ERROR: u32 = 6;
    pub const SIGNATURE_MISMATCH: u32 = 7;
    pub const ACCESS_DENIED: u32 = 9;
    pub const INSECURE_CHANNEL: u32 = 10;
    pub const REQUEST_TOO_BIG: u32 = 11;
    pub const TOO_MANY_REQUESTS: u32 = 429;
    pub const INTERNAL_APPLICATION_ERROR: u32 = 1000;
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "SuccessResponse")]
    success: Option<Value>,
    #[serde(rename = "ErrorResponse")]
    error: Option<ErrorResponse>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    #[serde(rename = "Head", default)]
    head: Head,
    #[serde(rename = "Body", default)]
    body: Value,
}

#[derive(Default, Deserialize)]
struct Head {
    #[serde(rename = "ErrorCode", default)]
    code: Value,
    #[serde(rename = "ErrorMessage", default)]
    message: Option<String>,
}

/// Reads an answer body.
pub fn read_answer(body: &str) -> OmsAnswer {
    let answer: Answer = match serde_json::from_str(body) {
        Ok(answer) => answer,
        Err(e) => {
            return OmsAnswer::Unreadable {
                problem: format!("not JSON ({e}): {}", excerpt(body)),
            };
        }
    };
    match (answer.success, answer.error) {
        (_, Some(error)) => read_error(error),
        (Some(_), None) => OmsAnswer::Success,
        (None, None) => OmsAnswer::Unreadable {
            problem: format!(
                "neither SuccessResponse nor ErrorResponse: {}",
                excerpt(body)
            ),
        },
    }
}

fn read_error(error: ErrorResponse) -> OmsAnswer {
    let items = item_errors(&error.body);
    if !items.is_empty() {
        return OmsAnswer::ItemErrors(items);
    }
    let message = error
        .head
        .message
        .unwrap_or_else(|| "ErrorResponse without a message".to_owned());
    let code = code_in_message(&message).or_else(|| number(&error.head.code).filter(|&c| c > 0));
    OmsAnswer::CallError(CallError { code, message })
}

/// The item errors of an error body: `{"UpdateItemsStatus": [{…, "Position": 2}]}` (the key
/// names the action; any array of objects is read).
fn item_errors(body: &Value) -> Vec<ItemError> {
    let arrays: Vec<&Vec<Value>> = match body {
        Value::Array(items) => vec![items],
        Value::Object(fields) => fields.values().filter_map(Value::as_array).collect(),
        _ => Vec::new(),
    };
    arrays
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|item| ItemError {
            position: item
                .get("Position")
                .and_then(number)
                .and_then(|p| usize::try_from(p).ok()),
            message: item
                .get("ErrorMessage")
                .and_then(Value::as_str)
                .unwrap_or("item refused without a message")
                .to_owned(),
        })
        .collect()
}

/// `E007: Login failed` → 7.
fn code_in_message(message: &str) -> Option<u32> {
    let rest = message.trim_start().strip_prefix('E')?;
    let digits: &str = &rest[..rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len())];
    digits.parse().ok()
}

/// A number written as a JSON number or a string.
fn number(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Whether an item error says the item already has the status asked for: the platform's way
/// of saying a repeated upload changed nothing.
pub fn is_already_applied(message: &str) -> bool {
    message.to_ascii_lowercase().contains("already has status")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_success() {
        let body = r#"{"SuccessResponse":{"Head":{"RequestId":"","RequestAction":"UpdateItemsStatus","ResponseType":"","Timestamp":"2015-07-02T12:26:03+0200"},"Body":[]}}"#;
        assert_eq!(read_answer(body), OmsAnswer::Success);
    }

    /// The documented per-item answer (platform-apis.md §5.1), `ErrorCode` null.
    #[test]
    fn item_errors_keep_their_positions() {
        let body = r#"{"ErrorResponse":{"Head":{"RequestAction":"UpdateItemsInformation","ErrorType":"Sender","ErrorCode":"0","ErrorMessage":"Some elements were not processed"},
            "Body":{"UpdateItemsInformation":[{"ErrorCode":null,"ErrorMessage":"The Status Detail \"returned_location_1\" does not match with current status (id:1) for Order Item with src_id: 100411","Position":2},
                                              {"ErrorCode":"5","ErrorMessage":"Order Item with src_id: 7 already has status shipped","Position":"0"}]}}}"#;
        let OmsAnswer::ItemErrors(errors) = read_answer(body) else {
            panic!("item errors expected");
        };
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].position, Some(2));
        assert!(errors[0].message.contains("src_id: 100411"));
        assert_eq!(errors[1].position, Some(0));
        assert!(is_already_applied(&errors[1].message));
        assert!(!is_already_applied(&errors[0].message));
    }

    #[test]
    fn call_errors_carry_their_code() {
        let body = r#"{"ErrorResponse":{"Head":{"RequestAction":"UpdateItemsStatus","ErrorType":"Sender","ErrorCode":"7","ErrorMessage":"E007: Login failed. Signature mismatching"},"Body":""}}"#;
        assert_eq!(
            read_answer(body),
            OmsAnswer::CallError(CallError {
                code: Some(codes::SIGNATURE_MISMATCH),
                message: "E007: Login failed. Signature mismatching".into()
            })
        );
        let body =
            r#"{"ErrorResponse":{"Head":{"ErrorCode":429,"ErrorMessage":"Too many requests"}}}"#;
        let OmsAnswer::CallError(error) = read_answer(body) else {
            panic!("call error expected");
        };
        assert_eq!(error.code, Some(codes::TOO_MANY_REQUESTS));
    }

    #[test]
    fn anything_else_is_unreadable() {
        for body in ["<html>502 Bad Gateway</html>", "{}", ""] {
            assert!(
                matches!(read_answer(body), OmsAnswer::Unreadable { .. }),
                "{body}"
            );
        }
    }
}
