//! Bad input never harms a neighbour: every body of the bad-input corpus, a few to an SQS event
//! among good messages, through the batch handler as Lambda calls it. The bad one lands in the
//! dead-letter queue with its reason; every neighbour is uploaded once.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use orderstatus::runtime::build_handler;
use orderstatus_tests::bad_input::{Sent, bad_bodies, mixed_events, oversized};
use orderstatus_tests::cv3::{Cv3Scene, credentials, processing};
use serde_json::json;

fn event(bodies: &[(String, String)]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = bodies
        .iter()
        .map(|(id, body)| {
            let mut record = SqsMessage::default();
            record.message_id = Some(id.clone());
            record.body = Some(body.clone());
            record
        })
        .collect();
    event
}

fn counts(orders: Vec<String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for order in orders {
        *counts.entry(order).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn every_bad_body_is_dead_lettered_naming_its_field_and_neighbours_upload_once() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, &scene.stack.function_env(), &scene.stack.clients);
    let events = mixed_events(bad_bodies(), 3, "91");
    let mut good = Vec::new();
    let mut bad_count = 0;
    for (e, sent) in events.iter().enumerate() {
        let bodies: Vec<(String, String)> = sent
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("e{e}-m{i}"), s.body()))
            .collect();
        let report = Box::pin(handler.handle(&event(&bodies), None)).await;
        assert!(
            report.response.batch_item_failures.is_empty(),
            "event {e}: {:?}",
            report.messages
        );
        for (s, message) in sent.iter().zip(&report.messages) {
            match s {
                Sent::Bad(bad) => {
                    bad_count += 1;
                    assert_eq!(message.outcome.name(), "invalid", "{bad:?}");
                    assert!(message.dead_lettered, "{bad:?}");
                    let detail = message.outcome.detail().unwrap_or_default();
                    assert!(
                        detail.starts_with(&format!("{}: ", bad.field)),
                        "[{}] expected {}, got {detail}",
                        bad.class,
                        bad.field
                    );
                }
                Sent::Good(order) => {
                    assert_eq!(message.outcome.name(), "uploaded", "{order}: {message:?}");
                    good.push(order.clone());
                }
            }
        }
    }
    let uploaded = counts(scene.uploaded_orders());
    assert_eq!(
        uploaded,
        counts(good),
        "every neighbour uploaded exactly once"
    );
    let letters = scene.stack.dead_letter_attributes().await;
    assert_eq!(letters.len(), bad_count);
    assert!(
        letters
            .iter()
            .all(|l| l.outcome == "invalid" && l.reason == "schema" && !l.error.is_empty()),
        "{letters:?}"
    );
}

#[tokio::test]
async fn large_dead_letters_are_split_by_size_and_reach_the_queue_with_their_reason() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, &scene.stack.function_env(), &scene.stack.clients);
    // Five bodies of 250 KiB: together past SendMessageBatch's 1 MiB. One of 300 KiB: past
    // the 256 KiB a dead-letter queue may be limited to, so it is kept truncated.
    let mut bodies: Vec<(String, String)> = (0..5)
        .map(|i| (format!("big{i}"), oversized(&format!("B{i}"), 250)))
        .collect();
    bodies.push(("huge".into(), oversized("H", 300)));
    bodies.extend((0..4).map(|i| (format!("good{i}"), processing(&format!("8200{i}")))));
    let report = Box::pin(handler.handle(&event(&bodies), None)).await;
    assert!(
        report.response.batch_item_failures.is_empty(),
        "{:?}",
        report.response
    );
    assert_eq!(
        scene.uploaded_orders_sorted(),
        vec!["82000", "82001", "82002", "82003"]
    );
    let letters = scene.stack.dead_letter_attributes().await;
    assert_eq!(letters.len(), 6, "every large body reached the DLQ");
    assert!(letters.iter().all(|l| l.reason == "schema"));
    assert!(
        letters
            .iter()
            .all(|l| l.error.starts_with("occurred_at: missing")),
        "{:?}",
        letters.iter().map(|l| &l.error).collect::<Vec<_>>()
    );
    let huge = letters
        .iter()
        .find(|l| l.body.contains(r#""order":{"id":"H"}"#))
        .expect("the 300 KiB body, truncated");
    assert!(huge.body.len() <= 256 * 1024);
    assert!(huge.body.starts_with(&bodies[5].1[..1000]));
}

#[tokio::test]
async fn placeholders_inside_values_are_uploaded_literally_beside_neighbours() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let c = credentials();
    scene
        .stack
        .put_secret(
            "cv3",
            "literal",
            &json!({"base_url": scene.sandbox.base_url(), "user": c.user, "pass": c.pass,
                    "service_id": c.service_id, "time_zone": "America/New_York",
                    "templates": {"canceled": "Canceled: {reason}"}}),
        )
        .await;
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, &scene.stack.function_env(), &scene.stack.clients);
    let canceled = json!({"version": 1, "platform": "cv3", "account": "literal",
        "order": {"id": "81001"}, "occurred_at": "2018-09-23T16:00:00-04:00",
        "status": "canceled", "reason": "{order_id}{detail}{date}", "detail": "D"});
    let bodies = vec![
        ("t".to_owned(), canceled.to_string()),
        ("n".to_owned(), processing("81002")),
    ];
    let report = Box::pin(handler.handle(&event(&bodies), None)).await;
    assert!(report.response.batch_item_failures.is_empty());
    let received = scene.sandbox.received();
    let canceled = received
        .statuses
        .iter()
        .find(|s| s.order_id == "81001")
        .unwrap();
    assert_eq!(canceled.status, "Canceled: {order_id}{detail}{date}");
    assert_eq!(scene.uploaded_orders_sorted(), vec!["81001", "81002"]);
}
