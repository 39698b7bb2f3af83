//! Every row of the mapping table, from canonical message to ChannelAdvisor call.

use orderstatus::config::{Account, BatchLimits};
use orderstatus::platform::{Action, Platform, Unit};
use orderstatus::validate::parse_message;
use orderstatus_channeladvisor::ChannelAdvisor;
use orderstatus_channeladvisor::mapping::{Call, ChannelAdvisorUpload, Shipment};
use orderstatus_channeladvisor::request;
use orderstatus_channeladvisor::settings::ChannelAdvisorSettings;
use serde_json::{Value, json};

fn account() -> Account<ChannelAdvisorSettings> {
    let secret = json!({
        "base_url": "https://api.channeladvisor.com", "token_url": "https://api.channeladvisor.com/oauth2/token",
        "application_id": "app", "shared_secret": "secret", "refresh_token": "refresh",
        "carriers": {"UPS": {"carrier": "UPS", "class": "GROUND"}, "fedex": {"carrier": "FEDEX"}},
        "cancel_reasons": {"Out of stock": "ItemNotAvailable", "default": "BuyerCancelled"}
    });
    let account = Account::from_json(
        "default",
        "test",
        &secret.to_string(),
        BatchLimits::of::<ChannelAdvisor>(),
        false,
    )
    .unwrap();
    ChannelAdvisor::check_settings(&account.settings).unwrap();
    account
}

fn map(status: &str, extra: Value) -> Result<Vec<Unit<ChannelAdvisorUpload>>, String> {
    let mut message = json!({
        "version": 1, "platform": "channeladvisor", "order": {"id": "700001"}, "status": status,
        "occurred_at": "2024-05-01T08:00:00-04:00"
    });
    for (name, value) in extra.as_object().unwrap() {
        message[name] = value.clone();
    }
    let message = parse_message(&message.to_string()).map_err(|e| e.to_string())?;
    orderstatus_channeladvisor::mapping::map(&message, &account()).map_err(|e| e.to_string())
}

fn call(unit: &Unit<ChannelAdvisorUpload>) -> &Call {
    match &unit.action {
        Action::Upload(upload) => &upload.call,
        Action::Skip { reason } => panic!("skipped: {reason}"),
    }
}

fn shipment(unit: &Unit<ChannelAdvisorUpload>) -> &Shipment {
    match call(unit) {
        Call::Ship(shipment) => shipment,
        other => panic!("not a Ship: {other:?}"),
    }
}

fn packages() -> Value {
    json!([
        {"id": "P1", "carrier": "UPS Ground", "tracking_number": "1Z999AA10123456784",
         "shipped_at": "2024-05-01T08:00:00-04:00", "lines": [{"line_id": "1", "sku": "SKU-RED", "quantity": 1}]},
        {"id": "P2", "carrier": "FedEx", "service": "2Day", "tracking_number": "7700",
         "shipped_at": "2024-05-02T08:00:00-04:00"}
    ])
}

#[test]
fn each_shipped_package_ships_with_its_tracking_carrier_and_class() {
    let units = map("shipped", json!({"packages": packages()})).unwrap();
    assert_eq!(units.len(), 2);
    let first = shipment(&units[0]);
    assert_eq!(first.shipped_date_utc, "2024-05-01T12:00:00Z");
    assert_eq!(first.tracking_number, "1Z999AA10123456784");
    assert_eq!(
        (
            first.shipping_carrier.as_str(),
            first.shipping_class.as_str()
        ),
        ("UPS", "GROUND")
    );
    assert_eq!(first.seller_fulfillment_id, "700001-P1");
    assert_eq!(first.delivery_status, "Complete");
    assert_eq!(first.items.len(), 1);
    assert_eq!(
        (first.items[0].sku.as_str(), first.items[0].quantity),
        ("SKU-RED", 1)
    );
    // The account names FedEx's carrier code but no class: the package's service is the class.
    let second = shipment(&units[1]);
    assert_eq!(
        (
            second.shipping_carrier.as_str(),
            second.shipping_class.as_str()
        ),
        ("FEDEX", "2Day")
    );
    assert!(second.items.is_empty());
    assert_eq!(units[0].target.item_id.as_deref(), Some("package P1"));
    assert_eq!(units[1].target.item_id.as_deref(), Some("package P2"));
}

#[test]
fn the_ship_body_is_what_channeladvisor_documents() {
    let units = map("shipped", json!({"packages": packages()})).unwrap();
    let Action::Upload(upload) = &units[0].action else {
        panic!("skipped")
    };
    let request = request::build(&account(), upload);
    assert_eq!(
        request.url.as_str(),
        "https://api.channeladvisor.com/v1/Orders(700001)/Ship"
    );
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({"Value": {"ShippedDateUtc": "2024-05-01T12:00:00Z", "TrackingNumber": "1Z999AA10123456784",
                         "ShippingCarrier": "UPS", "ShippingClass": "GROUND", "DeliveryStatus": "Complete",
                         "SellerFulfillmentID": "700001-P1", "Items": [{"Sku": "SKU-RED", "Quantity": 1}]}})
    );
}

#[test]
fn a_package_keeps_its_fingerprint_from_partial_to_full_shipment() {
    let one = json!([packages()[0].clone()]);
    let partial = map("partially_shipped", json!({"packages": one})).unwrap();
    let full = map("shipped", json!({"packages": packages()})).unwrap();
    assert_eq!(partial[0].fingerprint, full[0].fingerprint);
}

#[test]
fn a_shipment_without_tracking_is_invalid_naming_the_package() {
    let packages =
        json!([{"id": "P1", "carrier": "UPS", "shipped_at": "2024-05-01T08:00:00-04:00"}]);
    let error = map("shipped", json!({"packages": packages})).unwrap_err();
    assert!(
        error.starts_with("packages[0].tracking_number: missing"),
        "{error}"
    );
    let error = map("shipped", json!({})).unwrap_err();
    assert!(error.starts_with("packages: no shipped package"), "{error}");
}

#[test]
fn acknowledged_is_an_export() {
    let units = map("acknowledged", json!({})).unwrap();
    assert_eq!(call(&units[0]), &Call::Export);
    assert_eq!(units[0].target.item_id, None);
}

#[test]
fn a_cancelation_adjusts_the_order_with_the_accounts_reason_code() {
    let units = map("canceled", json!({"reason": "out of stock"})).unwrap();
    let Call::CancelOrder(adjustment) = call(&units[0]) else {
        panic!("not an order Adjust")
    };
    assert_eq!(adjustment.reason, "ItemNotAvailable");
    assert_eq!(adjustment.seller_adjustment_id, "700001-cancel");
    let units = map("canceled", json!({"reason": "changed my mind"})).unwrap();
    let Call::CancelOrder(adjustment) = call(&units[0]) else {
        panic!("not an order Adjust")
    };
    assert_eq!(adjustment.reason, "BuyerCancelled", "the table's default");
}

#[test]
fn canceled_lines_adjust_their_items_only() {
    let lines = json!([
        {"line_id": "7000011", "status": "canceled", "reason": "out of stock"},
        {"line_id": "7000012", "status": "shipped"}
    ]);
    let units = map("canceled", json!({"lines": lines})).unwrap();
    assert_eq!(units.len(), 1);
    let Call::CancelItem {
        item_id,
        adjustment,
    } = call(&units[0])
    else {
        panic!("not an item Adjust")
    };
    assert_eq!(item_id, "7000011");
    assert_eq!(adjustment.reason, "ItemNotAvailable");
    assert_eq!(adjustment.seller_adjustment_id, "700001-7000011-cancel");
    assert_eq!(units[0].target.item_id.as_deref(), Some("item 7000011"));
    let Action::Upload(upload) = &units[0].action else {
        panic!()
    };
    assert_eq!(
        request::build(&account(), upload).url.as_str(),
        "https://api.channeladvisor.com/v1/OrderItems(7000011)/Adjust"
    );
}

#[test]
fn other_statuses_are_not_applicable() {
    for status in [
        "paid",
        "processing",
        "delivered",
        "returned",
        "backordered",
        "failed_delivery",
    ] {
        let units = map(status, json!({})).unwrap();
        assert!(
            matches!(&units[0].action, Action::Skip { reason } if reason.contains(status)),
            "{status}"
        );
    }
}

#[test]
fn ids_must_be_odata_keys() {
    let error = map("acknowledged", json!({"order": {"id": "A-1"}})).unwrap_err();
    assert!(error.starts_with("order.id:"), "{error}");
    let lines = json!([{"line_id": "x", "status": "canceled"}]);
    let error = map("canceled", json!({"lines": lines})).unwrap_err();
    assert!(error.starts_with("lines[0].line_id:"), "{error}");
}

#[test]
fn a_carrier_code_channeladvisor_does_not_read_is_refused_when_the_secret_loads() {
    let secret = json!({
        "base_url": "https://api.channeladvisor.com", "token_url": "https://api.channeladvisor.com/oauth2/token",
        "application_id": "app", "shared_secret": "secret", "refresh_token": "refresh",
        "carriers": {"UPS": {"carrier": "UPS", "clas": "GROUND"}}
    });
    let account = Account::<ChannelAdvisorSettings>::from_json(
        "default",
        "test",
        &secret.to_string(),
        BatchLimits::of::<ChannelAdvisor>(),
        false,
    )
    .unwrap();
    let problem = orderstatus::platform::check_account::<ChannelAdvisor>(&account).unwrap_err();
    assert!(
        problem.contains("\"clas\"") && problem.contains("carrier, class"),
        "{problem}"
    );
    assert_eq!(
        orderstatus::platform::check_account::<ChannelAdvisor>(&self::account()),
        Ok(())
    );
}
