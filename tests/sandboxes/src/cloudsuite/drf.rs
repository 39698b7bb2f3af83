//! CloudSuite's API is Django REST Framework, so its refusals have DRF's shapes: a field map
//! `{"field":["message"]}` under 400, `{"detail":"…"}` for everything else.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Messages per field, as a serializer's `errors`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// One field's message.
    pub(super) fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    /// Adds `message` to `field`'s, once: a container that is not an object is found wanting
    /// by each of its children's lookups.
    pub(super) fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let (messages, message) = (self.0.entry(field.into()).or_default(), message.into());
        if !messages.contains(&message) {
            messages.push(message);
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was refused: validation collects every field's problem first
    /// and refuses them together, as DRF does.
    pub(super) fn or<T>(self, value: T) -> Result<T, ApiError> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Invalid(self))
        }
    }

    #[cfg(test)]
    pub(super) fn messages(&self, field: &str) -> &[String] {
        self.0.get(field).map_or(&[], Vec::as_slice)
    }
}

/// DRF's usual messages, worded as DRF words them.
pub(super) mod message {
    pub(crate) const REQUIRED: &str = "This field is required.";
    pub(crate) const BLANK: &str = "This field may not be blank.";
    pub(crate) const NULL: &str = "This field may not be null.";
    pub(crate) const NOT_A_STRING: &str = "Not a valid string.";
    pub(crate) const NOT_AN_INTEGER: &str = "A valid integer is required.";
    pub(crate) const NOT_A_NUMBER: &str = "A valid number is required.";

    pub(crate) fn invalid_choice(value: &str) -> String {
        format!("\"{value}\" is not a valid choice.")
    }
}

/// A refused API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ApiError {
    /// 400 with the field map.
    Invalid(FieldErrors),
    /// 400 `{"detail":"JSON parse error - …"}` (or XML): the body is not a document at all.
    Unparsable(String),
    /// 404 `{"detail":"Not found."}`.
    NotFound,
    /// 415 naming the Content-Type that was sent.
    UnsupportedMediaType(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Invalid(errors) => (StatusCode::BAD_REQUEST, Json(errors.0)).into_response(),
            Self::Unparsable(problem) => detail(StatusCode::BAD_REQUEST, &problem),
            Self::NotFound => detail(StatusCode::NOT_FOUND, "Not found."),
            Self::UnsupportedMediaType(content_type) => detail(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!("Unsupported media type \"{content_type}\" in request."),
            ),
        }
    }
}

/// A Content-Type without its parameters, lowercased: `application/json; charset=utf-8` is
/// `application/json`.
pub(super) fn media_type(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().to_ascii_lowercase()
}

/// DRF's `JSONParser`: 415 unless the Content-Type is JSON, 400 unless the body parses.
pub(super) fn json_body(content_type: Option<&str>, body: &[u8]) -> Result<Value, ApiError> {
    if content_type.map(media_type).as_deref() != Some("application/json") {
        let sent = content_type.unwrap_or_default().to_owned();
        return Err(ApiError::UnsupportedMediaType(sent));
    }
    parse_json(body)
}

/// A body that must be JSON, refused with DRF's `JSON parse error - …`.
pub(super) fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError::Unparsable(format!("JSON parse error - {error}")))
}

/// `{"detail": text}` under `status`.
pub(super) fn detail(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "detail": text }))).into_response()
}
