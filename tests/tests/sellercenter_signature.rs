//! The OMS API signature against the sandbox's own signer (written from the specification,
//! apart from the function's code): a call the function prepares is accepted, the same call
//! tampered with is refused.

use std::time::Duration;

use chrono::Utc;
use orderstatus::config::{Account, BatchLimits};
use orderstatus::platform::Action;
use orderstatus::platform::Platform;
use orderstatus::validate::parse_message;
use orderstatus_sandboxes::sellercenter::signature;
use orderstatus_sellercenter::SellerCenterSettings;
use orderstatus_sellercenter::mapping::ItemUpdate;
use orderstatus_sellercenter::request::{PreparedRequest, prepare_status};
use orderstatus_sellercenter::signature::sign;
use orderstatus_tests::sellercenter::{API_KEY, SellerCenterScene, item_ids, shipped};
use serde_json::Value;

const LIMITS: BatchLimits = BatchLimits {
    default_size: 4000,
    max_size: 4000,
    default_concurrency: 1,
};

#[test]
fn the_function_and_the_sandbox_sign_alike() {
    let cases: [&[(&str, &str)]; 3] = [
        &[
            ("Action", "UpdateItemsStatus"),
            ("ServiceName", "OMS"),
            ("Timestamp", "2024-05-01T08:00:00+00:00"),
            ("Version", "1.0"),
        ],
        &[("b", "x y"), ("a", "ü/ß?&="), ("C", "~-._*+")],
        &[],
    ];
    for params in cases {
        assert_eq!(sign(params, "k"), signature(params, "k"), "{params:?}");
    }
}

fn account(base_url: &str) -> Account<SellerCenterSettings> {
    let secret = serde_json::json!({"base_url": base_url, "api_key": API_KEY});
    Account::from_json("default", "test", &secret.to_string(), LIMITS, true).unwrap()
}

fn prepared(base_url: &str) -> PreparedRequest {
    let account = account(base_url);
    let message = parse_message(&shipped("40001", &item_ids(1, 1))).unwrap();
    let platform = orderstatus_sellercenter::platform(Duration::from_secs(5)).unwrap();
    let units = platform.map(&message, &account).unwrap();
    let batch: Vec<&ItemUpdate> = units
        .iter()
        .filter_map(|u| match &u.action {
            Action::Upload(update) => Some(update),
            Action::Skip { .. } => None,
        })
        .collect();
    prepare_status(&account, &batch, Utc::now())
}

async fn send(url: &str, body: &[u8]) -> Value {
    let text = reqwest::Client::new()
        .post(url)
        .body(body.to_vec())
        .send()
        .await
        .expect("sandbox answers")
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn the_sandbox_accepts_the_signed_call_and_refuses_it_tampered() {
    let scene = SellerCenterScene::new(Duration::from_secs(60)).await;
    let request = prepared(&scene.sandbox.base_url());

    // Tampered: one more parameter than was signed, signature kept.
    let tampered = format!("{}&Format=XML", request.url);
    let refused = send(&tampered, &request.body).await;
    assert_eq!(
        refused["ErrorResponse"]["Head"]["ErrorCode"], "7",
        "E007, signature mismatch: {refused}"
    );
    // Tampered: the service name changed after signing.
    let renamed = request
        .url
        .as_str()
        .replace("ServiceName=OMS", "ServiceName=OMT");
    let refused = send(&renamed, &request.body).await;
    assert_eq!(
        refused["ErrorResponse"]["Head"]["ErrorCode"], "7",
        "{refused}"
    );
    assert!(
        scene.sandbox.calls().is_empty(),
        "refused calls apply nothing"
    );

    let accepted = send(request.url.as_str(), &request.body).await;
    assert!(accepted["SuccessResponse"].is_object(), "{accepted}");
    assert_eq!(scene.status_of("1").as_deref(), Some("shipped"));
}
