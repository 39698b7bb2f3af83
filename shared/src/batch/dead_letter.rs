//! Sends invalid and rejected messages to the dead-letter queue at once, with their reason.
//!
//! The body is kept byte for byte; the reason travels in message attributes, so that operators
//! (and `redrive`) can tell a poison message from one that may succeed once credentials are
//! fixed. If this write fails the message is reported as a batch item failure instead, so that
//! it is never dropped.

use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};

use crate::aws::error_text;

/// Message attribute names, shared with the CLI's `dlq` commands.
pub const ATTR_OUTCOME: &str = "orderstatus.outcome";
pub const ATTR_REASON: &str = "orderstatus.reason";
pub const ATTR_ERROR: &str = "orderstatus.error";
pub const ATTR_PLATFORM: &str = "orderstatus.platform";
pub const ATTR_SOURCE_MESSAGE_ID: &str = "orderstatus.source-message-id";

/// SQS allows 10 entries per `SendMessageBatch`.
const SEND_BATCH_LIMIT: usize = 10;
/// Keep the error attribute readable and well under SQS's 256 KiB message limit.
const ERROR_TEXT_LIMIT: usize = 2000;

/// One message on its way to the dead-letter queue.
#[derive(Debug, Clone)]
pub struct DeadLetter<'a> {
    pub message_id: &'a str,
    pub body: &'a str,
    /// The FIFO message group, kept so that a FIFO dead-letter queue accepts it.
    pub group_id: Option<&'a str>,
    pub outcome: &'static str,
    pub reason: &'static str,
    pub error: &'a str,
}

/// The dead-letter queue of one function.
#[derive(Debug, Clone)]
pub struct DeadLetterQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    platform: &'static str,
}

impl DeadLetterQueue {
    pub fn new(
        client: aws_sdk_sqs::Client,
        url: impl Into<String>,
        platform: &'static str,
    ) -> Self {
        Self {
            client,
            url: url.into(),
            platform,
        }
    }

    fn is_fifo(&self) -> bool {
        self.url.ends_with(".fifo")
    }

    /// Sends the letters; returns the message ids that could not be written.
    pub async fn send(&self, letters: &[DeadLetter<'_>]) -> Vec<String> {
        let mut failed = Vec::new();
        for chunk in letters.chunks(SEND_BATCH_LIMIT) {
            let entries: Vec<_> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, letter)| self.entry(i, letter))
                .collect();
            let result = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await;
            match result {
                Ok(output) => {
                    for refused in output.failed() {
                        let letter = refused
                            .id()
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| chunk.get(i));
                        if let Some(letter) = letter {
                            tracing::error!(
                                message_id = letter.message_id,
                                code = refused.code(),
                                error = refused.message().unwrap_or_default(),
                                "dead-letter queue refused the message; leaving it for retry"
                            );
                            failed.push(letter.message_id.to_owned());
                        }
                    }
                }
                Err(e) => {
                    let error = error_text(&e);
                    for letter in chunk {
                        tracing::error!(
                            message_id = letter.message_id,
                            %error,
                            "could not write to the dead-letter queue; leaving the message for retry"
                        );
                        failed.push(letter.message_id.to_owned());
                    }
                }
            }
        }
        failed
    }

    fn entry(&self, index: usize, letter: &DeadLetter<'_>) -> Option<SendMessageBatchRequestEntry> {
        let text = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .ok()
        };
        let error: String = letter.error.chars().take(ERROR_TEXT_LIMIT).collect();
        let mut entry = SendMessageBatchRequestEntry::builder()
            .id(index.to_string())
            .message_body(letter.body)
            .set_message_attributes(Some(
                [
                    (ATTR_OUTCOME, letter.outcome),
                    (ATTR_REASON, letter.reason),
                    (ATTR_ERROR, error.as_str()),
                    (ATTR_PLATFORM, self.platform),
                    (ATTR_SOURCE_MESSAGE_ID, letter.message_id),
                ]
                .into_iter()
                .filter(|(_, value)| !value.is_empty())
                .filter_map(|(name, value)| Some((name.to_owned(), text(value)?)))
                .collect(),
            ));
        if self.is_fifo() {
            entry = entry
                .message_group_id(letter.group_id.unwrap_or(letter.message_id))
                .message_deduplication_id(letter.message_id);
        }
        entry.build().ok()
    }
}
