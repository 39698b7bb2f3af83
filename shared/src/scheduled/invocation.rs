//! What a platform function is invoked with: an SQS batch or a scheduled input.
//!
//! Told apart by their keys in one pass: `Records` is an SQS event, `action` a scheduled input.
//! (An untagged serde enum would buffer the whole payload, up to 6 MB, before trying each shape.)

use std::fmt;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
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
                "Records" => records = Some(map.next_value()?),
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
            (Some(mut records), _) => {
                // serde grows the vector by doubling (JSON gives no length): give back the
                // unused room, up to 40 % of a 10,000-record event's records, for the batch.
                records.shrink_to_fit();
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
