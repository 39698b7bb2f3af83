//! What Lambda's SQS event source mapping does, for the local worker and the tests: turn
//! received messages into an `SqsEvent`, and delete what the handler did not report as failed.
//! Also the function's own hold on its queue: a message that must wait for another worker's
//! lease is kept invisible until the lease ends ([`SourceQueue::hold_until`]), and a lease may
//! never outlast the queue's visibility timeout ([`queue_fitting_lease`]).

use std::collections::HashSet;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage, SqsMessageAttribute};

use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageSystemAttributeName, QueueAttributeName,
};

use crate::aws::error_text;

/// A received SQS message as Lambda would hand it to the function.
pub fn to_lambda_record(message: Message, queue_arn: &str, region: &str) -> SqsMessage {
    let mut record = SqsMessage::default();
    record.message_id = message.message_id;
    record.receipt_handle = message.receipt_handle;
    record.body = message.body;
    record.md5_of_body = message.md5_of_body;
    record.md5_of_message_attributes = message.md5_of_message_attributes;
    record.attributes = message
        .attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| (system_attribute_name(&name), value))
        .collect();
    record.message_attributes = message
        .message_attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| {
            let mut attribute = SqsMessageAttribute::default();
            attribute.string_value = value.string_value;
            attribute.data_type = Some(value.data_type);
            (name, attribute)
        })
        .collect();
    record.event_source_arn = Some(queue_arn.to_owned());
    record.event_source = Some("aws:sqs".to_owned());
    record.aws_region = Some(region.to_owned());
    record
}

fn system_attribute_name(name: &MessageSystemAttributeName) -> String {
    name.as_str().to_owned()
}

/// Builds the event Lambda would send for these messages.
pub fn to_lambda_event(messages: Vec<Message>, queue_arn: &str, region: &str) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages
        .into_iter()
        .map(|m| to_lambda_record(m, queue_arn, region))
        .collect();
    event
}

/// Deletes every record of `event` that `response` does not list as failed, 10 per request.
/// Returns how many were deleted; an error only when a request fails as a whole.
pub async fn delete_succeeded(
    client: &aws_sdk_sqs::Client,
    queue_url: &str,
    event: &SqsEvent,
    response: &SqsBatchResponse,
) -> Result<usize, String> {
    let failed: HashSet<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    let done: Vec<_> = event
        .records
        .iter()
        .filter(|r| !failed.contains(r.message_id.as_deref().unwrap_or_default()))
        .filter_map(|r| r.receipt_handle.as_deref())
        .collect();
    let mut deleted = 0;
    for chunk in done.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, handle)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(*handle)
                    .build()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = client
            .delete_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| error_text(&e))?;
        deleted += output.successful().len();
        // A message whose visibility ran out while its batch was handled has been handed to
        // another consumer since, and its old receipt handle no longer deletes it. It comes
        // back, and the ledger makes it a duplicate: worth a warning, not stopping the worker.
        if let Some(first) = output.failed().first() {
            tracing::warn!(
                queue = queue_url,
                failed = output.failed().len(),
                first = first.message().unwrap_or(first.code()),
                "some handled messages could not be deleted; they will be received again"
            );
        }
    }
    Ok(deleted)
}

/// SQS's longest visibility timeout (12 hours).
const MAX_VISIBILITY_SECONDS: i64 = 43_200;

/// The queue a function's messages come from, for holding back messages that cannot succeed
/// before a known time.
#[derive(Debug, Clone)]
pub struct SourceQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SourceQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }

    /// Whether `record` came from this queue (its ARN and the URL name the same queue), so its
    /// receipt handle is valid here.
    fn is_source_of(&self, record: &SqsMessage) -> bool {
        let arn_name = record
            .event_source_arn
            .as_deref()
            .and_then(|arn| arn.rsplit(':').next());
        let url_name = self.url.trim_end_matches('/').rsplit('/').next();
        arn_name.is_some() && arn_name == url_name
    }

    /// Keeps each record invisible until its time (epoch ms), so that a message waiting for a
    /// lease is received again only when the lease has ended instead of being refused on every
    /// receive and moved to the dead-letter queue by `maxReceiveCount`. Best effort: a record
    /// that cannot be held comes back after the queue's visibility timeout, as before. Returns
    /// how many were held.
    pub async fn hold_until(&self, records: &[(&SqsMessage, i64)], now_ms: i64) -> usize {
        let held: Vec<(&str, &str, i32)> = records
            .iter()
            .filter(|(record, _)| self.is_source_of(record))
            .filter_map(|(record, until_ms)| {
                // One second more: DynamoDB compares the lease's end with the claim's clock.
                let seconds = ((until_ms - now_ms).max(0) + 999) / 1000 + 1;
                Some((
                    record.message_id.as_deref()?,
                    record.receipt_handle.as_deref()?,
                    seconds.min(MAX_VISIBILITY_SECONDS) as i32,
                ))
            })
            .collect();
        let changes: Vec<(&str, i32)> = held.iter().map(|(_, h, s)| (*h, *s)).collect();
        let outcome = change_visibility(&self.client, &self.url, &changes).await;
        for (i, error) in &outcome.failed {
            tracing::warn!(
                message_id = held[*i].0,
                %error,
                "could not hold a locked message until its lease ends"
            );
        }
        outcome.changed
    }
}

/// What [`change_visibility`] did.
#[derive(Debug, Default)]
pub struct VisibilityChanges {
    pub changed: usize,
    /// The changes SQS did not make: their index in the request, and why.
    pub failed: Vec<(usize, String)>,
}

/// Sets the visibility timeout (seconds) of each receipt handle, 10 per
/// `ChangeMessageVisibilityBatch`, for the function's holds and the dead-letter walk's releases.
pub async fn change_visibility(
    client: &aws_sdk_sqs::Client,
    queue_url: &str,
    changes: &[(&str, i32)],
) -> VisibilityChanges {
    let mut outcome = VisibilityChanges::default();
    for (chunk_index, chunk) in changes.chunks(10).enumerate() {
        let first = chunk_index * 10;
        let entries = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, (handle, seconds))| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(*handle)
                    .visibility_timeout(*seconds)
                    .build()
                    .ok()
            })
            .collect();
        let result = client
            .change_message_visibility_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await;
        match result {
            Ok(output) => {
                outcome.changed += output.successful().len();
                for refused in output.failed() {
                    if let Ok(i) = refused.id().parse::<usize>() {
                        let why = refused.message().unwrap_or(refused.code()).to_owned();
                        outcome.failed.push((first + i, why));
                    }
                }
            }
            Err(e) => {
                let why = error_text(&e);
                outcome
                    .failed
                    .extend((first..first + chunk.len()).map(|i| (i, why.clone())));
            }
        }
    }
    outcome
}

/// A queue's ARN and visibility timeout, in one `GetQueueAttributes`.
#[derive(Debug, Clone)]
pub struct QueueFacts {
    pub arn: String,
    pub visibility: Duration,
}

async fn queue_facts(client: &aws_sdk_sqs::Client, queue_url: &str) -> Result<QueueFacts, String> {
    let output = client
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .attribute_names(QueueAttributeName::VisibilityTimeout)
        .send()
        .await
        .map_err(|e| format!("cannot read queue {queue_url}: {}", error_text(&e)))?;
    let attributes = output.attributes();
    let get = |name: QueueAttributeName| attributes.and_then(|a| a.get(&name)).cloned();
    let arn = get(QueueAttributeName::QueueArn)
        .ok_or_else(|| format!("queue {queue_url} has no QueueArn attribute"))?;
    let visibility = get(QueueAttributeName::VisibilityTimeout)
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs)
        .ok_or_else(|| format!("queue {queue_url} has no VisibilityTimeout attribute"))?;
    Ok(QueueFacts { arn, visibility })
}

/// The queue's facts, after refusing a `lease` longer than its visibility timeout
/// ([`check_lease_fits`]): what the worker, the scheduled drain and the function check first.
pub async fn queue_fitting_lease(
    client: &aws_sdk_sqs::Client,
    queue_url: &str,
    lease: Duration,
) -> Result<QueueFacts, String> {
    let queue = queue_facts(client, queue_url).await?;
    check_lease_fits(lease, queue_url, queue.visibility)?;
    Ok(queue)
}

/// SQS's approximate counts for one queue.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct QueueDepth {
    pub visible: u64,
    pub in_flight: u64,
    pub delayed: u64,
}

/// A queue's approximate depth, in one `GetQueueAttributes`: what the scheduled sweep reports
/// and `orderstatus status` shows. It receives nothing, so no message's receive count moves.
pub async fn queue_depth(
    client: &aws_sdk_sqs::Client,
    queue_url: &str,
) -> Result<QueueDepth, String> {
    let output = client
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .map_err(|e| format!("cannot read queue {queue_url}: {}", error_text(&e)))?;
    let count = |name: QueueAttributeName| {
        output
            .attributes()
            .and_then(|a| a.get(&name))
            .and_then(|v| v.parse().ok())
            .unwrap_or_default()
    };
    Ok(QueueDepth {
        visible: count(QueueAttributeName::ApproximateNumberOfMessages),
        in_flight: count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        delayed: count(QueueAttributeName::ApproximateNumberOfMessagesDelayed),
    })
}

/// Refuses a lease longer than the queue's visibility timeout: a message received again while
/// its target's lease is still held (by a worker that died, say) would be refused on every
/// receive and reach the dead-letter queue through `maxReceiveCount` without a reason.
fn check_lease_fits(lease: Duration, queue_url: &str, visibility: Duration) -> Result<(), String> {
    if lease <= visibility {
        return Ok(());
    }
    Err(format!(
        "the ledger lease ({} s, LEASE_SECONDS) is longer than the visibility timeout of queue \
         {queue_url} ({} s): a message whose order another worker holds would come back before \
         the lease ends, be refused each time, and use up its receives. Raise the queue's \
         VisibilityTimeout to at least {} s, or set LEASE_SECONDS to at most {} s",
        lease.as_secs(),
        visibility.as_secs(),
        lease.as_secs(),
        visibility.as_secs()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_may_not_outlast_the_visibility_timeout() {
        let url = "http://127.0.0.1:1/000000000000/q";
        assert!(check_lease_fits(Duration::from_secs(20), url, Duration::from_secs(20)).is_ok());
        let error =
            check_lease_fits(Duration::from_secs(65), url, Duration::from_secs(20)).unwrap_err();
        assert!(error.contains("65 s, LEASE_SECONDS"), "{error}");
        assert!(
            error.contains("VisibilityTimeout to at least 65 s"),
            "{error}"
        );
        assert!(error.contains("LEASE_SECONDS to at most 20 s"), "{error}");
    }

    #[test]
    fn only_records_of_the_queue_itself_are_held() {
        let config = aws_sdk_sqs::Config::builder()
            .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
            .build();
        let queue = SourceQueue::new(
            aws_sdk_sqs::Client::from_conf(config),
            "http://127.0.0.1:1/000000000000/orders",
        );
        let mut record = SqsMessage::default();
        record.event_source_arn = Some("arn:aws:sqs:us-east-1:000000000000:orders".into());
        assert!(queue.is_source_of(&record));
        record.event_source_arn = Some("arn:aws:sqs:us-east-1:000000000000:other".into());
        assert!(!queue.is_source_of(&record));
        record.event_source_arn = None;
        assert!(!queue.is_source_of(&record));
    }
}
