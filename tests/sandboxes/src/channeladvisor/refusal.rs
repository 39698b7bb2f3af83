//! ChannelAdvisor's refusals in its two shapes: OData's `{"error":{"code","message"}}`, and
//! ASP.NET Web API's `{"Message"}` that some rules answer with (clients read either).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::harness::answers;

/// The 401 text of every call without a live token.
pub(super) const DENIED: &str = "Authorization has been denied for this request.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// 400 `{"error":{"code":"400","message"}}`: a field missing or wrong, a rule broken.
    BadRequest(String),
    /// 400 `{"Message"}`: the shape of the carrier check and of a refused cancellation.
    Rejected(String),
    /// 404 `{"error":…}` naming what was not found.
    NotFound(String),
    /// 404 for a path or method the API does not have.
    NoResource,
    /// 415: a JSON body sent without saying it is JSON.
    UnsupportedMediaType(String),
    /// 401 without a live token (or with the unauthorized fault).
    Unauthorized(String),
    /// 429 with `Retry-After` in seconds.
    TooManyRequests { message: String, retry_after: u64 },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::BadRequest(message) => odata(StatusCode::BAD_REQUEST, &message),
            Self::Rejected(message) => {
                (StatusCode::BAD_REQUEST, Json(json!({ "Message": message }))).into_response()
            }
            Self::NotFound(message) => odata(StatusCode::NOT_FOUND, &message),
            Self::NoResource => odata(
                StatusCode::NOT_FOUND,
                "No HTTP resource was found that matches the request URI.",
            ),
            Self::UnsupportedMediaType(sent) => odata(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!(
                    "The request entity's media type '{sent}' is not supported for this resource."
                ),
            ),
            Self::Unauthorized(message) => odata(StatusCode::UNAUTHORIZED, &message),
            Self::TooManyRequests {
                message,
                retry_after,
            } => answers::with_retry_after(
                odata(StatusCode::TOO_MANY_REQUESTS, &message),
                retry_after,
            ),
        }
    }
}

/// `{"error":{"code":"<status>","message":message}}` under `status`.
fn odata(status: StatusCode, message: &str) -> Response {
    let code = status.as_u16().to_string();
    let body = json!({"error": {"code": code, "message": message}});
    (status, Json(body)).into_response()
}
