//! The ways a test can make the next CV3 requests misbehave (queued with the harness's
//! [`Fault`](crate::harness::Fault)).

use serde::{Deserialize, Serialize};

use crate::harness;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500 with a plain-text body, as a crashed PHP worker produces.
    Http500,
    /// Sleep `delay_ms` (3 s unless given), then handle the request normally.
    Slow,
    /// HTTP 200 whose document is a single `<error>` (`message`); nothing is applied.
    Error,
    /// HTTP 200 with an HTML fragment instead of SOAP, as a maintenance page produces.
    Garbage,
    /// HTTP 500 with a SOAP Fault (`SOAP-ENV:Server`, faultstring `message`).
    SoapFault,
    /// HTTP 401.
    Unauthorized,
}

impl harness::FaultKind for FaultKind {
    fn is_slow(self) -> bool {
        self == Self::Slow
    }
}

/// A queued CV3 fault.
pub type Fault = harness::Fault<FaultKind>;

/// The message a fault reports when the test gave none.
pub(super) fn message_of(fault: &Fault) -> &str {
    fault.message.as_deref().unwrap_or("Internal error")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn json_defaults_match_the_contract() {
        let fault: Fault = serde_json::from_str(r#"{"kind":"soap_fault"}"#).unwrap();
        assert_eq!(fault, Fault::new(FaultKind::SoapFault));
        assert_eq!(fault.times, 1);
        assert_eq!(Fault::new(FaultKind::Slow).delay(), Duration::from_secs(3));
        assert_eq!(message_of(&fault), "Internal error");
    }
}
