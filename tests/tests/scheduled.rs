//! Scheduled work (drain, sweep) of a platform function, against moto and the CV3 sandbox,
//! driven through the same `runtime::invoke` the Lambda entry point uses.

use std::time::Duration;

use orderstatus::batch::{ATTR_OUTCOME, ATTR_REASON};
use orderstatus::ledger::{ClaimOutcome, ClaimRequest, Ledger, LedgerKey, Position, now_ms};
use orderstatus::message::PlatformName;
use orderstatus::platform::Target;
use orderstatus::runtime::{build_handler, build_scheduled_work, invoke};
use orderstatus::scheduled::{
    Invocation, InvocationResponse, ScheduledAction, ScheduledInput, ScheduledSummary,
};
use orderstatus_tests::cv3::{Cv3Scene, processing};

/// Runs one invocation whose payload is `json`, as the Lambda runtime would hand it over.
async fn invoke_json(scene: &Cv3Scene, json: &str) -> Result<serde_json::Value, String> {
    let env = scene.stack.function_env();
    invoke_with_env(scene, &env, json).await
}

async fn invoke_with_env(
    scene: &Cv3Scene,
    env: &orderstatus::config::FunctionEnv,
    json: &str,
) -> Result<serde_json::Value, String> {
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, env, &scene.stack.clients);
    let scheduled = build_scheduled_work(env, &scene.stack.clients);
    let invocation: Invocation = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let deadline = now_ms() + 60_000;
    let response = Box::pin(invoke(&handler, &scheduled, &invocation, Some(deadline)))
        .await
        .map_err(|e| e.to_string())?;
    assert!(matches!(response, InvocationResponse::Scheduled(_)));
    Ok(serde_json::to_value(response).unwrap())
}

/// Takes a lease on `order` of `platform` that lasts until `until_ms` (in the past: a holder
/// that died between claim and commit).
async fn lease(scene: &Cv3Scene, platform: PlatformName, order: &str, until_ms: i64) {
    let ledger = Ledger::new(
        scene.stack.clients.dynamodb.clone(),
        &scene.stack.table,
        Duration::from_secs(86_400),
    );
    let key = LedgerKey::new(platform, "default", Target::order(order));
    let position = Position::new(chrono::Utc::now().fixed_offset(), None);
    let request = ClaimRequest {
        key: &key,
        fingerprint: "fp",
        position: &position,
        tracking: None,
    };
    let outcome = ledger
        .claim(request, until_ms.min(now_ms()) - 120_000, until_ms)
        .await
        .expect("claim");
    assert!(matches!(outcome, ClaimOutcome::Claimed(_)), "{outcome:?}");
}

fn orders(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| processing(&format!("7{i:04}")))
        .collect()
}

#[tokio::test]
async fn drain_uploads_the_whole_queue_in_the_largest_batch() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    scene.stack.send(&orders(25)).await;

    let summary = invoke_json(&scene, r#"{"action":"drain"}"#).await.unwrap();

    assert_eq!(summary["action"], "drain");
    assert_eq!(summary["received"], 25, "{summary}");
    assert_eq!(summary["deleted"], 25, "{summary}");
    assert_eq!(summary["outcomes"]["uploaded"], 25, "{summary}");
    assert_eq!(summary["stopped"], "empty");
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 0);
    // All 25 in one CV3 request: drain hands the handler the platform's largest batch, the
    // trigger's batch size does not apply.
    assert_eq!(scene.sandbox.received().requests, 1);
    assert_eq!(scene.uploaded_orders_sorted().len(), 25);
}

#[tokio::test]
async fn drain_stops_at_max_messages_and_leaves_the_rest() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    scene.stack.send(&orders(15)).await;

    let summary = invoke_json(&scene, r#"{"action":"drain","max_messages":10}"#)
        .await
        .unwrap();

    assert_eq!(summary["received"], 10, "{summary}");
    assert_eq!(summary["deleted"], 10, "{summary}");
    assert_eq!(summary["stopped"], "max_messages");
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 5);
    assert_eq!(scene.uploaded_orders().len(), 10);
}

#[tokio::test]
async fn drain_takes_no_batch_once_the_invocation_is_out_of_time() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    scene.stack.send(&orders(3)).await;
    let env = scene.stack.function_env();
    let platform = orderstatus_cv3::platform(Duration::from_secs(5)).unwrap();
    let handler = build_handler(platform, &env, &scene.stack.clients);
    let scheduled = build_scheduled_work(&env, &scene.stack.clients);
    let input = ScheduledInput::new(ScheduledAction::Drain);

    // An invocation whose deadline has passed: nothing may be started, nothing is lost.
    let summary = Box::pin(scheduled.run(&handler, &input, Some(now_ms() - 1_000)))
        .await
        .expect("drain");

    let ScheduledSummary::Drain(drain) = summary else {
        panic!("not a drain summary: {summary:?}")
    };
    assert_eq!(drain.stopped, "deadline");
    assert_eq!(drain.received, 0);
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 3);
    assert!(scene.uploaded_orders().is_empty());
}

#[tokio::test]
async fn drain_of_a_duplicate_uploads_nothing_more() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    scene.stack.send(&orders(3)).await;
    invoke_json(&scene, r#"{"action":"drain"}"#).await.unwrap();
    scene.stack.send(&orders(3)).await;

    let summary = invoke_json(&scene, r#"{"action":"drain"}"#).await.unwrap();

    assert_eq!(summary["outcomes"]["duplicate"], 3, "{summary}");
    assert_eq!(scene.sandbox.received().requests, 1, "no second CV3 call");
}

#[tokio::test]
async fn drain_without_a_queue_url_says_what_is_missing() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let mut env = scene.stack.function_env();
    env.queue_url = None;

    let error = invoke_with_env(&scene, &env, r#"{"action":"drain"}"#)
        .await
        .unwrap_err();

    assert!(error.contains("QUEUE_URL"), "{error}");
}

#[tokio::test]
async fn sweep_counts_expired_leases_depths_and_old_dead_letters() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let now = now_ms();
    // Two leases whose holders died (expired), one live lease, and one expired lease of
    // another platform that a CV3 sweep must not count.
    lease(&scene, PlatformName::Cv3, "E1", now - 60_000).await;
    lease(&scene, PlatformName::Cv3, "E2", now - 1).await;
    lease(&scene, PlatformName::Cv3, "LIVE", now + 600_000).await;
    lease(&scene, PlatformName::Sellercenter, "OTHER", now - 60_000).await;
    scene.stack.send(&orders(2)).await;
    scene
        .stack
        .clients
        .sqs
        .send_message()
        .queue_url(&scene.stack.dead_letter_queue_url)
        .message_body(processing("DL1"))
        .send()
        .await
        .expect("send dead letter");

    let summary = invoke_json(&scene, r#"{"action":"sweep","older_than_seconds":0}"#)
        .await
        .unwrap();

    assert_eq!(summary["action"], "sweep");
    assert_eq!(summary["leases"]["expired"], 2, "{summary}");
    assert_eq!(summary["leases"]["truncated"], false);
    assert_eq!(summary["queue"]["visible"], 2, "{summary}");
    assert_eq!(summary["dead_letters"]["visible"], 1, "{summary}");
    assert_eq!(summary["old_dead_letters"], 1, "{summary}");

    // A dead letter sent just now is not old by an hour's measure, and peeking consumed nothing.
    let summary = invoke_json(&scene, r#"{"action":"sweep"}"#).await.unwrap();
    assert_eq!(summary["old_dead_letters"], 0, "{summary}");
    assert_eq!(summary["dead_letters_examined"], 1, "{summary}");
    assert_eq!(
        scene.stack.depth(&scene.stack.dead_letter_queue_url).await,
        1
    );
}

#[tokio::test]
async fn sweep_bounds_its_ledger_scan() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    for i in 0..30 {
        lease(&scene, PlatformName::Cv3, &format!("S{i}"), now_ms() - 1).await;
    }
    let summary = invoke_json(&scene, r#"{"action":"sweep","max_scanned":10}"#)
        .await
        .unwrap();
    assert_eq!(summary["leases"]["truncated"], true, "{summary}");
    assert!(
        summary["leases"]["scanned"].as_u64().unwrap() <= 10,
        "{summary}"
    );
}

/// Puts a dead letter on the DLQ as the function would (with its reason), or as SQS would after
/// too many receives (`reason` None: no attributes at all).
async fn dead_letter(scene: &Cv3Scene, body: String, reason: Option<(&str, &str)>) {
    let mut send = scene
        .stack
        .clients
        .sqs
        .send_message()
        .queue_url(&scene.stack.dead_letter_queue_url)
        .message_body(body);
    if let Some((outcome, reason)) = reason {
        let text = |value: &str| {
            aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .unwrap()
        };
        send = send
            .message_attributes(ATTR_OUTCOME, text(outcome))
            .message_attributes(ATTR_REASON, text(reason));
    }
    send.send().await.expect("send dead letter");
}

#[tokio::test]
async fn redrive_moves_the_retryable_dead_letters_and_keeps_the_poison() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    dead_letter(&scene, processing("81001"), Some(("rejected", "auth"))).await;
    dead_letter(&scene, processing("81002"), None).await;
    dead_letter(&scene, processing("81003"), Some(("invalid", "schema"))).await;
    dead_letter(&scene, processing("81004"), Some(("rejected", "platform"))).await;

    let summary = invoke_json(&scene, r#"{"action":"redrive"}"#)
        .await
        .unwrap();

    assert_eq!(summary["action"], "redrive");
    assert_eq!(summary["examined"], 4, "{summary}");
    assert_eq!(summary["moved"], 2, "{summary}");
    assert_eq!(summary["left"], 2, "{summary}");
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 2);
    assert_eq!(
        scene.stack.depth(&scene.stack.dead_letter_queue_url).await,
        2
    );

    // What came back is uploaded by the next drain.
    let drained = invoke_json(&scene, r#"{"action":"drain"}"#).await.unwrap();
    assert_eq!(drained["outcomes"]["uploaded"], 2, "{drained}");
    assert_eq!(scene.uploaded_orders_sorted(), ["81001", "81002"]);
}

#[tokio::test]
async fn redrive_stops_at_max_messages() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    for order in ["82001", "82002", "82003"] {
        dead_letter(&scene, processing(order), Some(("transient", "platform"))).await;
    }
    let summary = invoke_json(&scene, r#"{"action":"redrive","max_messages":1}"#)
        .await
        .unwrap();
    assert_eq!(summary["moved"], 1, "{summary}");
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 1);
    assert_eq!(
        scene.stack.depth(&scene.stack.dead_letter_queue_url).await,
        2
    );
}

#[test]
fn summaries_serialise_with_their_action() {
    let summary = ScheduledSummary::Redrive(Default::default());
    assert_eq!(serde_json::to_value(&summary).unwrap()["action"], "redrive");
}
