//! CV3 mapping and request encoding, from seed 000's example.

use orderstatus::config::{Account, BatchLimits};
use orderstatus::ledger::{EntryKind, HistoryEntry, LedgerRecord, Position};
use orderstatus::message::OrderStatus;
use orderstatus::platform::{Action, Platform};
use orderstatus::validate::parse_message;
use orderstatus_cv3::mapping::Cv3Payload;
use orderstatus_cv3::request::{Credentials, inner_document, soap_envelope};
use orderstatus_cv3::response::{Cv3Answer, decoded_return, read_response};
use orderstatus_cv3::{Cv3, Cv3Settings};
use serde_json::json;

const LIMITS: BatchLimits = BatchLimits {
    default_size: 100,
    max_size: 1000,
    default_concurrency: 1,
};

fn account(extra: serde_json::Value) -> Account<Cv3Settings> {
    let mut secret = json!({
        "base_url": "https://service.commercev3.com/index.php",
        "user": "api", "pass": "secret-pass", "service_id": "svc",
        "time_zone": "America/New_York"
    });
    for (k, v) in extra.as_object().unwrap() {
        secret[k] = v.clone();
    }
    Account::from_json("default", "test", &secret.to_string(), LIMITS, false).unwrap()
}

fn seed_message(packages: serde_json::Value) -> orderstatus::message::StatusMessage {
    parse_message(
        &json!({
            "version": 1, "platform": "cv3",
            "order": {"id": "12345", "customer_number": "C000123"},
            "occurred_at": "2018-09-24T09:00:00-04:00",
            "packages": packages
        })
        .to_string(),
    )
    .unwrap()
}

fn two_packages(second_shipped: bool) -> serde_json::Value {
    json!([
        {"carrier": "UPS", "service": "Ground", "tracking_number": "1Z3123134135",
         "shipped_at": "2018-09-23T10:00:00-04:00"},
        {"carrier": "FedEx", "service": "2-Day", "tracking_number": "4563543534",
         "shipped_at": if second_shipped { json!("2018-09-23T15:00:00-04:00") } else { json!(null) }}
    ])
}

fn status_entry(
    message: &orderstatus::message::StatusMessage,
    account: &Account<Cv3Settings>,
) -> orderstatus_cv3::mapping::StatusEntry {
    let platform = orderstatus_cv3::platform(std::time::Duration::from_secs(5)).unwrap();
    let units = platform.map(message, account).unwrap();
    assert_eq!(units.len(), 1);
    match &units[0].action {
        Action::Upload(Cv3Payload::Status(entry)) => entry.clone(),
        other => panic!("expected a status entry, got {other:?}"),
    }
}

#[test]
fn seed_example_gives_shipped_date_and_both_tracking_numbers() {
    let entry = status_entry(&seed_message(two_packages(true)), &account(json!({})));
    assert_eq!(entry.status, "Shipped 9/23/2018");
    assert_eq!(entry.tracking, "UPS: 1Z3123134135 ; FedEx: 4563543534");
    assert_eq!(entry.customer_number.as_deref(), Some("C000123"));
}

#[test]
fn some_packages_shipped_is_processing_with_last_shipment() {
    let entry = status_entry(&seed_message(two_packages(false)), &account(json!({})));
    assert_eq!(entry.status, "Processing : Last Shipment 9/23/2018");
    assert_eq!(entry.tracking, "UPS: 1Z3123134135");
}

#[test]
fn no_packages_or_backordered_is_processing() {
    let account = account(json!({}));
    let entry = status_entry(&seed_message(json!([])), &account);
    assert_eq!(entry.status, "Processing");
    assert_eq!(entry.tracking, "");
    let mut backordered = seed_message(json!([]));
    backordered.status = Some(OrderStatus::Backordered);
    assert_eq!(status_entry(&backordered, &account).status, "Processing");
}

#[test]
fn the_account_time_zone_decides_the_date() {
    // 23:30 in New York on the 23rd is the 24th in Tokyo.
    let message = seed_message(json!([{"carrier": "UPS", "tracking_number": "1Z",
        "shipped_at": "2018-09-23T23:30:00-04:00"}]));
    assert_eq!(
        status_entry(&message, &account(json!({}))).status,
        "Shipped 9/23/2018"
    );
    let tokyo = account(json!({"time_zone": "Asia/Tokyo"}));
    assert_eq!(status_entry(&message, &tokyo).status, "Shipped 9/24/2018");
}

#[test]
fn templates_override_the_cms_texts() {
    let account = account(json!({"templates": {"shipped": "Sent {date} ({order_id})"}}));
    let entry = status_entry(&seed_message(two_packages(true)), &account);
    assert_eq!(entry.status, "Sent 9/23/2018 (12345)");
}

#[test]
fn unknown_template_placeholders_are_refused_when_the_secret_is_loaded() {
    let account = account(json!({"templates": {"shipped": "Sent {when}"}}));
    let error = Cv3::check_settings(&account.settings).unwrap_err();
    assert!(error.contains("{when}"), "{error}");
}

#[test]
fn a_secret_value_xml_cannot_carry_is_refused_when_the_secret_is_loaded() {
    let template = account(json!({"templates": {"canceled": "Canceled\u{1}: {reason}"}}));
    let error = Cv3::check_settings(&template.settings).unwrap_err();
    assert!(
        error.starts_with("templates.canceled: contains U+0001"),
        "{error}"
    );
    let password = account(json!({"pass": "secret\u{0}"}));
    let error = Cv3::check_settings(&password.settings).unwrap_err();
    assert!(error.starts_with("pass: contains U+0000"), "{error}");
    assert!(!error.contains("secret"), "the value is not shown: {error}");
}

#[test]
fn acknowledged_confirms_and_paid_is_not_applicable() {
    let platform = orderstatus_cv3::platform(std::time::Duration::from_secs(5)).unwrap();
    let account = account(json!({}));
    let mut message = seed_message(json!([]));
    message.status = Some(OrderStatus::Acknowledged);
    let units = platform.map(&message, &account).unwrap();
    assert_eq!(
        units[0].action,
        Action::Upload(Cv3Payload::Confirm {
            order_id: "12345".into()
        })
    );
    message.status = Some(OrderStatus::Paid);
    let units = platform.map(&message, &account).unwrap();
    assert!(matches!(units[0].action, Action::Skip { .. }));
}

#[test]
fn tracking_notification_only_for_a_new_tracking_set() {
    let platform = orderstatus_cv3::platform(std::time::Duration::from_secs(5)).unwrap();
    let account = account(json!({}));
    let message = seed_message(two_packages(true));
    let notify = |prior: Option<&LedgerRecord>| {
        let mut unit = platform.map(&message, &account).unwrap().remove(0);
        platform.prepare(&mut unit, prior);
        match unit.action {
            Action::Upload(Cv3Payload::Status(entry)) => entry.tracking_notification,
            _ => unreachable!(),
        }
    };
    assert!(notify(None), "first upload notifies");
    let mut prior = LedgerRecord::default();
    prior.history.push(HistoryEntry {
        at_ms: 0,
        kind: EntryKind::Uploaded,
        status: "partially_shipped".into(),
        fingerprint: "x".into(),
        position: Position::from_stored("0".into()),
        reference: None,
        tracking: Some("UPS: 1Z3123134135".into()),
        reason: None,
        message_id: None,
    });
    assert!(notify(Some(&prior)), "a grown tracking set notifies again");
    prior.history[0].tracking = Some("UPS: 1Z3123134135 ; FedEx: 4563543534".into());
    assert!(!notify(Some(&prior)), "the same set does not");
}

#[test]
fn xml_special_characters_round_trip_escaped() {
    let nasty = r#"A&B <"quoted"> 'apos' ]]> &amp;"#;
    let payload = Cv3Payload::Status(orderstatus_cv3::mapping::StatusEntry {
        order_id: "1".into(),
        status: nasty.into(),
        tracking: format!("UPS: {nasty}"),
        customer_number: Some(nasty.into()),
        tracking_notification: true,
    });
    let credentials = Credentials {
        user: nasty,
        pass: nasty,
        service_id: nasty,
    };
    let opted_out = String::from_utf8(inner_document(credentials, &[&payload], false)).unwrap();
    assert!(
        !opted_out.contains("tracking_notification"),
        "account opted out of e-mails"
    );
    let inner = String::from_utf8(inner_document(credentials, &[&payload], true)).unwrap();
    assert!(
        !inner.contains(nasty),
        "raw value leaked unescaped: {inner}"
    );
    assert!(inner.contains("tracking_notification=\"true\""));

    // Read every text node back with an XML parser: each equals the original value.
    assert_eq!(
        text_values(&inner),
        vec![
            nasty,
            nasty,
            nasty,
            "1",
            nasty,
            &format!("UPS: {nasty}"),
            nasty
        ]
    );

    // The envelope carries it as base64 and decodes back to the same document.
    let envelope = String::from_utf8(soap_envelope(inner.as_bytes())).unwrap();
    assert!(envelope.contains("<m:CV3Data xmlns:m=\"http://soapinterop.org/\">"));
    let response = envelope
        .replace("m:CV3Data", "ns1:CV3DataResponse")
        .replace("<data", "<return")
        .replace("</data>", "</return>");
    assert_eq!(decoded_return(&response).as_deref(), Some(inner.as_str()));
}

/// The text of every element of `xml` that has some, read back as an XML parser reads it.
fn text_values(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut collector = orderstatus::xml::TextCollector::default();
    let mut values = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(_) => collector.clear(),
            quick_xml::events::Event::Text(t) => collector.push_text(&t).unwrap(),
            quick_xml::events::Event::GeneralRef(r) => collector.push_ref(&r).unwrap(),
            quick_xml::events::Event::End(_) => {
                let text = collector.take();
                if !text.is_empty() {
                    values.push(text);
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    values
}

#[test]
fn a_carriage_return_survives_the_parser_at_the_other_end() {
    // An XML parser turns a literal CR (and CR LF) into LF; only `&#13;` keeps it.
    let text = "line one\r\nline two\rend";
    let payload = Cv3Payload::Status(orderstatus_cv3::mapping::StatusEntry {
        order_id: "1".into(),
        status: text.into(),
        tracking: String::new(),
        customer_number: Some(text.into()),
        tracking_notification: false,
    });
    let credentials = Credentials {
        user: "u",
        pass: "p",
        service_id: "s",
    };
    let inner = String::from_utf8(inner_document(credentials, &[&payload], false)).unwrap();
    assert!(inner.contains("line one&#13;\nline two&#13;end"), "{inner}");
    assert_eq!(text_values(&inner), vec!["u", "p", "s", "1", text, text]);
}

#[test]
fn placeholders_inside_message_values_are_inserted_literally() {
    let account = account(json!({"templates": {"canceled": "Canceled: {reason}"}}));
    let mut message = seed_message(json!([]));
    message.status = Some(OrderStatus::Canceled);
    message.reason = Some("{order_id}{detail}{date}".into());
    message.detail = Some("{reason}".into());
    let entry = status_entry(&message, &account);
    assert_eq!(entry.status, "Canceled: {order_id}{detail}{date}");

    let account = account_with_templates(json!({"canceled": "{detail}/{reason} {order_id}"}));
    message.order.id = Some("{date}".into());
    let entry = status_entry(&message, &account);
    assert_eq!(entry.status, "{reason}/{order_id}{detail}{date} {date}");
}

fn account_with_templates(templates: serde_json::Value) -> Account<Cv3Settings> {
    account(json!({ "templates": templates }))
}

#[test]
fn responses_are_read_as_documents_faults_or_garbage() {
    let wrap = |inner: &str| {
        let data = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, inner);
        format!(
            r#"<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><ns1:CV3DataResponse xmlns:ns1="http://soapinterop.org/"><return>{data}</return></ns1:CV3DataResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
        )
    };
    assert_eq!(
        read_response(&wrap(r#"<CV3Data version="2.0"/>"#)),
        Cv3Answer::Document { errors: vec![] }
    );
    assert_eq!(
        read_response(&wrap(
            r#"<CV3Data version="2.0"><error>orderID 7: bad &amp; wrong</error></CV3Data>"#
        )),
        Cv3Answer::Document {
            errors: vec!["orderID 7: bad & wrong".into()]
        }
    );
    let cdata = wrap(r#"<CV3Data version="2.0"/>"#)
        .replace("<return>", "<return><![CDATA[")
        .replace("</return>", "]]></return>");
    assert_eq!(
        read_response(&cdata),
        Cv3Answer::Document { errors: vec![] },
        "CDATA return"
    );
    let fault = r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Server</faultcode><faultstring>boom</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"#;
    assert_eq!(
        read_response(fault),
        Cv3Answer::Fault {
            code: "SOAP-ENV:Server".into(),
            message: "boom".into()
        }
    );
    assert!(matches!(
        read_response("<html>Service temporarily unavailable"),
        Cv3Answer::Garbage { .. }
    ));
    assert!(matches!(
        read_response(&wrap("<html/>")),
        Cv3Answer::Garbage { .. }
    ));
}

#[test]
fn render_shows_the_request_upload_sends_without_any_credential() {
    let platform = orderstatus_cv3::platform(std::time::Duration::from_secs(5)).unwrap();
    let account = account(json!({"soap_action": "urn:CV3Data"}));
    let message = seed_message(two_packages(true));
    let units = platform.map(&message, &account).unwrap();
    let payloads: Vec<&Cv3Payload> = units
        .iter()
        .filter_map(|unit| match &unit.action {
            Action::Upload(payload) => Some(payload),
            Action::Skip { .. } => None,
        })
        .collect();
    let rendered = platform.render(&account, &payloads);
    assert_eq!(rendered.len(), 1);
    let request = &rendered[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://service.commercev3.com/index.php");
    assert!(
        request
            .headers
            .contains(&("SOAPAction".to_owned(), "\"urn:CV3Data\"".to_owned())),
        "{:?}",
        request.headers
    );
    let (name, inner) = &request.extras[0];
    assert!(name.contains("decoded"), "{name}");
    assert!(
        inner.contains("<status>Shipped 9/23/2018</status>"),
        "{inner}"
    );
    assert!(inner.contains("<tracking>UPS: 1Z3123134135 ; FedEx: 4563543534</tracking>"));
    assert!(inner.contains("<pass>[redacted]</pass>"), "{inner}");
    let everything = format!("{request:?}");
    for secret in ["secret-pass", "svc", "<user>api</user>"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
    // The body is the envelope of exactly that document (same encoder as upload).
    let envelope = String::from_utf8(soap_envelope(inner.as_bytes())).unwrap();
    assert_eq!(request.body, envelope);
}
