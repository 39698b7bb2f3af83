//! What a platform function is invoked with: an SQS batch or a scheduled input.
//!
//! Told apart by their keys in one pass: `Records` is an SQS event, `action` a scheduled input.
//! (An untagged serde enum would buffer the whole payload, up to 6 MB, before trying each shape.)
//!
//! Of each SQS record only what the batch handler reads is kept ([`RecordRead`]): an event holds
//! up to 10,000 records, and the rest (MD5 digests, the region, the sender, receive counts and
//! timestamps other than `SentTimestamp`, message attributes) cost about half a kilobyte a
//! record for nothing.

use std::fmt;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::{ScheduledAction, ScheduledInput, ScheduledSummary};

/// One invocation's payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    Sqs(SqsEvent),
    Scheduled(ScheduledInput),
}

/// One invocation's answer: the batch response for SQS, the summary for scheduled work.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum InvocationResponse {
    Sqs(SqsBatchResponse),
    Scheduled(ScheduledSummary),
}

const EXPECTED: &str = "an SQS event (with \"Records\") or a scheduled input such as \
     {\"action\":\"drain\"} (actions: drain, redrive, sweep)";

impl<'de> Deserialize<'de> for Invocation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(InvocationVisitor)
    }
}

struct InvocationVisitor;

impl<'de> Visitor<'de> for InvocationVisitor {
    type Value = Invocation;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Invocation, A::Error> {
        let mut records: Option<Vec<SqsMessage>> = None;
        let mut action: Option<ScheduledAction> = None;
        let mut max_messages = None;
        let mut older_than_seconds = None;
        let mut max_scanned = None;
        let mut unknown: Option<String> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "Records" => records = Some(map.next_value_seed(Records)?),
                "action" => action = Some(map.next_value()?),
                "max_messages" => max_messages = map.next_value()?,
                "older_than_seconds" => older_than_seconds = map.next_value()?,
                "max_scanned" => max_scanned = map.next_value()?,
                other => {
                    unknown.get_or_insert_with(|| other.to_owned());
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (records, action) {
            (Some(records), _) => {
                let mut event = SqsEvent::default();
                event.records = records;
                Ok(Invocation::Sqs(event))
            }
            (None, Some(action)) => {
                // A typo in a schedule's input should fail loudly, not run with defaults.
                if let Some(field) = unknown {
                    return Err(de::Error::custom(format!(
                        "scheduled input: unknown field {field:?} (known: action, max_messages, \
                         older_than_seconds, max_scanned)"
                    )));
                }
                Ok(Invocation::Scheduled(ScheduledInput {
                    action,
                    max_messages,
                    older_than_seconds,
                    max_scanned,
                }))
            }
            (None, None) => Err(de::Error::custom(format!("expected {EXPECTED}"))),
        }
    }
}

/// The `Records` array, each record as the handler reads it.
struct Records;

impl<'de> DeserializeSeed<'de> for Records {
    type Value = Vec<SqsMessage>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Records {
    type Value = Vec<SqsMessage>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of SQS records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(10_000));
        while let Some(record) = seq.next_element::<RecordRead>()? {
            records.push(record.into_message());
        }
        // Grown by doubling (JSON gives no length): give back the unused room, up to 40 % of
        // a 10,000-record event's records, for the batch.
        records.shrink_to_fit();
        Ok(records)
    }
}

/// The fields of an SQS record that the batch handler reads: the message id (batch item
/// failures, logs), the receipt handle (holding a message behind another worker's lease), the
/// body, the event source (the lease check), and of the attributes the FIFO group and the
/// sending time (message age). Everything else is skipped while parsing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordRead {
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    receipt_handle: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    attributes: Option<AttributesRead>,
    #[serde(default, rename = "eventSourceARN")]
    event_source_arn: Option<String>,
}

#[derive(Deserialize)]
struct AttributesRead {
    #[serde(default, rename = "MessageGroupId")]
    message_group_id: Option<String>,
    #[serde(default, rename = "SentTimestamp")]
    sent_timestamp: Option<String>,
}

impl RecordRead {
    fn into_message(self) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.message_id = self.message_id;
        message.receipt_handle = self.receipt_handle;
        message.body = self.body;
        message.event_source_arn = self.event_source_arn;
        if let Some(attributes) = self.attributes {
            message.attributes = [
                ("MessageGroupId", attributes.message_group_id),
                ("SentTimestamp", attributes.sent_timestamp),
            ]
            .into_iter()
            .filter_map(|(name, value)| Some((name.to_owned(), value?)))
            .collect();
        }
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Invocation, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn sqs_events_are_sqs() {
        let text = r#"{"Records":[{"messageId":"m1","body":"{}","attributes":{},"messageAttributes":{}}]}"#;
        let Invocation::Sqs(event) = parse(text).unwrap() else {
            panic!("not sqs")
        };
        assert_eq!(event.records.len(), 1);
        assert_eq!(event.records[0].message_id.as_deref(), Some("m1"));
    }

    /// A record as Lambda's SQS event source delivers it (FIFO queue), with every field.
    const FULL_RECORD: &str = r#"{"Records":[{
        "messageId":"059f36b4-87a3-44ab-83d2-661975830a7d",
        "receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        "body":"{\"id\":1}",
        "attributes":{"ApproximateReceiveCount":"2","SentTimestamp":"1545082649183",
            "SenderId":"AIDAIENQZJOLO23YVJ4VO","ApproximateFirstReceiveTimestamp":"1545082649185",
            "SequenceNumber":"18849496460467696128","MessageGroupId":"order-1",
            "MessageDeduplicationId":"1"},
        "messageAttributes":{"trace":{"stringValue":"x","dataType":"String"}},
        "md5OfBody":"e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource":"aws:sqs",
        "eventSourceARN":"arn:aws:sqs:us-east-2:123456789012:orders.fifo",
        "awsRegion":"us-east-2"}]}"#;

    #[test]
    fn records_keep_what_the_handler_reads_and_nothing_else() {
        let Invocation::Sqs(event) = parse(FULL_RECORD).unwrap() else {
            panic!("not sqs")
        };
        let record = &event.records[0];
        assert_eq!(
            record.message_id.as_deref(),
            Some("059f36b4-87a3-44ab-83d2-661975830a7d")
        );
        assert_eq!(
            record.receipt_handle.as_deref(),
            Some("AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a")
        );
        assert_eq!(record.body.as_deref(), Some(r#"{"id":1}"#));
        assert_eq!(
            record.event_source_arn.as_deref(),
            Some("arn:aws:sqs:us-east-2:123456789012:orders.fifo")
        );
        let mut attributes: Vec<_> = record.attributes.iter().collect();
        attributes.sort();
        assert_eq!(
            attributes,
            [
                (&"MessageGroupId".to_owned(), &"order-1".to_owned()),
                (&"SentTimestamp".to_owned(), &"1545082649183".to_owned())
            ]
        );
        assert!(record.message_attributes.is_empty());
        assert_eq!(record.md5_of_body, None);
        assert_eq!(record.aws_region, None);
        assert_eq!(record.event_source, None);
    }

    #[test]
    fn records_with_null_or_missing_attributes_are_read() {
        let text =
            r#"{"Records":[{"messageId":"m1","body":"{}","attributes":null},{"messageId":"m2"}]}"#;
        let Invocation::Sqs(event) = parse(text).unwrap() else {
            panic!("not sqs")
        };
        assert_eq!(event.records.len(), 2);
        assert!(event.records.iter().all(|r| r.attributes.is_empty()));
        assert_eq!(event.records[1].body, None);
    }

    #[test]
    fn a_record_with_a_wrong_typed_field_is_an_error() {
        let error = parse(r#"{"Records":[{"messageId":"m1","body":5}]}"#).unwrap_err();
        assert!(error.contains("invalid type: integer `5`"), "{error}");
    }

    #[test]
    fn scheduler_inputs_are_scheduled() {
        assert_eq!(
            parse(r#"{"action":"drain","max_messages":50}"#).unwrap(),
            Invocation::Scheduled(ScheduledInput {
                max_messages: Some(50),
                ..ScheduledInput::new(ScheduledAction::Drain)
            })
        );
        assert_eq!(
            parse(r#"{"action":"sweep","older_than_seconds":60}"#).unwrap(),
            Invocation::Scheduled(ScheduledInput {
                older_than_seconds: Some(60),
                ..ScheduledInput::new(ScheduledAction::Sweep)
            })
        );
    }

    #[test]
    fn unknown_actions_and_fields_and_shapes_are_named() {
        let error = parse(r#"{"action":"purge"}"#).unwrap_err();
        assert!(error.contains("purge"), "{error}");
        let error = parse(r#"{"action":"drain","max_mesages":5}"#).unwrap_err();
        assert!(error.contains("max_mesages"), "{error}");
        let error = parse(r#"{"detail-type":"Scheduled Event"}"#).unwrap_err();
        assert!(error.contains("scheduled input"), "{error}");
    }

    #[test]
    fn summaries_say_their_action() {
        let summary = ScheduledSummary::Drain(super::super::DrainSummary {
            received: 2,
            stopped: "empty",
            ..Default::default()
        });
        let json = serde_json::to_value(InvocationResponse::Scheduled(summary)).unwrap();
        assert_eq!(json["action"], "drain");
        assert_eq!(json["received"], 2);
    }
}
