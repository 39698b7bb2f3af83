//! The local worker: polls a queue and drives the same batch handler as Lambda does.
//!
//! It plays the SQS event source mapping: receives up to a batch of messages, hands them to the
//! handler as an `SqsEvent`, deletes what succeeded and leaves the reported failures to the
//! queue's visibility timeout (and its redrive policy), exactly as Lambda would.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_sqs::types::MessageSystemAttributeName;

use crate::aws::error_text;
use crate::batch::{BatchHandler, MessageReport};
use crate::ledger::now_ms;
use crate::platform::Platform;
use crate::sqs::{delete_succeeded, queue_fitting_lease, to_lambda_event};

/// How the worker polls.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub queue_url: String,
    /// Messages per batch handed to the handler (Lambda's batch size).
    pub batch_size: usize,
    /// Long-poll wait of each receive.
    pub wait: Duration,
    /// Stop once a receive finds the queue empty.
    pub until_empty: bool,
    /// Stop after this many batches (for bounded runs).
    pub max_batches: Option<usize>,
}

/// What a worker run did.
#[derive(Debug, Clone, Default)]
pub struct WorkerSummary {
    pub batches: usize,
    pub received: usize,
    pub deleted: usize,
    pub outcomes: BTreeMap<&'static str, usize>,
    pub messages: Vec<MessageReport>,
}

/// Refuses to start when the handler's lease is longer than the queue's visibility timeout
/// ([`queue_fitting_lease`]). Polls until the queue is empty (with `until_empty`),
/// `max_batches` is reached, or `stop` resolves (Ctrl-C); a batch in progress is always
/// finished first.
pub async fn run<P: Platform>(
    handler: &BatchHandler<P>,
    sqs: &aws_sdk_sqs::Client,
    options: &WorkerOptions,
    stop: impl Future<Output = ()>,
) -> Result<WorkerSummary, String> {
    run_bounded(handler, sqs, options, None, None, stop).await
}

/// [`run`], receiving at most `max_messages` in all, and passing `deadline_ms` (epoch ms) to the
/// handler so that no lease outlives it (the scheduled `drain` runs inside one invocation).
pub async fn run_bounded<P: Platform>(
    handler: &BatchHandler<P>,
    sqs: &aws_sdk_sqs::Client,
    options: &WorkerOptions,
    max_messages: Option<usize>,
    deadline_ms: Option<i64>,
    stop: impl Future<Output = ()>,
) -> Result<WorkerSummary, String> {
    let lease = handler.lease_for(now_ms(), deadline_ms);
    let queue_arn = queue_fitting_lease(sqs, &options.queue_url, lease)
        .await?
        .arn;
    let region = queue_arn
        .split(':')
        .nth(3)
        .unwrap_or("us-east-1")
        .to_owned();
    let mut summary = WorkerSummary::default();
    tokio::pin!(stop);
    loop {
        if options
            .max_batches
            .is_some_and(|max| summary.batches >= max)
        {
            break;
        }
        let want = match max_messages {
            Some(max) if summary.received >= max => break,
            Some(max) => options.batch_size.min(max - summary.received),
            None => options.batch_size,
        };
        let received = tokio::select! {
            _ = &mut stop => break,
            received = receive_batch(sqs, options, want) => received?,
        };
        summary.received += received.len();
        if received.is_empty() {
            if options.until_empty {
                break;
            }
            continue;
        }
        let event = to_lambda_event(received, &queue_arn, &region);
        let report = handler.handle(&event, deadline_ms).await;
        summary.deleted +=
            delete_succeeded(sqs, &options.queue_url, &event, &report.response).await?;
        summary.batches += 1;
        for (name, count) in report.counts() {
            *summary.outcomes.entry(name).or_default() += count;
        }
        summary.messages.extend(report.messages);
    }
    Ok(summary)
}

/// Receives up to `batch_size` messages: long-polls once, then keeps taking what is there.
async fn receive_batch(
    sqs: &aws_sdk_sqs::Client,
    options: &WorkerOptions,
    batch_size: usize,
) -> Result<Vec<aws_sdk_sqs::types::Message>, String> {
    let mut messages = Vec::new();
    let mut wait = options.wait;
    while messages.len() < batch_size {
        let want = (batch_size - messages.len()).min(10) as i32;
        let output = sqs
            .receive_message()
            .queue_url(&options.queue_url)
            .max_number_of_messages(want)
            .wait_time_seconds(wait.as_secs() as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| {
                format!(
                    "receive from {} failed: {}",
                    options.queue_url,
                    error_text(&e)
                )
            })?;
        let got = output.messages.unwrap_or_default();
        if got.is_empty() {
            break;
        }
        messages.extend(got);
        wait = Duration::ZERO;
    }
    Ok(messages)
}
