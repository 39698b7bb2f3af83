//! CV3 end to end as Lambda runs it: the compiled `orderstatus-cv3` binary under a local
//! implementation of the Lambda Runtime API, fed by an SQS event source mapping played here
//! (receive → invoke → delete what the batch response does not list as failed).

use std::time::Duration;

use orderstatus::xml::escape_unsafe_chars;
use orderstatus_sandboxes::cv3::{Fault, FaultKind};
use orderstatus_tests::bad_input::{Sent, mixed_events, oversized, sample};
use orderstatus_tests::cv3::{Cv3Scene, invalid, processing, seed_example};
use orderstatus_tests::lambda::LambdaFunction;

async fn start_function(scene: &Cv3Scene) -> LambdaFunction {
    LambdaFunction::start(
        "orderstatus-cv3",
        "orderstatus-cv3",
        scene.stack.function_env_vars(),
    )
    .await
}

#[tokio::test]
async fn the_binary_uploads_dead_letters_and_skips_duplicates() {
    let scene = Cv3Scene::new(Duration::from_secs(1)).await;
    let function = start_function(&scene).await;

    scene
        .stack
        .send(&[seed_example("12345"), processing("12346"), invalid()])
        .await;
    function.drain(&scene.stack).await;
    let received = scene.sandbox.received();
    assert_eq!(received.statuses.len(), 2, "{received:?}");
    assert_eq!(received.requests, 1, "one CV3 call for the batch");
    assert_eq!(received.statuses[0].status, "Shipped 9/23/2018");
    assert_eq!(
        scene.dead_letter_reasons().await,
        vec![("schema".to_owned(), "invalid".to_owned())]
    );

    // Duplicate delivery: nothing uploaded.
    scene.stack.send(&[seed_example("12345")]).await;
    function.drain(&scene.stack).await;
    assert_eq!(scene.sandbox.received().requests, 1);

    // One JSON log line per message, naming platform, account, order, outcome and reason;
    // and the password never appears anywhere in the logs.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let outcomes = function.outcome_lines();
    let mut seen: Vec<(String, String)> = outcomes
        .iter()
        .map(|v| {
            (
                v["order"].as_str().unwrap_or("?").to_owned(),
                v["outcome"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    seen.sort();
    let expected = [
        ("12345", "duplicate"),
        ("12345", "uploaded"),
        ("12346", "uploaded"),
        ("999", "invalid"),
    ];
    assert_eq!(
        seen,
        expected.map(|(o, r)| (o.to_owned(), r.to_owned())).to_vec()
    );
    assert!(
        outcomes
            .iter()
            .all(|v| v["platform"] == "cv3" && v["account"].is_string())
    );
    let invalid_line = outcomes.iter().find(|v| v["outcome"] == "invalid").unwrap();
    assert_eq!(invalid_line["reason"], "schema");
    let logs = function.logs();
    assert!(
        !logs.contains(&orderstatus_tests::cv3::credentials().pass),
        "password in the logs"
    );

    // Every line of an invocation carries its ids under the names Powertools' loggers use;
    // only the first invocation is a cold start.
    for line in &outcomes {
        assert!(line["function_request_id"].is_string(), "{line}");
        assert!(line["xray_trace_id"].is_string(), "{line}");
    }
    let uploaded = outcomes
        .iter()
        .find(|v| v["outcome"] == "uploaded")
        .unwrap();
    let duplicate = outcomes
        .iter()
        .find(|v| v["outcome"] == "duplicate")
        .unwrap();
    assert_eq!(uploaded["cold_start"], true);
    assert_eq!(duplicate["cold_start"], false);
    assert_ne!(
        uploaded["function_request_id"],
        duplicate["function_request_id"]
    );

    // The metrics lines on standard output: per invocation one for the account, one for the
    // message without a readable account (platform dimension only); together they count what
    // the outcome lines say.
    let metrics = function.metrics_lines();
    let total = |name: &str| -> u64 { metrics.iter().map(|v| v[name].as_u64().unwrap()).sum() };
    assert_eq!(
        (
            total("Messages"),
            total("Uploaded"),
            total("Duplicate"),
            total("Invalid")
        ),
        (4, 2, 1, 1),
        "{metrics:#?}"
    );
    assert_eq!(total("DeadLettered"), 1);
    assert_eq!(total("PlatformCalls"), 1, "one CV3 call in all");
    // Two claims and two commits for the uploads, one refused claim for the duplicate.
    assert_eq!(total("LedgerRequests"), 5);
    for line in &metrics {
        let dimensions = &line["_aws"]["CloudWatchMetrics"][0]["Dimensions"];
        if line["Invalid"] == 1 {
            assert_eq!(dimensions, &serde_json::json!([["Platform"]]), "{line}");
        } else {
            assert_eq!(line["Account"], "default", "{line}");
            assert_eq!(
                dimensions,
                &serde_json::json!([["Platform"], ["Platform", "Account"]])
            );
        }
        assert_eq!(line["Platform"], "cv3");
        assert!(
            outcomes
                .iter()
                .any(|o| o["function_request_id"] == line["function_request_id"]),
            "{line}"
        );
    }

    // A scheduled drain's batches write their lines too.
    scene.stack.send(&[processing("12347")]).await;
    let drained = function
        .invoke(
            serde_json::json!({"action": "drain"}),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(drained["outcomes"]["uploaded"], 1, "{drained}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = function.metrics_lines();
    assert_eq!(after.len(), metrics.len() + 1, "{after:#?}");
    let drain_line = after.last().unwrap();
    assert_eq!(
        (
            drain_line["Uploaded"].as_u64(),
            drain_line["Messages"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert!(drain_line["function_request_id"].is_string());
    function.stop().await;
}

#[tokio::test]
async fn the_binary_retries_a_500_through_sqs_and_loses_nothing() {
    let scene = Cv3Scene::new(Duration::from_secs(1)).await;
    let function = start_function(&scene).await;
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Http500).times(3));
    scene
        .stack
        .send(&[seed_example("12345"), processing("12346")])
        .await;
    let mut polls = 0;
    while scene.sandbox.received().statuses.len() < 2 && polls < 20 {
        function.poll(&scene.stack).await;
        polls += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let received = scene.sandbox.received();
    assert_eq!(received.statuses.len(), 2, "{received:?}");
    assert!(received.requests >= 4, "three 500s were answered first");
    function.drain(&scene.stack).await;
    assert!(scene.dead_letter_reasons().await.is_empty());
    function.stop().await;
}

#[tokio::test]
async fn the_binary_drains_its_queue_on_a_schedule_and_refuses_unknown_input() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let function = start_function(&scene).await;
    scene
        .stack
        .send(&[seed_example("12345"), processing("12346"), invalid()])
        .await;

    // What EventBridge Scheduler sends: the schedule's input, as is.
    let summary = function
        .invoke(
            serde_json::json!({"action": "drain", "max_messages": 100}),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(summary["action"], "drain", "{summary}");
    assert_eq!(summary["received"], 3, "{summary}");
    assert_eq!(summary["outcomes"]["uploaded"], 2, "{summary}");
    assert_eq!(summary["outcomes"]["invalid"], 1, "{summary}");
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 0);
    assert_eq!(scene.uploaded_orders_sorted(), ["12345", "12346"]);

    // A typo in a schedule's input is an invocation error that names it, not a silent no-op.
    let error = function
        .try_invoke(
            serde_json::json!({"action": "drian"}),
            Duration::from_secs(60),
        )
        .await
        .expect_err("a bad input is refused");
    assert!(error.contains("drian"), "{error}");
    function.stop().await;
}

#[tokio::test]
async fn the_binary_refuses_a_lease_longer_than_the_queues_visibility_timeout() {
    let scene = Cv3Scene::new(Duration::from_secs(20)).await;
    let mut env = scene.stack.function_env_vars();
    env.retain(|(name, _)| name != "LEASE_SECONDS");
    env.push(("LEASE_SECONDS".into(), "65".into()));
    let function = LambdaFunction::start("orderstatus-cv3", "orderstatus-cv3", env).await;
    scene.stack.send(&[processing("12347")]).await;
    let messages = scene.stack.receive(&scene.stack.queue_url, 10).await;
    let event =
        orderstatus::sqs::to_lambda_event(messages, &scene.stack.queue_arn().await, "us-east-1");
    let refused = function
        .try_invoke(
            serde_json::to_value(&event).unwrap(),
            Duration::from_secs(600),
        )
        .await
        .expect_err("a 65 s lease on a 20 s queue");
    assert!(refused.contains("LEASE_SECONDS"), "{refused}");
    assert!(
        refused.contains("VisibilityTimeout to at least 65 s"),
        "{refused}"
    );
    assert!(
        scene.sandbox.received().statuses.is_empty(),
        "nothing uploaded"
    );
    function.stop().await;
}

#[tokio::test]
async fn the_binary_dead_letters_bad_bodies_of_every_class_and_uploads_every_neighbour_once() {
    let scene = Cv3Scene::new(Duration::from_secs(1)).await;
    let function = start_function(&scene).await;
    let mut bodies = Vec::new();
    let mut bad = Vec::new();
    let mut good = Vec::new();
    // A sample through a real queue; `cv3_bad_input` sends the whole corpus to the handler.
    for sent in mixed_events(sample(6), 4, "92").into_iter().flatten() {
        match &sent {
            Sent::Good(order) => good.push(order.clone()),
            Sent::Bad(body) => bad.push((bodies.len(), body.clone())),
        }
        bodies.push(sent.body());
    }
    // Five bodies of 250 KiB in one event: together past SendMessageBatch's 1 MiB.
    let mut large: Vec<String> = (0..5).map(|i| oversized(&format!("B{i}"), 250)).collect();
    large.extend((0..5).map(|i| processing(&format!("9300{i}"))));
    good.extend((0..5).map(|i| format!("9300{i}")));
    bodies.extend(large);
    let ids = scene.stack.send(&bodies).await;
    function.drain(&scene.stack).await;

    let mut uploaded = scene.uploaded_orders();
    uploaded.sort();
    good.sort();
    assert_eq!(uploaded, good, "every neighbour uploaded exactly once");
    let letters = scene.stack.dead_letter_attributes().await;
    assert_eq!(letters.len(), bad.len() + 5, "every bad body in the DLQ");
    for (index, body) in &bad {
        let letter = letters
            .iter()
            .find(|l| l.source_message_id == ids[*index])
            .unwrap_or_else(|| panic!("{}: no letter", body.place));
        let field = escape_unsafe_chars(&body.field);
        assert!(
            letter.outcome == "invalid"
                && letter.reason == body.reason
                && letter.error.starts_with(&format!("{field}: ")),
            "{}: expected {}, got {letter:?}",
            body.place,
            body.expected()
        );
    }
    function.stop().await;
}
