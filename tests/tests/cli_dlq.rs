//! `orderstatus dlq` and the shared redrive against moto: listing consumes nothing, redrive
//! moves exactly what was asked, with the original body and the producer's attributes.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_sqs::types::MessageAttributeValue;
use orderstatus::batch::{DeadLetter, DeadLetterQueue};
use orderstatus::dead_letters::{DeadLetters, Selection};
use orderstatus_tests::cli::{run, stack_env};
use orderstatus_tests::stack::TestStack;

/// Five dead letters: `auth`, `config` and `schema` ones as the batch handler writes them, and
/// two without attributes (moved by SQS after maxReceiveCount), one with a producer attribute.
async fn dead_letters(stack: &TestStack) {
    let queue = DeadLetterQueue::new(
        stack.clients.sqs.clone(),
        &stack.dead_letter_queue_url,
        "cv3",
    );
    let letter = |id: &'static str, body: &'static str, outcome, reason, error| DeadLetter {
        message_id: id,
        body,
        group_id: None,
        outcome,
        reason,
        error,
    };
    let failed = queue
        .send(&[
            letter(
                "src-auth",
                r#"{"order":{"id":"1"}}"#,
                "rejected",
                "auth",
                "CV3 refused the login",
            ),
            letter(
                "src-config",
                r#"{"order":{"id":"2"}}"#,
                "invalid",
                "config",
                "no secret",
            ),
            letter(
                "src-schema",
                r#"{"order":{"id":"3"}}"#,
                "invalid",
                "schema",
                "occurred_at: missing",
            ),
        ])
        .await;
    assert!(failed.is_empty());
    for (body, trace) in [
        (r#"{"order":{"id":"4"}}"#, Some("trace-4")),
        (r#"{"order":{"id":"5"}}"#, None),
    ] {
        let attribute = trace.map(|t| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(t)
                .build()
                .unwrap()
        });
        stack
            .clients
            .sqs
            .send_message()
            .queue_url(&stack.dead_letter_queue_url)
            .message_body(body)
            .set_message_attributes(attribute.map(|a| [("trace".to_owned(), a)].into()))
            .send()
            .await
            .unwrap();
    }
}

/// (reason, disposition) of every letter `dlq list --json` shows.
async fn listed(stack: &TestStack) -> BTreeSet<(String, String)> {
    let list = run(
        &["dlq", "list", "--platform", "cv3", "--json"],
        &stack_env(stack),
        None,
    )
    .await;
    list.expect_code(0);
    list.json()["letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["reason_label"].as_str().unwrap().to_owned(),
                l["disposition"].as_str().unwrap().to_owned(),
            )
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// The bodies on the platform's queue (received and hidden for the rest of the test).
async fn queued(stack: &TestStack) -> Vec<aws_sdk_sqs::types::Message> {
    let mut all = Vec::new();
    for _ in 0..5 {
        let got = stack.receive(&stack.queue_url, 10).await;
        if got.is_empty() {
            break;
        }
        all.extend(got);
    }
    all
}

fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn listing_consumes_nothing_and_redrive_moves_only_what_was_asked() {
    let stack = TestStack::new(Duration::from_secs(300)).await;
    dead_letters(&stack).await;
    let env = stack_env(&stack);
    let everything = set(&[
        ("auth", "retryable"),
        ("config", "retryable"),
        ("schema", "poison"),
        ("max_receives", "retryable"),
    ]);
    assert_eq!(listed(&stack).await, everything);
    // Listed twice: the first listing gave every letter back.
    assert_eq!(listed(&stack).await, everything);
    assert_eq!(stack.depth(&stack.dead_letter_queue_url).await, 5);
    assert_eq!(stack.depth(&stack.queue_url).await, 0);

    let by_reason = run(
        &[
            "dlq",
            "redrive",
            "--platform",
            "cv3",
            "--reason",
            "auth",
            "--json",
        ],
        &env,
        None,
    )
    .await;
    by_reason.expect_code(0);
    let report = by_reason.json();
    assert_eq!(report["moved"].as_array().unwrap().len(), 1, "{report:#}");
    assert_eq!(report["examined"], 5);
    let moved = queued(&stack).await;
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].body(), Some(r#"{"order":{"id":"1"}}"#));
    let attributes = moved[0].message_attributes().cloned().unwrap_or_default();
    assert!(
        attributes.keys().all(|k| !k.starts_with("orderstatus.")),
        "the reason does not travel back: {attributes:?}"
    );

    // By id: the letter with the producer's attribute, which goes back with it.
    let list = run(&["dlq", "list", "--platform", "cv3", "--json"], &env, None).await;
    let traced = list.json()["letters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["body"] == r#"{"order":{"id":"4"}}"#)
        .map(|l| l["message_id"].as_str().unwrap().to_owned())
        .unwrap();
    run(
        &["dlq", "redrive", "--platform", "cv3", "--id", &traced],
        &env,
        None,
    )
    .await
    .expect_code(0);
    let moved = queued(&stack).await;
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].body(), Some(r#"{"order":{"id":"4"}}"#));
    let trace = moved[0].message_attributes().and_then(|a| a.get("trace"));
    assert_eq!(trace.and_then(|t| t.string_value()), Some("trace-4"));

    // Retryable, at most one: one of the two left (config, the other unattributed one).
    let one = run(
        &[
            "dlq",
            "redrive",
            "--platform",
            "cv3",
            "--retryable",
            "--max",
            "1",
            "--json",
        ],
        &env,
        None,
    )
    .await;
    one.expect_code(0);
    assert_eq!(one.json()["moved"].as_array().unwrap().len(), 1);
    assert_eq!(stack.depth(&stack.dead_letter_queue_url).await, 2);
    run(
        &["dlq", "redrive", "--platform", "cv3", "--retryable"],
        &env,
        None,
    )
    .await
    .expect_code(0);
    assert_eq!(listed(&stack).await, set(&[("schema", "poison")]));
    assert_eq!(stack.depth(&stack.queue_url).await, 4);

    let show = run(
        &["dlq", "show", "--platform", "cv3", "src-schema"],
        &env,
        None,
    )
    .await;
    show.expect_code(0);
    assert!(show.stdout.contains("occurred_at: missing"), "{show:#?}");
    assert!(show.stdout.contains("fix the producer"), "{show:#?}");

    let unselected = run(&["dlq", "redrive", "--platform", "cv3"], &env, None).await;
    unselected.expect_code(2);
}

#[tokio::test]
async fn the_scheduled_redrive_api_moves_retryable_letters_up_to_its_bound() {
    let stack = TestStack::new(Duration::from_secs(300)).await;
    dead_letters(&stack).await;
    let letters = DeadLetters::new(
        stack.clients.sqs.clone(),
        &stack.dead_letter_queue_url,
        &stack.queue_url,
    );
    let report = letters.redrive(&Selection::Retryable, 3).await.unwrap();
    assert_eq!(report.examined, 5);
    assert_eq!(report.moved.len(), 3);
    assert_eq!(
        report.left, 2,
        "the schema letter and the fourth retryable one"
    );
    assert!(report.failed.is_empty());
    let rest = letters.list(100).await.unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(
        rest.iter().filter(|l| l.reason_label() == "schema").count(),
        1,
        "poison stays"
    );
    assert_eq!(stack.depth(&stack.queue_url).await, 3);
}
