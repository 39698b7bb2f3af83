//! The shared batch handler's own behaviour, through a fake in-process platform (no protocol):
//! accounts uploaded at once, one-order-per-call platforms fanned out within an account's
//! concurrency, and a refusal confined to its message.

use std::time::Duration;

use orderstatus_tests::fake::FakePlatform;
use orderstatus_tests::stack::TestStack;
use serde_json::json;

fn message(account: &str, order: &str) -> String {
    json!({"version": 1, "platform": "cv3", "account": account, "order": {"id": order},
           "status": "processing", "occurred_at": "2024-05-01T10:00:00Z"})
    .to_string()
}

async fn stack_with_accounts(accounts: &[(&str, serde_json::Value)]) -> TestStack {
    let stack = TestStack::new(Duration::from_secs(30)).await;
    for (name, extra) in accounts {
        let mut secret = json!({"base_url": "https://fake.example"});
        for (key, value) in extra.as_object().unwrap() {
            secret[key] = value.clone();
        }
        stack.put_secret("cv3", name, &secret).await;
    }
    stack
}

#[tokio::test]
async fn the_accounts_of_a_batch_are_uploaded_at_once() {
    let stack = stack_with_accounts(&[("a", json!({})), ("b", json!({}))]).await;
    let platform = FakePlatform::<10>::new(Duration::from_millis(300));
    stack.send(&[message("a", "1"), message("b", "2")]).await;
    let summary = stack.work(platform.clone(), 5).await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&2),
        "{:?}",
        summary.messages
    );
    assert_eq!(platform.calls().len(), 2, "one call per account");
    assert_eq!(
        platform.most_in_flight(),
        2,
        "the two accounts' calls overlapped"
    );
}

#[tokio::test]
async fn a_one_order_per_call_platform_is_fanned_out_within_the_accounts_concurrency() {
    let stack = stack_with_accounts(&[("default", json!({"concurrency": 3}))]).await;
    let platform = FakePlatform::<1>::new(Duration::from_millis(200));
    let orders: Vec<String> = (1..=8)
        .map(|i| message("default", &i.to_string()))
        .collect();
    stack.send(&orders).await;
    let summary = stack.work(platform.clone(), 5).await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&8),
        "{:?}",
        summary.messages
    );
    let calls = platform.calls();
    assert_eq!(calls.len(), 8);
    assert!(calls.iter().all(|call| call.len() == 1), "{calls:?}");
    assert_eq!(
        platform.most_in_flight(),
        3,
        "the account's concurrency, no more"
    );
}

#[tokio::test]
async fn a_refused_order_fails_only_its_message() {
    let stack = stack_with_accounts(&[("default", json!({}))]).await;
    let platform = FakePlatform::<10>::new(Duration::ZERO);
    platform.refuse("2");
    stack
        .send(&[
            message("default", "1"),
            message("default", "2"),
            message("default", "3"),
        ])
        .await;
    let summary = stack.work(platform.clone(), 5).await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&2),
        "{:?}",
        summary.messages
    );
    assert_eq!(summary.outcomes.get("rejected"), Some(&1));
    let letters = stack.dead_letter_attributes().await;
    assert_eq!(letters.len(), 1);
    assert!(letters[0].body.contains("\"2\""), "{letters:?}");
    assert_eq!(letters[0].error, "fake: order refused");
}
