//! Sends invalid and rejected messages to the dead-letter queue at once, with their reason.
//!
//! The body is kept byte for byte; the reason travels in message attributes, so that operators
//! (and `redrive`) can tell a poison message from one that may succeed once credentials are
//! fixed. If this write fails the message is reported as a batch item failure instead, so that
//! it is never dropped.
//!
//! SQS takes only the characters XML 1.0 allows, in bodies and attribute values alike; any
//! other is written as a `\uXXXX` escape, else SQS would refuse the letter every time. An error
//! can hold one (serde quotes an unknown status `shipped\u0000` with the character itself, a
//! platform may answer with anything); a body from SQS never does, but the handler takes any
//! event.

use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};

use crate::aws::error_text;
use crate::xml::escape_unsafe_chars;

/// Message attribute names, shared with the CLI's `dlq` commands.
pub const ATTR_OUTCOME: &str = "orderstatus.outcome";
pub const ATTR_REASON: &str = "orderstatus.reason";
pub const ATTR_ERROR: &str = "orderstatus.error";
pub const ATTR_PLATFORM: &str = "orderstatus.platform";
pub const ATTR_SOURCE_MESSAGE_ID: &str = "orderstatus.source-message-id";

/// Set on a letter whose body had to be cut to fit (see [`LETTER_BYTES`]): the original
/// body's length in bytes.
pub const ATTR_BODY_BYTES: &str = "orderstatus.body-bytes";

/// SQS takes at most 10 entries per `SendMessageBatch`…
const BATCH_ENTRIES: usize = 10;
/// …and at most 1 MiB in all, counting each body and each attribute's name, type and value.
const BATCH_BYTES: usize = 1_048_576;
/// The largest letter written, body and attributes. SQS has taken 1 MiB messages since 2025,
/// but a queue keeps the `MaximumMessageSize` it was made with, 256 KiB before that, and an
/// older dead-letter queue may still refuse more (moto takes 1 MiB). A canonical message is a
/// few KiB, so only a body that is bad anyway comes near this; it is cut to fit rather than
/// refused and retried for ever.
const LETTER_BYTES: usize = 262_144;
/// Keep the error attribute readable.
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
        let mut entries = Vec::with_capacity(letters.len());
        for (index, letter) in letters.iter().enumerate() {
            match self.entry(index, letter) {
                Some(entry) => entries.push(entry),
                None => {
                    tracing::error!(
                        message_id = letter.message_id,
                        "could not build the dead letter; leaving the message for retry"
                    );
                    failed.push(letter.message_id.to_owned());
                }
            }
        }
        for batch in batches(entries) {
            let (indices, entries): (Vec<usize>, Vec<_>) =
                batch.into_iter().map(|e| (e.index, e.entry)).unzip();
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
                        // Entry ids are the letters' indices.
                        let letter = refused
                            .id()
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| letters.get(i));
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
                    for letter in indices.iter().filter_map(|&i| letters.get(i)) {
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

    fn entry(&self, index: usize, letter: &DeadLetter<'_>) -> Option<SizedEntry> {
        let error: String = letter.error.chars().take(ERROR_TEXT_LIMIT).collect();
        let mut attributes: Vec<(&str, String)> = [
            (ATTR_OUTCOME, letter.outcome),
            (ATTR_REASON, letter.reason),
            (ATTR_ERROR, error.as_str()),
            (ATTR_PLATFORM, self.platform),
            (ATTR_SOURCE_MESSAGE_ID, letter.message_id),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name, escape_unsafe_chars(value).into_owned()))
        .collect();
        let sqs_body = escape_unsafe_chars(letter.body);
        let mut body: &str = &sqs_body;
        // Room for the attribute that says the body was cut, whether or not it is needed.
        let attributes_bytes: usize = attributes
            .iter()
            .map(|(name, value)| attribute_bytes(name, value))
            .sum::<usize>()
            + attribute_bytes(ATTR_BODY_BYTES, &usize::MAX.to_string());
        if body.len() + attributes_bytes > LETTER_BYTES {
            body = cut_at_char_boundary(body, LETTER_BYTES.saturating_sub(attributes_bytes));
            attributes.push((ATTR_BODY_BYTES, letter.body.len().to_string()));
            tracing::warn!(
                message_id = letter.message_id,
                bytes = letter.body.len(),
                kept = body.len(),
                "body too large for the dead-letter queue; storing it cut short"
            );
        }
        let bytes = body.len()
            + attributes
                .iter()
                .map(|(name, value)| attribute_bytes(name, value))
                .sum::<usize>();
        let text = |value: &str| {
            MessageAttributeValue::builder()
                .data_type(STRING_TYPE)
                .string_value(value)
                .build()
                .ok()
        };
        let mut entry = SendMessageBatchRequestEntry::builder()
            .id(index.to_string())
            .message_body(body)
            .set_message_attributes(Some(
                attributes
                    .iter()
                    .filter_map(|(name, value)| Some(((*name).to_owned(), text(value)?)))
                    .collect(),
            ));
        if self.is_fifo() {
            entry = entry
                .message_group_id(letter.group_id.unwrap_or(letter.message_id))
                .message_deduplication_id(letter.message_id);
        }
        Some(SizedEntry {
            index,
            entry: entry.build().ok()?,
            bytes,
        })
    }
}

const STRING_TYPE: &str = "String";

/// A batch entry, the index of its letter, and its size as SQS counts it.
struct SizedEntry {
    index: usize,
    entry: SendMessageBatchRequestEntry,
    bytes: usize,
}

/// What SQS counts for one attribute: its name, its data type and its value.
fn attribute_bytes(name: &str, value: &str) -> usize {
    name.len() + STRING_TYPE.len() + value.len()
}

fn cut_at_char_boundary(text: &str, max_bytes: usize) -> &str {
    let mut end = max_bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Groups entries in order into batches of at most [`BATCH_ENTRIES`] entries and
/// [`BATCH_BYTES`] bytes. Every entry fits a batch alone (it is at most [`LETTER_BYTES`]).
fn batches(entries: Vec<SizedEntry>) -> Vec<Vec<SizedEntry>> {
    let mut batches: Vec<Vec<SizedEntry>> = Vec::new();
    let mut bytes = 0;
    for entry in entries {
        let full = batches
            .last()
            .is_none_or(|batch| batch.len() == BATCH_ENTRIES || bytes + entry.bytes > BATCH_BYTES);
        if full {
            batches.push(Vec::new());
            bytes = 0;
        }
        bytes += entry.bytes;
        batches.last_mut().expect("pushed above").push(entry);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sized(index: usize, bytes: usize) -> SizedEntry {
        SizedEntry {
            index,
            entry: SendMessageBatchRequestEntry::builder()
                .id(index.to_string())
                .message_body("x")
                .build()
                .unwrap(),
            bytes,
        }
    }

    fn shape(batches: &[Vec<SizedEntry>]) -> Vec<Vec<usize>> {
        batches
            .iter()
            .map(|b| b.iter().map(|e| e.index).collect())
            .collect()
    }

    #[test]
    fn batches_are_split_by_count() {
        let entries = (0..23).map(|i| sized(i, 100)).collect();
        let split = batches(entries);
        assert_eq!(
            split.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![10, 10, 3]
        );
    }

    #[test]
    fn batches_are_split_by_size() {
        // Five letters of 250 KiB and change: four fit in 1 MiB, the fifth starts a new batch.
        let entries = (0..5).map(|i| sized(i, 256_000 + 300)).collect();
        assert_eq!(shape(&batches(entries)), vec![vec![0, 1, 2, 3], vec![4]]);
        let entries = vec![
            sized(0, LETTER_BYTES),
            sized(1, 1),
            sized(2, BATCH_BYTES - LETTER_BYTES),
        ];
        assert_eq!(shape(&batches(entries)), vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn a_letter_holds_only_characters_sqs_takes() {
        let config = aws_sdk_sqs::Config::builder()
            .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
            .build();
        let queue = DeadLetterQueue::new(
            aws_sdk_sqs::Client::from_conf(config),
            "https://sqs.example/dlq",
            "cv3",
        );
        let letter = DeadLetter {
            message_id: "m-1",
            body: "{\"status\":\"shipped\u{0}\"}",
            group_id: None,
            outcome: "invalid",
            reason: "schema",
            error: "status: unknown variant `shipped\u{0}`, expected one of …\u{FFFF}",
        };
        let entry = queue.entry(0, &letter).unwrap().entry;
        assert_eq!(entry.message_body(), "{\"status\":\"shipped\\u0000\"}");
        let error = entry.message_attributes().unwrap()[ATTR_ERROR].string_value();
        assert_eq!(
            error,
            Some("status: unknown variant `shipped\\u0000`, expected one of …\\uffff")
        );
    }

    #[test]
    fn a_body_is_cut_on_a_character_boundary() {
        assert_eq!(cut_at_char_boundary("aé", 2), "a");
        assert_eq!(cut_at_char_boundary("abc", 10), "abc");
    }
}
