//! What Lambda's SQS event source mapping does, for the local worker and the tests: turn
//! received messages into an `SqsEvent`, and delete what the handler did not report as failed.

use std::collections::HashSet;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};

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
/// Returns how many were deleted.
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
        if let Some(first) = output.failed().first() {
            return Err(format!(
                "{} deletes failed, first: {}",
                output.failed().len(),
                first.message().unwrap_or(first.code())
            ));
        }
    }
    Ok(deleted)
}
