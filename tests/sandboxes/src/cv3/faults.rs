//! Faults a test can queue to make the next CV3 requests misbehave.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500 with a plain-text body, as a crashed PHP worker produces.
    Http500,
    /// Sleep `delay_ms`, then handle the request normally.
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

/// The body of `POST /_sandbox/faults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub kind: FaultKind,
    /// How many consecutive requests get this fault.
    #[serde(default = "default_times")]
    pub times: u32,
    /// Used by `slow`.
    #[serde(default = "default_delay_ms")]
    pub delay_ms: u64,
    /// Used by `error` and `soap_fault`.
    #[serde(default)]
    pub message: Option<String>,
}

fn default_times() -> u32 {
    1
}

fn default_delay_ms() -> u64 {
    3000
}

impl Fault {
    /// One occurrence of `kind` with the default delay and message.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            times: default_times(),
            delay_ms: default_delay_ms(),
            message: None,
        }
    }

    pub fn times(self, times: u32) -> Self {
        Self { times, ..self }
    }

    pub fn delay_ms(self, delay_ms: u64) -> Self {
        Self { delay_ms, ..self }
    }

    pub fn message(self, message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            ..self
        }
    }

    /// The message a fault reports when the test gave none.
    pub(super) fn message_or_default(&self) -> &str {
        self.message.as_deref().unwrap_or("Internal error")
    }
}

/// Queued faults, one taken per request in the order they were queued.
#[derive(Debug, Default)]
pub(super) struct FaultQueue(VecDeque<Fault>);

impl FaultQueue {
    pub(super) fn push(&mut self, fault: Fault) {
        // Expanding `times` here keeps FIFO order exact when kinds are interleaved.
        let once = Fault { times: 1, ..fault };
        self.0
            .extend(std::iter::repeat_n(once, fault.times as usize));
    }

    pub(super) fn take(&mut self) -> Option<Fault> {
        self.0.pop_front()
    }

    pub(super) fn clear(&mut self) {
        self.0.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_defaults_match_the_contract() {
        let fault: Fault = serde_json::from_str(r#"{"kind":"soap_fault"}"#).unwrap();
        assert_eq!(fault, Fault::new(FaultKind::SoapFault));
        assert_eq!((fault.times, fault.delay_ms), (1, 3000));
    }

    #[test]
    fn queue_repeats_each_fault_in_fifo_order() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::new(FaultKind::Http500).times(2));
        queue.push(Fault::new(FaultKind::Garbage));
        queue.push(Fault::new(FaultKind::Slow).times(0));
        let kinds: Vec<FaultKind> = std::iter::from_fn(|| queue.take())
            .map(|f| f.kind)
            .collect();
        assert_eq!(
            kinds,
            [FaultKind::Http500, FaultKind::Http500, FaultKind::Garbage]
        );
    }
}
