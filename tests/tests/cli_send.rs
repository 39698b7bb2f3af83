//! `orderstatus send` against moto: only valid messages reach the queue, bad lines are named.

use std::collections::BTreeSet;
use std::time::Duration;

use orderstatus_tests::cli::{Scratch, run, stack_env};
use orderstatus_tests::cv3::{invalid, processing, seed_example};
use orderstatus_tests::stack::TestStack;

/// Every body on the queue (bounded; received messages stay hidden for the test's life).
async fn queued_bodies(stack: &TestStack) -> BTreeSet<String> {
    let mut bodies = BTreeSet::new();
    for _ in 0..10 {
        let got = stack.receive(&stack.queue_url, 10).await;
        if got.is_empty() {
            break;
        }
        bodies.extend(got.into_iter().filter_map(|m| m.body));
    }
    bodies
}

#[tokio::test]
async fn send_puts_exactly_the_valid_lines_on_the_queue_and_names_the_bad_ones() {
    let stack = TestStack::new(Duration::from_secs(300)).await;
    let good = [
        seed_example("12345"),
        processing("12346"),
        seed_example("12347"),
    ];
    let wrong_platform = seed_example("12348").replace("\"cv3\"", "\"cloudsuite\"");
    let lines = [
        good[0].clone(),
        invalid(),
        good[1].clone(),
        String::new(),
        wrong_platform,
        "{not json".to_owned(),
        good[2].clone(),
    ];
    let dir = Scratch::new();
    let file = dir.write("messages.jsonl", &lines.join("\n"));

    let sent = run(
        &["send", "--platform", "cv3", &file, "--json"],
        &stack_env(&stack),
        None,
    )
    .await;
    sent.expect_code(1);
    let report = sent.json();
    assert_eq!(report["sent"], 3, "{report:#}");
    let invalid: Vec<(u64, String)> = report["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        invalid,
        vec![
            (2, "occurred_at".to_owned()),
            (5, "platform".to_owned()),
            (6, "message".to_owned())
        ]
    );
    assert!(
        report["invalid"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("occurred_at"),
        "{report:#}"
    );
    assert_eq!(queued_bodies(&stack).await, good.into_iter().collect());
}

#[tokio::test]
async fn send_reads_csv_with_one_row_per_package_and_reports_lines_for_people() {
    let stack = TestStack::new(Duration::from_secs(300)).await;
    let csv = "id,order_id,customer_number,occurred_at,carrier,service,tracking_number,shipped_at\n\
               erp-1,12345,C000123,2018-09-23T16:00:00-04:00,UPS,Ground,1Z3123134135,2018-09-23T10:00:00-04:00\n\
               erp-1,12345,C000123,2018-09-23T16:00:00-04:00,FedEx,2-Day,4563543534,2018-09-23T11:00:00-04:00\n\
               erp-2,12346,,yesterday,,,,\n";
    let dir = Scratch::new();
    let file = dir.write("messages.csv", csv);

    let sent = run(
        &["send", "--platform", "cv3", &file],
        &stack_env(&stack),
        None,
    )
    .await;
    sent.expect_code(1);
    assert!(sent.stdout.contains("sent 1, invalid 1"), "{sent:#?}");
    assert!(sent.stderr.contains("line 4: occurred_at"), "{sent:#?}");

    let bodies = queued_bodies(&stack).await;
    assert_eq!(bodies.len(), 1);
    let message: serde_json::Value =
        serde_json::from_str(bodies.first().unwrap()).expect("JSON body");
    assert_eq!(message["id"], "erp-1");
    assert_eq!(message["packages"].as_array().unwrap().len(), 2);
    assert_eq!(message["packages"][1]["tracking_number"], "4563543534");
}

#[tokio::test]
async fn send_without_a_queue_is_a_configuration_error_that_says_what_to_set() {
    let stack = TestStack::new(Duration::from_secs(30)).await;
    let env: Vec<_> = stack_env(&stack)
        .into_iter()
        .filter(|(name, _)| !name.ends_with("QUEUE_URL"))
        .collect();
    let sent = run(
        &["send", "--platform", "cv3", "-"],
        &env,
        Some(&processing("1")),
    )
    .await;
    sent.expect_code(2);
    assert!(sent.stderr.contains("--queue-url"), "{sent:#?}");
    assert!(sent.stderr.contains("CV3_QUEUE_URL"), "{sent:#?}");
}
