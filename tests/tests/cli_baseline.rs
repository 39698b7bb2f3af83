//! `orderstatus baseline` against moto, then the real batch handler against the CV3 sandbox:
//! baselined statuses are duplicates, newer ones upload, reruns write nothing twice.

use std::time::Duration;

use orderstatus::ledger::{LedgerKey, now_ms};
use orderstatus::message::PlatformName;
use orderstatus::platform::Target;
use orderstatus_tests::cli::{CliRun, Scratch, run, stack_env};
use orderstatus_tests::cv3::Cv3Scene;
use orderstatus_tests::stack::TestStack;
use serde_json::json;

/// Order `7{n:05}` shipped in one UPS package on 2020-01-01.
fn shipped(n: usize) -> String {
    json!({
        "version": 1, "platform": "cv3", "id": format!("hist-{n}"),
        "order": {"id": format!("7{n:05}")},
        "occurred_at": "2020-01-01T12:00:00Z",
        "packages": [{"carrier": "UPS", "tracking_number": format!("1Z{n:08}"),
                      "shipped_at": "2020-01-01T09:00:00Z"}]
    })
    .to_string()
}

/// The same order delivered a day later: a newer status.
fn delivered(n: usize) -> String {
    json!({
        "version": 1, "platform": "cv3", "order": {"id": format!("7{n:05}")},
        "status": "delivered", "occurred_at": "2020-01-02T12:00:00Z"
    })
    .to_string()
}

/// A history file of `rows` shipped orders, in `dir`.
fn history_file(dir: &Scratch, rows: usize) -> String {
    let lines: Vec<String> = (0..rows).map(shipped).collect();
    dir.write(&format!("history-{rows}.jsonl"), &lines.join("\n"))
}

async fn baseline(stack: &TestStack, file: &str, extra: &[&str]) -> CliRun {
    let args = [
        &["baseline", "--platform", "cv3", "--json", file][..],
        extra,
    ]
    .concat();
    run(&args, &stack_env(stack), None).await
}

#[tokio::test]
async fn a_baseline_of_10000_rows_twice_leaves_10000_records_and_makes_them_duplicates() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let stack = &scene.stack;
    let dir = Scratch::new();
    let file = history_file(&dir, 10_000);

    let first = baseline(stack, &file, &[]).await;
    first.expect_code(0);
    let report = first.json();
    assert_eq!(
        (report["written"].as_u64(), report["existing"].as_u64()),
        (Some(10_000), Some(0)),
        "{report:#}"
    );
    assert_eq!(
        report["dynamodb_requests"]["BatchGetItem"], 100,
        "{report:#}"
    );
    assert_eq!(
        report["dynamodb_requests"]["BatchWriteItem"], 400,
        "{report:#}"
    );
    assert_eq!(stack.ledger_count().await, 10_000);

    let second = baseline(stack, &file, &[]).await;
    second.expect_code(0);
    let report = second.json();
    assert_eq!(
        (report["written"].as_u64(), report["existing"].as_u64()),
        (Some(0), Some(10_000)),
        "{report:#}"
    );
    assert_eq!(report["dynamodb_requests"].get("BatchWriteItem"), None);
    assert_eq!(stack.ledger_count().await, 10_000);

    // The function sees the baselined facts as uploaded, and a newer status as news.
    stack
        .send(&[shipped(7), shipped(4_242), shipped(9_999), delivered(7)])
        .await;
    let summary = scene.work().await;
    assert_eq!(
        summary.outcomes.get("duplicate"),
        Some(&3),
        "{:?}",
        summary.messages
    );
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        summary.messages
    );
    let received = scene.sandbox.received();
    assert_eq!(received.statuses.len(), 1);
    assert_eq!(received.statuses[0].order_id, "700007");
    assert_eq!(received.statuses[0].status, "Delivered 1/2/2020");
}

#[tokio::test]
async fn an_interrupted_baseline_finishes_on_rerun_without_duplicates() {
    let stack = TestStack::new(Duration::from_secs(30)).await;
    let scene_secret = json!({"base_url": "https://service.commercev3.com/index.php",
                              "user": "u", "pass": "p", "service_id": "s"});
    stack.put_secret("cv3", "default", &scene_secret).await;
    let dir = Scratch::new();
    let file = history_file(&dir, 1_000);

    let stopped = baseline(&stack, &file, &["--max-rounds", "3"]).await;
    stopped.expect_code(1);
    assert_eq!(stopped.json()["written"], 300);
    assert_eq!(stopped.json()["finished"], false);
    assert!(
        stopped.stderr.contains("run the same command again"),
        "{stopped:#?}"
    );
    assert_eq!(stack.ledger_count().await, 300);

    let resumed = baseline(&stack, &file, &[]).await;
    resumed.expect_code(0);
    let report = resumed.json();
    assert_eq!(
        (report["written"].as_u64(), report["existing"].as_u64()),
        (Some(700), Some(300)),
        "{report:#}"
    );
    assert_eq!(stack.ledger_count().await, 1_000);

    // Each target was written once: its history holds one baseline entry, made by the run
    // that first reached it.
    let ledger = orderstatus::ledger::Ledger::new(
        stack.clients.dynamodb.clone(),
        &stack.table,
        Duration::from_secs(3600),
    );
    for order in ["700000", "700299", "700300", "700999"] {
        let key = LedgerKey::new(PlatformName::Cv3, "default", Target::order(order));
        let record = ledger.record(&key).await.unwrap().expect(order);
        assert_eq!(record.history.len(), 1, "{order}: {record:?}");
        let n: usize = order[1..].parse().unwrap();
        assert_eq!(record.history[0].message_id, Some(format!("hist-{n}")));
        assert!(record.history[0].at_ms <= now_ms());
    }
}

#[tokio::test]
async fn a_dry_run_counts_what_is_missing_and_writes_nothing() {
    let stack = TestStack::new(Duration::from_secs(30)).await;
    let secret = json!({"base_url": "https://service.commercev3.com/index.php",
                        "user": "u", "pass": "p", "service_id": "s"});
    stack.put_secret("cv3", "default", &secret).await;
    let dir = Scratch::new();
    let file = history_file(&dir, 150);
    baseline(&stack, &history_file(&dir, 50), &[])
        .await
        .expect_code(0);

    let dry = baseline(&stack, &file, &["--dry-run"]).await;
    dry.expect_code(0);
    let report = dry.json();
    assert_eq!(
        (report["written"].as_u64(), report["existing"].as_u64()),
        (Some(100), Some(50)),
        "{report:#}"
    );
    assert_eq!(report["dynamodb_requests"].get("BatchWriteItem"), None);
    assert_eq!(stack.ledger_count().await, 50);
}
