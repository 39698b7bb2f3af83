//! The Speed4Trade per-message hot path, without network: parse + validate an SQS body, map it
//! to an order update, and write the `updateOrderStatus` call (the `<request>` document and the
//! SOAP envelope carrying it) for a call of 100 orders, the default `batch_size`.
//!
//! Criterion reports orders per second. `cargo bench -p orderstatus-speed4trade --bench hot_path`
//! (add `-- --quick` for a fast look).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use orderstatus::config::{Account, BatchLimits};
use orderstatus::platform::{Action, Platform};
use orderstatus::validate::parse_body;
use orderstatus_speed4trade::mapping::OrderUpdate;
use orderstatus_speed4trade::{Speed4Trade, Speed4TradeSettings};
use serde_json::json;

const SECRET_JSON: &str = r#"{
    "base_url": "https://connect.example.de/ConnectService",
    "username": "erp-upload", "password": "s3cret", "mandator_id": 1,
    "carriers": {"DHL": {"identifier": "DHL", "external_id": "dhl_ext"}},
    "time_zone": "Europe/Berlin"
}"#;

const CALL: usize = 100;

/// Order T2-<n>: shipped with one DHL package (half), paid, acknowledged or canceled.
fn body(i: usize) -> String {
    let number = (100_000 + i).to_string();
    let mut message = json!({"version": 1, "platform": "speed4trade",
        "order": {"id": number, "number_prefix": "T2-"},
        "occurred_at": "2024-05-03T14:00:00+02:00"});
    match i % 6 {
        0..=2 => {
            message["status"] = json!("shipped");
            message["packages"] = json!([{"carrier": "DHL", "tracking_number": format!("3212{i:07}"),
                                          "shipped_at": "2024-05-03T11:00:00+02:00"}]);
        }
        3 => message["status"] = json!("paid"),
        4 => message["status"] = json!("acknowledged"),
        _ => message["status"] = json!("canceled"),
    }
    message.to_string()
}

fn hot_path(c: &mut Criterion) {
    let limits = BatchLimits {
        default_size: 100,
        max_size: 1000,
        default_concurrency: 1,
    };
    let account: Account<Speed4TradeSettings> =
        Account::from_json("default", "bench", SECRET_JSON, limits, false).unwrap();
    let platform = orderstatus_speed4trade::platform(std::time::Duration::from_secs(1)).unwrap();
    let bodies: Vec<String> = (0..CALL).map(body).collect();
    let map_all = |bodies: &[String]| -> Vec<OrderUpdate> {
        bodies
            .iter()
            .map(|body| {
                let (message, _) = parse_body(body).unwrap();
                match platform.map(&message, &account).unwrap().remove(0).action {
                    Action::Upload(update) => update,
                    Action::Skip { reason } => panic!("{reason}"),
                }
            })
            .collect()
    };
    let updates = map_all(&bodies);
    let batch: Vec<&OrderUpdate> = updates.iter().collect();

    let mut group = c.benchmark_group("speed4trade_100_order_call");
    group.throughput(Throughput::Elements(CALL as u64));
    group.bench_function("parse_validate_map", |b| {
        b.iter(|| map_all(black_box(&bodies)))
    });
    group.bench_function("serialise", |b| {
        b.iter(|| {
            Speed4Trade::encode(&account, black_box(&batch))
                .envelope
                .len()
        })
    });
    group.bench_function("parse_map_serialise", |b| {
        b.iter(|| {
            let updates = map_all(black_box(&bodies));
            let batch: Vec<&OrderUpdate> = updates.iter().collect();
            Speed4Trade::encode(&account, &batch).envelope.len()
        })
    });
    group.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
