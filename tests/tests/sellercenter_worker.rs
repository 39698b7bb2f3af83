//! Seller Center end to end through the local worker: SQS (moto) → handler → OMS API sandbox
//! and the ledger, item by item.

use std::time::Duration;

use orderstatus::ledger::LedgerKey;
use orderstatus::message::PlatformName;
use orderstatus::platform::Target;
use orderstatus_sandboxes::sellercenter::{Fault, FaultKind};
use orderstatus_tests::sellercenter::{API_KEY, SellerCenterScene, item_ids, item_status, shipped};

const STATUS: &str = "UpdateItemsStatus";
const INFORMATION: &str = "UpdateItemsInformation";

#[tokio::test]
async fn messages_holding_4500_items_go_out_in_two_calls() {
    // Long leases: moto writes 4,500 claims one at a time, and an upload may not start after
    // its earliest lease ended.
    let mut scene = SellerCenterScene::new(Duration::from_secs(300)).await;
    scene.stack.lease = Duration::from_secs(300);
    let bodies: Vec<String> = (0..3)
        .map(|m| shipped(&format!("7000{m}"), &item_ids(10_000 + m * 1500, 1500)))
        .collect();
    scene.stack.send(&bodies).await;
    scene.stack.dynamodb_requests.reset();

    let summary = scene.work(5).await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&3),
        "{:?}",
        summary.messages
    );
    assert_eq!(
        scene.status_call_sizes(),
        vec![4000, 500],
        "the platform's 4,000 items a call, messages sharing a call"
    );
    for id in ["10000", "11499", "12000", "14499"] {
        assert_eq!(scene.status_of(id).as_deref(), Some("shipped"), "item {id}");
    }
    let first = &scene.calls(STATUS)[0].items[0];
    assert_eq!(first["shipping_carrier"], "DHL");
    assert_eq!(first["tracking_code"], "JD70000");
    assert_eq!(
        first["status_event_time"], "2024-03-01 10:30:00",
        "Lagos time"
    );

    // The ledger's cost: a claim and a commit per item, nothing else.
    let writes = scene.stack.dynamodb_requests.snapshot();
    assert_eq!(writes.get("UpdateItem"), Some(&9000), "{writes:?}");
    assert_eq!(scene.stack.dynamodb_requests.total(), 9000, "{writes:?}");
    assert!(
        scene.calls(INFORMATION).is_empty(),
        "no status details asked for"
    );
}

#[tokio::test]
async fn a_redelivered_item_uploads_nothing_and_a_new_item_of_the_order_is_uploaded() {
    let scene = SellerCenterScene::new(Duration::from_secs(60)).await;
    scene.stack.send(&[shipped("81000", &item_ids(1, 2))]).await;
    let first = scene.work(5).await;
    assert_eq!(
        first.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        first.messages
    );

    scene.stack.dynamodb_requests.reset();
    scene.stack.send(&[shipped("81000", &item_ids(1, 2))]).await;
    let again = scene.work(5).await;
    assert_eq!(
        again.outcomes.get("duplicate"),
        Some(&1),
        "{:?}",
        again.messages
    );
    assert_eq!(
        scene.status_call_sizes(),
        vec![2],
        "no call for a redelivery"
    );
    assert_eq!(
        scene.stack.dynamodb_requests.count("UpdateItem"),
        2,
        "one refused claim per item"
    );

    // The order gains an item: only that one goes out.
    scene.stack.send(&[shipped("81000", &item_ids(1, 3))]).await;
    let grown = scene.work(5).await;
    assert_eq!(
        grown.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        grown.messages
    );
    let calls = scene.calls(STATUS);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].items.len(), 1);
    assert_eq!(calls[1].items[0]["id_sales_order_item"], "3");

    let ledger = orderstatus::ledger::Ledger::new(
        scene.stack.clients.dynamodb.clone(),
        &scene.stack.table,
        Duration::from_secs(3600),
    );
    let record = ledger
        .record(&LedgerKey::new(
            PlatformName::Sellercenter,
            "default",
            Target::item("81000", "2"),
        ))
        .await
        .unwrap()
        .expect("a record per item");
    assert_eq!(record.status.as_deref(), Some("shipped"));
    assert_eq!(record.history.len(), 1);
}

#[tokio::test]
async fn an_item_refused_by_the_state_machine_dead_letters_its_message_only() {
    let scene = SellerCenterScene::new(Duration::from_secs(60)).await;
    let at = "2024-03-02T08:00:00Z";
    scene
        .stack
        .send(&[
            shipped("90001", &item_ids(1, 3)),
            // A pending item cannot be delivered before it is shipped.
            item_status("90002", &item_ids(10, 2), "delivered", None, None, at),
            item_status(
                "90003",
                &item_ids(20, 1),
                "canceled",
                Some("Out of stock"),
                None,
                at,
            ),
        ])
        .await;
    let summary = scene.work(5).await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&2),
        "{:?}",
        summary.messages
    );
    assert_eq!(summary.outcomes.get("rejected"), Some(&1));
    assert_eq!(scene.status_call_sizes(), vec![6], "all in one call");
    assert_eq!(scene.status_of("1").as_deref(), Some("shipped"));
    assert_eq!(scene.status_of("20").as_deref(), Some("canceled"));
    assert_eq!(scene.status_of("10").as_deref(), Some("pending"));

    let letters = scene.stack.dead_letter_attributes().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0].outcome, "rejected");
    assert_eq!(letters[0].reason, "platform");
    assert!(
        letters[0]
            .error
            .starts_with("Seller Center: Cannot change status of Order Item with src_id: 1"),
        "the platform's own words: {}",
        letters[0].error
    );
    assert!(letters[0].body.contains("\"90002\""), "the message as sent");
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 0);
}

#[tokio::test]
async fn an_e429_is_retried_and_nothing_is_lost() {
    let scene = SellerCenterScene::new(Duration::from_secs(1)).await;
    // More 429s than the HTTP client's three attempts: the batch goes back to SQS once.
    scene
        .sandbox
        .inject(Fault::new(FaultKind::TooManyRequests).times(4));
    scene
        .stack
        .send(&[
            shipped("91001", &item_ids(1, 2)),
            shipped("91002", &item_ids(3, 2)),
        ])
        .await;
    let first = scene.work(1).await;
    assert_eq!(
        first.outcomes.get("transient"),
        Some(&2),
        "{:?}",
        first.messages
    );
    assert_eq!(first.deleted, 0, "nothing deleted that was not uploaded");

    let mut uploaded = 0;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let summary = scene.work(5).await;
        uploaded += summary.outcomes.get("uploaded").copied().unwrap_or(0);
        if uploaded == 2 {
            break;
        }
    }
    assert_eq!(uploaded, 2);
    for id in item_ids(1, 4) {
        assert_eq!(
            scene.status_of(&id).as_deref(),
            Some("shipped"),
            "item {id}"
        );
    }
    assert!(scene.sandbox.requests() >= 5);
    assert!(scene.stack.dead_letters().await.is_empty());
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 0);
}

#[tokio::test]
async fn an_e429_under_http_200_is_retried_within_the_invocation_like_an_http_429() {
    for kind in [FaultKind::TooManyRequests, FaultKind::HttpTooManyRequests] {
        let scene = SellerCenterScene::new(Duration::from_secs(60)).await;
        scene.sandbox.inject(Fault::new(kind).times(2));
        scene.stack.send(&[shipped("91501", &item_ids(1, 2))]).await;
        let summary = scene.work(1).await;
        assert_eq!(
            summary.outcomes.get("uploaded"),
            Some(&1),
            "{kind:?}: {:?}",
            summary.messages
        );
        assert_eq!(
            scene.sandbox.requests(),
            3,
            "{kind:?}: two refusals, then the call that went through, all in one invocation"
        );
    }
}

#[tokio::test]
async fn an_expired_timestamp_is_signed_again_within_the_batch() {
    let scene = SellerCenterScene::new(Duration::from_secs(60)).await;
    scene
        .sandbox
        .inject(Fault::new(FaultKind::ExpiredTimestamp).times(1));
    scene.stack.send(&[shipped("92001", &item_ids(1, 1))]).await;
    let summary = scene.work(5).await;
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        summary.messages
    );
    assert_eq!(
        scene.sandbox.requests(),
        2,
        "one refusal, one re-signed call"
    );
}

#[tokio::test]
async fn a_status_detail_follows_its_status_and_changes_on_its_own() {
    let scene = SellerCenterScene::new(Duration::from_secs(60)).await;
    scene.sandbox.set_item_status("50", "delivered");
    let returned = |detail: &str, at: &str| {
        item_status(
            "93001",
            &item_ids(50, 1),
            "returned",
            Some("Size did not fit"),
            Some(detail),
            at,
        )
    };
    scene
        .stack
        .send(&[returned(
            "With 3PL on way to Venture",
            "2024-03-03T08:00:00Z",
        )])
        .await;
    let first = scene.work(5).await;
    assert_eq!(
        first.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        first.messages
    );
    let state = scene.sandbox.item("50").unwrap();
    assert_eq!(state.status, "returned");
    assert_eq!(
        state.status_detail.as_deref(),
        Some("With 3PL on way to Venture")
    );

    // Same status, new detail: Seller Center already has the status, the detail still goes.
    scene
        .stack
        .send(&[returned(
            "with venture awaiting processing",
            "2024-03-04T08:00:00Z",
        )])
        .await;
    let second = scene.work(5).await;
    assert_eq!(
        second.outcomes.get("uploaded"),
        Some(&1),
        "{:?}",
        second.messages
    );
    assert_eq!(
        scene.sandbox.item("50").unwrap().status_detail.as_deref(),
        Some("With Venture awaiting processing")
    );
    assert_eq!(scene.calls(STATUS).len(), 2);
    assert_eq!(
        scene.calls(STATUS)[1].failed_positions,
        vec![0],
        "already has status"
    );
    assert_eq!(scene.calls(INFORMATION).len(), 2);
}

#[tokio::test]
async fn a_detail_outside_the_accounts_options_is_invalid_naming_them() {
    let scene = SellerCenterScene::with_secret(
        Duration::from_secs(60),
        serde_json::json!({"status_details": {"failed_delivery": ["With Venture", "Returned to Seller"]}}),
    )
    .await;
    scene
        .stack
        .send(&[item_status(
            "94001",
            &item_ids(1, 1),
            "failed_delivery",
            Some("Address not found"),
            Some("Lost"),
            "2024-03-03T08:00:00Z",
        )])
        .await;
    let summary = scene.work(5).await;
    assert_eq!(summary.outcomes.get("invalid"), Some(&1));
    let letters = scene.stack.dead_letter_attributes().await;
    assert_eq!(letters[0].reason, "schema");
    assert_eq!(
        letters[0].error,
        "detail: \"Lost\" is not a status detail of failed_delivery items; allowed: \"With Venture\", \"Returned to Seller\""
    );
    assert!(scene.sandbox.calls().is_empty(), "nothing sent");
}

#[tokio::test]
async fn refused_credentials_are_rejected_as_auth_saying_what_to_check() {
    let scene = SellerCenterScene::new(Duration::from_secs(60)).await;
    scene.sandbox.set_api_key("rotated-key");
    scene.stack.send(&[shipped("95001", &item_ids(1, 1))]).await;
    scene.work(5).await;
    scene.sandbox.set_api_key(API_KEY);
    scene.sandbox.set_access_denied(true);
    scene.stack.send(&[shipped("95002", &item_ids(2, 1))]).await;
    scene.work(5).await;

    let mut letters = scene.stack.dead_letter_attributes().await;
    letters.sort_by(|a, b| a.body.cmp(&b.body));
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert!(
        letters
            .iter()
            .all(|l| l.reason == "auth" && l.outcome == "rejected")
    );
    assert!(letters[0].error.contains("E007"), "{}", letters[0].error);
    assert!(
        letters[0].error.contains("check api_key"),
        "{}",
        letters[0].error
    );
    assert!(letters[1].error.contains("E009"), "{}", letters[1].error);
    assert!(
        letters[1].error.contains("egress IP"),
        "{}",
        letters[1].error
    );
    assert!(letters.iter().all(|l| !l.error.contains(API_KEY)));
}

/// A measurement for the README, not a test (minutes against moto): 10,000 items in one
/// worker batch of 10 messages, with the OMS calls and DynamoDB requests it costs.
/// `cargo test -p orderstatus-tests --test sellercenter_worker -- --ignored --nocapture`
#[tokio::test]
#[ignore = "a measurement: about 20,000 DynamoDB requests against moto"]
async fn measure_10000_items() {
    let mut scene = SellerCenterScene::new(Duration::from_secs(600)).await;
    scene.stack.lease = Duration::from_secs(600);
    let bodies: Vec<String> = (0..10)
        .map(|m| shipped(&format!("8800{m}"), &item_ids(100_000 + m * 1000, 1000)))
        .collect();
    scene.stack.send(&bodies).await;
    scene.stack.dynamodb_requests.reset();
    let started = std::time::Instant::now();
    let summary = scene.work(1).await;
    let elapsed = started.elapsed();
    assert_eq!(
        summary.outcomes.get("uploaded"),
        Some(&10),
        "{:?}",
        summary.messages
    );
    let requests = scene.stack.dynamodb_requests.snapshot();
    println!(
        "10,000 items: OMS calls {:?} (items each), DynamoDB {:?}, {:.1} s",
        scene.status_call_sizes(),
        requests,
        elapsed.as_secs_f64()
    );
    assert_eq!(scene.status_call_sizes(), vec![4000, 4000, 2000]);
}
