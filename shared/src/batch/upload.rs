//! The platform's part of a round: every claimed unit uploaded in the largest batches each
//! account allows, the accounts at once.

use std::collections::HashMap;

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;

use super::outcome::UnitOutcome;
use super::{BatchHandler, Work};
use crate::ledger::now_ms;
use crate::platform::{Action, Platform, UnitResult};

/// The end of a lease kept for the commit after the upload: a fifth, at most 2 s.
fn commit_margin(lease: Duration) -> Duration {
    (lease / 5).min(Duration::from_secs(2))
}

impl<P: Platform> BatchHandler<P> {
    /// Uploads every claimed unit, in the largest batches each account allows: the accounts
    /// of a batch at once, each with up to its `concurrency` requests in flight (the platform's
    /// request limits, enforced by its HTTP client, hold them all back when they must). A
    /// platform taking one order per call (`MAX_BATCH_SIZE` 1) gets its units fanned out so.
    pub(super) async fn upload_all(&self, work: &mut [Work<P::Settings, P::Payload>]) {
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
                let lease_until_ms = chunk
                    .iter()
                    .filter_map(|&i| work[i].claim.as_ref())
                    .map(|claim| claim.lease_until_ms)
                    .min();
                let probe = &work[chunk[0]].probe;
                probe.add(|f| f.units_per_call.add(chunk.len() as f64));
                let upload = probe.scope(self.platform.upload(account, &payloads));
                let mut answer = match lease_until_ms {
                    Some(until) => self.within_lease(until, chunk.len(), upload).await,
                    None => upload.await,
                };
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

    /// `upload` bounded by the units' lease: once the lease ends, another worker may take the
    /// targets over and upload them, so an upload still running then (a slow platform, retries
    /// after 429s or timeouts) is abandoned, its request cancelled, and the units left to the
    /// queue as transient, rather than sent a second time beside the new holder's.
    async fn within_lease(
        &self,
        lease_until_ms: i64,
        units: usize,
        upload: impl Future<Output = Vec<UnitResult>>,
    ) -> Vec<UnitResult> {
        let margin = commit_margin(self.lease).as_millis() as i64;
        let left = lease_until_ms - margin - now_ms();
        let abandoned = || {
            vec![
                UnitResult::transient(format!(
                    "the upload did not finish within its ledger lease ({} s); the queue \
                     retries it",
                    self.lease.as_secs_f64()
                ));
                units
            ]
        };
        if left <= 0 {
            return abandoned();
        }
        tokio::time::timeout(Duration::from_millis(left as u64), upload)
            .await
            .unwrap_or_else(|_| abandoned())
    }
}
