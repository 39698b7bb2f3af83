//! The ways a test can make the next Speed4Trade calls misbehave (queued with the harness's
//! [`Fault`](crate::harness::Fault)).

use serde::{Deserialize, Serialize};

use crate::harness;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 401 whatever the credentials; nothing is applied.
    Unauthorized,
    /// HTTP 500 with an HTML body; nothing is applied.
    ServerError,
    /// Waits `delay_ms` (3 s unless given), then handles the call normally.
    Slow,
    /// HTTP 500 with a SOAP fault (`SOAP-ENV:Server`, faultstring `message`); nothing applied.
    SoapFault,
    /// HTTP 200 with an HTML page instead of SOAP; nothing is applied.
    Garbage,
    /// The call is handled, but the last order of the call is neither applied nor reported,
    /// as a response cut short by the server.
    MissingReport,
}

impl harness::FaultKind for FaultKind {
    fn is_slow(self) -> bool {
        self == Self::Slow
    }
}

/// A queued Speed4Trade fault, e.g. `{"kind":"soap_fault","times":2}`.
pub type Fault = harness::Fault<FaultKind>;
