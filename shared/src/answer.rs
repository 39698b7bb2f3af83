//! One reading of a platform's HTTP answer for every platform.
//!
//! A platform reads its own body into [`BodySays`] (its only platform-specific part); the rest
//! is the same everywhere and decided here:
//!
//! | answer | result for the call's units |
//! |---|---|
//! | HTTP 401 / 403, or a body refusing the credentials | `auth` rejection, with what to fix |
//! | HTTP 429 / 5xx, or a body saying "slow down" / "try again" | transient: retried in the invocation ([`crate::http::HttpClient::exchange`]), then by SQS |
//! | a body refusing the call | rejection with the platform's words |
//! | another 4xx the body does not explain | rejection with an excerpt of the body |
//! | 2xx that cannot be read | transient (the platform may have applied it: the ledger makes a retry safe) |
//! | no answer (connection, timeout) | transient |

use crate::http::{HttpResponse, TransportError};
use crate::platform::{RejectReason, UnitResult};

/// How long a platform's words may be in an error (the dead letter's reason, a log line).
const EXCERPT_CHARS: usize = 160;

/// What a platform's body says, beyond the HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub enum BodySays<T> {
    /// An answer the platform reads further (per-unit results).
    Answer(T),
    /// "Slow down" or "try again later" inside the body (Seller Center's `E429` under HTTP
    /// 200, a SOAP `Server` fault): treated exactly like HTTP 429.
    RetryLater(String),
    /// The credentials were refused; the text says what to fix.
    AuthRefused(String),
    /// The platform refused the whole call, in its words.
    Refused(String),
    /// Nothing the platform recognises: the status decides, with an excerpt of the body.
    Unreadable(String),
}

/// Decides a call's fate from its HTTP status and what its body says. `platform` is the name
/// people know (`CV3`); `auth_advice` turns a detail (`HTTP 401`) into the text an operator
/// acts on (which secret fields to check).
pub fn classify<T>(
    platform: &str,
    response: &HttpResponse,
    says: BodySays<T>,
    auth_advice: impl Fn(&str) -> String,
) -> Result<T, UnitResult> {
    let status = response.status;
    let after = || {
        format!(
            "HTTP {} after {} attempt(s)",
            status.as_u16(),
            response.attempts
        )
    };
    if status.as_u16() == 401 || status.as_u16() == 403 {
        return Err(UnitResult::rejected(
            RejectReason::Auth,
            match says {
                BodySays::AuthRefused(advice) => advice,
                _ => auth_advice(&format!("HTTP {}", status.as_u16())),
            },
        ));
    }
    if response.is_transient() {
        let words = match says {
            BodySays::RetryLater(words) | BodySays::Refused(words) => words,
            _ => excerpt(&response.body),
        };
        return Err(UnitResult::transient(format!(
            "{platform} answered {}: {words}",
            after()
        )));
    }
    match says {
        BodySays::Answer(answer) => Ok(answer),
        BodySays::RetryLater(words) => Err(UnitResult::transient(format!(
            "{platform}: {words} ({})",
            after()
        ))),
        BodySays::AuthRefused(advice) => Err(UnitResult::rejected(RejectReason::Auth, advice)),
        BodySays::Refused(words) => Err(UnitResult::rejected(
            RejectReason::Platform,
            format!("{platform} refused the call: {words}"),
        )),
        BodySays::Unreadable(problem) if status.is_success() => Err(UnitResult::transient(
            format!("{platform} answer unreadable: {problem}"),
        )),
        BodySays::Unreadable(_) => Err(UnitResult::rejected(
            RejectReason::Platform,
            format!(
                "{platform} answered HTTP {}: {}",
                status.as_u16(),
                excerpt(&response.body)
            ),
        )),
    }
}

/// No answer at all, after the retries.
pub fn unreachable(platform: &str, error: &TransportError) -> UnitResult {
    UnitResult::transient(format!("{platform} unreachable: {error}"))
}

/// The start of a body, trimmed, for an error people read.
pub fn excerpt(body: &str) -> String {
    let trimmed = body.trim();
    let mut cut: String = trimmed.chars().take(EXCERPT_CHARS).collect();
    if cut.len() < trimmed.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.to_owned(),
            attempts: 3,
        }
    }

    fn advice(detail: &str) -> String {
        format!("refused ({detail}): check the secret")
    }

    fn outcome(status: u16, says: BodySays<&'static str>) -> String {
        match classify("P", &response(status, "the body"), says, advice) {
            Ok(answer) => format!("ok {answer}"),
            Err(UnitResult::Transient { message }) => format!("transient {message}"),
            Err(UnitResult::Rejected { reason, message }) => {
                format!("{} {message}", reason.as_str())
            }
            Err(other) => format!("{other:?}"),
        }
    }

    #[test]
    fn the_status_and_the_body_decide_together() {
        use BodySays::*;
        let cases = [
            (200, Answer("a"), "ok a"),
            (400, Answer("a"), "ok a"),
            (
                401,
                Answer("a"),
                "auth refused (HTTP 401): check the secret",
            ),
            (403, AuthRefused("bad key".into()), "auth bad key"),
            (200, AuthRefused("bad key".into()), "auth bad key"),
            (
                429,
                Unreadable("?".into()),
                "transient P answered HTTP 429 after 3 attempt(s): the body",
            ),
            (
                503,
                RetryLater("E1000".into()),
                "transient P answered HTTP 503 after 3 attempt(s): E1000",
            ),
            (
                200,
                RetryLater("E429: Too many requests".into()),
                "transient P: E429: Too many requests (HTTP 200 after 3 attempt(s))",
            ),
            (
                200,
                Refused("E011: too big".into()),
                "platform P refused the call: E011: too big",
            ),
            (
                200,
                Unreadable("not JSON".into()),
                "transient P answer unreadable: not JSON",
            ),
            (
                404,
                Unreadable("not JSON".into()),
                "platform P answered HTTP 404: the body",
            ),
        ];
        for (status, says, expected) in cases {
            assert_eq!(outcome(status, says), expected);
        }
    }

    #[test]
    fn excerpts_are_cut_and_marked() {
        assert_eq!(excerpt("  short  "), "short");
        let long = "x".repeat(500);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
