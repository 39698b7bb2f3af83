//! `sweep`: what needs an operator's eye, counted once an hour and logged as CloudWatch metrics
//! (Embedded Metric Format, so no `cloudwatch:PutMetricData` permission is needed):
//! expired ledger leases (uploads cut short between claim and commit), the queue's and the
//! dead-letter queue's depths, and dead letters older than a threshold.
//!
//! The main queue is not peeked: every receive there counts towards its redrive policy. Its
//! oldest message's age is watched by the template's CloudWatch alarm instead.

use std::time::Duration;

use serde::Serialize;

use super::{
    DEFAULT_MAX_MESSAGES, DEFAULT_MAX_SCANNED, DEFAULT_OLDER_THAN, ScheduledInput, ScheduledWork,
};
use crate::dead_letters::DeadLetters;
use crate::ledger::{ExpiredLeases, now_ms};
use crate::message::PlatformName;
use crate::sqs::{QueueDepth, queue_depth};

/// What a sweep found.
#[derive(Debug, Clone, Serialize)]
pub struct SweepSummary {
    pub leases: ExpiredLeases,
    /// The function's queue, when `QUEUE_URL` is set.
    pub queue: Option<QueueDepth>,
    pub dead_letters: QueueDepth,
    /// Dead letters sent more than `older_than_seconds` ago, of those looked at (at most
    /// `max_messages`, default 1,000).
    pub old_dead_letters: usize,
    pub older_than_seconds: u64,
    /// Dead letters looked at (at most `max_messages`).
    pub dead_letters_examined: usize,
}

/// The metric namespace of the sweep's Embedded Metric Format line.
pub const METRIC_NAMESPACE: &str = "OrderStatus";

pub(super) async fn sweep(
    work: &ScheduledWork,
    platform: PlatformName,
    input: &ScheduledInput,
) -> Result<SweepSummary, String> {
    let older_than = input
        .older_than_seconds
        .map_or(DEFAULT_OLDER_THAN, Duration::from_secs);
    let now = now_ms();
    let leases = work
        .ledger
        .expired_leases(
            platform,
            now,
            input.max_scanned.unwrap_or(DEFAULT_MAX_SCANNED),
        )
        .await
        .map_err(|e| format!("ledger scan failed: {}", e.0))?;
    let queue = match &work.queue_url {
        Some(url) => Some(queue_depth(&work.sqs, url).await?),
        None => None,
    };
    let dead_letters = queue_depth(&work.sqs, &work.dead_letter_queue_url).await?;
    // Listing holds the letters briefly and releases them; it consumes nothing.
    let letters = DeadLetters::new(
        work.sqs.clone(),
        &work.dead_letter_queue_url,
        work.queue_url.as_deref().unwrap_or_default(),
    )
    .list(input.max_messages.unwrap_or(DEFAULT_MAX_MESSAGES))
    .await
    .map_err(|e| e.to_string())?;
    let sent_times: Vec<i64> = letters.iter().filter_map(|l| l.sent_at_ms).collect();
    let cutoff = now - i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX);
    let summary = SweepSummary {
        leases,
        queue,
        dead_letters,
        old_dead_letters: sent_times.iter().filter(|&&sent| sent < cutoff).count(),
        older_than_seconds: older_than.as_secs(),
        dead_letters_examined: sent_times.len(),
    };
    println!("{}", metrics_line(platform, &summary, now));
    if summary.leases.expired > 0 {
        tracing::warn!(
            platform = platform.as_str(),
            expired = summary.leases.expired,
            examples = ?summary.leases.examples,
            "expired ledger leases: uploads were cut short between claim and commit; \
             the next message for each target takes its lease over"
        );
    }
    Ok(summary)
}

/// One CloudWatch Embedded Metric Format line: Lambda's log agent turns its fields into metrics
/// in the `OrderStatus` namespace, dimension `Platform`.
fn metrics_line(platform: PlatformName, summary: &SweepSummary, now_ms: i64) -> String {
    let queue = summary.queue.clone().unwrap_or_default();
    serde_json::json!({
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": METRIC_NAMESPACE,
                "Dimensions": [["Platform"]],
                "Metrics": [
                    {"Name": "ExpiredLeases", "Unit": "Count"},
                    {"Name": "QueueVisible", "Unit": "Count"},
                    {"Name": "QueueInFlight", "Unit": "Count"},
                    {"Name": "DeadLetters", "Unit": "Count"},
                    {"Name": "OldDeadLetters", "Unit": "Count"},
                ],
            }],
        },
        "Platform": platform.as_str(),
        "ExpiredLeases": summary.leases.expired,
        "QueueVisible": queue.visible,
        "QueueInFlight": queue.in_flight,
        "DeadLetters": summary.dead_letters.visible,
        "OldDeadLetters": summary.old_dead_letters,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_line_is_embedded_metric_format() {
        let summary = SweepSummary {
            leases: ExpiredLeases {
                expired: 3,
                ..ExpiredLeases::default()
            },
            queue: Some(QueueDepth {
                visible: 7,
                in_flight: 1,
                delayed: 0,
            }),
            dead_letters: QueueDepth {
                visible: 2,
                ..QueueDepth::default()
            },
            old_dead_letters: 1,
            older_than_seconds: 3600,
            dead_letters_examined: 2,
        };
        let line: serde_json::Value = serde_json::from_str(&metrics_line(
            PlatformName::Cv3,
            &summary,
            1_700_000_000_000,
        ))
        .unwrap();
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "OrderStatus"
        );
        assert_eq!(line["Platform"], "cv3");
        assert_eq!(line["ExpiredLeases"], 3);
        assert_eq!(line["QueueVisible"], 7);
        assert_eq!(line["DeadLetters"], 2);
        assert_eq!(line["OldDeadLetters"], 1);
        // Every metric named in the directive has a value at the top level, as EMF requires.
        for metric in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
        {
            let name = metric["Name"].as_str().unwrap();
            assert!(line[name].is_number(), "{name}");
        }
    }
}
