//! The record of API calls: each is written when it arrives (so the list is in arrival order
//! even when answers overtake each other) and given its status when it is answered. The
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

/// A call's place in the record, valid across resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CallTicket(u64);

#[derive(Debug, Default)]
pub(super) struct Calls {
    received: Vec<(CallTicket, ReceivedCall)>,
    /// Never reset: a call still in flight across a reset must not answer for a later one.
    issued: u64,
}

impl Calls {
    pub(super) fn arrived(&mut self, call: ReceivedCall) -> CallTicket {
        self.issued += 1;
        let ticket = CallTicket(self.issued);
        self.received.push((ticket, call));
        ticket
    }

    pub(super) fn answered(&mut self, ticket: CallTicket, status: u16) {
        if let Some((_, call)) = self.received.iter_mut().rev().find(|(t, _)| *t == ticket) {
            call.status = status;
        }
    }

    pub(super) fn all(&self) -> Vec<ReceivedCall> {
        self.received.iter().map(|(_, call)| call.clone()).collect()
    }

    pub(super) fn clear(&mut self) {
        self.received.clear();
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
