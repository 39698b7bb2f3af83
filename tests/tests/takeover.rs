//! The shared ledger and batch handler around a worker that died: a takeover never steps the
//! platform backwards, a message waiting for a live lease does not use up its receives, a
//! lease longer than the queue's visibility timeout is refused, and a message dead-lettered
//! twice is one letter. Through CV3 (the shared handler's behaviour; every platform has it).

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use orderstatus::batch::{DeadLetter, DeadLetterQueue};
use orderstatus::dead_letters::{DeadLetters, Selection};
use orderstatus::ledger::{ClaimOutcome, ClaimRequest, Ledger, LedgerKey, Position, now_ms};
use orderstatus::message::PlatformName;
use orderstatus::platform::Target;
use orderstatus_tests::cli::{run, stack_env};
use orderstatus_tests::cv3::{Cv3Scene, processing, seed_example};
use orderstatus_tests::stack::{TestStack, outcome_names};
use serde_json::json;

const SEED_TRACKING: &str = "UPS: 1Z3123134135 ; FedEx: 4563543534";

fn ledger(scene: &Cv3Scene) -> Ledger {
    Ledger::new(
        scene.stack.clients.dynamodb.clone(),
        &scene.stack.table,
        Duration::from_secs(86_400),
    )
}

fn order_key(order: &str) -> LedgerKey {
    LedgerKey::new(PlatformName::Cv3, "default", Target::order(order))
}

fn at(text: &str) -> Position {
    Position::new(text.parse().unwrap(), None)
}

/// A claim another worker took and never committed or released, lasting `from..until` (ms).
async fn claim_as_another_worker(
    ledger: &Ledger,
    key: &LedgerKey,
    position: &Position,
    tracking: Option<&str>,
    from_ms: i64,
    until_ms: i64,
) {
    let request = ClaimRequest {
        key,
        fingerprint: "fp-of-the-other-worker",
        position,
        tracking,
    };
    let outcome = ledger
        .claim(request, from_ms, until_ms)
        .await
        .expect("claim");
    assert!(matches!(outcome, ClaimOutcome::Claimed(_)), "{outcome:?}");
}

/// Seed 000's order, partially shipped the day before it shipped (older than seed_example).
fn partially_shipped(order_id: &str) -> String {
    json!({
        "version": 1, "platform": "cv3", "order": {"id": order_id},
        "status": "partially_shipped",
        "occurred_at": "2018-09-22T16:00:00-04:00",
        "packages": [{"carrier": "UPS", "tracking_number": "1Z3123134135",
                      "shipped_at": "2018-09-22T10:00:00-04:00"}]
    })
    .to_string()
}

#[tokio::test]
async fn a_takeover_never_steps_the_platform_back_nor_e_mails_the_tracking_twice() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let order = "70030203";
    scene.stack.send(&[processing(order)]).await;
    assert_eq!(scene.work().await.outcomes.get("uploaded"), Some(&1));

    // A worker claimed the order's newest event (shipped, seed 000), uploaded it and died
    // before its commit: its lease ended a minute ago, nothing was recorded.
    let now = now_ms();
    claim_as_another_worker(
        &ledger(&scene),
        &order_key(order),
        &at("2018-09-23T16:00:00-04:00"),
        Some(SEED_TRACKING),
        now - 180_000,
        now - 60_000,
    )
    .await;

    // The takeover receives the older partial shipment and the redelivered shipment together.
    scene
        .stack
        .send(&[partially_shipped(order), seed_example(order)])
        .await;
    let summary = scene.work().await;
    assert_eq!(
        summary.outcomes.get("stale"),
        Some(&1),
        "{:?}",
        summary.messages
    );
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        summary.messages
    );

    let statuses = scene.sandbox.received().statuses;
    let sent: Vec<&str> = statuses.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(
        sent,
        vec!["Processing", "Shipped 9/23/2018"],
        "no step back to the partial shipment after the shipment"
    );
    let shipped = &statuses[1];
    assert_eq!(shipped.tracking, SEED_TRACKING);
    assert!(
        !shipped.tracking_notification,
        "the dead worker may already have e-mailed this tracking set"
    );
}

#[tokio::test]
async fn a_message_waiting_for_a_live_lease_is_held_until_the_lease_ends() {
    // The queue hands a failed message out again after 2 s; the other worker's lease lasts 7 s.
    let scene = Cv3Scene::new(Duration::from_secs(2)).await;
    let order = "70010039";
    let lease_ends = now_ms() + 7_000;
    claim_as_another_worker(
        &ledger(&scene),
        &order_key(order),
        &at("2018-09-20T09:00:00-04:00"),
        None,
        now_ms(),
        lease_ends,
    )
    .await;
    scene.stack.send(&[seed_example(order)]).await;
    let first = scene.work_with(Duration::from_secs(5), 1).await;
    assert_eq!(
        first.outcomes.get("transient"),
        Some(&1),
        "{:?}",
        first.messages
    );

    // Past the queue's visibility timeout, the message is still held: no receive wasted.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        scene
            .stack
            .receive(&scene.stack.queue_url, 10)
            .await
            .is_empty(),
        "the locked message came back before the lease ended"
    );

    // Once the lease has ended, it is received for the second time only, and uploads.
    let wait = (lease_ends - now_ms()).max(0) as u64 + 2_500;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let received = scene.stack.receive(&scene.stack.queue_url, 10).await;
    assert_eq!(received.len(), 1);
    let receives = received[0]
        .attributes()
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
        })
        .cloned();
    assert_eq!(
        receives.as_deref(),
        Some("2"),
        "one receive per lease, not one per 2 s"
    );
    // Give it back and let the worker upload it.
    scene
        .stack
        .clients
        .sqs
        .change_message_visibility()
        .queue_url(&scene.stack.queue_url)
        .receipt_handle(received[0].receipt_handle().unwrap())
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let second = scene.work().await;
    assert_eq!(
        second.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        second.messages
    );
}

#[tokio::test]
async fn the_worker_refuses_a_lease_longer_than_the_queues_visibility_timeout() {
    let scene = Cv3Scene::new(Duration::from_secs(20)).await;
    scene.stack.send(&[processing("70020001")]).await;
    let mut env = scene.stack.function_env();
    env.lease = Duration::from_secs(65);
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let refused = scene
        .stack
        .try_work(platform, &env, 1)
        .await
        .expect_err("a 65 s lease on a 20 s queue");
    assert!(refused.contains("LEASE_SECONDS"), "{refused}");
    assert!(refused.contains("at least 65 s"), "{refused}");
    assert_eq!(
        scene.stack.depth(&scene.stack.queue_url).await,
        1,
        "nothing was received"
    );

    // `orderstatus worker` says the same and exits non-zero.
    let mut vars = stack_env(&scene.stack);
    vars.retain(|(name, _)| name != "LEASE_SECONDS");
    vars.push(("LEASE_SECONDS".into(), "65".into()));
    let cli = run(
        &["worker", "--platform", "cv3", "--until-empty"],
        &vars,
        None,
    )
    .await;
    assert_ne!(cli.code, 0, "{cli:#?}");
    assert!(cli.stderr.contains("VisibilityTimeout"), "{cli:#?}");
    let visibility = scene
        .stack
        .clients
        .sqs
        .get_queue_attributes()
        .queue_url(&scene.stack.queue_url)
        .attribute_names(QueueAttributeName::VisibilityTimeout)
        .send()
        .await
        .unwrap();
    assert_eq!(
        visibility
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::VisibilityTimeout))
            .map(String::as_str),
        Some("20")
    );
}

#[tokio::test]
async fn a_message_dead_lettered_twice_is_listed_once_and_redriven_once() {
    let stack = TestStack::new(Duration::from_secs(300)).await;
    let queue = DeadLetterQueue::new(
        stack.clients.sqs.clone(),
        &stack.dead_letter_queue_url,
        "cv3",
    );
    let letter = DeadLetter {
        message_id: "src-twice",
        body: r#"{"order":{"id":"1"}}"#,
        group_id: None,
        outcome: "rejected",
        reason: "auth",
        error: "CV3 refused the login",
    };
    // The worker died after the first write, before deleting the message: written again.
    for _ in 0..2 {
        assert!(queue.send(std::slice::from_ref(&letter)).await.is_empty());
    }
    assert_eq!(stack.depth(&stack.dead_letter_queue_url).await, 2);

    let list = run(
        &["dlq", "list", "--platform", "cv3", "--json"],
        &stack_env(&stack),
        None,
    )
    .await;
    list.expect_code(0);
    let letters = list.json()["letters"].as_array().unwrap().clone();
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["copies"], 2);

    let dead_letters = DeadLetters::new(
        stack.clients.sqs.clone(),
        &stack.dead_letter_queue_url,
        &stack.queue_url,
    );
    let report = dead_letters
        .redrive(&Selection::Ids(vec!["src-twice".into()]), 10)
        .await
        .unwrap();
    assert_eq!(report.moved.len(), 1, "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(stack.depth(&stack.queue_url).await, 1, "sent back once");
    assert_eq!(
        stack.depth(&stack.dead_letter_queue_url).await,
        0,
        "both copies deleted"
    );
}

#[tokio::test]
async fn an_upload_still_running_when_its_lease_ends_is_abandoned_not_sent_beside_the_next_holder()
{
    use orderstatus_sandboxes::cv3::{Fault, FaultKind};
    // A 2 s lease; the platform answers after 6 s, while the HTTP timeout would wait 10 s.
    let scene = Cv3Scene::new(Duration::from_secs(2)).await;
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Slow).delay_ms(6_000));
    scene.stack.send(&[processing("61001")]).await;
    let first = scene.work_with(Duration::from_secs(10), 1).await;
    assert_eq!(first.messages.len(), 1);
    let outcome = &first.messages[0].outcome;
    assert_eq!(outcome.name(), "transient", "{outcome:?}");
    assert!(
        outcome
            .detail()
            .unwrap_or_default()
            .contains("did not finish within its ledger lease"),
        "{outcome:?}"
    );
    // The abandoned call never reached the platform's books, and the lease was released:
    // the redelivery uploads it once.
    tokio::time::sleep(Duration::from_millis(6_500)).await;
    assert!(scene.uploaded_orders().is_empty());
    let second = scene.work().await;
    assert_eq!(outcome_names(&second), vec!["uploaded"]);
    assert_eq!(scene.uploaded_orders(), vec!["61001"]);
}
