//! The SQS batch handler: a Lambda `SqsEvent` in, an `SqsBatchResponse` out.
//!
//! Data flows one way: body → message → units → ledger claim → platform call → ledger commit →
//! outcome → dead-letter queue or batch response. A batch is handled in *rounds*: messages that
//! touch the same ledger target (or, on FIFO queues, the same message group) go to successive
//! rounds, so they never race each other for a lease and their order is kept. Within a round,
//! every claimed unit of an account is uploaded in as few platform requests as the platform
//! allows, and each unit's result is mapped back to its message.
//!
//! The steps, one module each: `prepare` (parse, check, map), `rounds` (rounds, FIFO order, a
//! round's three steps), `ledger_steps` (claim and commit), `upload` (the platform calls),
//! `finish` (dead letters via `dead_letter_writer`, held locked messages, the response).

mod dead_letter_writer;
mod finish;
mod ledger_steps;
mod outcome;
mod prepare;
mod rounds;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};

pub use dead_letter_writer::{
    ATTR_BODY_BYTES, ATTR_ERROR, ATTR_OUTCOME, ATTR_PLATFORM, ATTR_REASON, ATTR_SOURCE_MESSAGE_ID,
    DeadLetter, DeadLetterQueue,
};
use outcome::UnitOutcome;
pub use outcome::{InvalidReason, Outcome};
use rounds::{assign_rounds, hold_behind_failures};

use crate::config::{Account, AccountStore};
use crate::ledger::{Claim, ClaimRequest, Ledger, LedgerKey, Position, now_ms};
use crate::metrics::{Figures, InvocationMetrics, Probe};
use crate::platform::{Platform, Unit};
use crate::sqs::SourceQueue;

/// Ledger writes in flight at once within one batch.
const LEDGER_CONCURRENCY: usize = 32;

/// What the handler needs besides the platform; built once per container.
pub struct HandlerParts<S> {
    pub accounts: AccountStore<S>,
    pub ledger: Ledger,
    pub dead_letters: DeadLetterQueue,
    /// Longest lease when the invocation has no deadline (the local worker).
    pub lease: Duration,
    /// The queue the batches come from, to hold a message that waits for another worker's
    /// lease until that lease ends; without it such a message returns after the queue's
    /// visibility timeout.
    pub source_queue: Option<SourceQueue>,
}

/// The batch handler of one platform.
pub struct BatchHandler<P: Platform> {
    platform: P,
    accounts: AccountStore<P::Settings>,
    ledger: Ledger,
    dead_letters: DeadLetterQueue,
    lease: Duration,
    source_queue: Option<SourceQueue>,
    /// Whether each batch writes its metrics lines (in Lambda; not in the local worker, whose
    /// standard output is for people).
    write_metrics: bool,
}

/// The outcome of one message, for logs, the worker's summary and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageReport {
    /// The SQS message id (what the batch response names).
    pub message_id: String,
    /// The producer's `id`, when the message has one.
    pub producer_id: Option<String>,
    pub account: Option<String>,
    pub order_id: Option<String>,
    pub outcome: Outcome,
    /// False when the message had to be reported as a batch item failure although its outcome
    /// sends it to the dead-letter queue (because that write failed).
    pub dead_lettered: bool,
}

/// The batch response and what happened to each message.
#[derive(Debug, Clone, Default)]
pub struct BatchReport {
    pub response: SqsBatchResponse,
    pub messages: Vec<MessageReport>,
    /// The batch's figures per configured account (`None`: messages without one), for its
    /// metrics lines ([`crate::metrics::emf_lines`]).
    pub metrics: Vec<(Option<String>, Figures)>,
}

impl BatchReport {
    /// How many messages ended with each outcome name.
    pub fn counts(&self) -> std::collections::BTreeMap<&'static str, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for message in &self.messages {
            *counts.entry(message.outcome.name()).or_default() += 1;
        }
        counts
    }
}

/// One SQS record on its way through the batch.
struct Entry<'e, S, P> {
    record: &'e SqsMessage,
    message_id: &'e str,
    group: Option<&'e str>,
    producer_id: Option<String>,
    account: Option<String>,
    order_id: Option<String>,
    state: State<S, P>,
    /// Where this message's figures go: its account's probe once the account is known to be
    /// configured, the unattributed one before (and for ever, if it is not).
    probe: Arc<Probe>,
    /// Age of the message when the batch arrived (from SQS's `SentTimestamp`).
    age_ms: Option<i64>,
    /// When a unit of this message was refused because another worker's lease holds its
    /// target: the end of the last such lease (epoch ms).
    locked_until_ms: Option<i64>,
}

enum State<S, P> {
    Done(Outcome),
    Ready {
        account: Arc<Account<S>>,
        position: Position,
        units: Vec<Unit<P>>,
        round: usize,
    },
}

/// One unit in flight in a round.
struct Work<S, P> {
    entry: usize,
    account: Arc<Account<S>>,
    /// The account's probe: the unit's ledger requests and platform calls are counted there.
    probe: Arc<Probe>,
    key: LedgerKey,
    position: Position,
    unit: Unit<P>,
    claim: Option<Claim>,
    outcome: Option<UnitOutcome>,
}

impl<S, P> Work<S, P> {
    /// What this unit asks of the ledger, for its claim and its completion alike.
    fn claim_request(&self) -> ClaimRequest<'_> {
        ClaimRequest {
            key: &self.key,
            fingerprint: &self.unit.fingerprint,
            position: &self.position,
            tracking: self.unit.tracking.as_deref(),
        }
    }
}

impl<P: Platform> BatchHandler<P> {
    pub fn new(platform: P, parts: HandlerParts<P::Settings>) -> Self {
        Self {
            platform,
            accounts: parts.accounts,
            ledger: parts.ledger,
            dead_letters: parts.dead_letters,
            lease: parts.lease,
            source_queue: parts.source_queue,
            write_metrics: false,
        }
    }

    /// The handler writing each batch's metrics lines on standard output
    /// ([`crate::metrics::write_lines`]), as the functions do.
    pub fn writing_metrics(self) -> Self {
        Self {
            write_metrics: true,
            ..self
        }
    }

    /// How long a lease taken now may last: the configured lease, bounded by the invocation's
    /// deadline (epoch ms) when there is one, and never under a second.
    pub fn lease_for(&self, now_ms: i64, deadline_ms: Option<i64>) -> Duration {
        let mut until = now_ms + self.lease.as_millis() as i64;
        if let Some(deadline) = deadline_ms {
            until = until.min(deadline).max(now_ms + 1000);
        }
        Duration::from_millis((until - now_ms).max(0) as u64)
    }

    /// Handles one batch. `deadline_ms` (epoch ms) bounds the leases taken; Lambda passes its
    /// invocation deadline so that a lease never outlives the function timeout.
    pub async fn handle(&self, event: &SqsEvent, deadline_ms: Option<i64>) -> BatchReport {
        let metrics = InvocationMetrics::default();
        let arrived_ms = now_ms();
        let mut entries = Vec::with_capacity(event.records.len());
        for record in &event.records {
            entries.push(self.prepare(record, &metrics, arrived_ms).await);
        }
        let mut failed_groups: Vec<&str> = Vec::new();
        hold_behind_failures(&mut entries, &mut failed_groups);
        let rounds = assign_rounds(&mut entries, P::ORDER_BY_ORDER);
        for round in 0..rounds {
            // Boxed: the round's nested futures are deep enough to strain the compiler's
            // layout recursion in every binary that awaits `handle`.
            Box::pin(self.run_round(&mut entries, round, deadline_ms, &mut failed_groups)).await;
        }
        let mut report = self.finish(entries).await;
        report.metrics = metrics.figures();
        if self.write_metrics {
            crate::metrics::write_lines(P::NAME.as_str(), &report.metrics);
        }
        report
    }
}
