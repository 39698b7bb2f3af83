//! The Seller Center sandbox over real HTTP, as the uploader's client will see it.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use orderstatus_sandboxes::sellercenter::{
    Fault, FaultKind, ItemState, ReceivedCall, SellerCenterConfig, SellerCenterSandbox, signature,
};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const KEY: &str = "sandbox-api-key";

fn http() -> Client {
    // A proxy from the environment must not intercept 127.0.0.1.
    Client::builder().no_proxy().build().unwrap()
}

async fn sandbox() -> SellerCenterSandbox {
    SellerCenterSandbox::start(SellerCenterConfig::default())
        .await
        .unwrap()
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The API URL for `params` plus a `Signature` over them with `key`.
fn signed_url(base_url: &str, params: &[(&str, &str)], key: &str) -> String {
    let mut url = url::Url::parse(&format!("{base_url}/oms-api/")).unwrap();
    let signature = signature(params, key);
    url.query_pairs_mut()
        .extend_pairs(params)
        .append_pair("Signature", &signature);
    url.into()
}

fn params<'a>(action: &'a str, timestamp: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("Action", action),
        ("ServiceName", "OMS"),
        ("Timestamp", timestamp),
        ("Version", "1.0"),
    ]
}

fn body(items: &[Value]) -> Value {
    json!({"Request": {"Items": items}})
}

/// Sends `body` to `url` and returns the HTTP status and the JSON answer.
async fn send(url: &str, body: &Value) -> (StatusCode, Value) {
    let response = http()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    let text = http().get(url).send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

/// A correctly signed, fresh call of `action` with `items`.
async fn call(sandbox: &SellerCenterSandbox, action: &str, items: &[Value]) -> (StatusCode, Value) {
    let url = signed_url(&sandbox.base_url(), &params(action, &now()), KEY);
    send(&url, &body(items)).await
}

async fn update(sandbox: &SellerCenterSandbox, items: &[Value]) -> (StatusCode, Value) {
    call(sandbox, "UpdateItemsStatus", items).await
}

/// An `UpdateItemsStatus` item with every documented field, filled as `status` requires.
fn item(id: &str, status: &str) -> Value {
    let mut item = json!({
        "id_sales_order_item": id, "item_status": status, "package_status": "",
        "cancel_reason": "", "return_reason": "", "failed_delivery_reason": "",
        "shipping_carrier": "", "tracking_code": "", "status_event_time": "2024-05-01 10:00:00",
    });
    match status {
        "shipped" => {
            item["shipping_carrier"] = json!("DHL");
            item["tracking_code"] = json!(format!("TRK{id}"));
        }
        "canceled" => item["cancel_reason"] = json!("Cannot fulfil"),
        "returned" => item["return_reason"] = json!("Size did not fit"),
        "failed_delivery" => item["failed_delivery_reason"] = json!("Address not found"),
        _ => {}
    }
    item
}

fn detail(id: &str, status_detail: &str) -> Value {
    json!({"id_sales_order_item": id, "status_detail": status_detail})
}

/// The `ErrorResponse` of a call refused as a whole.
fn call_error(action: &str, code: &str, message: &str) -> Value {
    json!({"ErrorResponse": {
        "Head": {"RequestAction": action, "ErrorType": "Sender", "ErrorCode": code,
                 "ErrorMessage": message},
        "Body": [],
    }})
}

/// The `ErrorResponse` listing items not processed, as (position, message).
fn item_errors(action: &str, failures: &[(usize, &str)]) -> Value {
    let items: Vec<Value> = failures
        .iter()
        .map(|(position, message)| {
            json!({"ErrorCode": null, "ErrorMessage": message, "Position": position})
        })
        .collect();
    json!({"ErrorResponse": {
        "Head": {"RequestAction": action, "ErrorType": "Sender", "ErrorCode": "0",
                 "ErrorMessage": "Some elements were not processed"},
        "Body": {action: items},
    }})
}

fn assert_success(answer: &(StatusCode, Value), action: &str) {
    let (status, body) = answer;
    assert_eq!(*status, StatusCode::OK, "{body}");
    let head = &body["SuccessResponse"]["Head"];
    assert_eq!(head["RequestAction"], action, "{body}");
    assert_eq!(head["ResponseType"], "", "{body}");
    assert!(
        head["RequestId"]
            .as_str()
            .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()),
        "{body}"
    );
    let timestamp = head["Timestamp"].as_str().unwrap_or_default();
    assert!(
        chrono::DateTime::parse_from_str(timestamp, "%Y-%m-%dT%H:%M:%S%z").is_ok(),
        "{body}"
    );
    assert_eq!(body["SuccessResponse"]["Body"], json!([]), "{body}");
}

fn status_of(sandbox: &SellerCenterSandbox, id: &str) -> Option<String> {
    sandbox.item(id).map(|item| item.status)
}

#[test]
fn signature_matches_independently_computed_vectors() {
    // Expected values computed with OpenSSL over canonical strings written by hand from the
    // API specification (parameters sorted by name, RFC 3986 encoding, upper-case %XX):
    //   printf %s 'Action=UpdateItemsStatus&ServiceName=OMS&Timestamp=2015-11-12T12%3A32%3A57%2B01%3A00&Version=1.0' \
    //     | openssl dgst -sha256 -hmac 'b1bdb357ced10fe4e9a69840cdd4f0e9'
    //   printf %s 'Action=UpdateItemsStatus&Note=caf%C3%A9%20%2A%2B~&ServiceName=OMS&Timestamp=2015-11-12T12%3A32%3A57%2B01%3A00&Version=1.0' \
    //     | openssl dgst -sha256 -hmac 'b1bdb357ced10fe4e9a69840cdd4f0e9'
    // (the encoding of "café *+~" checked with Python's urllib.parse.quote(…, safe='-_.~')).
    let key = "b1bdb357ced10fe4e9a69840cdd4f0e9";
    let timestamp = "2015-11-12T12:32:57+01:00";
    let unsorted = [
        ("Version", "1.0"),
        ("Timestamp", timestamp),
        ("ServiceName", "OMS"),
        ("Action", "UpdateItemsStatus"),
    ];
    assert_eq!(
        signature(&unsorted, key),
        "d19a03a0b39ef09970810e0f71e2a61ca05e74a55b6424163fdad7e4ee61c8c7"
    );
    let mut with_note = unsorted.to_vec();
    with_note.push(("Note", "café *+~"));
    with_note.push(("Signature", "left out"));
    assert_eq!(
        signature(&with_note, key),
        "b92d55ac76362f1ba95bdd926713230e4920f2ad9a70b246a6eb0030832b3497"
    );
}

#[tokio::test]
async fn a_signed_call_is_applied_and_answered_with_success() {
    let sandbox = sandbox().await;
    // The timestamp in the API's own example form, +hhmm, sent percent-encoded.
    let timestamp = Utc::now().format("%Y-%m-%dT%H:%M:%S%z").to_string();
    let url = signed_url(
        &sandbox.base_url(),
        &params("UpdateItemsStatus", &timestamp),
        KEY,
    );
    let answer = send(&url, &body(&[item("8", "shipped")])).await;
    assert_success(&answer, "UpdateItemsStatus");
    assert_eq!(
        sandbox.item("8"),
        Some(ItemState {
            status: "shipped".to_owned(),
            status_detail: None,
            history: vec!["pending".to_owned(), "shipped".to_owned()],
        })
    );
    assert_eq!(
        sandbox.calls(),
        [ReceivedCall {
            action: "UpdateItemsStatus".to_owned(),
            items: vec![item("8", "shipped")],
            failed_positions: vec![],
            error: None,
        }]
    );
}

#[tokio::test]
async fn tampered_or_wrongly_signed_calls_are_refused_under_http_200() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let timestamp = now();
    let mismatch = call_error("UpdateItemsStatus", "7", "E007: Signature mismatch");

    // Signed, then one parameter changed on the way.
    let tampered = signed_url(&base, &params("UpdateItemsStatus", &timestamp), KEY)
        .replace("Version=1.0", "Version=1.0&Format=JSON");
    let signed_with_other_key =
        signed_url(&base, &params("UpdateItemsStatus", &timestamp), "other");
    let mut other_service = params("UpdateItemsStatus", &timestamp);
    other_service[1] = ("ServiceName", "SHOP");
    let other_service = signed_url(&base, &other_service, KEY);
    let upper_case_hex = {
        let url = signed_url(&base, &params("UpdateItemsStatus", &timestamp), KEY);
        let (rest, signature) = url.split_once("Signature=").unwrap();
        format!("{rest}Signature={}", signature.to_uppercase())
    };
    for url in [
        tampered,
        signed_with_other_key,
        other_service,
        upper_case_hex,
    ] {
        let answer = send(&url, &body(&[item("8", "shipped")])).await;
        assert_eq!(answer, (StatusCode::OK, mismatch.clone()), "{url}");
    }
    assert_eq!(sandbox.item("8"), None);
    assert!(sandbox.calls().is_empty());
    assert_eq!(sandbox.requests(), 4);
}

#[tokio::test]
async fn stale_unreadable_or_incomplete_queries_are_refused() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let action = "UpdateItemsStatus";
    let at =
        |offset: chrono::Duration| (Utc::now() + offset).to_rfc3339_opts(SecondsFormat::Secs, true);
    let expired = call_error(action, "3", "E003: Timestamp has expired");
    let (past, future, fresh) = (
        at(chrono::Duration::seconds(-400)),
        at(chrono::Duration::seconds(400)),
        now(),
    );
    let cases = [
        (params(action, &past).to_vec(), expired.clone()),
        (params(action, &future).to_vec(), expired),
        (
            params(action, "12.11.2015 12:32").to_vec(),
            call_error(action, "4", "E004: Invalid Timestamp format"),
        ),
        (
            params(action, &fresh)[..3].to_vec(),
            call_error(action, "1", "E001: Parameter Version is mandatory"),
        ),
        (
            vec![
                ("Action", action),
                ("ServiceName", "OMS"),
                ("Timestamp", &fresh),
                ("Version", "2.0"),
            ],
            call_error(action, "2", "E002: Invalid Version"),
        ),
    ];
    for (params, expected) in cases {
        let answer = send(
            &signed_url(&base, &params, KEY),
            &body(&[item("8", "shipped")]),
        )
        .await;
        assert_eq!(answer, (StatusCode::OK, expected), "{params:?}");
    }
    assert!(sandbox.calls().is_empty());
    assert_eq!(sandbox.item("8"), None);
}

#[tokio::test]
async fn unknown_actions_and_unusable_bodies_refuse_the_whole_call() {
    let sandbox = sandbox().await;
    let (status, answer) = call(&sandbox, "GetOrders", &[item("8", "shipped")]).await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::OK,
            call_error("GetOrders", "8", "E008: Invalid Action")
        )
    );

    let (_, empty) = update(&sandbox, &[]).await;
    assert_eq!(
        empty,
        call_error("UpdateItemsStatus", "30", "E030: Empty Request")
    );

    let url = signed_url(
        &sandbox.base_url(),
        &params("UpdateItemsStatus", &now()),
        KEY,
    );
    for malformed in [json!({"Items": [item("8", "shipped")]}), json!([1, 2])] {
        let (status, answer) = send(&url, &malformed).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            answer["ErrorResponse"]["Head"]["ErrorCode"], "5",
            "{answer}"
        );
        let message = answer["ErrorResponse"]["Head"]["ErrorMessage"]
            .as_str()
            .unwrap();
        assert!(
            message.starts_with("E005: Invalid Request Format"),
            "{message}"
        );
    }
    let calls = sandbox.calls();
    let errors: Vec<Option<&str>> = calls.iter().map(|call| call.error.as_deref()).collect();
    assert_eq!(errors.len(), 4);
    assert_eq!(errors[0], Some("E008: Invalid Action"));
    assert_eq!(errors[1], Some("E030: Empty Request"));
    assert_eq!(sandbox.item("8"), None);
}

#[tokio::test]
async fn a_missing_field_fails_only_its_item() {
    let sandbox = sandbox().await;
    let mut incomplete = item("12", "shipped");
    incomplete.as_object_mut().unwrap().remove("return_reason");
    let answer = update(
        &sandbox,
        &[item("11", "shipped"), incomplete, item("13", "canceled")],
    )
    .await;
    assert_eq!(
        answer,
        (
            StatusCode::OK,
            item_errors(
                "UpdateItemsStatus",
                &[(1, "Field return_reason is missing")]
            )
        )
    );
    assert_eq!(status_of(&sandbox, "11").as_deref(), Some("shipped"));
    assert_eq!(status_of(&sandbox, "12"), None);
    assert_eq!(status_of(&sandbox, "13").as_deref(), Some("canceled"));
    assert_eq!(sandbox.calls()[0].failed_positions, [1]);
}

#[tokio::test]
async fn the_state_machine_allows_refuses_and_recognises_repeats() {
    let sandbox = sandbox().await;
    sandbox.set_item_status("5", "ready_to_ship");
    sandbox.set_unknown_items(&["99"]);
    // Several moves of one item in one call apply in order.
    assert_success(
        &update(
            &sandbox,
            &[
                item("1", "shipped"),
                item("1", "delivered"),
                item("2", "canceled"),
                item("3", "shipped"),
                item("3", "failed_delivery"),
                item("4", "shipped"),
                item("4", "delivered"),
                item("4", "return_shipped_by_customer"),
                item("4", "returned"),
                item("5", "shipped"),
            ],
        )
        .await,
        "UpdateItemsStatus",
    );
    let answer = update(
        &sandbox,
        &[
            item("1", "delivered"),
            item("1", "shipped"),
            item("2", "shipped"),
            item("3", "returned"),
            item("4", "delivered"),
            item("6", "delivered"),
            item("99", "shipped"),
            item("1", "returned"),
        ],
    )
    .await;
    let expected = item_errors(
        "UpdateItemsStatus",
        &[
            (0, "Order Item with src_id: 1 already has status delivered"),
            (
                1,
                "Cannot change status of Order Item with src_id: 1 from delivered to shipped",
            ),
            (
                2,
                "Cannot change status of Order Item with src_id: 2 from canceled to shipped",
            ),
            (
                3,
                "Cannot change status of Order Item with src_id: 3 from failed_delivery to returned",
            ),
            (
                4,
                "Cannot change status of Order Item with src_id: 4 from returned to delivered",
            ),
            (
                5,
                "Cannot change status of Order Item with src_id: 6 from pending to delivered",
            ),
            (6, "Order Item with src_id: 99 not found"),
        ],
    );
    assert_eq!(answer, (StatusCode::OK, expected));
    assert_eq!(status_of(&sandbox, "1").as_deref(), Some("returned"));
    assert_eq!(
        sandbox.item("4").unwrap().history,
        [
            "pending",
            "shipped",
            "delivered",
            "return_shipped_by_customer",
            "returned"
        ]
    );
    assert_eq!(
        sandbox.item("5").unwrap().history,
        ["ready_to_ship", "shipped"]
    );
    assert_eq!(status_of(&sandbox, "6").as_deref(), Some("pending"));
    assert_eq!(status_of(&sandbox, "99"), None);
    assert_eq!(sandbox.calls()[1].failed_positions, [0, 1, 2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn more_items_than_the_limit_refuse_the_call_and_apply_nothing() {
    let sandbox = SellerCenterSandbox::start(SellerCenterConfig {
        max_items_per_call: 3,
        ..SellerCenterConfig::default()
    })
    .await
    .unwrap();
    let items: Vec<Value> = (1..=4).map(|id| item(&id.to_string(), "shipped")).collect();
    let too_big = call_error("UpdateItemsStatus", "11", "E011: Request too big");
    assert_eq!(update(&sandbox, &items).await, (StatusCode::OK, too_big));
    assert_eq!(sandbox.item("1"), None);
    assert_success(&update(&sandbox, &items[..3]).await, "UpdateItemsStatus");
    assert_eq!(status_of(&sandbox, "3").as_deref(), Some("shipped"));
}

#[tokio::test]
async fn the_default_limit_is_4000_items_and_large_bodies_reach_it() {
    let sandbox = sandbox().await;
    let items: Vec<Value> = (1..=10_000)
        .map(|id| item(&id.to_string(), "shipped"))
        .collect();
    // 10,000 items are a body over axum's default 2 MB limit: still E011, not HTTP 413.
    let (status, answer) = update(&sandbox, &items).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer["ErrorResponse"]["Head"]["ErrorCode"], "11",
        "{answer}"
    );
    assert_eq!(sandbox.item("1"), None);
    assert_success(&update(&sandbox, &items[..4000]).await, "UpdateItemsStatus");
    assert_eq!(status_of(&sandbox, "4000").as_deref(), Some("shipped"));
    assert_eq!(status_of(&sandbox, "4001"), None);
}

#[tokio::test]
async fn status_details_must_match_the_current_status() {
    let mut status_details = SellerCenterConfig::default().status_details;
    status_details.insert("shipped".to_owned(), vec!["Left the warehouse".to_owned()]);
    let sandbox = SellerCenterSandbox::start(SellerCenterConfig {
        status_details,
        ..SellerCenterConfig::default()
    })
    .await
    .unwrap();
    sandbox.set_item_status("100411", "returned");
    sandbox.set_item_status("7", "failed_delivery");
    sandbox.set_item_status("8", "delivered");
    sandbox.set_item_status("9", "shipped");
    let answer = call(
        &sandbox,
        "UpdateItemsInformation",
        &[
            detail("100411", "With 3PL on way to Seller"),
            detail("7", "With Venture"),
            detail("100411", "returned_location_1"),
            detail("8", "Initiated"),
            detail("9", "Left the warehouse"),
            json!({"id_sales_order_item": "7"}),
        ],
    )
    .await;
    let expected = item_errors(
        "UpdateItemsInformation",
        &[
            (
                2,
                "The Status Detail \"returned_location_1\" does not match with current status (id:8) for Order Item with src_id: 100411",
            ),
            (
                3,
                "The Status Detail \"Initiated\" does not match with current status (id:4) for Order Item with src_id: 8",
            ),
            (5, "Field status_detail is missing"),
        ],
    );
    assert_eq!(answer, (StatusCode::OK, expected));
    let detail_of = |id| sandbox.item(id).unwrap().status_detail;
    assert_eq!(
        detail_of("100411").as_deref(),
        Some("With 3PL on way to Seller")
    );
    assert_eq!(detail_of("7").as_deref(), Some("With Venture"));
    assert_eq!(detail_of("8"), None);
    assert_eq!(detail_of("9").as_deref(), Some("Left the warehouse"));

    // A detail belongs to its status: moving on clears it.
    assert_success(
        &update(&sandbox, &[item("9", "delivered")]).await,
        "UpdateItemsStatus",
    );
    assert_eq!(detail_of("9"), None);
}

#[tokio::test]
async fn too_many_requests_is_an_e429_under_http_200_and_passes() {
    let sandbox = sandbox().await;
    sandbox.inject(Fault::new(FaultKind::TooManyRequests).times(2));
    let refused = call_error("UpdateItemsStatus", "429", "E429: Too many requests");
    for _ in 0..2 {
        let answer = update(&sandbox, &[item("8", "shipped")]).await;
        assert_eq!(answer, (StatusCode::OK, refused.clone()));
    }
    assert_eq!(sandbox.item("8"), None);
    assert_success(
        &update(&sandbox, &[item("8", "shipped")]).await,
        "UpdateItemsStatus",
    );
    assert_eq!(sandbox.calls().len(), 1);
    assert_eq!(sandbox.requests(), 3);
}

#[tokio::test]
async fn an_http_429_carries_the_e429_envelope_and_a_retry_after() {
    let sandbox = sandbox().await;
    sandbox.inject(Fault::new(FaultKind::HttpTooManyRequests));
    let answer = update(&sandbox, &[item("8", "shipped")]).await;
    let refused = call_error("UpdateItemsStatus", "429", "E429: Too many requests");
    assert_eq!(answer, (StatusCode::TOO_MANY_REQUESTS, refused));
    assert_eq!(sandbox.item("8"), None);
}

#[tokio::test]
async fn server_errors_and_clock_trouble_apply_nothing() {
    let sandbox = sandbox().await;
    sandbox.inject(Fault::new(FaultKind::ServerError));
    sandbox.inject(Fault::new(FaultKind::ExpiredTimestamp));
    let (status, _) = update(&sandbox, &[item("8", "shipped")]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let answer = update(&sandbox, &[item("8", "shipped")]).await;
    assert_eq!(
        answer,
        (
            StatusCode::OK,
            call_error("UpdateItemsStatus", "3", "E003: Timestamp has expired")
        )
    );
    assert_eq!(sandbox.item("8"), None);
    assert_success(
        &update(&sandbox, &[item("8", "shipped")]).await,
        "UpdateItemsStatus",
    );
}

#[tokio::test]
async fn a_slow_call_is_still_applied() {
    let sandbox = sandbox().await;
    let delay = Duration::from_millis(300);
    sandbox.inject(Fault::new(FaultKind::Slow).delay_ms(300));
    let started = Instant::now();
    let answer = update(&sandbox, &[item("8", "shipped")]).await;
    // A lower bound only: the sandbox sleeps at least this long, however loaded the machine.
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_success(&answer, "UpdateItemsStatus");
    assert_eq!(status_of(&sandbox, "8").as_deref(), Some("shipped"));
}

#[tokio::test]
async fn access_can_be_denied_and_the_key_rotated() {
    let sandbox = sandbox().await;
    sandbox.set_access_denied(true);
    let answer = update(&sandbox, &[item("8", "shipped")]).await;
    assert_eq!(
        answer,
        (
            StatusCode::OK,
            call_error("UpdateItemsStatus", "9", "E009: Access denied")
        )
    );
    sandbox.set_access_denied(false);
    sandbox.set_api_key("rotated");
    let (_, answer) = update(&sandbox, &[item("8", "shipped")]).await;
    assert_eq!(answer["ErrorResponse"]["Head"]["ErrorCode"], "7");
    let url = signed_url(
        &sandbox.base_url(),
        &params("UpdateItemsStatus", &now()),
        "rotated",
    );
    assert_success(
        &send(&url, &body(&[item("8", "shipped")])).await,
        "UpdateItemsStatus",
    );
    assert!(sandbox.calls().len() == 1);

    // Reset returns to the configuration it started with.
    sandbox.set_access_denied(true);
    sandbox.reset();
    assert_eq!(sandbox.item("8"), None);
    assert!(sandbox.calls().is_empty());
    assert_success(
        &update(&sandbox, &[item("8", "shipped")]).await,
        "UpdateItemsStatus",
    );
}

#[tokio::test]
async fn only_post_to_the_api_path_is_served() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let url = signed_url(&base, &params("UpdateItemsStatus", &now()), KEY);
    let get = http().get(&url).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    let elsewhere = http()
        .post(url.replace("/oms-api/", "/api/"))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    // The seed's FAQ writes the endpoint without its slash.
    let no_slash = url.replace("/oms-api/", "/oms-api");
    assert_success(
        &send(&no_slash, &body(&[item("8", "shipped")])).await,
        "UpdateItemsStatus",
    );
}

#[tokio::test]
async fn control_endpoints_steer_and_report() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let control = |path: &str| format!("{base}/_sandbox/{path}");
    let post = |path: &str, body: &str| {
        // No Content-Type, as `curl -d` in a script sends.
        http().post(control(path)).body(body.to_owned()).send()
    };

    let set = post(
        "items",
        r#"{"statuses":{"5":"ready_to_ship","6":"delivered"},"unknown":["99"]}"#,
    )
    .await
    .unwrap();
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let bad = post("items", r#"{"statuses":{"7":"lost","5":"shipped"}}"#)
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("unknown item status \"lost\"")
    );
    assert_eq!(status_of(&sandbox, "5").as_deref(), Some("ready_to_ship"));

    let fault = post("faults", r#"{"kind":"http_too_many_requests"}"#)
        .await
        .unwrap();
    assert_eq!(fault.status(), StatusCode::NO_CONTENT);
    let (status, _) = update(&sandbox, &[item("5", "shipped")]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let answer = update(&sandbox, &[item("5", "shipped"), item("99", "shipped")]).await;
    assert_eq!(
        answer.1["ErrorResponse"]["Body"]["UpdateItemsStatus"][0]["Position"],
        1
    );

    let items: BTreeMap<String, ItemState> = get_json(&control("items")).await;
    assert_eq!(items.keys().collect::<Vec<_>>(), ["5", "6"]);
    assert_eq!(items["5"].history, ["ready_to_ship", "shipped"]);
    let calls: Vec<ReceivedCall> = get_json(&control("calls")).await;
    assert_eq!(calls, sandbox.calls());
    assert_eq!(calls[0].failed_positions, [1]);

    let denied = post("access", r#"{"denied":true}"#).await.unwrap();
    assert_eq!(denied.status(), StatusCode::NO_CONTENT);
    let (_, answer) = update(&sandbox, &[item("6", "returned")]).await;
    assert_eq!(answer["ErrorResponse"]["Head"]["ErrorCode"], "9");
    let key = post("api_key", r#"{"api_key":"rotated"}"#).await.unwrap();
    assert_eq!(key.status(), StatusCode::NO_CONTENT);

    let reset = http().post(control("reset")).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert!(sandbox.calls().is_empty());
    assert_eq!(sandbox.item("5"), None);
    assert_success(
        &update(&sandbox, &[item("99", "shipped")]).await,
        "UpdateItemsStatus",
    );
}

#[test]
fn config_debug_hides_the_api_key() {
    let config = SellerCenterConfig {
        api_key: "very-secret-key".to_owned(),
        ..SellerCenterConfig::default()
    };
    let debug = format!("{config:?}");
    assert!(!debug.contains("very-secret-key"), "{debug}");
    assert!(debug.contains("OMS"), "{debug}");
}

#[tokio::test]
async fn the_binary_announces_its_url_serves_signed_calls_and_exits_on_sigterm() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_sellercenter-sandbox"))
            .args(["--port", "0", "--api-key", "binary-key"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .strip_prefix("sellercenter-sandbox listening on ")
        .map(str::trim_end)
        .filter(|url| url.starts_with("http://127.0.0.1:"));
    let answer = match base {
        Some(base) => {
            let url = signed_url(base, &params("UpdateItemsStatus", &now()), "binary-key");
            Some(send(&url, &body(&[item("8", "shipped")])).await)
        }
        None => None,
    };

    let term = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    assert!(term.unwrap().success());
    assert!(child.0.wait().unwrap().success());
    assert!(base.is_some(), "{line:?}");
    assert_success(&answer.unwrap(), "UpdateItemsStatus");
}

/// A child process that is killed if the test fails before stopping it.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
