//! The SQS batch handler: a Lambda `SqsEvent` in, an `SqsBatchResponse` out.
//!
//! Data flows one way: body → message → units → ledger claim → platform call → ledger commit →
//! outcome → dead-letter queue or batch response. A batch is handled in *rounds*: messages that
//! touch the same ledger target (or, on FIFO queues, the same message group) go to successive
//! rounds, so they never race each other for a lease and their order is kept. Within a round,
//! every claimed unit of an account is uploaded in as few platform requests as the platform
//! allows, and each unit's result is mapped back to its message.

mod dead_letter;
mod outcome;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;

pub use dead_letter::{
    ATTR_ERROR, ATTR_OUTCOME, ATTR_PLATFORM, ATTR_REASON, ATTR_SOURCE_MESSAGE_ID, DeadLetter,
    DeadLetterQueue,
};
pub use outcome::{InvalidReason, Outcome};
use outcome::{UnitOutcome, combine, locked_until};

use crate::config::{Account, AccountStore, ConfigError};
use crate::ledger::{
    Claim, ClaimOutcome, ClaimRequest, CommitOutcome, Completion, EntryKind, Ledger, LedgerKey,
    Position, now_ms,
};
use crate::message::StatusMessage;
use crate::platform::{Action, Platform, Unit, UnitResult};
use crate::sqs::SourceQueue;
use crate::telemetry;
use crate::validate::{parse_body, salvage_identity};

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
        let mut entries = Vec::with_capacity(event.records.len());
        for record in &event.records {
            entries.push(self.prepare(record).await);
        }
        let mut failed_groups: Vec<&str> = Vec::new();
        hold_behind_failures(&mut entries, &mut failed_groups);
        let rounds = assign_rounds(&mut entries);
        for round in 0..rounds {
            // Boxed: the round's nested futures are deep enough to strain the compiler's
            // layout recursion in every binary that awaits `handle`.
            Box::pin(self.run_round(&mut entries, round, deadline_ms, &mut failed_groups)).await;
        }
        self.finish(entries).await
    }

    /// Parses, checks and maps one record; everything that needs no ledger or platform.
    async fn prepare<'e>(&self, record: &'e SqsMessage) -> Entry<'e, P::Settings, P::Payload> {
        let mut entry = Entry {
            record,
            message_id: record.message_id.as_deref().unwrap_or_default(),
            group: record.attributes.get("MessageGroupId").map(String::as_str),
            producer_id: None,
            account: None,
            order_id: None,
            state: State::Done(Outcome::transient("not processed")),
            locked_until_ms: None,
        };
        let body = record.body.as_deref().unwrap_or_default();
        entry.state = match parse_body(body) {
            Err(invalid) => {
                (entry.account, entry.order_id) = salvage_identity(body);
                State::Done(Outcome::invalid(InvalidReason::Schema, invalid.to_string()))
            }
            Ok((message, _wrapping)) => {
                entry.producer_id = message.id.clone();
                entry.account = Some(message.account.clone());
                entry.order_id = Some(message.order.id.clone());
                self.resolve(&message).await
            }
        };
        entry
    }

    async fn resolve(&self, message: &StatusMessage) -> State<P::Settings, P::Payload> {
        if message.platform != P::NAME {
            return State::Done(Outcome::invalid(
                InvalidReason::Platform,
                format!(
                    "platform: this function uploads to {}, the message is for {} (send it to that platform's queue)",
                    P::NAME,
                    message.platform
                ),
            ));
        }
        let account = match self.accounts.get(&message.account).await {
            Ok(account) => account,
            Err(e @ ConfigError::Unavailable { .. }) => {
                return State::Done(Outcome::transient(e.to_string()));
            }
            Err(e) => return State::Done(Outcome::invalid(InvalidReason::Config, e.to_string())),
        };
        match self.platform.map(message, &account) {
            Ok(units) if units.is_empty() => State::Done(Outcome::NotApplicable {
                reason: "the message maps to nothing to upload".to_owned(),
            }),
            Ok(units) => State::Ready {
                account,
                position: Position::new(message.occurred_at, message.sequence),
                units,
                round: 0,
            },
            Err(invalid) => {
                State::Done(Outcome::invalid(InvalidReason::Schema, invalid.to_string()))
            }
        }
    }

    async fn run_round<'e>(
        &self,
        entries: &mut [Entry<'e, P::Settings, P::Payload>],
        round: usize,
        deadline_ms: Option<i64>,
        failed_groups: &mut Vec<&'e str>,
    ) {
        let mut work = Vec::new();
        for (index, entry) in entries.iter_mut().enumerate() {
            let State::Ready { round: r, .. } = &entry.state else {
                continue;
            };
            if *r != round {
                continue;
            }
            if let Some(group) = entry.group
                && failed_groups.contains(&group)
            {
                entry.state = held_in_order(group);
                continue;
            }
            let State::Ready {
                account,
                position,
                units,
                ..
            } = std::mem::replace(
                &mut entry.state,
                State::Done(Outcome::transient("in progress")),
            )
            else {
                continue;
            };
            for unit in units {
                work.push(Work {
                    entry: index,
                    key: LedgerKey::new(P::NAME, &account.name, unit.target.clone()),
                    account: Arc::clone(&account),
                    position: position.clone(),
                    unit,
                    claim: None,
                    outcome: None,
                });
            }
        }
        if work.is_empty() {
            return;
        }
        Box::pin(self.claim_all(&mut work, deadline_ms)).await;
        Box::pin(self.upload_all(&mut work)).await;
        Box::pin(self.complete_all(&mut work, entries)).await;

        let mut per_entry: HashMap<usize, Vec<UnitOutcome>> = HashMap::new();
        for item in work {
            let outcome = item.outcome.unwrap_or_else(|| UnitOutcome::Transient {
                error: "unit was not processed".to_owned(),
            });
            per_entry.entry(item.entry).or_default().push(outcome);
        }
        for (index, outcomes) in per_entry {
            entries[index].locked_until_ms = locked_until(&outcomes);
            let outcome = combine(outcomes);
            if let (Outcome::Transient { .. }, Some(group)) = (&outcome, entries[index].group) {
                failed_groups.push(group);
            }
            entries[index].state = State::Done(outcome);
        }
    }

    /// One conditional write per unit decides upload, duplicate, stale or locked.
    async fn claim_all(
        &self,
        work: &mut [Work<P::Settings, P::Payload>],
        deadline_ms: Option<i64>,
    ) {
        let now = now_ms();
        let lease_until = now + self.lease_for(now, deadline_ms).as_millis() as i64;
        let results: Vec<_> = futures::stream::iter(work.iter().enumerate())
            .map(|(i, item)| async move {
                (
                    i,
                    self.ledger
                        .claim(item.claim_request(), now, lease_until)
                        .await,
                )
            })
            .buffer_unordered(LEDGER_CONCURRENCY)
            .collect()
            .await;
        for (i, result) in results {
            let item = &mut work[i];
            match result {
                Ok(ClaimOutcome::Claimed(claim)) => {
                    self.platform.prepare(&mut item.unit, claim.prior.as_ref());
                    item.claim = Some(*claim);
                }
                Ok(ClaimOutcome::Duplicate) => item.outcome = Some(UnitOutcome::Duplicate),
                Ok(ClaimOutcome::Stale { newer }) => {
                    tracing::info!(
                        target_key = %item.key.partition_key(),
                        target = %item.unit.target,
                        newer = newer.as_str(),
                        older = item.position.as_str(),
                        "stale event: a newer one was already uploaded"
                    );
                    item.outcome = Some(UnitOutcome::Stale);
                }
                Ok(ClaimOutcome::Locked { until_ms }) => {
                    item.outcome = Some(UnitOutcome::Locked {
                        until_ms,
                        error: format!(
                            "{} is being uploaded by another worker (lease until {until_ms})",
                            item.unit.target
                        ),
                    });
                }
                Err(e) => {
                    item.outcome = Some(UnitOutcome::Transient {
                        error: e.to_string(),
                    })
                }
            }
        }
    }

    /// Uploads every claimed unit, in the largest batches each account allows: the accounts
    /// of a batch at once, each with up to its `concurrency` requests in flight (the platform's
    /// request limits, enforced by its HTTP client, hold them all back when they must). A
    /// platform taking one order per call (`MAX_BATCH_SIZE` 1) gets its units fanned out so.
    async fn upload_all(&self, work: &mut [Work<P::Settings, P::Payload>]) {
        let mut by_account: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, item) in work.iter().enumerate() {
            if item.claim.is_some() && matches!(item.unit.action, Action::Upload(_)) {
                by_account
                    .entry(item.account.name.as_str())
                    .or_default()
                    .push(i);
            }
        }
        let work_ref = &*work;
        let per_account = by_account
            .values()
            .map(|indices| self.upload_account(work_ref, indices));
        let results: Vec<(usize, UnitResult)> = futures::future::join_all(per_account)
            .await
            .into_iter()
            .flatten()
            .collect();
        for (i, result) in results {
            work[i].outcome = Some(match result {
                UnitResult::Accepted { reference } => UnitOutcome::Uploaded { reference },
                UnitResult::AlreadyApplied => UnitOutcome::Duplicate,
                UnitResult::Rejected { reason, message } => UnitOutcome::Rejected {
                    reason,
                    error: message,
                },
                UnitResult::Transient { message } => UnitOutcome::Transient { error: message },
            });
        }
    }

    /// One account's units, in chunks of its `batch_size`, `concurrency` chunks at a time.
    async fn upload_account(
        &self,
        work: &[Work<P::Settings, P::Payload>],
        indices: &[usize],
    ) -> Vec<(usize, UnitResult)> {
        let account = &work[indices[0]].account;
        let chunks = indices.chunks(account.batch_size);
        let answers: Vec<_> = futures::stream::iter(chunks)
            .map(|chunk| async move {
                let payloads: Vec<&P::Payload> = chunk
                    .iter()
                    .filter_map(|&i| match &work[i].unit.action {
                        Action::Upload(payload) => Some(payload),
                        Action::Skip { .. } => None,
                    })
                    .collect();
                let mut answer = self.platform.upload(account, &payloads).await;
                if answer.len() != chunk.len() {
                    tracing::error!(
                        expected = chunk.len(),
                        got = answer.len(),
                        "platform answered a different number of results than units sent"
                    );
                    answer = vec![
                        UnitResult::transient("platform answer did not match the request");
                        chunk.len()
                    ];
                }
                chunk.iter().copied().zip(answer).collect::<Vec<_>>()
            })
            .buffer_unordered(account.concurrency)
            .collect()
            .await;
        answers.into_iter().flatten().collect()
    }

    /// Records each claimed unit's end in the ledger (or releases its lease).
    async fn complete_all(
        &self,
        work: &mut [Work<P::Settings, P::Payload>],
        entries: &[Entry<'_, P::Settings, P::Payload>],
    ) {
        let results: Vec<_> = futures::stream::iter(work.iter().enumerate())
            .filter_map(
                |(i, item)| async move { item.claim.as_ref().map(|claim| (i, item, claim)) },
            )
            .map(|(i, item, claim)| {
                // The history names the producer's id when there is one: that is the id the
                // merchant's systems know.
                let entry = &entries[item.entry];
                let message_id = entry.producer_id.as_deref().unwrap_or(entry.message_id);
                async move { (i, self.complete(item, claim, message_id).await) }
            })
            .buffer_unordered(LEDGER_CONCURRENCY)
            .collect()
            .await;
        for (i, outcome) in results {
            work[i].outcome = Some(outcome);
        }
    }

    async fn complete(
        &self,
        item: &Work<P::Settings, P::Payload>,
        claim: &Claim,
        message_id: &str,
    ) -> UnitOutcome {
        let outcome = match (&item.unit.action, &item.outcome) {
            (Action::Skip { reason }, _) => UnitOutcome::Skipped {
                reason: reason.clone(),
            },
            (Action::Upload(_), Some(outcome)) => outcome.clone(),
            (Action::Upload(_), None) => UnitOutcome::Transient {
                error: "unit was claimed but not uploaded".to_owned(),
            },
        };
        let (kind, reference, reason) = match &outcome {
            UnitOutcome::Uploaded { reference } => {
                (EntryKind::Uploaded, reference.as_deref(), None)
            }
            UnitOutcome::Duplicate => (EntryKind::Uploaded, None, Some("platform already had it")),
            UnitOutcome::Skipped { reason } => (EntryKind::Skipped, None, Some(reason.as_str())),
            UnitOutcome::Rejected { error, .. } => {
                (EntryKind::Rejected, None, Some(error.as_str()))
            }
            UnitOutcome::Transient { .. } | UnitOutcome::Locked { .. } | UnitOutcome::Stale => {
                if let Err(e) = self.ledger.release(&item.key, claim).await {
                    tracing::warn!(target = %item.unit.target, error = %e, "could not release a lease; it will expire");
                }
                return outcome;
            }
        };
        let completion = Completion {
            kind,
            status: item.unit.status.as_str(),
            reference,
            tracking: item.unit.tracking.as_deref(),
            reason,
            message_id: Some(message_id),
        };
        match self
            .ledger
            .complete(claim, &item.claim_request(), completion, now_ms())
            .await
        {
            Ok(CommitOutcome::Recorded) => {}
            Ok(CommitOutcome::LeaseLost) => tracing::warn!(
                target = %item.unit.target,
                "lease expired before the upload was recorded; another worker holds it now"
            ),
            // The platform has it already: deleting the message is right, retrying it would
            // upload again. The gap in the ledger is logged loudly instead.
            Err(e) => tracing::error!(
                target = %item.unit.target,
                error = %e,
                "upload done but not recorded in the ledger"
            ),
        }
        outcome
    }

    /// Dead letters, logs and the batch response.
    async fn finish(&self, entries: Vec<Entry<'_, P::Settings, P::Payload>>) -> BatchReport {
        let outcomes: Vec<Outcome> = entries
            .iter()
            .map(|entry| match &entry.state {
                State::Done(outcome) => outcome.clone(),
                State::Ready { .. } => Outcome::transient("message was not processed"),
            })
            .collect();
        let letters: Vec<DeadLetter> = entries
            .iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| outcome.goes_to_dead_letter_queue())
            .map(|(entry, outcome)| DeadLetter {
                message_id: entry.message_id,
                body: entry.record.body.as_deref().unwrap_or_default(),
                group_id: entry.group,
                outcome: outcome.name(),
                reason: outcome.reason().unwrap_or_default(),
                error: outcome.detail().unwrap_or_default(),
            })
            .collect();
        let undelivered = if letters.is_empty() {
            Vec::new()
        } else {
            self.dead_letters.send(&letters).await
        };
        self.hold_locked(&entries, &outcomes).await;
        let mut report = BatchReport::default();
        for (entry, outcome) in entries.into_iter().zip(outcomes) {
            let dead_lettered = outcome.goes_to_dead_letter_queue()
                && !undelivered.iter().any(|id| id == entry.message_id);
            let failed = matches!(outcome, Outcome::Transient { .. })
                || (outcome.goes_to_dead_letter_queue() && !dead_lettered);
            if failed {
                report.response.add_failure(entry.message_id);
            }
            let message = MessageReport {
                message_id: entry.message_id.to_owned(),
                producer_id: entry.producer_id,
                account: entry.account,
                order_id: entry.order_id,
                outcome,
                dead_lettered,
            };
            telemetry::log_outcome(P::NAME.as_str(), &message);
            report.messages.push(message);
        }
        report
    }
}

impl<P: Platform> BatchHandler<P> {
    /// Keeps each message that waits for another worker's lease invisible until that lease
    /// ends: retried earlier, it would only be refused again and use up a receive.
    async fn hold_locked(
        &self,
        entries: &[Entry<'_, P::Settings, P::Payload>],
        outcomes: &[Outcome],
    ) {
        let Some(queue) = &self.source_queue else {
            return;
        };
        let waiting: Vec<_> = entries
            .iter()
            .zip(outcomes)
            .filter(|(_, outcome)| matches!(outcome, Outcome::Transient { .. }))
            .filter_map(|(entry, _)| Some((entry.record, entry.locked_until_ms?)))
            .collect();
        if !waiting.is_empty() {
            queue.hold_until(&waiting, now_ms()).await;
        }
    }
}

/// The state of a FIFO message whose group already failed in this batch.
fn held_in_order<S, P>(group: &str) -> State<S, P> {
    State::Done(Outcome::transient(format!(
        "an earlier message of FIFO group {group} failed; kept in order behind it"
    )))
}

/// FIFO order across failures before any upload: once a message of a group failed while being
/// prepared (Secrets Manager unreachable, say), the group's later messages wait too.
fn hold_behind_failures<'e, S, P>(
    entries: &mut [Entry<'e, S, P>],
    failed_groups: &mut Vec<&'e str>,
) {
    for entry in entries.iter_mut() {
        let Some(group) = entry.group else { continue };
        if failed_groups.contains(&group) {
            if matches!(entry.state, State::Ready { .. }) {
                entry.state = held_in_order(group);
            }
        } else if matches!(entry.state, State::Done(Outcome::Transient { .. })) {
            failed_groups.push(group);
        }
    }
}

/// Puts each ready message in the first round after every earlier message it conflicts with
/// (same ledger target, or same FIFO group). Returns the number of rounds.
fn assign_rounds<S, P>(entries: &mut [Entry<'_, S, P>]) -> usize {
    let mut last_round_of_target: HashMap<(String, crate::platform::Target), usize> =
        HashMap::new();
    let mut last_round_of_group: HashMap<&str, usize> = HashMap::new();
    let mut rounds = 0;
    for entry in entries.iter_mut() {
        let group = entry.group;
        let State::Ready {
            account,
            units,
            round,
            ..
        } = &mut entry.state
        else {
            continue;
        };
        let mut next = 0;
        if let Some(group) = group
            && let Some(r) = last_round_of_group.get(group)
        {
            next = next.max(r + 1);
        }
        for unit in units.iter() {
            if let Some(r) = last_round_of_target.get(&(account.name.clone(), unit.target.clone()))
            {
                next = next.max(r + 1);
            }
        }
        *round = next;
        if let Some(group) = group {
            last_round_of_group.insert(group, next);
        }
        for unit in units.iter() {
            last_round_of_target.insert((account.name.clone(), unit.target.clone()), next);
        }
        rounds = rounds.max(next + 1);
    }
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BatchLimits;
    use crate::platform::{Action, Target};

    type Settings = HashMap<String, serde_json::Value>;

    fn record(id: &str, group: &str) -> SqsMessage {
        let mut record = SqsMessage::default();
        record.message_id = Some(id.to_owned());
        record
            .attributes
            .insert("MessageGroupId".into(), group.into());
        record
    }

    fn ready(order: &str) -> State<Settings, ()> {
        let limits = BatchLimits {
            default_size: 10,
            max_size: 10,
        };
        let account =
            Account::from_json("a", "s", r#"{"base_url":"https://x"}"#, limits, false).unwrap();
        let at = "2024-01-01T00:00:00Z".parse().unwrap();
        State::Ready {
            account: Arc::new(account),
            position: Position::new(at, None),
            units: vec![Unit::new(
                Target::order(order),
                crate::message::OrderStatus::Shipped,
                Action::Upload(()),
                None,
            )],
            round: 0,
        }
    }

    fn entry<'e>(record: &'e SqsMessage, state: State<Settings, ()>) -> Entry<'e, Settings, ()> {
        Entry {
            record,
            message_id: record.message_id.as_deref().unwrap(),
            group: record.attributes.get("MessageGroupId").map(String::as_str),
            producer_id: None,
            account: None,
            order_id: None,
            state,
            locked_until_ms: None,
        }
    }

    fn is_ready(entry: &Entry<'_, Settings, ()>) -> bool {
        matches!(entry.state, State::Ready { .. })
    }

    #[test]
    fn a_fifo_failure_while_preparing_holds_only_the_later_messages_of_its_group() {
        let records = [
            record("1", "g"),
            record("2", "g"),
            record("3", "h"),
            record("0", "g"),
        ];
        let mut entries = vec![
            entry(&records[3], ready("0")),
            entry(
                &records[0],
                State::Done(Outcome::transient("secrets unavailable")),
            ),
            entry(&records[1], ready("2")),
            entry(&records[2], ready("3")),
        ];
        let mut failed = Vec::new();
        hold_behind_failures(&mut entries, &mut failed);
        assert!(
            is_ready(&entries[0]),
            "an earlier message of the group goes ahead"
        );
        assert!(!is_ready(&entries[2]), "the later one waits");
        assert!(is_ready(&entries[3]), "other groups go ahead");
        assert_eq!(failed, vec!["g"]);
    }

    #[test]
    fn messages_sharing_a_target_or_fifo_group_go_to_successive_rounds() {
        let records = [
            record("1", "g"),
            record("2", "g"),
            record("3", "h"),
            record("4", "i"),
        ];
        let mut entries = vec![
            entry(&records[0], ready("A")),
            entry(&records[1], ready("B")),
            entry(&records[2], ready("A")),
            entry(&records[3], ready("C")),
        ];
        assert_eq!(assign_rounds(&mut entries), 2);
        let rounds: Vec<usize> = entries
            .iter()
            .map(|e| match e.state {
                State::Ready { round, .. } => round,
                State::Done(_) => usize::MAX,
            })
            .collect();
        assert_eq!(rounds, vec![0, 1, 1, 0]);
    }
}
