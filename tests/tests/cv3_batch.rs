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
