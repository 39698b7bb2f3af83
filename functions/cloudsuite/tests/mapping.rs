//! Every row of the mapping table, from canonical message to CloudSuite call.

use orderstatus::config::{Account, BatchLimits};
use orderstatus::platform::{Action, Platform, Unit};
use orderstatus::validate::parse_message;
use orderstatus_cloudsuite::CloudSuite;
use orderstatus_cloudsuite::mapping::{Call, CloudSuiteUpload, OrderAddress, OrderPatch};
use orderstatus_cloudsuite::settings::CloudSuiteSettings;
use serde_json::{Value, json};

fn account(extra: Value) -> Account<CloudSuiteSettings> {
    let mut secret = json!({
        "base_url": "https://api.cloudsuite.io/", "token_url": "https://id.cloudsuite.io/token",
        "client_id": "client", "client_secret": "secret", "shop": "1", "user": "10",
        "desadv": true, "time_zone": "Europe/Amsterdam",
        "timeline": {"returned": "Retour ontvangen"}
    });
    for (name, value) in extra.as_object().unwrap() {
        secret[name] = value.clone();
    }
    let account = Account::from_json(
        "default",
        "test",
        &secret.to_string(),
        BatchLimits::of::<CloudSuite>(),
        false,
    )
    .unwrap();
    CloudSuite::check_settings(&account.settings).unwrap();
    account
}

fn map_with(
    account: &Account<CloudSuiteSettings>,
    status: &str,
    extra: Value,
) -> Result<Vec<Unit<CloudSuiteUpload>>, String> {
    let mut message = json!({
        "version": 1, "platform": "cloudsuite", "order": {"id": "12345"}, "status": status,
        "occurred_at": "2024-10-23T23:30:00+02:00"
    });
    for (name, value) in extra.as_object().unwrap() {
        message[name] = value.clone();
    }
    let message = parse_message(&message.to_string()).map_err(|e| e.to_string())?;
    orderstatus_cloudsuite::mapping::map(&message, account).map_err(|e| e.to_string())
}

fn map(status: &str, extra: Value) -> Vec<Unit<CloudSuiteUpload>> {
    map_with(&account(json!({})), status, extra).unwrap()
}

fn call(unit: &Unit<CloudSuiteUpload>) -> &Call {
    match &unit.action {
        Action::Upload(upload) => &upload.call,
        Action::Skip { reason } => panic!("skipped: {reason}"),
    }
}

fn patch(unit: &Unit<CloudSuiteUpload>) -> &OrderPatch {
    match call(unit) {
        Call::Patch(patch) => patch,
        other => panic!("not a PATCH: {other:?}"),
    }
}

fn skip_reason(unit: &Unit<CloudSuiteUpload>) -> &str {
    match &unit.action {
        Action::Skip { reason } => reason,
        Action::Upload(upload) => panic!("uploads {upload:?}"),
    }
}

fn packages() -> Value {
    json!([
        {"id": "P1", "carrier": "postnl", "tracking_number": "3SABC", "shipped_at": "2024-10-23T23:30:00+02:00",
         "lines": [{"line_id": "11", "sku": "124_STUK", "quantity": 1}, {"line_id": "22", "sku": "123_KG", "quantity": 2}]},
        {"id": "P2", "carrier": "DHL", "tracking_number": "JJD1",
         "lines": [{"line_id": "22", "sku": "123_KG", "quantity": 1}]}
    ])
}

#[test]
fn acknowledged_and_processing_set_processing_with_the_erp_number() {
    for status in ["acknowledged", "processing"] {
        let units = map(
            status,
            json!({"order": {"id": "12345", "erp_order_number": "ERP-1"}}),
        );
        assert_eq!(units.len(), 1);
        assert_eq!(
            patch(&units[0]),
            &OrderPatch {
                state: Some("processing"),
                shipment_state: None,
                erp_order_number: Some("ERP-1".to_owned())
            }
        );
    }
    let units = map("processing", json!({}));
    assert_eq!(patch(&units[0]).erp_order_number, None);
}

#[test]
fn delivered_is_done_and_canceled_is_cancel() {
    assert_eq!(patch(&map("delivered", json!({}))[0]).state, Some("done"));
    assert_eq!(patch(&map("canceled", json!({}))[0]).state, Some("cancel"));
}

#[test]
fn each_shipped_package_is_a_desadv_of_its_own_target() {
    let units = map(
        "shipped",
        json!({"packages": packages(), "order": {"id": "12345", "erp_order_number": "ERP-1"}}),
    );
    assert_eq!(units.len(), 2);
    let Call::Delivery(first) = call(&units[0]) else {
        panic!("not a DESADV")
    };
    assert_eq!(first.desadv_number, "12345-P1");
    // Shipped 23:30 in Amsterdam: that day there, whatever UTC says.
    assert_eq!(first.date, "2024-10-23");
    assert_eq!(first.transport_mode_code, "PostNL");
    assert_eq!(first.tracking, "3SABC");
    assert_eq!(first.order_number.as_deref(), Some("ERP-1"));
    let items: Vec<_> = first
        .items
        .iter()
        .map(|i| (i.item_num, i.quantity, i.seller_item_id.as_str()))
        .collect();
    assert_eq!(items, vec![(11, 1.0, "124_STUK"), (22, 2.0, "123_KG")]);
    assert_eq!(units[0].target.item_id.as_deref(), Some("package P1"));
    assert_eq!(units[1].target.item_id.as_deref(), Some("package P2"));
    assert_ne!(units[0].fingerprint, units[1].fingerprint);
}

#[test]
fn a_package_keeps_its_fingerprint_from_partial_to_full_shipment() {
    let one = json!([packages()[0].clone()]);
    let partial = map("partially_shipped", json!({"packages": one}));
    let full = map("shipped", json!({"packages": packages()}));
    assert_eq!(partial[0].fingerprint, full[0].fingerprint);
}

#[test]
fn without_desadv_a_full_shipment_is_sent_and_a_partial_one_not_applicable() {
    let plain = account(json!({"desadv": false}));
    let shipped = map_with(&plain, "shipped", json!({"packages": packages()})).unwrap();
    assert_eq!(shipped.len(), 1);
    assert_eq!(patch(&shipped[0]).shipment_state, Some("sent"));
    assert_eq!(shipped[0].target.item_id, None);
    let partial = map_with(&plain, "partially_shipped", json!({"packages": packages()})).unwrap();
    assert!(skip_reason(&partial[0]).contains("needs DESADV"));
}

#[test]
fn a_shipment_whose_packages_list_no_lines_is_sent_as_a_state() {
    let bare = json!([{"id": "P1", "carrier": "DHL", "tracking_number": "1", "shipped_at": "2024-10-23T10:00:00Z"}]);
    let units = map("shipped", json!({"packages": bare}));
    assert_eq!(patch(&units[0]).shipment_state, Some("sent"));
}

#[test]
fn a_desadv_line_must_carry_an_erp_line_number_quantity_and_sku() {
    let account = account(json!({}));
    let bad = |line: Value| {
        let packages = json!([{"id": "P1", "carrier": "DHL", "tracking_number": "1",
                               "shipped_at": "2024-10-23T10:00:00Z", "lines": [line]}]);
        map_with(&account, "shipped", json!({"packages": packages})).unwrap_err()
    };
    let error = bad(json!({"line_id": "line-a", "sku": "X", "quantity": 1}));
    assert!(
        error.starts_with("packages[0].lines[0].line_id:"),
        "{error}"
    );
    assert!(error.contains("ERP line number"), "{error}");
    let error = bad(json!({"line_id": "11", "sku": "X"}));
    assert!(
        error.starts_with("packages[0].lines[0].quantity: missing"),
        "{error}"
    );
    let error = bad(json!({"line_id": "11", "quantity": 1}));
    assert!(
        error.starts_with("packages[0].lines[0].sku: missing"),
        "{error}"
    );
}

#[test]
fn timeline_statuses_need_the_accounts_text() {
    let units = map("returned", json!({}));
    let Call::Timeline(entry) = call(&units[0]) else {
        panic!("not a timeline entry")
    };
    assert_eq!(
        (entry.state_id, entry.text.as_str(), entry.lang.as_str()),
        ("returned", "Retour ontvangen", "nl_NL")
    );
    assert_eq!(entry.date_time, "2024-10-23T21:30:00Z");
    for status in [
        "failed_delivery",
        "return_shipped_by_customer",
        "backordered",
    ] {
        let units = map(status, json!({}));
        assert!(
            skip_reason(&units[0]).contains(&format!("timeline.{status}")),
            "{status}"
        );
    }
}

#[test]
fn paid_is_not_applicable() {
    assert!(skip_reason(&map("paid", json!({}))[0]).contains("payment_status"));
}

#[test]
fn an_order_named_by_reference_is_looked_up_and_keyed_by_it() {
    let units = map("delivered", json!({"order": {"reference": "CS48193"}}));
    let Action::Upload(upload) = &units[0].action else {
        panic!("skipped")
    };
    assert_eq!(upload.order, OrderAddress::Reference("CS48193".to_owned()));
    assert_eq!(units[0].target.order_id, "reference CS48193");
}

#[test]
fn the_secret_is_checked_when_loaded() {
    let check = |extra: Value| {
        let mut secret = json!({"token_url": "https://id.cloudsuite.io/token", "client_id": "c",
                                "client_secret": "s", "shop": "1", "user": "10"});
        for (name, value) in extra.as_object().unwrap() {
            secret[name] = value.clone();
        }
        let settings: CloudSuiteSettings = serde_json::from_value(secret).unwrap();
        CloudSuite::check_settings(&settings)
    };
    assert_eq!(check(json!({})), Ok(()));
    assert!(
        check(json!({"token_url": "http://id.example.com/token"}))
            .unwrap_err()
            .starts_with("token_url")
    );
    assert!(
        check(json!({"timeline": {"delivered": "x"}}))
            .unwrap_err()
            .starts_with("timeline.delivered")
    );
    assert!(check(json!({"shop": " "})).unwrap_err().starts_with("shop"));
}
