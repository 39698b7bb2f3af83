//! Speed4Trade end to end: moto, the Speed4Trade sandbox, and the batch handler driven as Lambda
//! drives it (one event of many records) or by the local worker.

use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use orderstatus::batch::BatchReport;
use orderstatus::runtime::build_handler;
use orderstatus_sandboxes::speed4trade::{Fault, FaultKind};
use orderstatus_tests::speed4trade::{Speed4TradeScene, key, message, shipped};
use serde_json::json;

/// One Lambda event holding `bodies`, message ids `m0`, `m1`, …
fn event(bodies: &[String]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let mut record = SqsMessage::default();
            record.message_id = Some(format!("m{i}"));
            record.body = Some(body.clone());
            record
        })
        .collect();
    event
}

/// The batch handler of the scene's function, handling one event.
async fn handle(scene: &Speed4TradeScene, bodies: &[String]) -> BatchReport {
    let env = scene.stack.function_env();
    let handler = build_handler(scene.platform(), &env, &scene.stack.clients);
    handler.handle(&event(bodies), None).await
}

fn paid(number: usize) -> String {
    message(
        &number.to_string(),
        "paid",
        "2024-05-02T09:00:00+02:00",
        json!({}),
    )
}

fn outcome_of<'r>(report: &'r BatchReport, message_id: &str) -> &'r str {
    report
        .messages
        .iter()
        .find(|m| m.message_id == message_id)
        .map(|m| m.outcome.name())
        .unwrap_or("missing")
}

#[tokio::test]
async fn a_call_of_100_orders_with_3_refused_dead_letters_exactly_those_three() {
    let scene = Speed4TradeScene::new(Duration::from_secs(30)).await;
    let refused = [7, 42, 99];
    let statuses: Vec<(String, &str)> = refused
        .iter()
        .map(|i| (key(&(1000 + i).to_string()), "CANCELED"))
        .collect();
    let statuses: Vec<(&str, &str)> = statuses.iter().map(|(k, s)| (k.as_str(), *s)).collect();
    scene.sandbox.set_statuses(&statuses);
    let bodies: Vec<String> = (0..100).map(|i| paid(1000 + i)).collect();
    let report = handle(&scene, &bodies).await;

    assert_eq!(scene.call_sizes(), [100], "one call of 100 orders");
    assert_eq!(
        report.counts().get("uploaded"),
        Some(&97),
        "{:?}",
        report.counts()
    );
    assert_eq!(report.counts().get("rejected"), Some(&3));
    assert!(report.response.batch_item_failures.is_empty());
    for i in refused {
        assert_eq!(outcome_of(&report, &format!("m{i}")), "rejected");
    }
    let mut letters = scene.stack.dead_letter_attributes().await;
    letters.sort_by(|a, b| a.body.cmp(&b.body));
    assert_eq!(letters.len(), 3, "{letters:?}");
    for (letter, i) in letters.iter().zip(refused) {
        assert_eq!(letter.body, paid(1000 + i));
        assert_eq!(
            (letter.outcome.as_str(), letter.reason.as_str()),
            ("rejected", "platform")
        );
        assert!(
            letter.error.contains(&format!("order_number {}", 1000 + i))
                && letter
                    .error
                    .contains("has status CANCELED and cannot be updated"),
            "{letter:?}"
        );
    }
    assert_eq!(scene.applied().len(), 97);
}

#[tokio::test]
async fn a_response_missing_one_report_leaves_only_that_message_for_retry() {
    let scene = Speed4TradeScene::new(Duration::from_secs(30)).await;
    scene.sandbox.inject(Fault::new(FaultKind::MissingReport));
    let bodies: Vec<String> = (0..5).map(|i| paid(2000 + i)).collect();
    let report = handle(&scene, &bodies).await;
    let failed: Vec<&str> = report
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["m4"], "{:?}", report.messages);
    assert_eq!(report.counts().get("uploaded"), Some(&4));
    assert!(scene.stack.dead_letters().await.is_empty());

    // SQS hands the one message back: it goes through alone, the others are not sent again.
    let again = handle(&scene, &bodies[4..]).await;
    assert_eq!(outcome_of(&again, "m0"), "uploaded");
    assert_eq!(scene.call_sizes(), [4, 1]);
}

#[tokio::test]
async fn a_redelivered_shipped_sends_nothing_and_new_packages_after_shipped_are_not_applicable() {
    let scene = Speed4TradeScene::new(Duration::from_secs(1)).await;
    scene.stack.send(&[shipped("100", "32123461123")]).await;
    let first = scene.work(5).await;
    assert_eq!(
        first.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        first.messages
    );
    let state = scene.sandbox.order(&key("100")).unwrap();
    assert_eq!(state.status, "SHIPPED");
    assert_eq!(state.packages.len(), 1);
    assert_eq!(
        state.packages[0].shipping_provider_external_id.as_deref(),
        Some("dhl_ext")
    );
    assert_eq!(
        state.packages[0].shipping_date.as_deref(),
        Some("2024-05-03T11:00:00")
    );

    scene.stack.send(&[shipped("100", "32123461123")]).await;
    let redelivered = scene.work(5).await;
    assert_eq!(
        redelivered.outcomes.get("duplicate"),
        Some(&1),
        "{:?}",
        redelivered.messages
    );
    assert_eq!(scene.sandbox.calls().len(), 1, "a redelivery sends nothing");

    let mut later = serde_json::from_str::<serde_json::Value>(&shipped("100", "99999")).unwrap();
    later["occurred_at"] = json!("2024-05-04T10:00:00+02:00");
    scene.stack.send(&[later.to_string()]).await;
    let changed = scene.work(5).await;
    assert_eq!(
        changed.outcomes.get("not_applicable"),
        Some(&1),
        "{:?}",
        changed.messages
    );
    assert_eq!(
        scene.sandbox.calls().len(),
        1,
        "nothing sent for new packages"
    );
    match &changed.messages[0].outcome {
        orderstatus::batch::Outcome::NotApplicable { reason } => {
            assert_eq!(
                reason,
                "Speed4Trade ignores shipping information after SHIPPED"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(scene.stack.dead_letters().await.is_empty());
}

#[tokio::test]
async fn messages_250_go_out_in_3_calls() {
    let scene = Speed4TradeScene::new(Duration::from_secs(30)).await;
    let bodies: Vec<String> = (0..250).map(|i| paid(3000 + i)).collect();
    let report = handle(&scene, &bodies).await;
    assert_eq!(
        report.counts().get("uploaded"),
        Some(&250),
        "{:?}",
        report.counts()
    );
    let mut sizes = scene.call_sizes();
    sizes.sort_unstable();
    assert_eq!(sizes, [50, 100, 100]);
}

#[tokio::test]
async fn t2_100_is_acknowledged_paid_and_shipped_through_the_worker() {
    let scene = Speed4TradeScene::new(Duration::from_secs(1)).await;
    let lifecycle = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/speed4trade/lifecycle.jsonl"
    ))
    .unwrap();
    let bodies: Vec<String> = lifecycle.lines().map(str::to_owned).collect();
    scene.stack.send(&bodies).await;
    let summary = scene.work(10).await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&3),
        "{:?}",
        summary.messages
    );
    let state = scene.sandbox.order(&key("100")).unwrap();
    assert_eq!(state.status, "SHIPPED");
    assert_eq!(state.export_time.as_deref(), Some("2024-05-02T08:30:00"));
    assert_eq!(state.payments, ["paid"]);
    assert_eq!(state.packages[0].tracking_number, "32123461123");
    assert_eq!(state.ignored, 0);
}

#[tokio::test]
async fn soap_faults_and_garbage_are_retried_and_a_401_is_auth() {
    let scene = Speed4TradeScene::new(Duration::from_secs(30)).await;
    scene.sandbox.inject(Fault::new(FaultKind::SoapFault));
    scene.sandbox.inject(Fault::new(FaultKind::Garbage));
    let report = handle(&scene, &[paid(4000)]).await;
    assert_eq!(
        outcome_of(&report, "m0"),
        "uploaded",
        "retried within the invocation"
    );

    scene
        .sandbox
        .inject(Fault::new(FaultKind::SoapFault).times(3));
    let report = handle(&scene, &[paid(4001)]).await;
    assert_eq!(
        outcome_of(&report, "m0"),
        "transient",
        "{:?}",
        report.messages
    );

    scene.sandbox.inject(Fault::new(FaultKind::Unauthorized));
    let report = handle(&scene, &[paid(4002)]).await;
    assert_eq!(outcome_of(&report, "m0"), "rejected");
    let letters = scene.stack.dead_letter_attributes().await;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].reason, "auth");
    assert!(
        letters[0].error.contains("username and password"),
        "{letters:?}"
    );
}

#[tokio::test]
async fn an_invalid_message_goes_to_the_dlq_naming_the_field() {
    let scene = Speed4TradeScene::new(Duration::from_secs(30)).await;
    let no_prefix = message(
        "5000",
        "paid",
        "2024-05-02T09:00:00+02:00",
        json!({"order": {"id": "5000"}}),
    );
    let report = handle(&scene, &[no_prefix, paid(5001)]).await;
    assert_eq!(outcome_of(&report, "m0"), "invalid");
    assert_eq!(outcome_of(&report, "m1"), "uploaded");
    let letters = scene.stack.dead_letter_attributes().await;
    assert_eq!(letters.len(), 1);
    assert!(
        letters[0].error.contains("order.number_prefix"),
        "{letters:?}"
    );
}

/// The figures README.md reports (opt-in: `-- --ignored --nocapture`): 1,000 messages through
/// the local worker (SQS batches of 10, as Lambda's default) and through one 1,000-record
/// event; DynamoDB writes per message and Speed4Trade calls per 1,000 messages.
#[tokio::test]
#[ignore = "a measurement, not a check; run with --ignored --nocapture"]
async fn figures_for_1000_messages() {
    let scene = Speed4TradeScene::new(Duration::from_secs(60)).await;
    let bodies: Vec<String> = (0..1000).map(|i| paid(10_000 + i)).collect();
    scene.stack.send(&bodies).await;
    scene.stack.dynamodb_requests.reset();
    let started = std::time::Instant::now();
    let summary = scene.work(200).await;
    let elapsed = started.elapsed();
    assert_eq!(summary.outcomes.get("uploaded"), Some(&1000));
    let writes = scene.stack.dynamodb_requests.snapshot();
    println!(
        "worker: 1000 messages in {:.1} s = {:.0} messages/s; {} Speed4Trade calls; DynamoDB {:?}",
        elapsed.as_secs_f64(),
        1000.0 / elapsed.as_secs_f64(),
        scene.sandbox.calls().len(),
        writes
    );

    let batch = Speed4TradeScene::new(Duration::from_secs(60)).await;
    let bodies: Vec<String> = (0..1000).map(|i| paid(20_000 + i)).collect();
    batch.stack.dynamodb_requests.reset();
    let started = std::time::Instant::now();
    let report = handle(&batch, &bodies).await;
    let elapsed = started.elapsed();
    assert_eq!(report.counts().get("uploaded"), Some(&1000));
    println!(
        "one 1000-record event: {:.1} s = {:.0} messages/s; calls of {:?}; DynamoDB {:?}",
        elapsed.as_secs_f64(),
        1000.0 / elapsed.as_secs_f64(),
        batch.call_sizes(),
        batch.stack.dynamodb_requests.snapshot()
    );
}
