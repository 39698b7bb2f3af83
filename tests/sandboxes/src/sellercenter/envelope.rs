//! Seller Center's JSON answers: `SuccessResponse`, and `ErrorResponse` for a refused call or
//! for items that were not processed.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

/// An error that refuses the whole call, with Seller Center's code and wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CallError {
    /// E001; names the parameter.
    MissingParameter(&'static str),
    /// E002
    InvalidVersion,
    /// E003
    TimestampExpired,
    /// E004
    InvalidTimestamp,
    /// E005; says what is wrong with the body.
    InvalidRequestFormat(String),
    /// E007, for a wrong service name as well as a wrong signature.
    SignatureMismatch,
    /// E008
    InvalidAction,
    /// E009
    AccessDenied,
    /// E011
    RequestTooBig,
    /// E030
    EmptyRequest,
    /// E429.
    TooManyRequests,
}

impl CallError {
    fn code(&self) -> u16 {
        match self {
            Self::MissingParameter(_) => 1,
            Self::InvalidVersion => 2,
            Self::TimestampExpired => 3,
            Self::InvalidTimestamp => 4,
            Self::InvalidRequestFormat(_) => 5,
            Self::SignatureMismatch => 7,
            Self::InvalidAction => 8,
            Self::AccessDenied => 9,
            Self::RequestTooBig => 11,
            Self::EmptyRequest => 30,
            Self::TooManyRequests => 429,
        }
    }

    /// `E007: Signature mismatch`: the code, zero-padded to three digits, and the text.
    pub(super) fn message(&self) -> String {
        let text = match self {
            Self::MissingParameter(name) => {
                return self.coded(&format!("Parameter {name} is mandatory"));
            }
            Self::InvalidRequestFormat(why) => {
                return self.coded(&format!("Invalid Request Format ({why})"));
            }
            Self::InvalidVersion => "Invalid Version",
            Self::TimestampExpired => "Timestamp has expired",
            Self::InvalidTimestamp => "Invalid Timestamp format",
            Self::SignatureMismatch => "Signature mismatch",
            Self::InvalidAction => "Invalid Action",
            Self::AccessDenied => "Access denied",
            Self::RequestTooBig => "Request too big",
            Self::EmptyRequest => "Empty Request",
            Self::TooManyRequests => "Too many requests",
        };
        self.coded(text)
    }

    fn coded(&self, text: &str) -> String {
        format!("E{:03}: {text}", self.code())
    }

    /// The `ErrorResponse` for this error; `action` is the request's `Action` as sent (may be
    /// empty or unknown).
    pub(super) fn response(&self, action: &str) -> Response {
        // Seller Center refuses calls under HTTP 200; clients must read the body.
        self.response_with(action, StatusCode::OK)
    }

    /// The `ErrorResponse` for this error under another HTTP status.
    pub(super) fn response_with(&self, action: &str, status: StatusCode) -> Response {
        let body = json!({"ErrorResponse": {
            "Head": {
                "RequestAction": action,
                "ErrorType": "Sender",
                "ErrorCode": self.code().to_string(),
                "ErrorMessage": self.message(),
            },
            "Body": [],
        }});
        (status, Json(body)).into_response()
    }
}

/// One item that was not processed: its 0-based index in the request and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ItemError {
    pub(super) position: usize,
    pub(super) message: String,
}

/// The answer to a call that got past the global checks: success when no item failed,
/// otherwise "Some elements were not processed" listing the failed items (still HTTP 200).
pub(super) fn items_response(action: &str, failures: &[ItemError]) -> Response {
    let body = if failures.is_empty() {
        json!({"SuccessResponse": {
            "Head": {
                "RequestId": uuid::Uuid::new_v4().to_string(),
                "RequestAction": action,
                "ResponseType": "",
                "Timestamp": Utc::now().format("%Y-%m-%dT%H:%M:%S%z").to_string(),
            },
            "Body": [],
        }})
    } else {
        let items: Vec<Value> = failures
            .iter()
            .map(|failure| {
                json!({
                    "ErrorCode": null,
                    "ErrorMessage": failure.message,
                    "Position": failure.position,
                })
            })
            .collect();
        json!({"ErrorResponse": {
            "Head": {
                "RequestAction": action,
                "ErrorType": "Sender",
                "ErrorCode": "0",
                "ErrorMessage": "Some elements were not processed",
            },
            "Body": { action: items },
        }})
    };
    (StatusCode::OK, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_padded_codes() {
        assert_eq!(
            CallError::SignatureMismatch.message(),
            "E007: Signature mismatch"
        );
        assert_eq!(
            CallError::MissingParameter("Timestamp").message(),
            "E001: Parameter Timestamp is mandatory"
        );
        assert_eq!(
            CallError::TooManyRequests.message(),
            "E429: Too many requests"
        );
        assert_eq!(CallError::EmptyRequest.message(), "E030: Empty Request");
    }
}
