//! The HTTP client every platform uses: rustls, timeouts, and bounded retries.
//!
//! Retries happen on connection errors, timeouts, 5xx and 429, and on bodies a platform reads as
//! "slow down" or "try again" ([`HttpClient::exchange`]), with full-jitter exponential backoff,
//! honouring `Retry-After` (seconds or an HTTP date). Other answers are returned at once: asking
//! again will not change them. When retries run out the last answer (or transport error) is
//! returned and the unit is transient, so SQS retries later.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};

use crate::answer::unreachable;
use crate::limits::{Limiter, RequestLimits};
use crate::platform::UnitResult;

/// Retry settings.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The longest single wait; a `Retry-After` longer than this ends the retries.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            max_delay: Duration::from_secs(10),
        }
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// How many attempts it took.
    pub attempts: u32,
}

impl HttpResponse {
    /// 5xx and 429: the platform may answer differently later.
    pub fn is_transient(&self) -> bool {
        is_transient_status(self.status)
    }
}

/// No answer at all after the retries.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind} after {attempts} attempt(s): {detail}")]
pub struct TransportError {
    pub kind: &'static str,
    pub detail: String,
    pub attempts: u32,
}

fn is_transient_status(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// A shared, pooled HTTP client; build one per container.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    policy: RetryPolicy,
    /// The platform's request limits for this copy, when it has any.
    limiter: Option<Arc<Limiter>>,
}

/// What every platform's client is built from: the per-attempt timeout, and how many copies of
/// the function may run at once (they share the platform's request limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSettings {
    pub timeout: Duration,
    pub copies: u32,
}

impl ClientSettings {
    /// The platform's client: default retries, and `limits` shared by the copies.
    pub fn client(&self, limits: RequestLimits) -> Result<HttpClient, String> {
        Ok(HttpClient::new(self.timeout, RetryPolicy::default())?
            .with_limiter(Arc::new(Limiter::new(limits, self.copies))))
    }
}

impl From<Duration> for ClientSettings {
    /// One copy (the local worker, the CLI, tests).
    fn from(timeout: Duration) -> Self {
        Self { timeout, copies: 1 }
    }
}

impl HttpClient {
    /// `timeout` bounds each attempt, from connect to the last byte of the body.
    pub fn new(timeout: Duration, policy: RetryPolicy) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("orderstatus/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            client,
            policy,
            limiter: None,
        })
    }

    /// Enforces `limiter` on the calls made through [`exchange_for`](Self::exchange_for).
    pub fn with_limiter(self, limiter: Arc<Limiter>) -> Self {
        Self {
            limiter: Some(limiter),
            ..self
        }
    }

    /// `account`'s own per-minute limit, all copies together (see
    /// [`Limiter::set_per_minute`]); nothing for a client without limits.
    pub async fn set_per_minute(&self, account: &str, per_minute: u32) {
        if let Some(limiter) = &self.limiter {
            limiter.set_per_minute(account, per_minute).await;
        }
    }

    /// Sends the request that `build` makes (called again for each attempt), retrying
    /// transport errors, 5xx and 429, and returns the last answer.
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<HttpResponse, TransportError> {
        self.with_retries(None, build, |answer| {
            let retry = match &answer {
                Ok(response) => response.is_transient(),
                Err(_) => true,
            };
            (answer, retry)
        })
        .await
    }

    /// Sends and reads: `read` turns each answer into the platform's result or a failure of
    /// the whole call (usually through [`crate::answer::classify`]). A transient failure, from
    /// the HTTP status or from the body ("slow down", "try again"), is retried like a 429:
    /// with backoff, honouring `Retry-After`, within the policy's attempts. No answer at all is
    /// transient, named after `platform`.
    pub async fn exchange<T>(
        &self,
        platform: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        read: impl Fn(&HttpResponse) -> Result<T, UnitResult>,
    ) -> Result<T, UnitResult> {
        self.judged(None, platform, build, read).await
    }

    /// [`exchange`](Self::exchange) for one of the platform's accounts, within the platform's
    /// request limits: each attempt waits for its turn, and a transient answer pauses the
    /// account's (or integration's) next requests for the wait it asks (`Retry-After`).
    pub async fn exchange_for<T>(
        &self,
        platform: &str,
        account: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        read: impl Fn(&HttpResponse) -> Result<T, UnitResult>,
    ) -> Result<T, UnitResult> {
        self.judged(Some(account), platform, build, read).await
    }

    async fn judged<T>(
        &self,
        account: Option<&str>,
        platform: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        read: impl Fn(&HttpResponse) -> Result<T, UnitResult>,
    ) -> Result<T, UnitResult> {
        self.with_retries(account, build, |answer| {
            let result = match answer {
                Ok(response) => read(&response),
                Err(error) => Err(unreachable(platform, &error)),
            };
            let retry = matches!(result, Err(UnitResult::Transient { .. }));
            (result, retry)
        })
        .await
    }

    /// The attempt loop: `judge` turns each answer (or transport error) into the value to
    /// return and whether another attempt may change it.
    async fn with_retries<T>(
        &self,
        account: Option<&str>,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        judge: impl Fn(Result<HttpResponse, TransportError>) -> (T, bool),
    ) -> T {
        let limiter = self.limiter.as_deref().zip(account);
        let mut attempt = 1;
        loop {
            let last = attempt >= self.policy.max_attempts;
            let permit = match limiter {
                Some((limiter, account)) => Some(limiter.acquire(account).await),
                None => None,
            };
            let started = std::time::Instant::now();
            let answer = self.attempt(&build, attempt).await;
            drop(permit);
            let status = answer.as_ref().ok().map(|r| r.status);
            crate::metrics::platform_attempt(
                attempt,
                started.elapsed(),
                status.map(|s| s.as_u16()),
            );
            let asked_wait = answer.as_ref().ok().and_then(|r| retry_after(&r.headers));
            let (value, retry) = judge(answer);
            if !retry || last {
                return value;
            }
            let wait = match asked_wait {
                // A longer pause than a retry here should take: hand the unit back to SQS
                // instead.
                Some(wait) if wait > self.policy.max_delay => return value,
                Some(wait) => wait,
                None => backoff(attempt).min(self.policy.max_delay),
            };
            tracing::debug!(attempt, ?status, ?wait, "transient answer; retrying");
            match (limiter, status) {
                // The platform answered "not now": the account's other requests wait too.
                (Some((limiter, account)), Some(_)) => {
                    limiter.slow_down(account, wait).await;
                }
                _ => tokio::time::sleep(wait).await,
            }
            attempt += 1;
        }
    }

    /// One attempt, its body read whole.
    async fn attempt(
        &self,
        build: &impl Fn(&reqwest::Client) -> RequestBuilder,
        attempt: u32,
    ) -> Result<HttpResponse, TransportError> {
        let response = build(&self.client)
            .send()
            .await
            .map_err(|e| transport_error(e, attempt))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .text()
            .await
            .map_err(|e| transport_error(e, attempt))?;
        Ok(HttpResponse {
            status,
            headers,
            body,
            attempts: attempt,
        })
    }
}

fn transport_error(error: reqwest::Error, attempts: u32) -> TransportError {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    // The URL may carry a signature or token in its query: leave it out of the text.
    let detail = crate::aws::error_text(&error.without_url());
    TransportError {
        kind,
        detail,
        attempts,
    }
}

/// Full-jitter exponential backoff: a random wait up to 100 ms × 2^attempt, at most 10 s.
pub fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = (100u64 << attempt.min(7)).min(10_000);
    Duration::from_millis(rand::rng().random_range(ceiling_ms / 4..=ceiling_ms))
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 0..20 {
            let wait = backoff(attempt);
            assert!(wait <= Duration::from_secs(10), "{attempt}: {wait:?}");
            assert!(wait >= Duration::from_millis(25), "{attempt}: {wait:?}");
        }
        assert!(backoff(1) <= Duration::from_millis(200));
    }

    #[test]
    fn only_5xx_and_429_are_transient() {
        assert!(is_transient_status(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(is_transient_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(!is_transient_status(StatusCode::BAD_REQUEST));
        assert!(!is_transient_status(StatusCode::UNAUTHORIZED));
    }
}
