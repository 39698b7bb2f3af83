//! `orderstatus status` against moto: every figure of `--json` from a queue, dead letters and
//! ledger records made here (through the product's own dead-letter and ledger code), the
//! table's main lines, the bounds it says it hit, the configuration errors, and `--stack`
//! with its schedules absent, disabled and enabled.

use std::time::Duration;

use aws_sdk_sqs::types::MessageAttributeValue;
use orderstatus::batch::{DeadLetter, DeadLetterQueue};
use orderstatus::ledger::{
    ClaimOutcome, ClaimRequest, Completion, EntryKind, Ledger, LedgerKey, Position, now_ms,
};
use orderstatus::message::PlatformName;
use orderstatus::platform::Target;
use orderstatus_tests::cli::{CliRun, run, stack_env};
use orderstatus_tests::moto::call_json;
use orderstatus_tests::stack::TestStack;
use reqwest::Method;
use serde_json::json;

/// Records a claim of `order` for `account` that ended as `kind`, as the batch handler does.
async fn record(
    stack: &TestStack,
    account: &str,
    order: &str,
    kind: EntryKind,
    reason: Option<&str>,
) {
    let ledger = Ledger::new(
        stack.clients.dynamodb.clone(),
        &stack.table,
        Duration::from_secs(3600),
    );
    let key = LedgerKey::new(PlatformName::Cv3, account, Target::order(order));
    let position = Position::from_stored(format!("{:016}.{:020}", 1_537_732_800_000i64, 0));
    let fingerprint = format!("fp-{order}");
    let message_id = format!("erp-{order}");
    let request = ClaimRequest {
        key: &key,
        fingerprint: &fingerprint,
        position: &position,
        tracking: None,
    };
    let now = now_ms();
    let ClaimOutcome::Claimed(claim) = ledger
        .claim(request.clone(), now, now + 30_000)
        .await
        .unwrap()
    else {
        panic!("claim refused");
    };
    let completion = Completion {
        kind,
        status: if kind == EntryKind::Rejected {
            "canceled"
        } else {
            "shipped"
        },
        reference: None,
        tracking: None,
        reason,
        message_id: Some(&message_id),
    };
    ledger
        .complete(&claim, &request, completion, now)
        .await
        .unwrap();
}

/// Four dead letters: two `platform` refusals (accounts default and store-b), one `schema`,
/// and one SQS moved after too many receives (no attributes: `max_receives`).
async fn dead_letters(stack: &TestStack) {
    let queue = DeadLetterQueue::new(
        stack.clients.sqs.clone(),
        &stack.dead_letter_queue_url,
        "cv3",
    );
    let letter = |id: &'static str, body: &'static str, outcome, reason| DeadLetter {
        message_id: id,
        body,
        group_id: None,
        outcome,
        reason,
        error: "refused",
    };
    let failed = queue
        .send(&[
            letter("src-1", r#"{"order":{"id":"1"}}"#, "rejected", "platform"),
            letter(
                "src-2",
                r#"{"account":"store-b","order":{"id":"2"}}"#,
                "rejected",
                "platform",
            ),
            letter(
                "src-3",
                r#"{"account":"store-b","order":{"id":"3"}}"#,
                "invalid",
                "schema",
            ),
        ])
        .await;
    assert!(failed.is_empty());
    stack
        .clients
        .sqs
        .send_message()
        .queue_url(&stack.dead_letter_queue_url)
        .message_body(r#"{"order":{"id":"4"}}"#)
        .set_message_attributes(Some(
            [(
                "trace".to_owned(),
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("t")
                    .build()
                    .unwrap(),
            )]
            .into(),
        ))
        .send()
        .await
        .unwrap();
}

/// Queue: 2 visible, 1 in flight (received here, as a worker would), 1 delayed.
async fn queue(stack: &TestStack) {
    let sqs = &stack.clients.sqs;
    stack.send(&["a".into(), "b".into(), "c".into()]).await;
    let received = sqs
        .receive_message()
        .queue_url(&stack.queue_url)
        .max_number_of_messages(1)
        .visibility_timeout(300)
        .send()
        .await
        .unwrap();
    assert_eq!(received.messages().len(), 1);
    sqs.send_message()
        .queue_url(&stack.queue_url)
        .message_body("later")
        .delay_seconds(600)
        .send()
        .await
        .unwrap();
}

/// CloudWatch's `ApproximateAgeOfOldestMessage` for `queue_name`, put into moto as SQS would.
async fn oldest_age(queue_name: &str, seconds: f64) {
    call_json(
        "monitoring",
        Method::POST,
        "/",
        Some("GraniteServiceVersion20100801.PutMetricData"),
        &json!({"Namespace": "AWS/SQS", "MetricData": [{
            "MetricName": "ApproximateAgeOfOldestMessage",
            "Dimensions": [{"Name": "QueueName", "Value": queue_name}],
            "Value": seconds, "Unit": "Seconds", "Timestamp": now_ms() / 1000 - 30,
        }]}),
    )
    .await;
}

fn queue_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

async fn populated() -> TestStack {
    let stack = TestStack::new(Duration::from_secs(300)).await;
    queue(&stack).await;
    dead_letters(&stack).await;
    record(&stack, "default", "12345", EntryKind::Uploaded, None).await;
    record(
        &stack,
        "default",
        "12346",
        EntryKind::Rejected,
        Some("CV3 refused: order is closed"),
    )
    .await;
    record(&stack, "store-b", "900", EntryKind::Baseline, None).await;
    oldest_age(queue_name(&stack.queue_url), 125.0).await;
    stack
}

async fn status(stack: &TestStack, extra: &[&str]) -> CliRun {
    let mut args = vec!["status", "--platform", "cv3"];
    args.extend_from_slice(extra);
    run(&args, &stack_env(stack), None).await
}

#[tokio::test]
async fn status_json_shows_every_figure() {
    let stack = populated().await;
    let shown = status(&stack, &["--json"]).await;
    shown.expect_code(0);
    let report = shown.json();
    assert_eq!(report["stack"], serde_json::Value::Null);
    assert_eq!(report["ledger"]["table"], stack.table.as_str());
    assert_eq!(report["ledger"]["items_read"], 3, "{report:#}");
    assert_eq!(report["ledger"]["truncated"], false);
    let cv3 = &report["platforms"][0];
    assert_eq!(report["platforms"].as_array().unwrap().len(), 1);
    assert_eq!(cv3["platform"], "cv3");
    let queue = &cv3["queue"];
    assert_eq!(queue["url"], stack.queue_url.as_str());
    assert_eq!(
        (&queue["visible"], &queue["in_flight"], &queue["delayed"]),
        (&json!(2), &json!(1), &json!(1)),
        "{queue:#}"
    );
    assert_eq!(queue["oldest_message_age"]["seconds"], 125.0, "{queue:#}");
    assert!(
        queue["oldest_message_age"]["as_of"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let dead = &cv3["dead_letter_queue"];
    assert_eq!(dead["visible"], 4, "{dead:#}");
    assert_eq!(
        dead["in_flight"], 0,
        "the letters read are released: {dead:#}"
    );
    assert_eq!(
        dead["letters"],
        json!({"read": 4, "max": 100, "partial": false,
               "by_reason": {"platform": 2, "schema": 1, "max_receives": 1}})
    );
    assert_eq!(
        cv3["schedules"],
        serde_json::Value::Null,
        "no --stack, no schedules"
    );
    let accounts = cv3["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{accounts:#?}");
    let default = &accounts[0];
    assert_eq!(default["account"], "default");
    assert_eq!(default["last_upload"]["order"], "12345");
    assert_eq!(default["last_upload"]["status"], "shipped");
    assert_eq!(default["last_upload"]["item"], serde_json::Value::Null);
    assert_eq!(default["last_upload"]["message_id"], "erp-12345");
    assert_eq!(default["last_refusal"]["order"], "12346");
    assert_eq!(
        default["last_refusal"]["reason"],
        "CV3 refused: order is closed"
    );
    assert_eq!(
        default["dead_letters"],
        json!({"platform": 1, "max_receives": 1})
    );
    let store_b = &accounts[1];
    assert_eq!(store_b["account"], "store-b");
    assert_eq!(
        store_b["last_upload"],
        serde_json::Value::Null,
        "a baseline is no upload"
    );
    assert_eq!(store_b["last_refusal"], serde_json::Value::Null);
    assert_eq!(store_b["dead_letters"], json!({"platform": 1, "schema": 1}));

    // Read again: the first read consumed nothing and left nothing in flight.
    let again = status(&stack, &["--json"]).await;
    again.expect_code(0);
    assert_eq!(again.json()["platforms"][0]["dead_letter_queue"], *dead);
    assert_eq!(again.json()["platforms"][0]["queue"]["visible"], 2);

    // The bounds, said when hit.
    let bounded = status(
        &stack,
        &["--json", "--max-letters", "2", "--max-items", "1"],
    )
    .await;
    bounded.expect_code(0);
    let bounded = bounded.json();
    assert_eq!(bounded["ledger"]["items_read"], 1);
    assert_eq!(bounded["ledger"]["truncated"], true);
    let letters = &bounded["platforms"][0]["dead_letter_queue"]["letters"];
    assert_eq!(
        (&letters["read"], &letters["partial"]),
        (&json!(2), &json!(true)),
        "{letters:#}"
    );
}

#[tokio::test]
async fn status_table_shows_the_main_lines() {
    let stack = populated().await;
    let shown = status(&stack, &[]).await;
    shown.expect_code(0);
    let lines: Vec<&str> = shown.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("ledger table {} (all 3 items read)", stack.table),
        "{shown:#?}"
    );
    let words = |line: &str| {
        line.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let queue_row = lines.iter().find(|l| l.starts_with("cv3 ")).unwrap();
    assert_eq!(
        words(queue_row),
        words("cv3 2 1 1 2 min 5 s 4 max_receives 1, platform 2, schema 1 -"),
        "{shown:#?}"
    );
    let default_row = lines.iter().find(|l| l.contains(" default ")).unwrap();
    assert!(default_row.contains("order 12345 shipped"), "{default_row}");
    assert!(
        default_row.contains("max_receives 1, platform 1"),
        "{default_row}"
    );
    assert!(
        default_row.ends_with("order 12346 canceled: CV3 refused: order is closed"),
        "{default_row}"
    );
    let store_b_row = lines.iter().find(|l| l.contains(" store-b ")).unwrap();
    assert_eq!(
        words(store_b_row),
        words("cv3 store-b - platform 1, schema 1 -")
    );

    let bounded = status(&stack, &["--max-items", "2"]).await;
    assert!(
        bounded.stdout.starts_with(&format!(
            "ledger table {} (newest among the 2 items read: the table has more)",
            stack.table
        )),
        "{bounded:#?}"
    );
}

#[tokio::test]
async fn a_missing_queue_or_setting_is_a_configuration_error() {
    let stack = TestStack::new(Duration::from_secs(30)).await;
    let mut env = stack_env(&stack);
    let gone = stack.queue_url.replace("queue-", "gone-");
    env.retain(|(name, _)| name != "QUEUE_URL");
    env.push(("QUEUE_URL".into(), gone.clone()));
    let shown = run(&["status", "--platform", "cv3", "--json"], &env, None).await;
    shown.expect_code(2);
    let queue = &shown.json()["platforms"][0]["queue"];
    assert!(
        queue["unknown"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{shown:#?}"
    );
    assert!(
        shown
            .stderr
            .contains(&format!("queue {gone} does not exist")),
        "{shown:#?}"
    );
    // The other figures are still read.
    assert_eq!(
        shown.json()["platforms"][0]["dead_letter_queue"]["visible"],
        0
    );

    // Every platform at once reads only <PLATFORM>_QUEUE_URL: one function's QUEUE_URL
    // cannot say which platform it is for.
    let all = run(&["status"], &stack_env(&stack), None).await;
    all.expect_code(2);
    assert!(
        all.stderr
            .contains("not configured: cv3's queue url (CV3_QUEUE_URL)"),
        "{all:#?}"
    );
    assert!(
        all.stderr.contains("sellercenter's dead letter queue url"),
        "{all:#?}"
    );

    let no_stack = run(
        &["status", "--stack", "no-such-stack", "--platform", "cv3"],
        &stack_env(&stack),
        None,
    )
    .await;
    no_stack.expect_code(2);
    assert!(
        no_stack
            .stderr
            .contains("stack \"no-such-stack\" not found"),
        "{no_stack:#?}"
    );
}

/// Creates a schedule in moto's EventBridge Scheduler.
async fn schedule(name: &str, state: &str) {
    call_json(
        "scheduler",
        Method::POST,
        &format!("/schedules/{name}"),
        None,
        &json!({
            "ScheduleExpression": "rate(1 hour)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f",
                       "RoleArn": "arn:aws:iam::123456789012:role/r", "Input": "{}"},
            "State": state,
        }),
    )
    .await;
}

#[tokio::test]
async fn a_stack_is_found_by_its_names_and_its_schedules_are_read() {
    // The names the template (and CloudFormation, for the table) give a stack's resources.
    let helper = TestStack::new(Duration::from_secs(30)).await;
    let stack = format!("st{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let sqs = &helper.clients.sqs;
    let mut urls = Vec::new();
    for name in [format!("{stack}-cv3"), format!("{stack}-cv3-dlq")] {
        let created = sqs.create_queue().queue_name(&name).send().await.unwrap();
        urls.push(created.queue_url().unwrap().to_owned());
    }
    let table = format!("{stack}-LedgerTable-ABC123XYZ");
    helper
        .clients
        .dynamodb
        .create_table()
        .table_name(&table)
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // Only moto's endpoint and credentials: nothing names a queue or a table.
    let env: Vec<(String, String)> = stack_env(&helper)
        .into_iter()
        .filter(|(name, _)| name.starts_with("AWS_"))
        .collect();
    let args = [
        "status",
        "--stack",
        stack.as_str(),
        "--platform",
        "cv3",
        "--json",
    ];

    let absent = run(&args, &env, None).await;
    absent.expect_code(0);
    let report = absent.json();
    assert_eq!(report["stack"], stack.as_str());
    assert_eq!(report["ledger"]["table"], table.as_str());
    let cv3 = &report["platforms"][0];
    assert_eq!(cv3["queue"]["url"], urls[0].as_str());
    assert_eq!(cv3["dead_letter_queue"]["url"], urls[1].as_str());
    assert_eq!(
        cv3["schedules"],
        json!({"drain": "not deployed", "redrive": "not deployed", "sweep": "not deployed"})
    );
    let table_run = run(&args[..5], &env, None).await;
    table_run.expect_code(0);
    assert!(
        table_run
            .stdout
            .starts_with(&format!("stack {stack}, ledger table {table}"))
    );
    assert!(
        table_run
            .stdout
            .lines()
            .any(|l| l.starts_with("cv3 ") && l.ends_with("not deployed"))
    );

    schedule(&format!("{stack}-cv3-drain"), "DISABLED").await;
    schedule(&format!("{stack}-cv3-sweep"), "ENABLED").await;
    let deployed = run(&args, &env, None).await;
    deployed.expect_code(0);
    assert_eq!(
        deployed.json()["platforms"][0]["schedules"],
        json!({"drain": "disabled", "redrive": "not deployed", "sweep": "enabled"})
    );
    let table_run = run(&args[..5], &env, None).await;
    assert!(
        table_run
            .stdout
            .lines()
            .any(|l| l.starts_with("cv3 ")
                && l.ends_with("drain off, redrive not deployed, sweep on")),
        "{table_run:#?}"
    );

    // A stack without the platform's dead-letter queue is named incomplete.
    sqs.delete_queue().queue_url(&urls[1]).send().await.unwrap();
    let incomplete = run(&args, &env, None).await;
    incomplete.expect_code(2);
    assert!(
        incomplete.stderr.contains(&format!(
            "stack {stack:?} is incomplete: no queue {stack}-cv3-dlq"
        )),
        "{incomplete:#?}"
    );
}
