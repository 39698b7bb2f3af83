//! Each row of the Speed4Trade mapping, the request document it becomes, and how answers are
//! read back (seed 002).

use orderstatus::config::{Account, BatchLimits};
use orderstatus::ledger::{EntryKind, HistoryEntry, LedgerRecord, Position};
use orderstatus::message::OrderStatus;
use orderstatus::platform::{Action, Platform, RejectReason, Unit, UnitResult};
use orderstatus::validate::parse_message;
use orderstatus_speed4trade::client::results;
use orderstatus_speed4trade::mapping::{IGNORED_AFTER_SHIPPED, OrderUpdate, PARTIAL_SHIPMENT};
use orderstatus_speed4trade::request::request_document;
use orderstatus_speed4trade::response::{Report, S4tAnswer, read_response};
use orderstatus_speed4trade::{Speed4Trade, Speed4TradeSettings};
use serde_json::{Value, json};

const LIMITS: BatchLimits = BatchLimits {
    default_size: 100,
    max_size: 1000,
    default_concurrency: 1,
};

fn account(extra: Value) -> Account<Speed4TradeSettings> {
    let mut secret = json!({"base_url": "https://connect.example.de/ws", "username": "erp",
                            "password": "s3cret", "mandator_id": 1, "time_zone": "Europe/Berlin"});
    for (name, value) in extra.as_object().unwrap() {
        secret[name] = value.clone();
    }
    Account::from_json("default", "test", &secret.to_string(), LIMITS, false).unwrap()
}

fn platform() -> Speed4Trade {
    orderstatus_speed4trade::platform(std::time::Duration::from_secs(1)).unwrap()
}

/// Seed 002's example order T2-100 with `status` and `extra` fields.
fn message(status: &str, extra: Value) -> String {
    let mut message = json!({"version": 1, "platform": "speed4trade",
        "order": {"id": "100", "number_prefix": "T2-"}, "status": status,
        "occurred_at": "2024-05-02T08:30:00Z"});
    for (name, value) in extra.as_object().unwrap() {
        message[name] = value.clone();
    }
    message.to_string()
}

fn units(body: &str, account: &Account<Speed4TradeSettings>) -> Vec<Unit<OrderUpdate>> {
    platform()
        .map(&parse_message(body).unwrap(), account)
        .unwrap()
}

/// The `<order>` element written for one message.
fn order_xml(body: &str, account: &Account<Speed4TradeSettings>) -> String {
    let units = units(body, account);
    let Action::Upload(update) = &units[0].action else {
        panic!("not an upload: {:?}", units[0].action)
    };
    let document = request_document(&[update]);
    let start = document.find("<order ").unwrap();
    document[start..document.rfind("</request>").unwrap()].to_owned()
}

fn skip_reason(body: &str) -> String {
    match &units(body, &account(json!({})))[0].action {
        Action::Skip { reason } => reason.clone(),
        other => panic!("not skipped: {other:?}"),
    }
}

#[test]
fn acknowledged_is_acknowledged_with_the_export_time_in_the_account_zone() {
    assert_eq!(
        order_xml(&message("acknowledged", json!({})), &account(json!({}))),
        "<order significant_key=\"order_number_and_prefix\" reference_id=\"1\">\
         <mandator_id>1</mandator_id><order_number>100</order_number>\
         <order_number_prefix>T2-</order_number_prefix><status>ACKNOWLEDGED</status>\
         <acknowledgement_informations><acknowledgement_information>\
         <export_time>2024-05-02T10:30:00</export_time>\
         </acknowledgement_information></acknowledgement_informations></order>"
    );
}

#[test]
fn paid_carries_the_accounts_payment_status() {
    let by_name = order_xml(&message("paid", json!({})), &account(json!({})));
    assert!(
        by_name.contains("<status>PAID</status><payment_informations><payment_information><payment_status_identifier>paid</payment_status_identifier></payment_information></payment_informations></order>"),
        "{by_name}"
    );
    let by_id = order_xml(
        &message("paid", json!({})),
        &account(json!({"payment_status_id": 4})),
    );
    assert!(
        by_id.contains("<payment_status_id>4</payment_status_id>"),
        "{by_id}"
    );
}

#[test]
fn shipped_carries_one_shipping_information_per_package() {
    let packages = json!({"packages": [
        {"carrier": "dhl_express", "tracking_number": "32123461123", "shipped_at": "2024-05-02T07:00:00Z"},
        {"carrier": "UPS", "tracking_number": "1Z999", "shipped_at": "2024-05-02T07:05:00Z"},
        {"carrier": "GLS", "tracking_number": "not-yet"}
    ]});
    let account =
        account(json!({"carriers": {"DHL": {"identifier": "DHL", "external_id": "dhl_ext"}}}));
    let xml = order_xml(&message("shipped", packages.clone()), &account);
    assert!(
        xml.contains(
            "<status>SHIPPED</status><shipping_informations>\
            <shipping_information><tracking_number>32123461123</tracking_number>\
            <shipping_provider_identifier>DHL</shipping_provider_identifier>\
            <shipping_provider_external_id>dhl_ext</shipping_provider_external_id>\
            <shipping_date>2024-05-02T09:00:00</shipping_date></shipping_information>\
            <shipping_information><tracking_number>1Z999</tracking_number>\
            <shipping_provider_identifier>UPS</shipping_provider_identifier>\
            <shipping_date>2024-05-02T09:05:00</shipping_date></shipping_information>\
            </shipping_informations></order>"
        ),
        "{xml}"
    );
    let unit = &units(&message("shipped", packages), &account)[0];
    assert_eq!(
        unit.tracking.as_deref(),
        Some("DHL: 32123461123 ; UPS: 1Z999")
    );
}

#[test]
fn canceled_is_canceled() {
    let xml = order_xml(&message("canceled", json!({})), &account(json!({})));
    assert!(xml.ends_with("<status>CANCELED</status></order>"), "{xml}");
}

#[test]
fn partial_shipments_and_statuses_without_a_call_are_not_applicable() {
    assert_eq!(
        skip_reason(&message("partially_shipped", json!({}))),
        PARTIAL_SHIPMENT
    );
    for status in [
        "processing",
        "backordered",
        "delivered",
        "returned",
        "failed_delivery",
        "return_shipped_by_customer",
    ] {
        let reason = skip_reason(&message(status, json!({})));
        assert!(reason.contains("has no status for"), "{status}: {reason}");
    }
}

#[test]
fn orders_are_addressed_by_the_accounts_significant_key() {
    let mandated = message(
        "canceled",
        json!({"order": {"id": "A-77", "mandator_id": 3}}),
    );
    let xml = order_xml(
        &mandated,
        &account(json!({"significant_key": "external_order_number_1"})),
    );
    assert!(
        xml.starts_with("<order significant_key=\"external_order_number_1\" reference_id=\"1\"><mandator_id>3</mandator_id><external_order_number_1>A-77</external_order_number_1><status>"),
        "{xml}"
    );
}

#[test]
fn a_message_lacking_what_the_key_needs_is_invalid_naming_the_field() {
    let invalid = |body: String, extra: Value| {
        platform()
            .map(&parse_message(&body).unwrap(), &account(extra))
            .unwrap_err()
    };
    let no_prefix = invalid(message("paid", json!({"order": {"id": "100"}})), json!({}));
    assert_eq!(no_prefix.field, "order.number_prefix");
    let not_a_number = invalid(
        message("paid", json!({"order": {"id": "T2-100"}})),
        json!({"significant_key": "order_number"}),
    );
    assert_eq!(not_a_number.field, "order.id");
    assert!(
        not_a_number.problem.contains("whole number"),
        "{not_a_number}"
    );
    let no_carrier = invalid(
        message(
            "shipped",
            json!({"packages": [{"tracking_number": "1", "shipped_at": "2024-05-02T07:00:00Z"}]}),
        ),
        json!({}),
    );
    assert_eq!(no_carrier.field, "packages[0].carrier");
}

#[test]
fn values_are_escaped_in_the_request() {
    let body = message(
        "canceled",
        json!({"order": {"id": "x<&>", "number_prefix": "\"T2\""}}),
    );
    let xml = order_xml(
        &body,
        &account(json!({"significant_key": "transaction_id_2"})),
    );
    assert!(
        xml.contains("<transaction_id_2>x&lt;&amp;&gt;</transaction_id_2>"),
        "{xml}"
    );
}

fn shipped_record(kind: EntryKind) -> LedgerRecord {
    LedgerRecord {
        partition_key: "speed4trade#default#100".into(),
        sort_key: "order".into(),
        fingerprint: Some("f".into()),
        skip_fingerprint: None,
        position: None,
        status: Some("shipped".into()),
        lease: None,
        history: vec![HistoryEntry {
            at_ms: 1,
            kind,
            status: "shipped".into(),
            fingerprint: "f".into(),
            position: Position::from_stored("1".into()),
            reference: None,
            tracking: Some("DHL: 1".into()),
            reason: None,
            message_id: None,
        }],
        expires_at: None,
    }
}

#[test]
fn a_shipped_after_an_uploaded_shipped_is_not_applicable() {
    let body = message(
        "shipped",
        json!({"packages": [{"carrier": "DHL", "tracking_number": "2", "shipped_at": "2024-05-02T07:00:00Z"}]}),
    );
    let first = units(&body, &account(json!({})));
    let mut unit = first[0].clone();
    platform().prepare(&mut unit, Some(&shipped_record(EntryKind::Rejected)));
    assert!(
        matches!(unit.action, Action::Upload(_)),
        "a refused SHIPPED does not count"
    );
    platform().prepare(&mut unit, None);
    assert!(matches!(unit.action, Action::Upload(_)));
    platform().prepare(&mut unit, Some(&shipped_record(EntryKind::Uploaded)));
    assert_eq!(
        unit.action,
        Action::Skip {
            reason: IGNORED_AFTER_SHIPPED.to_owned()
        }
    );
    assert_eq!(unit.status, OrderStatus::Shipped);
}

fn updates(count: usize) -> Vec<OrderUpdate> {
    let account = account(json!({}));
    (0..count)
        .map(|i| {
            let body = message(
                "canceled",
                json!({"order": {"id": (100 + i).to_string(), "number_prefix": "T2-"}}),
            );
            match units(&body, &account).remove(0).action {
                Action::Upload(update) => update,
                other => panic!("{other:?}"),
            }
        })
        .collect()
}

fn report(reference: Option<&str>, code: i64, description: Option<&str>) -> Report {
    Report {
        reference_id: reference.map(str::to_owned),
        return_code: code,
        error_description: description.map(str::to_owned),
    }
}

#[test]
fn reports_are_matched_by_reference_id_then_position_and_missing_ones_are_transient() {
    let updates = updates(3);
    let batch: Vec<&OrderUpdate> = updates.iter().collect();
    let by_reference = results(
        &batch,
        &[
            report(Some("3"), 0, None),
            report(Some("1"), -12, Some("Auftrag ist storniert")),
        ],
    );
    assert_eq!(
        by_reference[0],
        UnitResult::rejected(
            RejectReason::Platform,
            "Speed4Trade refused order_number 100, order_number_prefix T2- (return_code -12): Auftrag ist storniert",
        )
    );
    assert!(
        matches!(by_reference[1], UnitResult::Transient { .. }),
        "{by_reference:?}"
    );
    assert_eq!(by_reference[2], UnitResult::Accepted { reference: None });

    let by_position = results(
        &batch,
        &[
            report(None, 0, None),
            report(None, -1, Some("regrouped")),
            report(None, 0, None),
        ],
    );
    assert!(matches!(by_position[0], UnitResult::Accepted { .. }));
    assert!(
        matches!(&by_position[1], UnitResult::Rejected { message, .. } if message.contains("regrouped"))
    );
    assert!(matches!(by_position[2], UnitResult::Accepted { .. }));
}

#[test]
fn answers_are_read_from_the_return_string() {
    let wrap = |document: &str| {
        let escaped = document
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        format!(
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
             <ns2:updateOrderStatusResponse xmlns:ns2=\"urn:x\"><return>{escaped}</return>\
             </ns2:updateOrderStatusResponse></soap:Body></soap:Envelope>"
        )
    };
    let answer = read_response(&wrap(
        "<response method=\"updateOrderStatus\" version=\"1.0.0\"><report return_code=\"0\" reference_id=\"1\"/>\
         <report return_code=\"-3\"><reference_id>2</reference_id><error_description>A &amp; B</error_description></report></response>",
    ));
    assert_eq!(
        answer,
        S4tAnswer::Reports(vec![
            report(Some("1"), 0, None),
            report(Some("2"), -3, Some("A & B"))
        ])
    );
    assert!(matches!(
        read_response(&wrap("<html/>")),
        S4tAnswer::Garbage { .. }
    ));
    assert!(matches!(
        read_response(&wrap("<response><report return_code=\"x\"/></response>")),
        S4tAnswer::Garbage { .. }
    ));
    assert!(matches!(
        read_response("Service Unavailable"),
        S4tAnswer::Garbage { .. }
    ));
    let fault = "<S:Envelope xmlns:S=\"x\"><S:Body><S:Fault><faultcode>S:Server</faultcode><faultstring>down</faultstring></S:Fault></S:Body></S:Envelope>";
    assert!(matches!(read_response(fault), S4tAnswer::Fault { .. }));
}

#[test]
fn render_shows_the_call_and_the_decoded_request_without_the_password() {
    let account = account(json!({}));
    let updates = updates(2);
    let batch: Vec<&OrderUpdate> = updates.iter().collect();
    let rendered = platform().render(&account, &batch);
    assert_eq!(rendered.len(), 1);
    let call = &rendered[0];
    let shown = format!("{call:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(
        call.headers
            .contains(&("Authorization".into(), "Basic [redacted]".into()))
    );
    assert!(
        call.body
            .contains("<argRequestData>&lt;request method=&quot;updateOrderStatus&quot;")
    );
    assert!(
        call.extras[0].1.contains("reference_id=\"2\""),
        "{:?}",
        call.extras
    );
}
