//! The CV3 per-message hot path, without network: unwrap + parse + validate an SQS body, map
//! the message to CV3 units, and write the SOAP request bodies a batch is sent as.
//!
//! Criterion reports each step (and the three together) in messages per second, for batches of
//! 100 and 1,000 seed-000-like messages with distinct order ids; a quarter of the bodies are SNS
//! notifications and a quarter EventBridge events, as they arrive from those subscriptions.
//!
//! `cargo bench -p orderstatus-cv3 --bench hot_path` (add `-- --quick` for a fast look).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use orderstatus::config::{Account, BatchLimits};
use orderstatus::message::StatusMessage;
use orderstatus::platform::{Action, Platform, Unit};
use orderstatus::validate::parse_body;
use orderstatus_cv3::mapping::Cv3Payload;
use orderstatus_cv3::{Cv3, Cv3Settings};
use serde_json::json;

/// An account secret as Secrets Manager holds it.
const SECRET_JSON: &str = r#"{
    "base_url": "https://service.commercev3.com/index.php",
    "user": "store-api", "pass": "s3cret-pass", "service_id": "svc-1",
    "time_zone": "America/New_York"
}"#;

const LIMITS: BatchLimits = BatchLimits {
    default_size: 100,
    max_size: 1000,
    default_concurrency: 1,
};

/// Entries per CV3 request: the platform's default batch size.
const REQUEST_CHUNK: usize = 100;

const BATCH_SIZES: [usize; 2] = [100, 1_000];

/// Seed 000's example (two packages, both shipped) for `order_id`; every fifth order has only
/// its first package shipped, which maps to `Processing : Last Shipment …`.
fn canonical(i: usize) -> String {
    let order_id = (100_000 + i).to_string();
    let second_shipped = if i % 5 == 4 {
        json!(null)
    } else {
        json!("2018-09-23T11:00:00-04:00")
    };
    json!({
        "version": 1, "platform": "cv3", "order": {"id": order_id},
        "occurred_at": "2018-09-23T16:00:00-04:00",
        "packages": [
            {"carrier": "UPS", "service": "Ground", "tracking_number": format!("1Z3123{i:06}"),
             "shipped_at": "2018-09-23T10:00:00-04:00"},
            {"carrier": "FedEx", "service": "2-Day", "tracking_number": format!("4563{i:06}"),
             "shipped_at": second_shipped}
        ]
    })
    .to_string()
}

/// The SQS body of message `i`: raw, an SNS notification or an EventBridge event.
fn sqs_body(i: usize) -> String {
    let message = canonical(i);
    match i % 4 {
        2 => json!({
            "Type": "Notification",
            "MessageId": format!("00000000-0000-4000-8000-{i:012}"),
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:order-status",
            "Message": message,
            "Timestamp": "2018-09-23T20:00:01.000Z",
            "SignatureVersion": "1",
        })
        .to_string(),
        3 => format!(
            r#"{{"version":"0","id":"e-{i}","detail-type":"OrderStatus","source":"erp","account":"123456789012","time":"2018-09-23T20:00:01Z","region":"us-east-1","resources":[],"detail":{message}}}"#
        ),
        _ => message,
    }
}

fn parse_all(bodies: &[String]) -> Vec<StatusMessage> {
    bodies
        .iter()
        .map(|body| parse_body(body).expect("a valid body").0)
        .collect()
}

fn map_all(
    platform: &Cv3,
    messages: &[StatusMessage],
    account: &Account<Cv3Settings>,
) -> Vec<Unit<Cv3Payload>> {
    let mut units = Vec::with_capacity(messages.len());
    for message in messages {
        units.extend(platform.map(message, account).expect("a mappable message"));
    }
    units
}

/// The request bodies of a batch, `REQUEST_CHUNK` uploads per request; returns total bytes.
fn request_bodies(account: &Account<Cv3Settings>, units: &[Unit<Cv3Payload>]) -> usize {
    let payloads: Vec<&Cv3Payload> = units
        .iter()
        .filter_map(|unit| match &unit.action {
            Action::Upload(payload) => Some(payload),
            Action::Skip { .. } => None,
        })
        .collect();
    payloads
        .chunks(REQUEST_CHUNK)
        .map(|chunk| black_box(Cv3::request_body(account, chunk)).len())
        .sum()
}

fn hot_path(c: &mut Criterion) {
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).expect("an HTTP client");
    let account = Account::<Cv3Settings>::from_json("default", "bench", SECRET_JSON, LIMITS, false)
        .expect("a valid account secret");

    let mut group = c.benchmark_group("cv3_hot_path");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    for n in BATCH_SIZES {
        // Inputs for every step, built once, outside the timed loops.
        let bodies: Vec<String> = (0..n).map(sqs_body).collect();
        let messages = parse_all(&bodies);
        let units = map_all(&platform, &messages, &account);
        assert_eq!(units.len(), n, "one CV3 unit per message");

        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("parse_body", n), &bodies, |b, bodies| {
            b.iter(|| parse_all(black_box(bodies)))
        });
        group.bench_with_input(BenchmarkId::new("map", n), &messages, |b, messages| {
            b.iter(|| map_all(&platform, black_box(messages), &account))
        });
        group.bench_with_input(BenchmarkId::new("request_body", n), &units, |b, units| {
            b.iter(|| request_bodies(&account, black_box(units)))
        });
        group.bench_with_input(BenchmarkId::new("all_three", n), &bodies, |b, bodies| {
            b.iter(|| {
                let messages = parse_all(black_box(bodies));
                let units = map_all(&platform, &messages, &account);
                request_bodies(&account, &units)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
