//! The ways a test can make the next API calls misbehave (queued with the harness's
//! [`Fault`](crate::harness::Fault)), and the answers they give instead of the real one.

use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::refusal::{DENIED, Refusal};
use crate::harness::{self, answers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 401 "Authorization has been denied for this request." however live the token, as after
    /// the account revoked the application; nothing is applied.
    Unauthorized,
    /// 429 with `Retry-After: 1`, as the platform's limits answer; nothing is applied.
    TooManyRequests,
    /// HTTP 500 with an HTML body; nothing is applied.
    ServerError,
    /// Waits `delay_ms` (3 s unless given), then handles the call normally, holding its place
    /// in flight all the while.
    Slow,
}

impl harness::FaultKind for FaultKind {
    fn is_slow(self) -> bool {
        self == Self::Slow
    }
}

/// A queued ChannelAdvisor fault, e.g. `{"kind":"too_many_requests","times":2}`; `message`
/// replaces the text of a 401 or 429, and for kinds other than `slow`, `delay_ms` delays the
/// fault's answer.
pub type Fault = harness::Fault<FaultKind>;

/// The answer `fault` gives after its delay; `None` for a slow fault, whose call goes on (and
/// waits once admitted, so that it counts in flight while it waits).
pub(super) async fn misbehave(fault: &Fault) -> Option<Response> {
    if fault.kind == FaultKind::Slow {
        return None;
    }
    tokio::time::sleep(fault.delay()).await;
    let message = |default: &str| fault.message.clone().unwrap_or_else(|| default.to_owned());
    let answer = match fault.kind {
        FaultKind::Unauthorized => Refusal::Unauthorized(message(DENIED)).into_response(),
        FaultKind::TooManyRequests => Refusal::TooManyRequests {
            message: message("Too many requests."),
            retry_after: 1,
        }
        .into_response(),
        FaultKind::ServerError => answers::server_error(),
        FaultKind::Slow => return None,
    };
    Some(answer)
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
