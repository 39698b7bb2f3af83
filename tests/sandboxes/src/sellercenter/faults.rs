//! Faults a test can queue to make the next OMS API calls misbehave.

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// `E429: Too many requests` in an `ErrorResponse` under HTTP 200, the documented shape
    /// (clients must read the body); nothing is applied.
    TooManyRequests,
    /// The same envelope under HTTP 429 with `Retry-After: 1`; nothing is applied.
    HttpTooManyRequests,
    /// HTTP 500 with a plain-text body; nothing is applied.
    ServerError,
    /// `E003: Timestamp has expired` however fresh the timestamp, as a server whose clock is
    /// off answers; nothing is applied.
    ExpiredTimestamp,
    /// Waits `delay_ms` (3 s unless given), then handles the call normally.
    Slow,
}

/// The body of `POST /_sandbox/faults`, e.g. `{"kind":"too_many_requests","times":2}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub kind: FaultKind,
    /// How many consecutive calls get this fault.
    #[serde(default = "one")]
    pub times: u32,
    /// How long to wait before answering; for kinds other than `slow`, before the fault's
    /// answer (a 500 that takes its time, as a struggling server's does).
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

fn one() -> u32 {
    1
}

/// How long `slow` waits when the test gave no delay.
const SLOW_DEFAULT: Duration = Duration::from_secs(3);

impl Fault {
    /// One occurrence of `kind`, answering without extra delay (`slow`: after 3 s).
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            times: one(),
            delay_ms: None,
        }
    }

    pub fn times(self, times: u32) -> Self {
        Self { times, ..self }
    }

    pub fn delay_ms(self, delay_ms: u64) -> Self {
        Self {
            delay_ms: Some(delay_ms),
            ..self
        }
    }

    pub(super) fn delay(&self) -> Duration {
        match (self.delay_ms, self.kind) {
            (Some(ms), _) => Duration::from_millis(ms),
            (None, FaultKind::Slow) => SLOW_DEFAULT,
            (None, _) => Duration::ZERO,
        }
    }
}

/// Queued faults, served to calls in the order they were queued, each `times` times.
#[derive(Debug, Default)]
pub(super) struct FaultQueue(VecDeque<Fault>);

impl FaultQueue {
    pub(super) fn push(&mut self, fault: Fault) {
        if fault.times > 0 {
            self.0.push_back(fault);
        }
    }

    /// The fault for the call now arriving, if any.
    pub(super) fn next(&mut self) -> Option<Fault> {
        let front = self.0.front_mut()?;
        if front.times > 1 {
            front.times -= 1;
            return Some(front.clone());
        }
        self.0.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_defaults() {
        let fault: Fault = serde_json::from_str(r#"{"kind":"server_error"}"#).unwrap();
        assert_eq!(fault, Fault::new(FaultKind::ServerError));
        assert_eq!(fault.delay(), Duration::ZERO);
        assert_eq!(Fault::new(FaultKind::Slow).delay(), SLOW_DEFAULT);
        assert_eq!(
            Fault::new(FaultKind::ServerError).delay_ms(20).delay(),
            Duration::from_millis(20)
        );
    }

    #[test]
    fn serves_each_fault_its_times_in_order() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::new(FaultKind::TooManyRequests).times(2));
        queue.push(Fault::new(FaultKind::Slow).times(0));
        queue.push(Fault::new(FaultKind::ExpiredTimestamp));
        let kinds: Vec<FaultKind> = std::iter::from_fn(|| queue.next())
            .map(|fault| fault.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                FaultKind::TooManyRequests,
                FaultKind::TooManyRequests,
                FaultKind::ExpiredTimestamp
            ]
        );
    }
}
