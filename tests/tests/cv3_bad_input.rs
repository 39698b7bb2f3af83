//! Bad input never harms a neighbour: every body of the bad-input corpus
//! (`tests/fixtures/bad/`), nine to a ten-record SQS event beside a good message, through the
//! batch handler as Lambda calls it. Each bad one lands in the dead-letter queue with its reason and
//! the error its corpus line gives, nothing of it is uploaded, nothing panics; every neighbour
//! is uploaded once.

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use futures::FutureExt;
use orderstatus::runtime::build_handler;
use orderstatus::xml::escape_unsafe_chars;
use orderstatus_tests::bad_input::{BadBody, Sent, bad_bodies, mixed_events, oversized, sqs_takes};
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

/// What the dead-letter writer keeps of an error: 2,000 characters, SQS-safe.
fn as_written(error: &str) -> String {
    let kept: String = error.chars().take(2000).collect();
    escape_unsafe_chars(&kept).into_owned()
}

#[tokio::test]
async fn every_bad_body_is_dead_lettered_with_its_error_and_neighbours_upload_once() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, &scene.stack.function_env(), &scene.stack.clients);
    let bad = bad_bodies();
    // Nine bad bodies and one good neighbour an event: the neighbour's upload (two ledger
    // writes, one CV3 call) is what takes the time.
    let events = mixed_events(bad.clone(), 9, "91");
    let mut wrong = Vec::new();
    let mut good = Vec::new();
    let mut letters = 0;
    for (e, stream) in events.iter().enumerate() {
        let bodies: Vec<(String, String)> = stream
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("e{e}-m{i}"), s.body()))
            .collect();
        let handled = AssertUnwindSafe(Box::pin(handler.handle(&event(&bodies), None)))
            .catch_unwind()
            .await;
        let Ok(report) = handled else {
            let places: Vec<&str> = stream
                .iter()
                .filter_map(|s| match s {
                    Sent::Bad(bad) => Some(bad.place.as_str()),
                    Sent::Good(_) => None,
                })
                .collect();
            panic!("the handler panicked on event {e}, with {places:?}");
        };
        if !report.response.batch_item_failures.is_empty() {
            wrong.push(format!("event {e}: {:?}", report.response));
        }
        assert_eq!(report.messages.len(), stream.len());
        // SQS message id → the bad body and the error the handler gave it.
        let mut sent: HashMap<&str, (&BadBody, String)> = HashMap::new();
        for (((id, _), s), message) in bodies.iter().zip(stream).zip(&report.messages) {
            assert_eq!(&message.message_id, id, "reports in record order");
            let outcome = &message.outcome;
            let detail = outcome.detail().unwrap_or_default().to_owned();
            match s {
                Sent::Bad(bad) => {
                    let as_expected = outcome.name() == "invalid"
                        && outcome.reason() == Some(bad.reason.as_str())
                        && message.dead_lettered
                        && bad.is_expected(&detail);
                    if !as_expected {
                        wrong.push(format!(
                            "{}: expected invalid ({}) {}, got {} ({:?}{}) `{detail}`: {}",
                            bad.place,
                            bad.reason,
                            bad.expected(),
                            outcome.name(),
                            outcome.reason(),
                            if message.dead_lettered {
                                ", dead-lettered"
                            } else {
                                ""
                            },
                            bad.shown(160)
                        ));
                    }
                    sent.insert(id, (bad, detail));
                }
                Sent::Good(order) => {
                    if outcome.name() != "uploaded" {
                        wrong.push(format!("neighbour {order}: {message:?}"));
                    }
                    good.push(order.clone());
                }
            }
        }
        // The event's letters, taken off the queue (a large queue is slow to read).
        for letter in scene.stack.take_dead_letter_attributes().await {
            letters += 1;
            let Some((bad, detail)) = sent.remove(letter.source_message_id.as_str()) else {
                wrong.push(format!("a letter for no bad body, or a second: {letter:?}"));
                continue;
            };
            if !sqs_takes(&letter.error) || !sqs_takes(&letter.body) {
                wrong.push(format!(
                    "{}: characters SQS refuses in the letter",
                    bad.place
                ));
            }
            let body = escape_unsafe_chars(&bad.text);
            let body_kept =
                letter.body == body || (body.len() > 255 * 1024 && body.starts_with(&letter.body));
            let as_expected = letter.outcome == "invalid"
                && letter.reason == bad.reason
                && letter.error == as_written(&detail)
                && body_kept;
            if !as_expected {
                wrong.push(format!(
                    "{}: letter {} ({}) `{}`, body {}",
                    bad.place,
                    letter.outcome,
                    letter.reason,
                    letter.error,
                    if body_kept { "kept" } else { "changed" }
                ));
            }
        }
        for (bad, _) in sent.values() {
            wrong.push(format!("{}: no dead letter", bad.place));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong, {} bad bodies:\n{}",
        wrong.len(),
        bad.len(),
        wrong.join("\n")
    );
    assert_eq!(letters, bad.len());
    assert_eq!(
        counts(scene.uploaded_orders()),
        counts(good),
        "every neighbour uploaded exactly once, nothing else"
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
