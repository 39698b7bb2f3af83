//! Seller Center mapping and request encoding: each status with its fields, every documented
//! field in every item, status details checked against the account's options.

use chrono::{DateTime, Utc};
use orderstatus::config::{Account, BatchLimits};
use orderstatus::message::{OrderStatus, StatusMessage};
use orderstatus::platform::{Action, Platform, Unit};
use orderstatus::validate::parse_message;
use orderstatus_sellercenter::mapping::ItemUpdate;
use orderstatus_sellercenter::request::{prepare_information, prepare_status};
use orderstatus_sellercenter::signature::{SIGNATURE, verify};
use orderstatus_sellercenter::{SellerCenter, SellerCenterSettings};
use serde_json::{Value, json};

const LIMITS: BatchLimits = BatchLimits {
    default_size: 4000,
    max_size: 4000,
    default_concurrency: 1,
};

/// The fields every item must carry (seed 004's FAQ: "even if the fields are not used, they
/// need to be at least listed").
const FIELDS: [&str; 9] = [
    "id_sales_order_item",
    "item_status",
    "package_status",
    "cancel_reason",
    "return_reason",
    "failed_delivery_reason",
    "shipping_carrier",
    "tracking_code",
    "status_event_time",
];

fn account(extra: Value) -> Account<SellerCenterSettings> {
    let mut secret = json!({
        "base_url": "https://sellercenter-api.venture.com",
        "api_key": "b1bdb357ced10fe4e9a69840cdd4f0e9c03d77fe",
        "time_zone": "Asia/Kuala_Lumpur",
        "carriers": {"gdex express": "GDEX"}
    });
    for (k, v) in extra.as_object().unwrap() {
        secret[k] = v.clone();
    }
    Account::from_json("default", "test", &secret.to_string(), LIMITS, false).unwrap()
}

fn message(fields: Value) -> StatusMessage {
    let mut body = json!({
        "version": 1, "platform": "sellercenter", "order": {"id": "300100"},
        "occurred_at": "2017-02-11T15:10:55Z"
    });
    for (k, v) in fields.as_object().unwrap() {
        body[k] = v.clone();
    }
    parse_message(&body.to_string()).unwrap()
}

fn map(message: &StatusMessage, account: &Account<SellerCenterSettings>) -> Vec<Unit<ItemUpdate>> {
    let platform = orderstatus_sellercenter::platform(std::time::Duration::from_secs(5)).unwrap();
    platform.map(message, account).unwrap()
}

fn map_err(fields: Value) -> String {
    let platform = orderstatus_sellercenter::platform(std::time::Duration::from_secs(5)).unwrap();
    platform
        .map(&message(fields), &account(json!({})))
        .unwrap_err()
        .to_string()
}

fn upload(unit: &Unit<ItemUpdate>) -> &ItemUpdate {
    match &unit.action {
        Action::Upload(update) => update,
        Action::Skip { reason } => panic!("skipped: {reason}"),
    }
}

fn item_json(unit: &Unit<ItemUpdate>) -> Value {
    serde_json::to_value(&upload(unit).item).unwrap()
}

/// Seed 004's FAQ item, field for field (its time is 23:10:55 in the venture's zone, UTC+8).
#[test]
fn a_canceled_item_is_the_seeds_example() {
    let units = map(
        &message(json!({"status": "canceled", "reason": "Cannot fulfil",
                        "lines": [{"line_id": "22"}]})),
        &account(json!({})),
    );
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].target.item_id.as_deref(), Some("22"));
    assert_eq!(units[0].target.order_id, "300100");
    assert_eq!(
        serde_json::to_string(&upload(&units[0]).item).unwrap(),
        r#"{"id_sales_order_item":"22","item_status":"canceled","package_status":"","cancel_reason":"Cannot fulfil","return_reason":"","failed_delivery_reason":"","shipping_carrier":"","tracking_code":"","status_event_time":"2017-02-11 23:10:55"}"#
    );
}

#[test]
fn shipped_items_take_carrier_and_tracking_from_their_package() {
    let units = map(
        &message(json!({
            "status": "shipped",
            "packages": [
                {"carrier": "GDEX Express", "tracking_number": "389292777",
                 "shipped_at": "2017-02-11T10:10:55Z", "lines": [{"line_id": "12"}]},
                {"carrier": "DHL Express", "tracking_number": "JD0001",
                 "shipped_at": "2017-02-11T11:00:00Z", "lines": [{"line_id": "13"}]}
            ]
        })),
        &account(json!({})),
    );
    assert_eq!(units.len(), 2);
    let first = item_json(&units[0]);
    assert_eq!(first["id_sales_order_item"], "12");
    assert_eq!(first["item_status"], "shipped");
    assert_eq!(
        first["shipping_carrier"], "GDEX",
        "the account's carrier table"
    );
    assert_eq!(first["tracking_code"], "389292777");
    assert_eq!(
        first["status_event_time"], "2017-02-11 18:10:55",
        "the package's shipping time in the account's zone"
    );
    assert_eq!(units[0].tracking.as_deref(), Some("GDEX: 389292777"));
    let second = item_json(&units[1]);
    assert_eq!(second["shipping_carrier"], "DHL");
    assert_eq!(second["tracking_code"], "JD0001");
}

#[test]
fn one_package_without_lines_ships_every_line() {
    let units = map(
        &message(json!({
            "lines": [{"line_id": "1"}, {"line_id": "2"}],
            "packages": [{"carrier": "UPS", "tracking_number": "1Z9",
                          "shipped_at": "2017-02-11T10:00:00Z"}]
        })),
        &account(json!({})),
    );
    assert_eq!(units.len(), 2);
    for unit in &units {
        assert_eq!(
            unit.status,
            OrderStatus::Shipped,
            "derived from the packages"
        );
        assert_eq!(item_json(unit)["tracking_code"], "1Z9");
    }
}

#[test]
fn reasons_go_to_the_field_of_their_status() {
    let account = account(json!({}));
    let cases = [
        ("returned", "return_reason", "Size did not fit"),
        (
            "failed_delivery",
            "failed_delivery_reason",
            "Address not found",
        ),
        ("canceled", "cancel_reason", "Out of stock"),
    ];
    for (status, field, reason) in cases {
        let units = map(
            &message(json!({"status": status, "reason": reason, "lines": [{"line_id": "8"}]})),
            &account,
        );
        let item = item_json(&units[0]);
        assert_eq!(item["item_status"], status);
        assert_eq!(item[field], reason, "{status}");
        for other in ["cancel_reason", "return_reason", "failed_delivery_reason"] {
            if other != field {
                assert_eq!(item[other], "", "{status}: {other}");
            }
        }
    }
    for status in ["delivered", "return_shipped_by_customer"] {
        let units = map(
            &message(json!({"status": status, "lines": [{"line_id": "8"}]})),
            &account,
        );
        let item = item_json(&units[0]);
        assert_eq!(item["item_status"], status);
        assert_eq!(item["status_event_time"], "2017-02-11 23:10:55");
    }
}

#[test]
fn a_lines_own_status_and_reason_override_the_orders() {
    let units = map(
        &message(json!({
            "status": "delivered",
            "lines": [{"line_id": "1"},
                      {"line_id": "2", "status": "canceled", "reason": "Damaged"},
                      {"line_id": "3", "status": "processing"}]
        })),
        &account(json!({})),
    );
    assert_eq!(item_json(&units[0])["item_status"], "delivered");
    assert_eq!(item_json(&units[1])["item_status"], "canceled");
    assert_eq!(item_json(&units[1])["cancel_reason"], "Damaged");
    assert!(matches!(units[2].action, Action::Skip { .. }));
    assert_eq!(units[2].status, OrderStatus::Processing);
}

#[test]
fn statuses_seller_center_has_no_call_for_are_skipped() {
    for status in ["acknowledged", "paid", "processing", "backordered"] {
        let units = map(
            &message(json!({"status": status, "lines": [{"line_id": "5"}, {"line_id": "6"}]})),
            &account(json!({})),
        );
        assert_eq!(units.len(), 2, "{status}");
        for unit in &units {
            let Action::Skip { reason } = &unit.action else {
                panic!("{status} uploaded");
            };
            assert!(
                reason.contains("Seller Center has no item status"),
                "{reason}"
            );
        }
    }
    // Without lines there is no item: the order's status is recorded as skipped.
    let units = map(&message(json!({"status": "paid"})), &account(json!({})));
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].target.item_id, None);
    assert!(matches!(units[0].action, Action::Skip { .. }));
}

#[test]
fn a_partially_shipped_order_ships_the_items_of_its_shipped_packages() {
    let units = map(
        &message(json!({"packages": [
            {"carrier": "UPS", "tracking_number": "1Z1", "shipped_at": "2017-02-11T10:00:00Z",
             "lines": [{"line_id": "1"}]},
            {"carrier": "UPS", "lines": [{"line_id": "2"}]}
        ]})),
        &account(json!({})),
    );
    assert_eq!(units.len(), 2);
    assert_eq!(item_json(&units[0])["item_status"], "shipped");
    assert!(matches!(units[1].action, Action::Skip { .. }));
}

#[test]
fn every_item_of_a_call_carries_every_documented_field() {
    let account = account(json!({}));
    let mut units = Vec::new();
    for fields in [
        json!({"status": "canceled", "reason": "r", "lines": [{"line_id": "1"}]}),
        json!({"status": "returned", "reason": "r", "lines": [{"line_id": "2"}]}),
        json!({"status": "failed_delivery", "reason": "r", "lines": [{"line_id": "3"}]}),
        json!({"status": "delivered", "lines": [{"line_id": "4"}]}),
        json!({"status": "return_shipped_by_customer", "lines": [{"line_id": "5"}]}),
        json!({"packages": [{"carrier": "DHL", "tracking_number": "T",
                             "shipped_at": "2017-02-11T10:00:00Z", "lines": [{"line_id": "6"}]}]}),
    ] {
        units.extend(map(&message(fields), &account));
    }
    let batch: Vec<&ItemUpdate> = units.iter().map(upload).collect();
    let request = prepare_status(&account, &batch, Utc::now());
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    let items = body["Request"]["Items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    for item in items {
        let object = item.as_object().unwrap();
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        let mut expected = FIELDS.to_vec();
        expected.sort_unstable();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort_unstable();
        assert_eq!(keys_sorted, expected, "{item}");
        assert!(object.values().all(Value::is_string), "{item}");
    }
}

#[test]
fn the_call_is_signed_and_names_action_service_and_version() {
    let account = account(json!({"service_name": "VentureOMS"}));
    let units = map(
        &message(json!({"status": "delivered", "lines": [{"line_id": "4"}]})),
        &account,
    );
    let batch: Vec<&ItemUpdate> = units.iter().map(upload).collect();
    let at: DateTime<Utc> = "2024-05-01T08:00:00Z".parse().unwrap();
    let request = prepare_status(&account, &batch, at);
    assert_eq!(request.url.path(), "/oms-api/");
    let params: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(param("Action"), Some("UpdateItemsStatus"));
    assert_eq!(param("ServiceName"), Some("VentureOMS"));
    assert_eq!(param("Version"), Some("1.0"));
    assert_eq!(param("Timestamp"), Some("2024-05-01T08:00:00+00:00"));
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let signature = param(SIGNATURE).unwrap();
    assert!(verify(
        &pairs,
        "b1bdb357ced10fe4e9a69840cdd4f0e9c03d77fe",
        signature
    ));
    assert!(
        !request.url.as_str().contains("b1bdb357"),
        "the key itself never travels"
    );
    assert!(
        prepare_information(&account, &batch, at).is_none(),
        "no detail, no call"
    );
}

#[test]
fn a_status_detail_is_checked_against_the_accounts_options() {
    let account = account(json!({}));
    let units = map(
        &message(json!({"status": "returned", "reason": "Wrong size",
                        "detail": "with 3pl on way to seller", "lines": [{"line_id": "9"}]})),
        &account,
    );
    assert_eq!(
        upload(&units[0]).status_detail.as_deref(),
        Some("With 3PL on way to Seller"),
        "the account's spelling"
    );
    let batch: Vec<&ItemUpdate> = units.iter().map(upload).collect();
    let request = prepare_information(&account, &batch, Utc::now()).unwrap();
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({"Request": {"Items": [{"id_sales_order_item": "9",
                                      "status_detail": "With 3PL on way to Seller"}]}})
    );
    assert!(
        request
            .url
            .as_str()
            .contains("Action=UpdateItemsInformation")
    );

    let error = map_err(json!({"status": "failed_delivery", "reason": "No one home",
                               "detail": "Initiated", "lines": [{"line_id": "9"}]}));
    assert_eq!(
        error,
        "detail: \"Initiated\" is not a status detail of failed_delivery items; allowed: \
         \"With 3PL on way to Venture\", \"Returned to Seller\", \"With 3PL on way to Seller\", \
         \"With Venture\""
    );
    let error = map_err(json!({"status": "delivered",
                               "lines": [{"line_id": "9", "detail": "At the door"}]}));
    assert!(error.starts_with("lines[0].detail: \"At the door\": account \"default\" has no status details for delivered items"), "{error}");
}

#[test]
fn a_new_detail_is_a_new_fingerprint_and_the_same_facts_are_not() {
    let account = account(json!({}));
    let returned = |detail: &str| {
        map(
            &message(
                json!({"status": "returned", "reason": "r", "detail": detail,
                            "lines": [{"line_id": "9"}]}),
            ),
            &account,
        )
        .remove(0)
        .fingerprint
    };
    assert_eq!(returned("Initiated"), returned("Initiated"));
    assert_ne!(returned("Initiated"), returned("Returned to Seller"));
}

#[test]
fn what_seller_center_would_refuse_is_invalid_naming_the_field() {
    let error = map_err(json!({"status": "canceled", "lines": [{"line_id": "22"}]}));
    assert!(
        error.starts_with("reason: required for canceled items (Seller Center's cancel_reason)"),
        "{error}"
    );
    let error = map_err(json!({"status": "shipped", "lines": [{"line_id": "22"}]}));
    assert!(
        error.starts_with("lines[0]: item 22 is shipped but no shipped package holds it"),
        "{error}"
    );
    let error = map_err(json!({"status": "delivered"}));
    assert!(
        error.starts_with("lines: Seller Center updates order items"),
        "{error}"
    );
}

#[test]
fn the_platform_allows_4000_items_a_call() {
    assert_eq!(SellerCenter::MAX_BATCH_SIZE, 4000);
    assert_eq!(SellerCenter::DEFAULT_BATCH_SIZE, 4000);
}
