//! Scheduled work: the same function that uploads SQS batches also answers EventBridge
//! Scheduler (or scheduled-rule) invocations whose input is a small JSON object:
//!
//! | input | what it does |
//! |---|---|
//! | `{"action":"drain","max_messages":1000}` | receive up to `max_messages` from the function's queue and upload them, in the largest batches the accounts allow |
//! | `{"action":"redrive","max_messages":1000}` | move dead letters whose failure can succeed on a retry back to the queue |
//! | `{"action":"sweep","older_than_seconds":3600}` | count expired ledger leases, queue depths and old dead letters; log them as CloudWatch metrics |
//!
//! Each answers a JSON summary with counts by outcome. [`Invocation`] tells an SQS event from a
//! scheduled input in one pass over the payload, so a large SQS batch is parsed once.

mod drain;
mod invocation;
mod sweep;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use crate::sqs::QueueDepth;
pub use drain::DrainSummary;
pub use invocation::{Invocation, InvocationResponse};
pub use sweep::SweepSummary;

use crate::batch::BatchHandler;
use crate::dead_letters::{DeadLetters, RedriveReport, Selection};
use crate::ledger::Ledger;
use crate::platform::Platform;

/// Messages a drain or redrive moves when the input does not say.
pub const DEFAULT_MAX_MESSAGES: usize = 1000;
/// Age above which `sweep` counts a dead letter as old, when the input does not say.
pub const DEFAULT_OLDER_THAN: Duration = Duration::from_secs(3600);
/// Ledger items one sweep reads at most, when the input does not say.
pub const DEFAULT_MAX_SCANNED: usize = 100_000;

/// The scheduled actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduledAction {
    Drain,
    Redrive,
    Sweep,
}

/// A scheduled invocation's input.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledInput {
    pub action: ScheduledAction,
    /// drain, redrive: most messages to move (default 1,000).
    #[serde(default)]
    pub max_messages: Option<usize>,
    /// sweep: a dead letter older than this many seconds is counted as old (default 3,600).
    #[serde(default)]
    pub older_than_seconds: Option<u64>,
    /// sweep: most ledger items to read (default 100,000).
    #[serde(default)]
    pub max_scanned: Option<usize>,
}

impl ScheduledInput {
    pub fn new(action: ScheduledAction) -> Self {
        Self {
            action,
            max_messages: None,
            older_than_seconds: None,
            max_scanned: None,
        }
    }
}

/// What a scheduled invocation did, answered as the invocation's JSON result.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum ScheduledSummary {
    Drain(DrainSummary),
    Redrive(RedriveSummary),
    Sweep(SweepSummary),
}

/// What a redrive did with the dead letters it looked at.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RedriveSummary {
    pub examined: usize,
    /// Sent back to the queue and deleted from the dead-letter queue.
    pub moved: usize,
    /// Left where they were: poison (`schema`, `platform`), or beyond `max_messages`.
    pub left: usize,
    /// Could not be moved, with why (each is still a dead letter unless the text says otherwise).
    pub failed: BTreeMap<String, String>,
}

impl From<RedriveReport> for RedriveSummary {
    fn from(report: RedriveReport) -> Self {
        Self {
            examined: report.examined,
            moved: report.moved.len(),
            left: report.left,
            failed: report.failed.into_iter().collect(),
        }
    }
}

/// The parts scheduled work needs besides the batch handler.
#[derive(Debug, Clone)]
pub struct ScheduledWork {
    pub sqs: aws_sdk_sqs::Client,
    pub ledger: Ledger,
    /// The function's own queue; drain and redrive need it.
    pub queue_url: Option<String>,
    pub dead_letter_queue_url: String,
}

/// A scheduled action that could not run at all (as opposed to messages that failed, which the
/// summary counts).
#[derive(Debug, thiserror::Error)]
#[error("{action:?}: {problem}")]
pub struct ScheduledError {
    pub action: ScheduledAction,
    pub problem: String,
}

impl ScheduledWork {
    /// Runs one scheduled action. `deadline_ms` (epoch ms, Lambda's invocation deadline) makes
    /// drain stop taking new batches in time.
    pub async fn run<P: Platform>(
        &self,
        handler: &BatchHandler<P>,
        input: &ScheduledInput,
        deadline_ms: Option<i64>,
    ) -> Result<ScheduledSummary, ScheduledError> {
        let failed = |problem: String| ScheduledError {
            action: input.action,
            problem,
        };
        let summary = match input.action {
            ScheduledAction::Drain => {
                let queue_url = self.queue_url(input.action)?;
                let max_messages = input.max_messages.unwrap_or(DEFAULT_MAX_MESSAGES);
                ScheduledSummary::Drain(
                    drain::drain(
                        handler,
                        &self.sqs,
                        queue_url,
                        max_messages,
                        P::MAX_BATCH_SIZE,
                        deadline_ms,
                    )
                    .await
                    .map_err(failed)?,
                )
            }
            ScheduledAction::Redrive => {
                let dead_letters = DeadLetters::new(
                    self.sqs.clone(),
                    &self.dead_letter_queue_url,
                    self.queue_url(input.action)?,
                );
                let max_messages = input.max_messages.unwrap_or(DEFAULT_MAX_MESSAGES);
                let report = dead_letters
                    .redrive(&Selection::Retryable, max_messages)
                    .await
                    .map_err(|e| failed(e.to_string()))?;
                ScheduledSummary::Redrive(report.into())
            }
            ScheduledAction::Sweep => {
                ScheduledSummary::Sweep(sweep::sweep(self, P::NAME, input).await.map_err(failed)?)
            }
        };
        Ok(summary)
    }

    fn queue_url(&self, action: ScheduledAction) -> Result<&str, ScheduledError> {
        self.queue_url.as_deref().ok_or_else(|| ScheduledError {
            action,
            problem: "QUEUE_URL is not set: drain and redrive need the function's own queue"
                .to_owned(),
        })
    }
}
