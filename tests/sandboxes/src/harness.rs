//! What every platform sandbox shares, so that a sandbox holds only its platform's protocol:
//! queued faults ([`Fault`], [`FaultQueue`]) over the platform's own fault kinds, the answers of
//! faults every platform has ([`answers`]), and the process `main` of a sandbox binary
//! ([`run_until_signalled`]). Serving on a free 127.0.0.1 port and the control endpoints' JSON
//! reading are in `server`.

use std::collections::VecDeque;
use std::fmt::Debug;
use std::future::Future;
use std::io::Write as _;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::signal::unix::{SignalKind, signal};

/// A platform's kinds of fault (its protocol's ways of failing, plus the common ones).
pub trait FaultKind: Copy + Debug + PartialEq {
    /// Whether this kind only slows the call down (then handles it normally): it waits
    /// [`SLOW_DEFAULT`] when the test gave no delay; the other kinds answer at once.
    fn is_slow(self) -> bool;
}

/// How long a slow fault waits when the test gave no `delay_ms`.
pub const SLOW_DEFAULT: Duration = Duration::from_secs(3);

/// The body of `POST /_sandbox/faults`, e.g. `{"kind":"slow","times":2,"delay_ms":500}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault<K> {
    pub kind: K,
    /// How many consecutive calls get this fault.
    #[serde(default = "one")]
    pub times: u32,
    /// How long to wait before answering (for a slow kind: before handling the call normally).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// The text of the fault's answer, for kinds that carry one.
    #[serde(default)]
    pub message: Option<String>,
}

fn one() -> u32 {
    1
}

impl<K: FaultKind> Fault<K> {
    /// One occurrence of `kind`, with its default delay and message.
    pub fn new(kind: K) -> Self {
        Self {
            kind,
            times: one(),
            delay_ms: None,
            message: None,
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

    pub fn message(self, message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            ..self
        }
    }

    /// How long to wait before answering.
    pub fn delay(&self) -> Duration {
        match (self.delay_ms, self.kind.is_slow()) {
            (Some(ms), _) => Duration::from_millis(ms),
            (None, true) => SLOW_DEFAULT,
            (None, false) => Duration::ZERO,
        }
    }
}

/// Queued faults, one taken per call in the order they were queued.
#[derive(Debug)]
pub struct FaultQueue<K>(VecDeque<Fault<K>>);

impl<K> Default for FaultQueue<K> {
    fn default() -> Self {
        Self(VecDeque::new())
    }
}

impl<K: FaultKind> FaultQueue<K> {
    pub fn push(&mut self, fault: Fault<K>) {
        // Expanding `times` here keeps FIFO order exact when kinds are interleaved.
        let once = Fault {
            times: 1,
            ..fault.clone()
        };
        self.0
            .extend(std::iter::repeat_n(once, fault.times as usize));
    }

    /// The fault for the call now arriving, if any.
    pub fn take(&mut self) -> Option<Fault<K>> {
        self.0.pop_front()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// A call a sandbox records, given its HTTP status once answered.
pub trait RecordedCall: Clone {
    fn set_status(&mut self, status: u16);
}

/// A call's place in a [`CallLog`], valid across clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTicket(u64);

/// The record of a sandbox's API calls: each is written when it arrives (so the list is in
/// arrival order even when answers overtake each other) and given its status when answered.
#[derive(Debug)]
pub struct CallLog<C> {
    received: Vec<(CallTicket, C)>,
    /// Never reset: a call still in flight across a clear must not answer for a later one.
    issued: u64,
}

impl<C> Default for CallLog<C> {
    fn default() -> Self {
        Self {
            received: Vec::new(),
            issued: 0,
        }
    }
}

impl<C: RecordedCall> CallLog<C> {
    pub fn arrived(&mut self, call: C) -> CallTicket {
        self.issued += 1;
        let ticket = CallTicket(self.issued);
        self.received.push((ticket, call));
        ticket
    }

    pub fn answered(&mut self, ticket: CallTicket, status: u16) {
        if let Some((_, call)) = self.received.iter_mut().rev().find(|(t, _)| *t == ticket) {
            call.set_status(status);
        }
    }

    pub fn all(&self) -> Vec<C> {
        self.received.iter().map(|(_, call)| call.clone()).collect()
    }

    pub fn clear(&mut self) {
        self.received.clear();
    }
}

/// The answers of faults every platform has.
pub mod answers {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::{IntoResponse, Response};

    /// HTTP 500 with an HTML page, as a crashed web server answers.
    pub fn server_error() -> Response {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>500 Internal Server Error</body></html>",
        )
            .into_response()
    }

    /// HTTP 200 with an HTML fragment where the protocol's document belongs, as a maintenance
    /// page or a captive proxy answers.
    pub fn garbage() -> Response {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>Down for maintenance</body></html>",
        )
            .into_response()
    }

    /// `response` with `Retry-After: seconds`.
    pub fn with_retry_after(mut response: Response, seconds: u64) -> Response {
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// A running sandbox, as a binary's `main` sees it.
pub trait Running {
    fn base_url(&self) -> String;
    fn stop(self) -> impl Future<Output = ()>;
}

/// A sandbox binary's `main`: starts the sandbox, prints `<name> listening on <base_url>` (the
/// line scripts read to learn the port), and stops it cleanly on SIGINT or SIGTERM.
pub async fn run_until_signalled<S: Running>(
    name: &str,
    start: impl Future<Output = anyhow::Result<S>>,
) -> anyhow::Result<()> {
    // Handlers go in before the announcement: a script that signals as soon as it reads the
    // line must get a clean exit, not the default action that kills the process.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let sandbox = start.await?;
    // Scripts read this line to learn the port, so it must reach them before we block.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{name} listening on {}", sandbox.base_url())?;
    stdout.flush()?;
    drop(stdout);
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    sandbox.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Slow,
        Broken,
    }

    impl FaultKind for Kind {
        fn is_slow(self) -> bool {
            self == Kind::Slow
        }
    }

    #[test]
    fn json_defaults() {
        let fault: Fault<Kind> = serde_json::from_str(r#"{"kind":"broken"}"#).unwrap();
        assert_eq!(fault, Fault::new(Kind::Broken));
        assert_eq!(fault.delay(), Duration::ZERO);
        assert_eq!(Fault::new(Kind::Slow).delay(), Duration::from_secs(3));
        assert_eq!(
            Fault::new(Kind::Broken).delay_ms(20).delay(),
            Duration::from_millis(20)
        );
    }

    #[test]
    fn the_queue_serves_each_fault_its_times_in_order() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::new(Kind::Broken).times(2));
        queue.push(Fault::new(Kind::Slow).times(0));
        queue.push(Fault::new(Kind::Slow));
        let kinds: Vec<Kind> = std::iter::from_fn(|| queue.take())
            .map(|f| f.kind)
            .collect();
        assert_eq!(kinds, [Kind::Broken, Kind::Broken, Kind::Slow]);
    }
}
