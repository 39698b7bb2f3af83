//! CloudSuite end to end through the local worker: moto for SQS, DynamoDB and Secrets Manager,
//! the CloudSuite sandbox for the platform and its token endpoint.

use std::time::Duration;

use orderstatus::config::{Account, BatchLimits};
use orderstatus::platform::{Action, Platform, UnitResult};
use orderstatus::validate::parse_message;
use orderstatus_cloudsuite::CloudSuite;
use orderstatus_cloudsuite::settings::CloudSuiteSettings;
use orderstatus_sandboxes::cloudsuite::{CloudSuiteConfig, Fault, FaultKind, Order, OrderLine};
use orderstatus_tests::cloudsuite::{CloudSuiteScene, message, package};
use orderstatus_tests::stack::{outcome_names, outcomes_by_order};
use serde_json::json;

const VISIBILITY: Duration = Duration::from_secs(1);

#[tokio::test]
async fn the_seed_flow_sets_processing_and_the_erp_number_then_delivers_each_package_once() {
    let scene = CloudSuiteScene::new(VISIBILITY).await;
    let seed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/cloudsuite/partial.jsonl"
    ))
    .unwrap();
    let seed: Vec<String> = seed.lines().map(str::to_owned).collect();
    scene.stack.send(&seed).await;
    scene.stack.dynamodb_requests.reset();
    let summary = scene.work(10).await;
    assert_eq!(
        outcome_names(&summary),
        vec!["uploaded", "uploaded"],
        "{summary:?}"
    );
    // One lookup (the reference, once per container), the PATCH, the DESADV; 2 ledger writes
    // per message (one target each).
    let calls: Vec<(String, String)> = scene
        .sandbox
        .calls()
        .iter()
        .map(|c| (c.method.clone(), c.path.clone()))
        .collect();
    assert_eq!(
        calls,
        vec![
            ("GET".to_owned(), "/api/order/".to_owned()),
            ("PATCH".to_owned(), "/api/order/12345/".to_owned()),
            ("POST".to_owned(), "/proxy/des_adv_xml/delivery/".to_owned()),
        ]
    );
    assert_eq!(scene.stack.ledger_writes(), 4);
    let order = scene.sandbox.order(12345).unwrap();
    assert_eq!(order.erp_order_number.as_deref(), Some("ERP-124578"));
    assert_eq!(order.state, "processing");
    assert_eq!(order.shipment_state, "partially_sent");

    // The full shipment lists P1 again and P2: only P2 goes out.
    let full = message(
        json!({"reference": "CS48193", "erp_order_number": "ERP-124578"}),
        "shipped",
        3,
        json!({"packages": [package("P1", "3SABC1234567", &[(11, "124_STUK", 1.0)]),
                            package("P2", "JJD0003900077", &[(22, "123_KG", 2.0)])]}),
    );
    scene.stack.send(std::slice::from_ref(&full)).await;
    let summary = scene.work(10).await;
    assert_eq!(outcome_names(&summary), vec!["uploaded"], "{summary:?}");
    let deliveries = scene.sandbox.deliveries();
    let numbers: Vec<&str> = deliveries
        .iter()
        .map(|d| d.desadv_number.as_str())
        .collect();
    assert_eq!(numbers, vec!["CS48193-P1", "CS48193-P2"]);
    assert_eq!(deliveries[1].items[0].order_num, "ERP-124578");
    assert_eq!(deliveries[1].transport_mode_code, "PostNL");
    assert_eq!(scene.sandbox.order(12345).unwrap().shipment_state, "sent");

    // Redelivered: nothing is sent.
    let before = scene.sandbox.calls().len();
    scene.stack.send(&[full]).await;
    let summary = scene.work(10).await;
    assert_eq!(outcome_names(&summary), vec!["duplicate"], "{summary:?}");
    assert_eq!(scene.sandbox.calls().len(), before);
    assert_eq!(scene.sandbox.deliveries().len(), 2);
}

#[tokio::test]
async fn a_desadv_the_platform_already_has_counts_as_applied() {
    // The ledger lost (or never wrote) the commit: CloudSuite's "only once" answers for it.
    let scene = CloudSuiteScene::new(VISIBILITY).await;
    let shipped = message(
        json!({"id": "12346", "erp_order_number": "ERP-124579"}),
        "shipped",
        1,
        json!({"packages": [package("P1", "T1", &[(10, "124_STUK", 1.0)])]}),
    );
    scene.stack.send(std::slice::from_ref(&shipped)).await;
    assert_eq!(outcome_names(&scene.work(10).await), vec!["uploaded"]);
    let other_account_ledger = CloudSuiteScene::new(VISIBILITY).await;
    // Same sandbox state, fresh ledger: point the second stack's secret at the first sandbox.
    let secret = json!({
        "base_url": scene.sandbox.base_url(), "token_url": scene.sandbox.token_url(),
        "client_id": "sandbox-client", "client_secret": orderstatus_tests::cloudsuite::CLIENT_SECRET,
        "shop": "1", "user": "10", "desadv": true
    });
    other_account_ledger
        .stack
        .put_secret("cloudsuite", "default", &secret)
        .await;
    other_account_ledger.stack.send(&[shipped]).await;
    let summary = other_account_ledger.work(10).await;
    assert_eq!(outcome_names(&summary), vec!["duplicate"], "{summary:?}");
    assert_eq!(scene.sandbox.deliveries().len(), 1);
}

#[tokio::test]
async fn a_refusal_rejects_only_its_message_with_the_platforms_words() {
    let scene = CloudSuiteScene::new(VISIBILITY).await;
    let messages = vec![
        message(json!({"id": "12346"}), "processing", 1, json!({})),
        message(json!({"id": "12348"}), "canceled", 1, json!({})),
        message(json!({"id": "99999"}), "delivered", 1, json!({})),
        message(json!({"id": "12347"}), "delivered", 1, json!({})),
    ];
    scene.stack.send(&messages).await;
    let summary = scene.work(10).await;
    assert_eq!(
        outcomes_by_order(&summary),
        vec![
            ("12346".to_owned(), "uploaded"),
            ("12347".to_owned(), "uploaded"),
            ("12348".to_owned(), "rejected"),
            ("99999".to_owned(), "rejected"),
        ]
    );
    let errors: Vec<String> = scene
        .stack
        .dead_letter_attributes()
        .await
        .into_iter()
        .map(|l| l.error)
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("Order 12348 cannot change state")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("order 99999 not found in CloudSuite")),
        "{errors:?}"
    );
    assert_eq!(scene.sandbox.order(12347).unwrap().state, "done");
}

#[tokio::test]
async fn a_reference_finds_one_order_or_says_why_not() {
    // Without a webshop, CS48195 is in two webshops; CS00000 is nowhere.
    let scene = CloudSuiteScene::with_secret(VISIBILITY, json!({"webshop": null})).await;
    let messages = vec![
        message(json!({"reference": "CS48195"}), "processing", 1, json!({})),
        message(json!({"reference": "CS00000"}), "processing", 1, json!({})),
        message(json!({"reference": "CS48194"}), "processing", 1, json!({})),
    ];
    scene.stack.send(&messages).await;
    let summary = scene.work(10).await;
    let mut errors: Vec<String> = scene
        .stack
        .dead_letter_attributes()
        .await
        .into_iter()
        .map(|l| l.error)
        .collect();
    errors.sort();
    assert_eq!(errors.len(), 2, "{summary:?}");
    assert!(
        errors[0].contains("2 orders with reference \"CS48195\"")
            && errors[0].contains("set webshop"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("no order with reference \"CS00000\""),
        "{errors:?}"
    );
    assert_eq!(scene.sandbox.order(12346).unwrap().state, "processing");

    // With webshop 2, CS48195 is order 22001.
    let scene = CloudSuiteScene::with_secret(VISIBILITY, json!({"webshop": "2"})).await;
    scene.stack.send(&messages[..1]).await;
    assert_eq!(outcome_names(&scene.work(10).await), vec!["uploaded"]);
    assert_eq!(scene.sandbox.order(22001).unwrap().state, "processing");
    assert_eq!(scene.sandbox.order(12347).unwrap().state, "confirmed");
    let lookup = &scene.calls_to("GET", "/api/order/")[0];
    assert_eq!(lookup.query, "reference=CS48195&webshop=2");
}

fn account(scene: &CloudSuiteScene, concurrency: usize) -> Account<CloudSuiteSettings> {
    let secret = json!({
        "base_url": scene.sandbox.base_url(), "token_url": scene.sandbox.token_url(),
        "client_id": "sandbox-client", "client_secret": orderstatus_tests::cloudsuite::CLIENT_SECRET,
        "shop": "1", "user": "10", "concurrency": concurrency
    });
    Account::from_json(
        "default",
        "test",
        &secret.to_string(),
        BatchLimits::of::<CloudSuite>(),
        true,
    )
    .unwrap()
}

/// Orders 30000.. in the sandbox, and one PATCH payload for each.
fn many_orders(
    scene: &CloudSuiteScene,
    platform: &CloudSuite,
    account: &Account<CloudSuiteSettings>,
    count: u64,
) -> Vec<orderstatus_cloudsuite::mapping::CloudSuiteUpload> {
    (0..count)
        .map(|i| {
            let id = 30000 + i;
            scene.sandbox.add_order(Order {
                id,
                reference: format!("CS{id}"),
                webshop: 1,
                state: "confirmed".to_owned(),
                shipment_state: "not_sent".to_owned(),
                erp_order_number: None,
                lines: vec![OrderLine {
                    erp_line_number: Some(1),
                    sku: "X".to_owned(),
                    quantity: 1.0,
                    delivered: 0.0,
                }],
            });
            let text = message(json!({"id": id.to_string()}), "processing", 1, json!({}));
            let units = platform
                .map(&parse_message(&text).unwrap(), account)
                .unwrap();
            match units.into_iter().next().unwrap().action {
                Action::Upload(upload) => upload,
                Action::Skip { reason } => panic!("{reason}"),
            }
        })
        .collect()
}

/// Uploads each payload as its own unit, all at once.
async fn upload_all(
    platform: &CloudSuite,
    account: &Account<CloudSuiteSettings>,
    uploads: &[orderstatus_cloudsuite::mapping::CloudSuiteUpload],
) -> Vec<Vec<UnitResult>> {
    futures::future::join_all(
        uploads
            .iter()
            .map(|upload| async move { platform.upload(account, &[upload]).await }),
    )
    .await
}

#[tokio::test]
async fn forty_concurrent_units_share_one_token_and_a_revoked_one_is_renewed_once() {
    let scene = CloudSuiteScene::new(VISIBILITY).await;
    scene.sandbox.tokens().set_delay(Duration::from_millis(200));
    let platform = scene.platform();
    let account = account(&scene, 40);
    let uploads = many_orders(&scene, &platform, &account, 80);
    let results = upload_all(&platform, &account, &uploads[..40]).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r[0], UnitResult::Accepted { .. })),
        "{results:?}"
    );
    assert_eq!(
        scene.sandbox.tokens().calls().len(),
        1,
        "one token for 40 units"
    );

    // Every token dies at once (as when it expires mid-batch): one renewal for all of them.
    scene.sandbox.tokens().revoke_all();
    let results = upload_all(&platform, &account, &uploads[40..]).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r[0], UnitResult::Accepted { .. })),
        "{results:?}"
    );
    assert_eq!(scene.sandbox.tokens().calls().len(), 2, "one renewal");
    assert_eq!(platform.token_fetches(), 2);
}

#[tokio::test]
async fn a_token_past_its_lifetime_is_renewed_before_it_is_refused() {
    let config = CloudSuiteConfig {
        token_lifetime: Duration::from_secs(1),
        ..CloudSuiteConfig::default()
    };
    let scene = CloudSuiteScene::with(VISIBILITY, config, json!({})).await;
    let platform = scene.platform();
    let account = account(&scene, 8);
    let uploads = many_orders(&scene, &platform, &account, 2);
    assert!(matches!(
        platform.upload(&account, &[&uploads[0]]).await[0],
        UnitResult::Accepted { .. }
    ));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(matches!(
        platform.upload(&account, &[&uploads[1]]).await[0],
        UnitResult::Accepted { .. }
    ));
    assert_eq!(scene.sandbox.tokens().calls().len(), 2);
    let refused = scene
        .sandbox
        .calls()
        .iter()
        .filter(|c| c.status == 401)
        .count();
    assert_eq!(refused, 0, "renewed before expiry, never refused");
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_within_the_invocation() {
    // Retries wait (Retry-After: 1 s); an upload may not outlive its ledger lease, so the lease
    // (the queue's visibility timeout here) must be longer than the waits.
    let scene = CloudSuiteScene::new(Duration::from_secs(30)).await;
    scene.sandbox.inject(Fault::new(FaultKind::TooManyRequests));
    scene.sandbox.inject(Fault::new(FaultKind::ServerError));
    scene.sandbox.inject(Fault::new(FaultKind::Unauthorized));
    scene
        .stack
        .send(&[message(json!({"id": "12346"}), "delivered", 1, json!({}))])
        .await;
    let summary = scene.work(10).await;
    assert_eq!(outcome_names(&summary), vec!["uploaded"], "{summary:?}");
    let statuses: Vec<u16> = scene.sandbox.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, vec![429, 500, 401, 200]);
    // The 401 cost one token renewal, not the message.
    assert_eq!(scene.sandbox.tokens().calls().len(), 2);
}

#[tokio::test]
async fn timeline_statuses_and_json_desadv_reach_the_platform() {
    let scene = CloudSuiteScene::with_secret(VISIBILITY, json!({"desadv_format": "json"})).await;
    let messages = vec![
        message(json!({"id": "12346"}), "returned", 5, json!({})),
        message(json!({"id": "12346"}), "failed_delivery", 6, json!({})),
        message(
            json!({"id": "12345"}),
            "partially_shipped",
            1,
            json!({"packages": [package("P1", "T9", &[(11, "124_STUK", 1.0)])]}),
        ),
    ];
    scene.stack.send(&messages).await;
    let summary = scene.work(10).await;
    assert_eq!(
        outcome_names(&summary),
        vec!["uploaded", "not_applicable", "uploaded"],
        "{summary:?}"
    );
    let timeline = scene.sandbox.timeline(12346);
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].text, "Retour ontvangen");
    assert_eq!(timeline[0].state_id.as_deref(), Some("returned"));
    let deliveries = scene.sandbox.deliveries();
    assert_eq!(deliveries[0].format, "json");
    // No ERP number in the message nor on the order: CloudSuite's own number (its reference).
    assert_eq!(deliveries[0].items[0].order_num, "CS48193");
}
