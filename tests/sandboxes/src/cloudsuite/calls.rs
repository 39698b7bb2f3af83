//! The API calls as the sandbox records them (in the harness's [`CallLog`](crate::harness::CallLog)).

use serde::{Deserialize, Serialize};

use super::faults::FaultKind;

/// One API call (token requests are the token endpoint's) as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedCall {
    pub method: String,
    pub path: String,
    /// The raw query string, empty when there was none.
    pub query: String,
    pub content_type: Option<String>,
    /// The body as text (invalid UTF-8 replaced).
    pub body: String,
    /// The HTTP status answered; 0 while the call is being handled, and for good when the
    /// client left before its answer (a timeout during a slow fault).
    pub status: u16,
    /// The queued fault this call took, if any: a call answered by a fault (every kind but
    /// `slow`) applied nothing, whatever its status (a garbage answer is a 200).
    #[serde(default)]
    pub fault: Option<FaultKind>,
}

/// The sandbox's record of its calls.
pub(super) type Calls = crate::harness::CallLog<ReceivedCall>;

impl crate::harness::RecordedCall for ReceivedCall {
    fn set_status(&mut self, status: u16) {
        self.status = status;
    }
}
