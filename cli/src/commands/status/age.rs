//! A queue's oldest message's age, from CloudWatch's `AWS/SQS ApproximateAgeOfOldestMessage`.
//! SQS's own attributes have no such figure, and receiving messages to look at their send
//! times would raise their receive counts towards the dead-letter queue, so the source queue
//! is never peeked. SQS publishes the metric every minute (and stops for a queue idle for six
//! hours), so the newest datapoint of the last [`WINDOW`] is shown with its time.

use std::time::Duration;

use serde_json::{Value, json};

use super::report::{Age, Known, Severity, Unknown};
use crate::aws_json::{AwsJson, CLOUDWATCH};
use orderstatus::ledger::now_ms;

/// How far back to look for a datapoint.
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The newest `Maximum` of the queue's `ApproximateAgeOfOldestMessage` in the last [`WINDOW`].
pub async fn oldest_message_age(aws: &AwsJson, queue_name: &str) -> Known<Age> {
    let now_s = now_ms() / 1000;
    let body = json!({
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Dimensions": [{"Name": "QueueName", "Value": queue_name}],
        "StartTime": now_s - WINDOW.as_secs() as i64,
        "EndTime": now_s + 60,
        "Period": 60,
        "Statistics": ["Maximum"],
    });
    let answer = aws
        .call(
            &CLOUDWATCH,
            "POST",
            "/",
            &[
                ("content-type", "application/x-amz-json-1.0"),
                (
                    "x-amz-target",
                    "GraniteServiceVersion20100801.GetMetricStatistics",
                ),
            ],
            body.to_string().as_bytes(),
        )
        .await
        .map_err(|e| {
            Unknown::new(
                Severity::Unavailable,
                format!("CloudWatch GetMetricStatistics: {e}"),
            )
        })?;
    newest(&answer).ok_or_else(|| {
        Unknown::new(
            Severity::Unavailable,
            format!(
                "CloudWatch has no AWS/SQS ApproximateAgeOfOldestMessage datapoint in the last {} minutes (none for a queue idle for 6 hours; moto has none)",
                WINDOW.as_secs() / 60
            ),
        )
    })
}

/// The newest datapoint of a `GetMetricStatistics` answer.
fn newest(answer: &Value) -> Option<Age> {
    answer
        .get("Datapoints")?
        .as_array()?
        .iter()
        .filter_map(|point| {
            Some(Age {
                seconds: point.get("Maximum")?.as_f64()?,
                as_of_ms: timestamp_ms(point.get("Timestamp")?)?,
            })
        })
        .max_by_key(|age| age.as_of_ms)
}

/// JSON 1.0 sends timestamps as epoch seconds; an RFC 3339 text is read too.
fn timestamp_ms(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_f64().map(|s| (s * 1000.0) as i64),
        Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_millis()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_datapoint_is_the_age() {
        let answer = json!({"Label": "ApproximateAgeOfOldestMessage", "Datapoints": [
            {"Timestamp": 1_700_000_060.0, "Maximum": 125.0, "Unit": "Seconds"},
            {"Timestamp": "2023-11-14T22:13:20Z", "Maximum": 65.0, "Unit": "Seconds"},
        ]});
        assert_eq!(
            newest(&answer),
            Some(Age {
                seconds: 125.0,
                as_of_ms: 1_700_000_060_000
            })
        );
        assert_eq!(newest(&json!({"Datapoints": []})), None);
    }
}
