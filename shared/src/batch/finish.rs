//! The end of a batch: dead letters written, locked messages held until their lease ends, one
//! log line per message, and the batch response.

use super::{BatchHandler, BatchReport, DeadLetter, Entry, MessageReport, Outcome, State};
use crate::ledger::now_ms;
use crate::platform::Platform;
use crate::telemetry;

impl<P: Platform> BatchHandler<P> {
    /// Dead letters, logs and the batch response.
    pub(super) async fn finish(
        &self,
        entries: Vec<Entry<'_, P::Settings, P::Payload>>,
    ) -> BatchReport {
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
            entry
                .probe
                .count_message(&message.outcome, dead_lettered, entry.age_ms);
            report.messages.push(message);
        }
        report
    }

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
