//! `drain`: upload what waits in the function's queue now, in one invocation.
//!
//! For accounts that prefer one upload run an hour (as CMS does after its order downloads):
//! their queue has no trigger, or a disabled one, and a schedule drains it. Messages are handed
//! to the handler up to the platform's largest batch at a time, so each platform request is as
//! full as the account's `batch_size` allows; what succeeded is deleted, failures stay for the
//! queue's redrive policy, exactly as with the SQS trigger.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::batch::BatchHandler;
use crate::ledger::now_ms;
use crate::platform::Platform;
use crate::worker::{WorkerOptions, run_bounded};

/// What a drain did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct DrainSummary {
    pub received: usize,
    pub deleted: usize,
    pub batches: usize,
    /// Messages by outcome (`uploaded`, `duplicate`, `invalid`, …).
    pub outcomes: BTreeMap<String, usize>,
    /// Why the drain ended: `empty` (the queue had nothing more), `max_messages`, or
    /// `deadline` (the invocation was running out of time).
    pub stopped: &'static str,
}

/// Share of the invocation's remaining time that drain may start batches in; the rest is left
/// for the batch in progress to finish.
const TIME_SHARE: f64 = 0.7;

pub(super) async fn drain<P: Platform>(
    handler: &BatchHandler<P>,
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    max_messages: usize,
    largest_batch: usize,
    deadline_ms: Option<i64>,
) -> Result<DrainSummary, String> {
    let options = WorkerOptions {
        queue_url: queue_url.to_owned(),
        batch_size: largest_batch.clamp(1, max_messages.max(1)),
        wait: Duration::ZERO,
        until_empty: true,
        max_batches: None,
    };
    let budget = deadline_ms.map(|deadline| {
        let remaining = u64::try_from(deadline - now_ms()).unwrap_or_default();
        Duration::from_millis((remaining as f64 * TIME_SHARE) as u64)
    });
    if budget.is_some_and(|budget| budget.is_zero()) {
        // Already past the share of time batches may start in: start none.
        return Ok(DrainSummary {
            stopped: "deadline",
            ..DrainSummary::default()
        });
    }
    let out_of_time = async {
        match budget {
            Some(budget) => tokio::time::sleep(budget).await,
            None => std::future::pending().await,
        }
    };
    let started = tokio::time::Instant::now();
    let run = run_bounded(
        handler,
        sqs,
        &options,
        Some(max_messages),
        deadline_ms,
        out_of_time,
    )
    .await?;
    let stopped = if run.received >= max_messages {
        "max_messages"
    } else if budget.is_some_and(|budget| started.elapsed() >= budget) {
        "deadline"
    } else {
        "empty"
    };
    Ok(DrainSummary {
        received: run.received,
        deleted: run.deleted,
        batches: run.batches,
        outcomes: run
            .outcomes
            .into_iter()
            .map(|(name, count)| (name.to_owned(), count))
            .collect(),
        stopped,
    })
}
