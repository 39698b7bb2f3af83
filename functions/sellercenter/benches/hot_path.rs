//! The Seller Center hot path, without network: parse + validate SQS bodies, map the messages
//! to item updates, and write one full OMS call (signed URL and JSON body) of 4,000 items.
//!
//! Criterion reports items per second. The call holds 40 messages of 100 items each: most are
//! shipped in two packages (carrier and tracking per item), every fourth message is a return
//! with a status detail, so the information call is written too.
//!
//! `cargo bench -p orderstatus-sellercenter --bench hot_path` (add `-- --quick` for a fast look).

use std::hint::black_box;
use std::time::Duration;

use chrono::Utc;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use orderstatus::config::{Account, BatchLimits};
use orderstatus::message::StatusMessage;
use orderstatus::platform::{Action, Platform, Unit};
use orderstatus::validate::parse_body;
use orderstatus_sellercenter::mapping::ItemUpdate;
use orderstatus_sellercenter::request::{prepare_information, prepare_status};
use orderstatus_sellercenter::{SellerCenter, SellerCenterSettings};
use serde_json::json;

const SECRET_JSON: &str = r#"{
    "base_url": "https://sellercenter-api.venture.com",
    "api_key": "b1bdb357ced10fe4e9a69840cdd4f0e9c03d77fe",
    "time_zone": "Africa/Lagos"
}"#;

const LIMITS: BatchLimits = BatchLimits {
    default_size: 4000,
    max_size: 4000,
    default_concurrency: 1,
};

const MESSAGES: usize = 40;
const ITEMS_PER_MESSAGE: usize = 100;

fn body(m: usize) -> String {
    let order_id = (500_000 + m).to_string();
    let item = |k: usize| json!({"line_id": (m * ITEMS_PER_MESSAGE + k).to_string()});
    if m % 4 == 3 {
        let lines: Vec<_> = (0..ITEMS_PER_MESSAGE).map(item).collect();
        return json!({
            "version": 1, "platform": "sellercenter", "order": {"id": order_id},
            "status": "returned", "reason": "Size did not fit",
            "detail": "With 3PL on way to Venture",
            "occurred_at": "2024-03-01T12:00:00Z", "lines": lines
        })
        .to_string();
    }
    let half = ITEMS_PER_MESSAGE / 2;
    let first: Vec<_> = (0..half).map(item).collect();
    let second: Vec<_> = (half..ITEMS_PER_MESSAGE).map(item).collect();
    json!({
        "version": 1, "platform": "sellercenter", "order": {"id": order_id},
        "occurred_at": "2024-03-01T12:00:00Z",
        "packages": [
            {"carrier": "DHL Express", "tracking_number": format!("JD{m:08}A"),
             "shipped_at": "2024-03-01T09:00:00Z", "lines": first},
            {"carrier": "UPS", "tracking_number": format!("1Z{m:08}B"),
             "shipped_at": "2024-03-01T10:00:00Z", "lines": second}
        ]
    })
    .to_string()
}

fn parse_all(bodies: &[String]) -> Vec<StatusMessage> {
    bodies
        .iter()
        .map(|body| parse_body(body).expect("a valid body").0)
        .collect()
}

fn map_all(
    platform: &SellerCenter,
    messages: &[StatusMessage],
    account: &Account<SellerCenterSettings>,
) -> Vec<Unit<ItemUpdate>> {
    let mut units = Vec::with_capacity(MESSAGES * ITEMS_PER_MESSAGE);
    for message in messages {
        units.extend(platform.map(message, account).expect("a mappable message"));
    }
    units
}

/// Both calls of the batch, signed; returns the bytes written.
fn encode(account: &Account<SellerCenterSettings>, units: &[Unit<ItemUpdate>]) -> usize {
    let batch: Vec<&ItemUpdate> = units
        .iter()
        .filter_map(|unit| match &unit.action {
            Action::Upload(update) => Some(update),
            Action::Skip { .. } => None,
        })
        .collect();
    let now = Utc::now();
    let status = black_box(prepare_status(account, &batch, now));
    let information = black_box(prepare_information(account, &batch, now));
    status.body.len() + information.map_or(0, |r| r.body.len())
}

fn hot_path(c: &mut Criterion) {
    let platform = orderstatus_sellercenter::platform(Duration::from_secs(5)).expect("a client");
    let account =
        Account::<SellerCenterSettings>::from_json("default", "bench", SECRET_JSON, LIMITS, false)
            .expect("a valid account secret");
    let bodies: Vec<String> = (0..MESSAGES).map(body).collect();
    let messages = parse_all(&bodies);
    let units = map_all(&platform, &messages, &account);
    let items = units.len();
    assert_eq!(items, 4000, "one unit per item");

    let mut group = c.benchmark_group("sellercenter_hot_path");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(items as u64));
    group.bench_with_input(
        BenchmarkId::new("parse_body", items),
        &bodies,
        |b, bodies| b.iter(|| parse_all(black_box(bodies))),
    );
    group.bench_with_input(BenchmarkId::new("map", items), &messages, |b, messages| {
        b.iter(|| map_all(&platform, black_box(messages), &account))
    });
    group.bench_with_input(BenchmarkId::new("encode", items), &units, |b, units| {
        b.iter(|| encode(&account, black_box(units)))
    });
    group.bench_with_input(
        BenchmarkId::new("map_encode", items),
        &messages,
        |b, messages| {
            b.iter(|| encode(&account, &map_all(&platform, black_box(messages), &account)))
        },
    );
    group.bench_with_input(
        BenchmarkId::new("all_three", items),
        &bodies,
        |b, bodies| {
            b.iter(|| {
                let messages = parse_all(black_box(bodies));
                encode(&account, &map_all(&platform, &messages, &account))
            })
        },
    );
    group.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
