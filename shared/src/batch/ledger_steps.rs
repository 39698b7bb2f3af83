//! The ledger's part of a round: one conditional claim per unit before the upload, one fenced
//! commit (or a release) after it.

use futures::StreamExt;

use super::outcome::UnitOutcome;
use super::{BatchHandler, Entry, LEDGER_CONCURRENCY, Work};
use crate::ledger::{Claim, ClaimOutcome, CommitOutcome, Completion, EntryKind, now_ms};
use crate::platform::{Action, Platform};

impl<P: Platform> BatchHandler<P> {
    /// One conditional write per unit decides upload, duplicate, stale or locked.
    pub(super) async fn claim_all(
        &self,
        work: &mut [Work<P::Settings, P::Payload>],
        deadline_ms: Option<i64>,
    ) {
        let results: Vec<_> = futures::stream::iter(work.iter().enumerate())
            .map(|(i, item)| {
                item.probe.scope(async move {
                    // Each lease runs from its own claim: a batch of thousands of claims takes
                    // a while, and the upload is bounded by the earliest lease of its chunk.
                    let now = now_ms();
                    let lease_until = now + self.lease_for(now, deadline_ms).as_millis() as i64;
                    let request = item.claim_request();
                    let claim = match item.unit.action {
                        Action::Upload(_) => self.ledger.claim(request, now, lease_until).await,
                        Action::Skip { .. } => {
                            self.ledger.claim_skip(request, now, lease_until).await
                        }
                    };
                    (i, claim)
                })
            })
            .buffer_unordered(LEDGER_CONCURRENCY)
            .collect()
            .await;
        for (i, result) in results {
            let item = &mut work[i];
            match result {
                Ok(ClaimOutcome::Claimed(claim)) => {
                    self.platform
                        .prepare(&mut item.unit, claim.prior.as_deref());
                    item.claim = Some(*claim);
                }
                Ok(ClaimOutcome::Duplicate) => item.outcome = Some(UnitOutcome::Duplicate),
                Ok(ClaimOutcome::Stale { newer }) => {
                    tracing::info!(
                        target_key = %item.key.partition_key(),
                        unit = %item.unit.target,
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

    /// Records each claimed unit's end in the ledger (or releases its lease).
    pub(super) async fn complete_all(
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
                item.probe
                    .scope(async move { (i, self.complete(item, claim, message_id).await) })
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
                    tracing::warn!(unit = %item.unit.target, error = %e, "could not release a lease; it will expire");
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
                unit = %item.unit.target,
                "lease expired before the upload was recorded; another worker holds it now"
            ),
            // The platform has it already: deleting the message is right, retrying it would
            // upload again. The gap in the ledger is logged loudly instead.
            Err(e) => tracing::error!(
                unit = %item.unit.target,
                error = %e,
                "upload done but not recorded in the ledger"
            ),
        }
        outcome
    }
}
