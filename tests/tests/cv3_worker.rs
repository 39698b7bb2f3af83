//! CV3 end to end through the local worker: SQS (moto) → handler → CV3 sandbox and ledger.

use std::time::Duration;

use orderstatus::ledger::{LedgerKey, now_ms};
use orderstatus::message::PlatformName;
use orderstatus::platform::Target;
use orderstatus::runtime::build_handler;
use orderstatus::worker::WorkerOptions;
use orderstatus_sandboxes::cv3::{Fault, FaultKind};
use orderstatus_tests::cv3::{Cv3Scene, credentials, invalid, processing, seed_example};

#[tokio::test]
async fn uploads_in_one_call_dead_letters_the_invalid_and_skips_the_duplicate() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    scene
        .stack
        .send(&[seed_example("12345"), processing("12346"), invalid()])
        .await;
    let summary = scene.work().await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&2),
        "{:?}",
        summary.messages
    );
    assert_eq!(summary.outcomes.get("invalid"), Some(&1));

    let received = scene.sandbox.received();
    assert_eq!(received.requests, 1, "both statuses in one CV3 call");
    let shipped = received
        .statuses
        .iter()
        .find(|s| s.order_id == "12345")
        .expect("12345 uploaded");
    assert_eq!(shipped.status, "Shipped 9/23/2018");
    assert_eq!(shipped.tracking, "UPS: 1Z3123134135 ; FedEx: 4563543534");
    assert!(
        shipped.tracking_notification,
        "first tracking upload notifies the shopper"
    );
    let processing = received
        .statuses
        .iter()
        .find(|s| s.order_id == "12346")
        .expect("12346 uploaded");
    assert_eq!(processing.status, "Processing");

    let reasons = scene.dead_letter_reasons().await;
    assert_eq!(reasons, vec![("schema".to_owned(), "invalid".to_owned())]);
    assert_eq!(
        scene.stack.depth(&scene.stack.queue_url).await,
        0,
        "every message finished"
    );

    // A second delivery of the same facts uploads nothing.
    scene.stack.send(&[seed_example("12345")]).await;
    let again = scene.work().await;
    assert_eq!(
        again.outcomes.get("duplicate"),
        Some(&1),
        "{:?}",
        again.messages
    );
    assert_eq!(
        scene.sandbox.received().requests,
        1,
        "no CV3 call for a duplicate"
    );

    // The ledger knows what was sent.
    let handler_ledger = orderstatus::ledger::Ledger::new(
        scene.stack.clients.dynamodb.clone(),
        &scene.stack.table,
        Duration::from_secs(3600),
    );
    let record = handler_ledger
        .record(&LedgerKey::new(
            PlatformName::Cv3,
            "default",
            Target::order("12345"),
        ))
        .await
        .unwrap()
        .expect("ledger record");
    assert_eq!(record.status.as_deref(), Some("shipped"));
    assert_eq!(record.history.len(), 1);
    assert!(record.history[0].at_ms <= now_ms());
}

#[tokio::test]
async fn a_per_order_error_rejects_only_that_order() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    scene.sandbox.set_unknown_orders(&["55555"]);
    scene
        .stack
        .send(&[seed_example("12345"), processing("55555")])
        .await;
    let summary = scene.work().await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        summary.messages
    );
    assert_eq!(summary.outcomes.get("rejected"), Some(&1));
    let rejected = summary
        .messages
        .iter()
        .find(|m| m.outcome.name() == "rejected")
        .unwrap();
    assert_eq!(rejected.order_id.as_deref(), Some("55555"));
    assert!(
        rejected
            .outcome
            .detail()
            .unwrap()
            .contains("order not found"),
        "{rejected:?}"
    );
    assert_eq!(scene.sandbox.received().requests, 1);
    assert_eq!(
        scene.dead_letter_reasons().await,
        vec![("platform".to_owned(), "rejected".to_owned())]
    );
}

#[tokio::test]
async fn a_rotated_password_is_rejected_as_auth_not_retried() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let mut rotated = credentials();
    rotated.pass = "new-password".into();
    scene.sandbox.set_credentials(rotated);
    scene.stack.send(&[seed_example("12345")]).await;
    let summary = scene.work().await;
    assert_eq!(
        summary.outcomes.get("rejected"),
        Some(&1),
        "{:?}",
        summary.messages
    );
    let detail = summary.messages[0].outcome.detail().unwrap();
    assert!(
        detail.contains("check user, pass and service_id"),
        "{detail}"
    );
    assert!(!detail.contains("s3cret-pass"), "secret leaked: {detail}");
    assert_eq!(
        scene.sandbox.received().requests,
        1,
        "no retry loop on a refused login"
    );
    assert_eq!(
        scene.dead_letter_reasons().await,
        vec![("auth".to_owned(), "rejected".to_owned())]
    );
}

#[tokio::test]
async fn a_brief_500_is_retried_within_the_call() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Http500).times(2));
    scene.stack.send(&[seed_example("12345")]).await;
    let summary = scene.work().await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        summary.messages
    );
    let received = scene.sandbox.received();
    assert_eq!(received.requests, 3, "two 500s, then success");
    assert_eq!(received.statuses.len(), 1);
}

#[tokio::test]
async fn a_longer_outage_goes_back_to_sqs_and_nothing_is_lost() {
    let scene = Cv3Scene::new(Duration::from_secs(1)).await;
    // More failures than one call's retries: the message must come back through SQS.
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Http500).times(3));
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Garbage).times(1));
    scene
        .stack
        .send(&[seed_example("12345"), processing("12346")])
        .await;
    let mut outcomes = Vec::new();
    for _ in 0..10 {
        let summary = scene.work().await;
        outcomes.extend(summary.messages.iter().map(|m| m.outcome.name()));
        if scene.sandbox.received().statuses.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }
    assert!(
        outcomes.contains(&"transient"),
        "the outage was seen: {outcomes:?}"
    );
    assert_eq!(
        scene.uploaded_orders_sorted(),
        vec!["12345", "12346"],
        "each uploaded exactly once"
    );
    assert!(scene.dead_letter_reasons().await.is_empty());
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 0);
}

#[tokio::test]
async fn sns_and_eventbridge_wrapped_messages_are_unwrapped() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let sns = serde_json::json!({
        "Type": "Notification",
        "MessageId": "sns-1",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:order-status",
        "Message": seed_example("20001"),
        "Timestamp": "2018-09-23T20:00:00.000Z"
    })
    .to_string();
    let eventbridge = format!(
        r#"{{"version":"0","id":"eb-1","detail-type":"OrderStatusChanged","source":"erp","account":"123456789012","time":"2018-09-23T20:00:00Z","region":"us-east-1","resources":[],"detail":{}}}"#,
        processing("20002")
    );
    scene.stack.send(&[sns, eventbridge]).await;
    let summary = scene.work().await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&2),
        "{:?}",
        summary.messages
    );
    assert_eq!(scene.uploaded_orders_sorted(), vec!["20001", "20002"]);
}

#[tokio::test]
async fn an_account_without_a_secret_is_dead_lettered_naming_the_field_and_the_secret() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let mut message: serde_json::Value = serde_json::from_str(&seed_example("30001")).unwrap();
    message["account"] = "store-b".into();
    scene
        .stack
        .send(&[message.to_string(), seed_example("30002")])
        .await;
    let summary = scene.work().await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        summary.messages
    );
    let invalid = summary
        .messages
        .iter()
        .find(|m| m.outcome.name() == "invalid")
        .unwrap();
    let detail = invalid.outcome.detail().unwrap();
    assert!(detail.starts_with("account: no secret "), "{detail}");
    assert!(
        detail.contains(&format!("{}cv3/store-b", scene.stack.secrets_prefix)),
        "{detail}"
    );
    assert_eq!(
        scene.dead_letter_reasons().await,
        vec![("config".to_owned(), "invalid".to_owned())]
    );
}

#[tokio::test]
async fn a_slow_platform_times_out_as_transient_and_the_retry_uploads() {
    // A lease (the visibility timeout) longer than the three attempts of 500 ms: an upload may
    // not outlive its lease.
    let scene = Cv3Scene::new(Duration::from_secs(4)).await;
    // Slower than the client's per-attempt timeout on every attempt of the first call.
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Slow).delay_ms(3_000).times(3));
    scene.stack.send(&[seed_example("40001")]).await;
    let first = scene.work_with(Duration::from_millis(500), 1).await;
    assert_eq!(
        first.outcomes.get("transient"),
        Some(&1),
        "{:?}",
        first.messages
    );
    assert!(
        first.messages[0]
            .outcome
            .detail()
            .unwrap()
            .contains("timeout"),
        "{:?}",
        first.messages
    );
    // The sandbox finishes the slow requests after the client gave up; wait them out and the
    // visibility timeout, then the redelivered message uploads.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let second = scene.work_with(Duration::from_millis(500), 1).await;
    assert_eq!(
        second.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        second.messages
    );
}

#[tokio::test]
async fn an_error_naming_no_order_is_isolated_by_sending_entries_alone() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    // The next CV3 call answers one <error> that names none of its orders.
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Error).message("Internal processing error"));
    scene
        .stack
        .send(&[seed_example("50001"), processing("50002")])
        .await;
    let summary = scene.work().await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&2),
        "{:?}",
        summary.messages
    );
    let received = scene.sandbox.received();
    assert_eq!(received.requests, 3, "the batch, then each entry alone");
    assert_eq!(received.statuses.len(), 2);
}

#[tokio::test]
async fn a_server_soap_fault_is_transient() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    scene.sandbox.inject(
        Fault::new(FaultKind::SoapFault)
            .message("database unavailable")
            .times(3),
    );
    scene.stack.send(&[seed_example("60001")]).await;
    let summary = scene.work_with(Duration::from_secs(5), 1).await;
    assert_eq!(
        summary.outcomes.get("transient"),
        Some(&1),
        "{:?}",
        summary.messages
    );
    let detail = summary.messages[0].outcome.detail().unwrap();
    assert!(detail.contains("database unavailable"), "{detail}");
    assert!(scene.dead_letter_reasons().await.is_empty());
}

#[tokio::test]
async fn each_account_secret_is_read_once_per_container() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let secrets_requests = orderstatus::aws::RequestCounter::default();
    let mut clients = scene.stack.clients.clone();
    clients.secrets = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::config::Builder::from(&scene.stack.config)
            .interceptor(secrets_requests.clone())
            .build(),
    );
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, &scene.stack.function_env(), &clients);
    let options = WorkerOptions {
        queue_url: scene.stack.queue_url.clone(),
        batch_size: 5,
        wait: Duration::from_secs(1),
        until_empty: true,
        max_batches: Some(10),
    };
    let orders: Vec<String> = (0..12)
        .map(|i| processing(&format!("7000{i:02}")))
        .collect();
    scene.stack.send(&orders).await;
    let summary = Box::pin(orderstatus::worker::run(
        &handler,
        &clients.sqs,
        &options,
        std::future::pending(),
    ))
    .await
    .unwrap();
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&12),
        "{:?}",
        summary.messages
    );
    assert!(summary.batches >= 3);
    assert_eq!(
        secrets_requests.count("GetSecretValue"),
        1,
        "{:?}",
        secrets_requests.snapshot()
    );
}
