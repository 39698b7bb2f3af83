//! ChannelAdvisor end to end through the local worker: moto for SQS, DynamoDB and Secrets
//! Manager, the ChannelAdvisor sandbox for the platform, its token endpoint and its limits.

use std::time::Duration;

use orderstatus::config::{Account, BatchLimits};
use orderstatus::http::ClientSettings;
use orderstatus::platform::{Action, Platform, UnitResult};
use orderstatus::validate::parse_message;
use orderstatus_channeladvisor::ChannelAdvisor;
use orderstatus_channeladvisor::mapping::ChannelAdvisorUpload;
use orderstatus_channeladvisor::settings::ChannelAdvisorSettings;
use orderstatus_sandboxes::channeladvisor::{
    ChannelAdvisorConfig, Fault, FaultKind, Order, OrderItem,
};
use orderstatus_tests::channeladvisor::{
    ChannelAdvisorScene, REFRESH_TOKEN, SHARED_SECRET, message, package,
};
use orderstatus_tests::stack::{outcome_names, outcomes_by_order};
use serde_json::json;

const VISIBILITY: Duration = Duration::from_secs(1);

/// `count` unshipped orders from `first`, one item each.
fn add_orders(scene: &ChannelAdvisorScene, first: u64, count: u64) {
    for id in first..first + count {
        scene.sandbox.add_order(Order {
            id,
            exported: false,
            shipping_status: "Unshipped".to_owned(),
            canceled: false,
            items: vec![OrderItem {
                id: id * 10 + 1,
                sku: "SKU-RED".to_owned(),
                quantity: 1,
                shipped: 0,
                canceled: false,
            }],
            fulfillments: Vec::new(),
            adjustments: Vec::new(),
        });
    }
}

#[tokio::test]
async fn a_shipment_ships_once_and_one_more_package_ships_only_that_one() {
    let scene = ChannelAdvisorScene::new(VISIBILITY).await;
    let first = message(
        700001,
        "partially_shipped",
        json!({"packages": [package("P1", "UPS", "1Z1", &[("SKU-RED", 1)])]}),
    );
    scene.stack.send(std::slice::from_ref(&first)).await;
    scene.stack.dynamodb_requests.reset();
    assert_eq!(outcome_names(&scene.work(10).await), vec!["uploaded"]);
    assert_eq!(scene.stack.ledger_writes(), 2, "a claim and a commit");
    assert_eq!(scene.sandbox.calls().len(), 1, "one Ship, nothing else");

    let both = message(
        700001,
        "shipped",
        json!({"packages": [package("P1", "UPS", "1Z1", &[("SKU-RED", 1)]),
                            package("P2", "UPS", "1Z2", &[("SKU-BLUE", 2)])]}),
    );
    scene.stack.send(std::slice::from_ref(&both)).await;
    assert_eq!(outcome_names(&scene.work(10).await), vec!["uploaded"]);
    let order = scene.sandbox.order(700001).unwrap();
    let ids: Vec<_> = order
        .fulfillments
        .iter()
        .map(|f| f.seller_fulfillment_id.clone().unwrap_or_default())
        .collect();
    assert_eq!(ids, vec!["700001-P1", "700001-P2"]);
    assert_eq!(order.shipping_status, "Shipped");

    // Redelivered: nothing is sent.
    let before = scene.sandbox.calls().len();
    scene.stack.send(&[both]).await;
    assert_eq!(outcome_names(&scene.work(10).await), vec!["duplicate"]);
    assert_eq!(scene.sandbox.calls().len(), before);
}

#[tokio::test]
async fn an_invalid_carrier_rejects_only_its_message_with_channeladvisors_words() {
    let scene = ChannelAdvisorScene::new(VISIBILITY).await;
    let messages = vec![
        message(
            700001,
            "shipped",
            json!({"packages": [package("P1", "Pony Express", "PX1", &[])]}),
        ),
        message(700002, "acknowledged", json!({})),
        message(700003, "canceled", json!({"reason": "out of stock"})),
        message(
            700005,
            "shipped",
            json!({"packages": [{"id": "P1", "carrier": "UPS", "shipped_at": "2024-05-01T09:30:00-04:00"}]}),
        ),
    ];
    scene.stack.send(&messages).await;
    let summary = scene.work(10).await;
    assert_eq!(
        outcomes_by_order(&summary),
        vec![
            ("700001".to_owned(), "rejected"),
            ("700002".to_owned(), "uploaded"),
            ("700003".to_owned(), "uploaded"),
            ("700005".to_owned(), "invalid"),
        ]
    );
    let letters = scene.stack.dead_letter_attributes().await;
    assert!(
        letters
            .iter()
            .any(|l| l.error.contains("Carrier and Class is invalid.")),
        "{letters:?}"
    );
    assert!(
        letters
            .iter()
            .any(|l| l.error.starts_with("packages[0].tracking_number: missing")),
        "{letters:?}"
    );
    assert!(scene.sandbox.order(700002).unwrap().exported);
    let canceled = scene.sandbox.order(700003).unwrap();
    assert!(canceled.canceled);
    assert_eq!(canceled.adjustments[0].reason, "ItemNotAvailable");
}

fn account(scene: &ChannelAdvisorScene) -> Account<ChannelAdvisorSettings> {
    let secret = json!({
        "base_url": scene.sandbox.base_url(), "token_url": scene.sandbox.token_url(),
        "application_id": "sandbox-application", "shared_secret": SHARED_SECRET,
        "refresh_token": REFRESH_TOKEN, "concurrency": 20
    });
    Account::from_json(
        "default",
        "test",
        &secret.to_string(),
        BatchLimits::of::<ChannelAdvisor>(),
        true,
    )
    .unwrap()
}

fn exports(
    platform: &ChannelAdvisor,
    account: &Account<ChannelAdvisorSettings>,
    first: u64,
    count: u64,
) -> Vec<ChannelAdvisorUpload> {
    (first..first + count)
        .map(|id| {
            let text = message(id, "acknowledged", json!({}));
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

async fn upload_all(
    platform: &ChannelAdvisor,
    account: &Account<ChannelAdvisorSettings>,
    uploads: &[ChannelAdvisorUpload],
) -> Vec<Vec<UnitResult>> {
    futures::future::join_all(
        uploads
            .iter()
            .map(|upload| async move { platform.upload(account, &[upload]).await }),
    )
    .await
}

#[tokio::test]
async fn a_token_revoked_in_the_middle_of_a_batch_is_renewed_once() {
    let scene = ChannelAdvisorScene::new(VISIBILITY).await;
    add_orders(&scene, 800000, 20);
    let platform = scene.platform();
    let account = account(&scene);
    let uploads = exports(&platform, &account, 800000, 20);
    let results = upload_all(&platform, &account, &uploads[..10]).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r[0], UnitResult::Accepted { .. })),
        "{results:?}"
    );
    assert_eq!(scene.sandbox.tokens().calls().len(), 1);
    scene.sandbox.tokens().revoke_all();
    let results = upload_all(&platform, &account, &uploads[10..]).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r[0], UnitResult::Accepted { .. })),
        "{results:?}"
    );
    assert_eq!(
        scene.sandbox.tokens().calls().len(),
        2,
        "one renewal for all"
    );
    let calls = scene.sandbox.tokens().calls();
    assert!(
        calls
            .iter()
            .all(|c| c.grant_type == "refresh_token" && c.client_auth == "basic")
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_is_auth_saying_so() {
    let scene = ChannelAdvisorScene::new(VISIBILITY).await;
    scene.sandbox.tokens().set_refresh_token(None);
    scene
        .stack
        .send(&[message(700002, "acknowledged", json!({}))])
        .await;
    let summary = scene.work(10).await;
    assert_eq!(outcome_names(&summary), vec!["rejected"]);
    let letters = scene.stack.dead_letter_attributes().await;
    assert_eq!(letters[0].reason, "auth");
    assert!(
        letters[0]
            .error
            .contains("refresh_token is expired or revoked"),
        "{letters:?}"
    );
    assert!(!letters[0].error.contains(REFRESH_TOKEN));
}

#[tokio::test]
async fn two_copies_at_once_stay_within_five_in_flight_and_draw_no_429() {
    // The platform's own limits at the sandbox; each request takes 100 ms, so that requests
    // overlap and a copy that overstepped its share would be caught.
    let scene = ChannelAdvisorScene::new(Duration::from_secs(30)).await;
    add_orders(&scene, 810000, 200);
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Slow).times(1000).delay_ms(100));
    let bodies: Vec<String> = (810000..810200)
        .map(|id| message(id, "acknowledged", json!({})))
        .collect();
    scene.stack.send(&bodies).await;
    let copy = || {
        orderstatus_channeladvisor::platform(ClientSettings {
            timeout: Duration::from_secs(10),
            copies: 2,
        })
        .unwrap()
    };
    let (first, second) =
        tokio::join!(scene.stack.work(copy(), 100), scene.stack.work(copy(), 100));
    let uploaded = first.outcomes.get("uploaded").copied().unwrap_or(0)
        + second.outcomes.get("uploaded").copied().unwrap_or(0);
    assert_eq!(uploaded, 200, "{first:?} {second:?}");
    assert!(
        first.received > 0 && second.received > 0,
        "both copies worked"
    );
    let most = scene.sandbox.most_in_flight();
    assert!(most <= 5, "{most} in flight");
    assert!(
        most >= 3,
        "the copies overlapped ({most} in flight at most)"
    );
    let throttled = scene
        .sandbox
        .calls()
        .iter()
        .filter(|c| c.status == 429)
        .count();
    assert_eq!(throttled, 0);
    println!(
        "two copies: {} requests, most in flight {most}, most in a minute {}",
        scene.sandbox.calls().len(),
        scene.sandbox.most_per_minute()
    );
}

#[tokio::test]
async fn throttling_is_retried_and_nothing_is_lost() {
    let config = ChannelAdvisorConfig::default();
    let scene = ChannelAdvisorScene::with(VISIBILITY, config, json!({})).await;
    add_orders(&scene, 820000, 6);
    scene
        .sandbox
        .inject(Fault::new(FaultKind::TooManyRequests).times(4));
    scene
        .sandbox
        .inject(Fault::new(FaultKind::ServerError).times(2));
    let bodies: Vec<String> = (820000..820006)
        .map(|id| message(id, "acknowledged", json!({})))
        .collect();
    scene.stack.send(&bodies).await;
    let mut uploaded = 0;
    for _ in 0..10 {
        let summary = scene.work(10).await;
        uploaded += summary.outcomes.get("uploaded").copied().unwrap_or(0);
        if scene.stack.depth(&scene.stack.queue_url).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    assert_eq!(uploaded, 6);
    assert!(scene.stack.dead_letters().await.is_empty());
    let statuses: Vec<u16> = scene.sandbox.calls().iter().map(|c| c.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        4,
        "{statuses:?}"
    );
    assert!((0..6).all(|i| scene.sandbox.order(820000 + i).unwrap().exported));
}

#[tokio::test]
async fn item_cancelations_adjust_only_their_items() {
    let scene = ChannelAdvisorScene::new(VISIBILITY).await;
    let lines = json!([{"line_id": "7000031", "status": "canceled", "reason": "out of stock"}]);
    scene
        .stack
        .send(&[message(700003, "canceled", json!({"lines": lines}))])
        .await;
    assert_eq!(outcome_names(&scene.work(10).await), vec!["uploaded"]);
    let order = scene.sandbox.order(700003).unwrap();
    let canceled: Vec<bool> = order.items.iter().map(|i| i.canceled).collect();
    assert_eq!(canceled, vec![true, false]);
    assert_eq!(order.adjustments[0].order_item_id, Some(7000031));
    let call = &scene.sandbox.calls()[0];
    assert_eq!(call.path, "/v1/OrderItems(7000031)/Adjust");
}

/// Acknowledgements of `count` fresh orders from `first`, queued.
async fn queue_exports(scene: &ChannelAdvisorScene, first: u64, count: u64) {
    add_orders(scene, first, count);
    let bodies: Vec<String> = (first..first + count)
        .map(|id| message(id, "acknowledged", json!({})))
        .collect();
    scene.stack.send(&bodies).await;
}

/// Works the queue until it is empty (at most `rounds` worker runs); the uploads counted.
async fn drain(scene: &ChannelAdvisorScene, rounds: usize) -> usize {
    let mut uploaded = 0;
    for _ in 0..rounds {
        let summary = scene.work(10).await;
        uploaded += summary.outcomes.get("uploaded").copied().unwrap_or(0);
        if scene.stack.depth(&scene.stack.queue_url).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    uploaded
}

#[tokio::test]
async fn under_a_lowered_per_minute_limit_429s_are_retried_and_nothing_is_lost() {
    // 6 requests a "minute" of 2 s: the 429s ask for at most 2 s, which the client waits out.
    let scene = ChannelAdvisorScene::new(Duration::from_secs(30)).await;
    scene.sandbox.set_limits(5, 6);
    scene.sandbox.set_limit_window(Duration::from_secs(2));
    queue_exports(&scene, 830000, 15).await;
    assert_eq!(drain(&scene, 10).await, 15);
    assert!(scene.stack.dead_letters().await.is_empty());
    assert!((830000..830015).all(|id| scene.sandbox.order(id).unwrap().exported));
    let stats = scene.sandbox.stats();
    assert!(stats.throttled > 0, "the limit was reached: {stats:?}");
    assert!(stats.most_per_minute <= 6, "{stats:?}");
}

#[tokio::test]
async fn the_accounts_own_rate_keeps_the_copy_under_the_limit() {
    // The same sandbox limit (3 a second), and the secret saying 120 a minute (2 a second):
    // the client spaces its requests and is never told to slow down.
    let config = ChannelAdvisorConfig::default();
    let scene = ChannelAdvisorScene::with(
        Duration::from_secs(30),
        config,
        json!({"requests_per_minute": 120}),
    )
    .await;
    scene.sandbox.set_limits(5, 6);
    scene.sandbox.set_limit_window(Duration::from_secs(2));
    queue_exports(&scene, 840000, 10).await;
    assert_eq!(drain(&scene, 5).await, 10);
    let stats = scene.sandbox.stats();
    assert_eq!(stats.throttled, 0, "{stats:?}");
}
