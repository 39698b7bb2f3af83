//! The API calls as the sandbox records them (in the harness's [`CallLog`](crate::harness::CallLog)). The
//! access token a query carries is never written down.

use serde::{Deserialize, Serialize};

/// One API call (token requests are the token endpoint's) as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedCall {
    pub method: String,
    pub path: String,
    /// The raw query string with `access_token`'s value replaced by `[redacted]`; empty when
    /// there was none.
    pub query: String,
    /// The body as text (invalid UTF-8 replaced).
    pub body: String,
    /// The HTTP status answered; 0 while the call is being handled, and for good when the
    /// client left before its answer (a timeout during a slow fault).
    pub status: u16,
}

/// `query` with the value of every `access_token` replaced by `[redacted]`, the rest as sent.
pub(super) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            if name.eq_ignore_ascii_case("access_token") {
                format!("{name}=[redacted]")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The sandbox's record of its calls.
pub(super) type Calls = crate::harness::CallLog<ReceivedCall>;

impl crate::harness::RecordedCall for ReceivedCall {
    fn set_status(&mut self, status: u16) {
        self.status = status;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_token_is_redacted() {
        assert_eq!(
            redact_query("access_token=abc&x=1&Access_Token=&flag"),
            "access_token=[redacted]&x=1&Access_Token=[redacted]&flag"
        );
        assert_eq!(redact_query(""), "");
    }
}
