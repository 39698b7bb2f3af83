//! The platform's part of a round: every claimed unit uploaded in the largest batches each
//! account allows, the accounts at once.

use std::collections::HashMap;

use futures::StreamExt;

use super::outcome::UnitOutcome;
use super::{BatchHandler, Work};
use crate::platform::{Action, Platform, UnitResult};

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
}
