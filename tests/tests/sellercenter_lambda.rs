//! Seller Center end to end as Lambda runs it: the compiled `orderstatus-sellercenter` binary
//! under the local Runtime API, fed by the SQS event source mapping played in the harness.

use std::time::Duration;

use orderstatus_sandboxes::sellercenter::{Fault, FaultKind};
use orderstatus_tests::lambda::LambdaFunction;
use orderstatus_tests::sellercenter::{API_KEY, SellerCenterScene, item_ids, item_status, shipped};

async fn start_function(scene: &SellerCenterScene) -> LambdaFunction {
    LambdaFunction::start(
        "orderstatus-sellercenter",
        "orderstatus-sellercenter",
        scene.stack.function_env_vars(),
    )
    .await
}

#[tokio::test]
async fn the_binary_sends_4500_items_in_two_calls_dead_letters_a_refused_item_and_skips_a_redelivery()
 {
    // Long leases: moto writes 4,500 claims one at a time, and an upload may not start after
    // its earliest lease ended.
    let mut scene = SellerCenterScene::new(Duration::from_secs(300)).await;
    scene.stack.lease = Duration::from_secs(300);
    let function = start_function(&scene).await;
    let mut bodies: Vec<String> = (0..3)
        .map(|m| shipped(&format!("6000{m}"), &item_ids(20_000 + m * 1500, 1500)))
        .collect();
    // A pending item cannot be delivered: refused by the state machine, in the same call.
    bodies.push(item_status(
        "60009",
        &item_ids(1, 1),
        "delivered",
        None,
        None,
        "2024-03-02T08:00:00Z",
    ));
    scene.stack.send(&bodies).await;
    assert_eq!(
        function.poll(&scene.stack).await,
        4,
        "one invocation, one batch"
    );
    function.drain(&scene.stack).await;

    assert_eq!(scene.status_call_sizes(), vec![4000, 501]);
    assert_eq!(scene.status_of("20000").as_deref(), Some("shipped"));
    assert_eq!(scene.status_of("24499").as_deref(), Some("shipped"));
    assert_eq!(scene.status_of("1").as_deref(), Some("pending"));
    let letters = scene.stack.dead_letter_attributes().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0].reason, "platform");
    assert!(
        letters[0]
            .error
            .contains("Cannot change status of Order Item with src_id: 1"),
        "{}",
        letters[0].error
    );

    // Redelivered: nothing goes out.
    scene.stack.send(&[bodies[0].clone()]).await;
    function.drain(&scene.stack).await;
    assert_eq!(
        scene.status_call_sizes().len(),
        2,
        "no call for a redelivery"
    );

    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut outcomes: Vec<(String, String)> = function
        .outcome_lines()
        .iter()
        .map(|v| {
            (
                v["order"].as_str().unwrap_or("?").to_owned(),
                v["outcome"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    outcomes.sort();
    let expected = [
        ("60000", "duplicate"),
        ("60000", "uploaded"),
        ("60001", "uploaded"),
        ("60002", "uploaded"),
        ("60009", "rejected"),
    ];
    assert_eq!(
        outcomes,
        expected.map(|(o, r)| (o.to_owned(), r.to_owned())).to_vec()
    );
    assert!(!function.logs().contains(API_KEY), "API key in the logs");
    function.stop().await;
}

#[tokio::test]
async fn the_binary_retries_an_e429_through_sqs_and_loses_nothing() {
    // A lease (the visibility timeout) long enough for an invocation's retries: an upload may
    // not outlive its lease.
    let scene = SellerCenterScene::new(Duration::from_secs(5)).await;
    let function = start_function(&scene).await;
    scene
        .sandbox
        .inject(Fault::new(FaultKind::TooManyRequests).times(4));
    scene
        .stack
        .send(&[
            shipped("61001", &item_ids(1, 2)),
            shipped("61002", &item_ids(3, 1)),
        ])
        .await;
    let mut polls = 0;
    while scene.status_of("3").as_deref() != Some("shipped") && polls < 20 {
        function.poll(&scene.stack).await;
        polls += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    function.drain(&scene.stack).await;
    for id in item_ids(1, 3) {
        assert_eq!(
            scene.status_of(&id).as_deref(),
            Some("shipped"),
            "item {id}"
        );
    }
    assert!(
        scene.sandbox.requests() >= 5,
        "four 429s were answered first"
    );
    assert!(scene.stack.dead_letters().await.is_empty());
    function.stop().await;
}
