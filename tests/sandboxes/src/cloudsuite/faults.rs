//! The ways a test can make the next API calls misbehave (queued with the harness's
//! [`Fault`](crate::harness::Fault)), and the answers they give instead of the real one.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::harness::{self, answers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 401 `{"detail":"Invalid or expired token."}` however live the token, as after a
    /// revocation on the platform's side; nothing is applied.
    Unauthorized,
    /// 429 with `Retry-After: 1`, DRF's throttling answer; nothing is applied.
    TooManyRequests,
    /// HTTP 500 with an HTML body; nothing is applied.
    ServerError,
    /// Waits `delay_ms` (3 s unless given), then handles the call normally.
    Slow,
    /// HTTP 200 with an HTML page where the JSON belongs; nothing is applied.
    Garbage,
}

impl harness::FaultKind for FaultKind {
    fn is_slow(self) -> bool {
        self == Self::Slow
    }
}

/// A queued CloudSuite fault, e.g. `{"kind":"too_many_requests","times":2}`; `message`
/// replaces the `detail` of a 401 or 429, and for kinds other than `slow`, `delay_ms` delays
/// the fault's answer.
pub type Fault = harness::Fault<FaultKind>;

/// The answer `fault` gives after its delay; `None` lets the call through.
pub(super) async fn misbehave(fault: &Fault) -> Option<Response> {
    tokio::time::sleep(fault.delay()).await;
    let detail = |default: &str| {
        let text = fault.message.as_deref().unwrap_or(default);
        axum::Json(json!({ "detail": text }))
    };
    match fault.kind {
        FaultKind::Unauthorized => Some(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#)],
                detail("Invalid or expired token."),
            )
                .into_response(),
        ),
        FaultKind::TooManyRequests => Some(answers::with_retry_after(
            (
                StatusCode::TOO_MANY_REQUESTS,
                detail("Request was throttled. Expected available in 1 second."),
            )
                .into_response(),
            1,
        )),
        FaultKind::ServerError => Some(answers::server_error()),
        FaultKind::Garbage => Some(answers::garbage()),
        FaultKind::Slow => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn faults_read_as_the_control_endpoint_takes_them() {
        let fault: Fault = serde_json::from_str(r#"{"kind":"too_many_requests"}"#).unwrap();
        assert_eq!(fault, Fault::new(FaultKind::TooManyRequests));
        assert_eq!(fault.delay(), Duration::ZERO);
        assert_eq!(Fault::new(FaultKind::Slow).delay(), Duration::from_secs(3));
    }
}
