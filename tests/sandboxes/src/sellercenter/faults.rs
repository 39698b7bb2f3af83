//! The ways a test can make the next OMS API calls misbehave (queued with the harness's
//! [`Fault`](crate::harness::Fault)).

use serde::{Deserialize, Serialize};

use crate::harness;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// `E429: Too many requests` in an `ErrorResponse` under HTTP 200, the documented shape
    /// (clients must read the body); nothing is applied.
    TooManyRequests,
    /// The same envelope under HTTP 429 with `Retry-After: 1`; nothing is applied.
    HttpTooManyRequests,
    /// HTTP 500 with an HTML body; nothing is applied.
    ServerError,
    /// `E003: Timestamp has expired` however fresh the timestamp, as a server whose clock is
    /// off answers; nothing is applied.
    ExpiredTimestamp,
    /// Waits `delay_ms` (3 s unless given), then handles the call normally.
    Slow,
}

impl harness::FaultKind for FaultKind {
    fn is_slow(self) -> bool {
        self == Self::Slow
    }
}

/// A queued Seller Center fault, e.g. `{"kind":"too_many_requests","times":2}`; for kinds other
/// than `slow`, `delay_ms` delays the fault's answer (a 500 that takes its time, as a
/// struggling server's does).
pub type Fault = harness::Fault<FaultKind>;
