//! Hands queued invocations to the function's `/next` calls and routes its answers back to
//! whoever invoked.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use super::Invocation;
use crate::sync::lock;

/// An invocation waiting for the function to ask for it.
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) request_id: String,
    pub(super) event: Value,
    pub(super) deadline_ms: u128,
    pub(super) trace_id: String,
}

pub(super) struct Broker {
    /// FIFO of invocations. The async mutex makes concurrent `/next` calls take turns, so each
    /// invocation goes to exactly one of them.
    pending: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    /// Invokers waiting for an answer, by request id.
    waiting: Mutex<HashMap<String, oneshot::Sender<Invocation>>>,
    /// When the first `/next` arrived, i.e. when the function finished its init.
    ready: watch::Sender<Option<Instant>>,
    init_error: watch::Sender<Option<Value>>,
    function_name: Mutex<String>,
}

impl Broker {
    /// The broker and the sending end of its queue. Dropping the sender ends every waiting
    /// `/next`, which is what lets the server shut down while the function is polling.
    pub(super) fn new() -> (Broker, mpsc::UnboundedSender<Pending>) {
        let (queue, pending) = mpsc::unbounded_channel();
        let broker = Broker {
            pending: tokio::sync::Mutex::new(pending),
            waiting: Mutex::new(HashMap::new()),
            ready: watch::Sender::new(None),
            init_error: watch::Sender::new(None),
            function_name: Mutex::new("function".to_owned()),
        };
        (broker, queue)
    }

    /// Registers an invoker before its invocation is queued, so an answer cannot outrun it.
    pub(super) fn expect_answer(&self, request_id: &str) -> oneshot::Receiver<Invocation> {
        let (answer, answered) = oneshot::channel();
        lock(&self.waiting).insert(request_id.to_owned(), answer);
        answered
    }

    /// Drops the registration of an invoker that stopped waiting.
    pub(super) fn forget(&self, request_id: &str) {
        lock(&self.waiting).remove(request_id);
    }

    /// Delivers the function's answer; false if nobody is waiting for that request id.
    pub(super) fn answer(&self, request_id: &str, invocation: Invocation) -> bool {
        match lock(&self.waiting).remove(request_id) {
            Some(answer) => answer.send(invocation).is_ok(),
            None => false,
        }
    }

    /// Records that the function asked for work; only the first time counts.
    pub(super) fn mark_ready(&self) {
        self.ready.send_if_modified(|ready| {
            let first = ready.is_none();
            if first {
                *ready = Some(Instant::now());
            }
            first
        });
    }

    /// The next invocation for a `/next` call, or `None` once the API is stopping.
    pub(super) async fn next(&self) -> Option<Pending> {
        let mut pending = self.pending.lock().await;
        loop {
            let invocation = pending.recv().await?;
            // An invoker that timed out or was cancelled would never read the answer, and
            // real Lambda would not run an invocation nobody waits for either.
            if self.is_awaited(&invocation.request_id) {
                return Some(invocation);
            }
        }
    }

    fn is_awaited(&self, request_id: &str) -> bool {
        let mut waiting = lock(&self.waiting);
        let open = waiting
            .get(request_id)
            .is_some_and(|answer| !answer.is_closed());
        if !open {
            waiting.remove(request_id);
        }
        open
    }

    pub(super) async fn ready(&self) -> Instant {
        let mut ready = self.ready.subscribe();
        let instant = *ready
            .wait_for(Option::is_some)
            .await
            .expect("the broker owns the sender");
        instant.expect("waited for Some")
    }

    pub(super) fn fail_init(&self, error: Value) {
        self.init_error.send_replace(Some(error));
    }

    /// Resolves once the function reported an init error, with that error.
    pub(super) async fn init_error(&self) -> Value {
        let mut init_error = self.init_error.subscribe();
        let error = init_error
            .wait_for(Option::is_some)
            .await
            .expect("the broker owns the sender");
        error.clone().expect("waited for Some")
    }

    pub(super) fn function_name(&self) -> String {
        lock(&self.function_name).clone()
    }

    pub(super) fn set_function_name(&self, name: &str) {
        name.clone_into(&mut lock(&self.function_name));
    }
}
