//! The batch handler called directly with Lambda events, as the Lambda runtime does.

use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use orderstatus::runtime::build_handler;
use orderstatus_sandboxes::cv3::{Fault, FaultKind};
use orderstatus_tests::cv3::{Cv3Scene, invalid, processing, seed_example};

fn record(id: &str, body: String, group: Option<&str>) -> SqsMessage {
    let mut record = SqsMessage::default();
    record.message_id = Some(id.to_owned());
    record.body = Some(body);
    if let Some(group) = group {
        record
            .attributes
            .insert("MessageGroupId".into(), group.into());
    }
    record
}

fn event(records: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = records;
    event
}

fn failures(response: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
}

#[tokio::test]
async fn a_failed_dead_letter_write_reports_the_message_instead_of_dropping_it() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let mut env = scene.stack.function_env();
    env.dead_letter_queue_url = format!("{}/123456789012/no-such-queue", scene.stack.endpoint);
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, &env, &scene.stack.clients);
    let batch = event(vec![
        record("good", seed_example("12345"), None),
        record("bad", invalid(), None),
    ]);
    let report = handler.handle(&batch, None).await;
    assert_eq!(
        failures(&report.response),
        vec!["bad"],
        "{:?}",
        report.messages
    );
    let bad = report
        .messages
        .iter()
        .find(|m| m.message_id == "bad")
        .unwrap();
    assert_eq!(bad.outcome.name(), "invalid");
    assert!(!bad.dead_lettered);
    assert_eq!(
        scene.sandbox.received().statuses.len(),
        1,
        "the neighbour still uploaded"
    );
}

#[tokio::test]
async fn a_fifo_group_stops_behind_its_failed_message() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, &scene.stack.function_env(), &scene.stack.clients);
    // The first round's call (g1-first and g2-only together) fails past its retries; g1's
    // second message, in the next round, must then not be sent at all.
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Http500).times(3));
    let batch = event(vec![
        record("g1-first", seed_example("111"), Some("g1")),
        record("g1-second", processing("222"), Some("g1")),
        record("g2-only", processing("333"), Some("g2")),
    ]);
    let report = Box::pin(handler.handle(&batch, None)).await;
    assert_eq!(
        failures(&report.response),
        vec!["g1-first", "g1-second", "g2-only"],
        "{:?}",
        report.messages
    );
    let second = report
        .messages
        .iter()
        .find(|m| m.message_id == "g1-second")
        .unwrap();
    assert!(
        second
            .outcome
            .detail()
            .unwrap()
            .contains("earlier message of FIFO group g1")
    );
    let received = scene.sandbox.received();
    assert_eq!(
        received.requests, 3,
        "only the first round's call (and its retries) was made"
    );
    assert!(received.statuses.is_empty(), "{received:?}");

    // Redelivered in order, the group goes through.
    let report = Box::pin(handler.handle(&batch, None)).await;
    assert!(
        failures(&report.response).is_empty(),
        "{:?}",
        report.messages
    );
    assert_eq!(
        scene.uploaded_orders(),
        vec!["111", "333", "222"],
        "g1's second message after its first"
    );
}

/// The figures of a batch, as its metrics lines report them, against what the batch did: the
/// sandbox's request count, moto's DynamoDB request count, the outcomes and the ages sent.
#[tokio::test]
async fn a_batch_reports_per_account_figures_that_match_the_work() {
    use orderstatus::ledger::now_ms;
    use orderstatus::metrics::{LineContext, emf_lines};

    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, &scene.stack.function_env(), &scene.stack.clients);
    // The first CV3 call fails once and is retried.
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Http500).times(1));
    let mut stranger: serde_json::Value = serde_json::from_str(&seed_example("603")).unwrap();
    stranger["account"] = "nobody".into();
    let mut records = vec![
        record("new-1", seed_example("601"), None),
        record("new-2", processing("602"), None),
        record("again", seed_example("601"), None),
        record("bad", invalid(), None),
        record("stranger", stranger.to_string(), None),
    ];
    // Sent 90 s ago, one second apart: the oldest is the first.
    let sent_ms = now_ms() - 90_000;
    for (i, record) in records.iter_mut().enumerate() {
        record.attributes.insert(
            "SentTimestamp".into(),
            (sent_ms + 1000 * i as i64).to_string(),
        );
    }
    scene.stack.dynamodb_requests.reset();
    let report = handler.handle(&event(records), None).await;
    let dynamodb_requests: usize = scene.stack.dynamodb_requests.snapshot().values().sum();
    let received = scene.sandbox.received();
    assert_eq!(received.statuses.len(), 2, "{:?}", report.messages);

    let figures = |account: Option<&str>| {
        report
            .metrics
            .iter()
            .find(|(name, _)| name.as_deref() == account)
            .map(|(_, figures)| figures.clone())
            .unwrap_or_else(|| panic!("no figures for {account:?}: {:?}", report.metrics))
    };
    assert_eq!(report.metrics.len(), 2, "the account and the unattributed");
    let shop = figures(Some("default"));
    let count = |outcome: &str| shop.outcomes.get(outcome).copied().unwrap_or_default();
    assert_eq!(shop.messages, 3);
    assert_eq!((count("uploaded"), count("duplicate")), (2, 1));
    assert_eq!(shop.dead_lettered, 0);
    assert_eq!(
        shop.platform_calls, received.requests,
        "every attempt, the 500 too"
    );
    assert_eq!((shop.platform_retries, shop.platform_throttles), (1, 0));
    assert_eq!(shop.platform_latency_ms.count(), received.requests);
    assert_eq!(
        shop.units_per_call.values(),
        &[2.0],
        "one upload of both orders"
    );
    assert_eq!(shop.ledger_requests as usize, dynamodb_requests);
    assert_eq!(shop.ledger_requests, 5, "three claims, two commits");
    assert_eq!(shop.ledger_latency_ms.count(), shop.ledger_requests);
    let age = shop.oldest_message_age_ms.unwrap();
    assert!((90_000..120_000).contains(&age), "{age}");

    let unattributed = figures(None);
    assert_eq!(unattributed.messages, 2);
    assert_eq!(unattributed.outcomes.get("invalid"), Some(&2));
    assert_eq!(unattributed.dead_lettered, 2);
    assert_eq!(
        (unattributed.platform_calls, unattributed.ledger_requests),
        (0, 0)
    );
    assert!(unattributed.oldest_message_age_ms.unwrap() < age);

    let lines = emf_lines("cv3", &report.metrics, now_ms(), LineContext::default());
    let lines: Vec<serde_json::Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let account_line = lines.iter().find(|l| l["Account"] == "default").unwrap();
    assert_eq!(account_line["PlatformCalls"], received.requests);
    assert_eq!(account_line["LedgerRequests"], 5);
    assert_eq!(account_line["UnitsPerCall"], serde_json::json!([2.0]));
    assert!(
        lines.iter().all(|l| l["Account"] != "nobody"),
        "unknown accounts are no dimension"
    );
}

/// Messages naming ever new unknown accounts must not grow the account store for the
/// container's life: only accounts that loaded are kept.
#[tokio::test]
async fn unknown_account_names_are_not_kept() {
    use orderstatus::config::{AccountStore, BatchLimits, ConfigError};
    use orderstatus::message::PlatformName;

    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let env = scene.stack.function_env();
    let store: AccountStore<orderstatus_cv3::Cv3Settings> = AccountStore::new(
        scene.stack.clients.secrets.clone(),
        PlatformName::Cv3,
        &env.secrets,
        BatchLimits::of::<orderstatus_cv3::Cv3>(),
        |_| Ok(()),
    );
    for i in 0..20 {
        let unknown = store.get(&format!("stranger-{i}")).await;
        assert!(
            matches!(unknown, Err(ConfigError::UnknownAccount { .. })),
            "{unknown:?}"
        );
    }
    assert!(store.get("default").await.is_ok());
    assert!(store.get("default").await.is_ok());
    assert_eq!(store.cached_names().await, 1);
}
