//! `orderstatus history`: what the worker uploaded for an order, newest first, and leases held.

use std::time::Duration;

use orderstatus::ledger::{ClaimRequest, Ledger, LedgerKey, Position, now_ms};
use orderstatus::message::PlatformName;
use orderstatus::platform::Target;
use orderstatus_tests::cli::{run, stack_env};
use orderstatus_tests::cv3::{Cv3Scene, seed_example};
use serde_json::json;

fn delivered(order_id: &str) -> String {
    json!({"version": 1, "platform": "cv3", "id": "erp-delivered", "order": {"id": order_id},
           "status": "delivered", "occurred_at": "2018-09-26T12:00:00-04:00"})
    .to_string()
}

#[tokio::test]
async fn history_lists_what_the_worker_uploaded_newest_first() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let env = stack_env(&scene.stack);
    let worker = [
        "worker",
        "--platform",
        "cv3",
        "--until-empty",
        "--wait-seconds",
        "1",
        "--json",
    ];
    scene.stack.send(&[seed_example("12345")]).await;
    let first = run(&worker, &env, None).await;
    first.expect_code(0);
    assert_eq!(first.json()["outcomes"]["uploaded"], 1, "{first:#?}");
    scene.stack.send(&[delivered("12345")]).await;
    run(&worker, &env, None).await.expect_code(0);
    assert_eq!(scene.uploaded_orders(), vec!["12345", "12345"]);

    let shown = run(
        &["history", "--platform", "cv3", "--order", "12345", "--json"],
        &env,
        None,
    )
    .await;
    shown.expect_code(0);
    let history = shown.json();
    let entries = history["history"].as_array().unwrap();
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["delivered", "shipped"], "{history:#}");
    assert!(
        entries.iter().all(|e| e["kind"] == "uploaded"),
        "{history:#}"
    );
    assert_eq!(
        entries[1]["tracking"],
        "UPS: 1Z3123134135 ; FedEx: 4563543534"
    );
    assert_eq!(entries[0]["message_id"], "erp-delivered");
    assert_eq!(history["targets"][0]["status"], "delivered");
    assert_eq!(
        history["targets"][0]["fingerprint"], entries[0]["fingerprint"],
        "the record holds the last upload's fingerprint"
    );
    assert_eq!(history["targets"][0]["lease"], serde_json::Value::Null);

    let table = run(
        &["history", "--platform", "cv3", "--order", "12345"],
        &env,
        None,
    )
    .await;
    table.expect_code(0);
    let delivered_at = table.stdout.find("delivered").unwrap();
    assert!(
        table.stdout[delivered_at..].contains("shipped"),
        "{table:#?}"
    );
    assert!(table.stdout.contains("WHEN"), "{table:#?}");

    let unknown = run(
        &["history", "--platform", "cv3", "--order", "404"],
        &env,
        None,
    )
    .await;
    unknown.expect_code(1);
    assert!(
        unknown.stderr.contains("no ledger record for order 404"),
        "{unknown:#?}"
    );
}

#[tokio::test]
async fn history_shows_a_lease_held_by_a_worker() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let ledger = Ledger::new(
        scene.stack.clients.dynamodb.clone(),
        &scene.stack.table,
        Duration::from_secs(3600),
    );
    let key = LedgerKey::new(PlatformName::Cv3, "default", Target::order("777"));
    let position = Position::new("2024-01-01T00:00:00Z".parse().unwrap(), None);
    let now = now_ms();
    let request = ClaimRequest {
        key: &key,
        fingerprint: "fp-in-flight",
        position: &position,
        tracking: None,
    };
    ledger.claim(request, now, now + 600_000).await.unwrap();

    let shown = run(
        &["history", "--platform", "cv3", "--order", "777", "--json"],
        &stack_env(&scene.stack),
        None,
    )
    .await;
    shown.expect_code(0);
    let lease = &shown.json()["targets"][0]["lease"];
    assert_eq!(lease["live"], true, "{lease:#}");
    assert_eq!(lease["fingerprint"], "fp-in-flight");
}
