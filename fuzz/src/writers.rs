//! The request writers, round-tripped: values built from the fuzzer's bytes are written with
//! the product's writer and read back with an independent reader ([`crate::xml_tree`] for XML,
//! serde_json for JSON); every value must read back equal and every document must be
//! well-formed.

use std::sync::OnceLock;

use arbitrary::{Result, Unstructured};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use orderstatus::carriers::CarrierNames;
use orderstatus::config::Account;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::values::{any_text, list, optional_text, pick, text};
use crate::xml_tree::{self, Element};

/// Reads a written XML document back, or fails the target saying why it is not well-formed.
fn read_back(what: &str, written: &[u8]) -> Element {
    let text = std::str::from_utf8(written).unwrap_or_else(|e| panic!("{what} is not UTF-8: {e}"));
    xml_tree::parse(text).unwrap_or_else(|e| panic!("{what} is not well-formed: {e}\n{text}"))
}

/// The value of the only parameter of a SOAP call's operation, after checking the envelope
/// around it.
fn soap_parameter<'e>(
    envelope: &'e Element,
    operation: &str,
    namespace: &str,
    parameter: &str,
) -> &'e Element {
    assert_eq!(envelope.name, "SOAP-ENV:Envelope");
    let call = envelope
        .at(&["SOAP-ENV:Body", operation])
        .unwrap_or_else(|| panic!("no Body/{operation} in {envelope:?}"));
    assert_eq!(call.attribute("xmlns:m"), Some(namespace), "the namespace");
    assert_eq!(call.children.len(), 1, "one parameter");
    let value = &call.children[0];
    assert_eq!(value.name, parameter);
    assert!(value.children.is_empty());
    value
}

// --- CV3 ---------------------------------------------------------------------------------------

use orderstatus_cv3::mapping::{Cv3Payload, StatusEntry};
use orderstatus_cv3::request::{CV3_BODY_NS, Credentials, encode_call};

/// A CV3 batch: credentials (checked for XML by the secret check) and entries whose texts come
/// from validated messages and checked templates.
pub fn cv3_request_xml(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = cv3_round_trip(&mut u);
}

fn cv3_round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    let (user, pass, service_id) = (text(u)?, text(u)?, text(u)?);
    let notify: bool = u.arbitrary()?;
    let batch = list(u, 6, |u| {
        Ok(if u.arbitrary()? {
            Cv3Payload::Confirm { order_id: text(u)? }
        } else {
            Cv3Payload::Status(StatusEntry {
                order_id: text(u)?,
                status: text(u)?,
                tracking: text(u)?,
                customer_number: optional_text(u)?,
                tracking_notification: u.arbitrary()?,
            })
        })
    })?;
    let refs: Vec<&Cv3Payload> = batch.iter().collect();
    let credentials = Credentials {
        user: &user,
        pass: &pass,
        service_id: &service_id,
    };
    let call = encode_call(credentials, &refs, notify);

    let envelope = read_back("the CV3 envelope", &call.envelope);
    let data = soap_parameter(&envelope, "m:CV3Data", CV3_BODY_NS, "data");
    assert_eq!(data.attribute("xsi:type"), Some("xsd:string"));
    let decoded = STANDARD.decode(&data.text).expect("data is base64");
    assert_eq!(decoded, call.inner, "data is the inner document");

    let mut expected = vec![Element::node(
        "request",
        vec![Element::node(
            "authenticate",
            vec![
                Element::leaf("user", &user),
                Element::leaf("pass", &pass),
                Element::leaf("serviceID", &service_id),
            ],
        )],
    )];
    let confirms: Vec<Element> = batch
        .iter()
        .filter_map(|p| match p {
            Cv3Payload::Confirm { order_id } => Some(Element::leaf("orderConf", order_id)),
            Cv3Payload::Status(_) => None,
        })
        .collect();
    if !confirms.is_empty() {
        expected.push(Element::node(
            "confirm",
            vec![Element::node("orderConfirm", confirms)],
        ));
    }
    let statuses: Vec<Element> = batch
        .iter()
        .filter_map(|p| match p {
            Cv3Payload::Status(entry) => Some(entry),
            Cv3Payload::Confirm { .. } => None,
        })
        .map(|entry| {
            let status = Element::node(
                "status",
                vec![
                    Element::leaf("orderID", &entry.order_id),
                    Element::leaf("status", &entry.status),
                    Element::leaf("tracking", &entry.tracking),
                    Element::leaf("custNum", entry.customer_number.as_deref().unwrap_or("")),
                ],
            );
            if notify && entry.tracking_notification {
                status.with_attribute("tracking_notification", "true")
            } else {
                status
            }
        })
        .collect();
    if !statuses.is_empty() {
        expected.push(Element::node("orders", statuses));
    }
    let expected = Element::node("CV3Data", expected).with_attribute("version", "2.0");
    assert_eq!(read_back("the CV3 inner document", &call.inner), expected);
    Ok(())
}

// --- Seller Center -----------------------------------------------------------------------------

use orderstatus_sellercenter::item_status::ItemStatus;
use orderstatus_sellercenter::mapping::{ItemUpdate, StatusItem};
use orderstatus_sellercenter::request::{DetailItem, information_body, status_body};

/// A Seller Center batch: both JSON bodies read back to the items' values.
pub fn sellercenter_request_json(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = sellercenter_round_trip(&mut u);
}

fn sellercenter_round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    let batch = list(u, 6, |u| {
        Ok(ItemUpdate {
            item: StatusItem {
                id_sales_order_item: any_text(u)?,
                item_status: pick(u, &ItemStatus::ALL)?,
                package_status: any_text(u)?,
                cancel_reason: any_text(u)?,
                return_reason: any_text(u)?,
                failed_delivery_reason: any_text(u)?,
                shipping_carrier: any_text(u)?,
                tracking_code: any_text(u)?,
                status_event_time: any_text(u)?,
            },
            status_detail: if u.arbitrary()? {
                Some(any_text(u)?)
            } else {
                None
            },
        })
    })?;
    let refs: Vec<&ItemUpdate> = batch.iter().collect();

    let items: Vec<Value> = batch
        .iter()
        .map(|update| {
            let item = &update.item;
            json!({
                "id_sales_order_item": item.id_sales_order_item,
                "item_status": item.item_status.as_str(),
                "package_status": item.package_status,
                "cancel_reason": item.cancel_reason,
                "return_reason": item.return_reason,
                "failed_delivery_reason": item.failed_delivery_reason,
                "shipping_carrier": item.shipping_carrier,
                "tracking_code": item.tracking_code,
                "status_event_time": item.status_event_time,
            })
        })
        .collect();
    let body: Value = serde_json::from_slice(&status_body(&refs)).expect("the status body is JSON");
    assert_eq!(body, json!({"Request": {"Items": items}}));

    let details: Vec<DetailItem<'_>> = batch.iter().filter_map(DetailItem::of).collect();
    let expected: Vec<Value> = batch
        .iter()
        .filter_map(|update| {
            Some(json!({
                "id_sales_order_item": update.item.id_sales_order_item,
                "status_detail": update.status_detail.as_ref()?,
            }))
        })
        .collect();
    let body: Value =
        serde_json::from_slice(&information_body(&details)).expect("the detail body is JSON");
    assert_eq!(body, json!({"Request": {"Items": expected}}));
    Ok(())
}

// --- CloudSuite --------------------------------------------------------------------------------

use orderstatus_cloudsuite::CloudSuiteSettings;
use orderstatus_cloudsuite::mapping::{Call, Delivery, DeliveryItem};
use orderstatus_cloudsuite::request::{OrderFacts, build};

fn cloudsuite_account(format: &str) -> Account<CloudSuiteSettings> {
    let settings = serde_json::from_value(json!({
        "token_url": "https://id.cloudsuite.example/token",
        "client_id": "fuzz",
        "client_secret": "fuzz",
        "shop": "1",
        "user": "10",
        "desadv": true,
        "desadv_format": format,
    }))
    .expect("CloudSuite settings");
    Account {
        name: "fuzz".to_owned(),
        base_url: url::Url::parse("https://api.cloudsuite.example/").expect("a URL"),
        time_zone: chrono_tz::UTC,
        carriers: CarrierNames::default(),
        batch_size: 1,
        concurrency: 1,
        settings,
    }
}

/// A DESADV delivery: the message's values (validated), and the order's facts, which come from
/// the message or from CloudSuite's answer to a lookup (`OrderSummary`, any JSON string).
pub fn cloudsuite_desadv(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = cloudsuite_round_trip(&mut u);
}

fn cloudsuite_round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    static XML: OnceLock<Account<CloudSuiteSettings>> = OnceLock::new();
    static JSON: OnceLock<Account<CloudSuiteSettings>> = OnceLock::new();
    let delivery = Delivery {
        desadv_number: text(u)?,
        date: text(u)?,
        planned_delivery_date: text(u)?,
        transport_mode_code: text(u)?,
        tracking: text(u)?,
        order_number: optional_text(u)?,
        items: list(u, 4, |u| {
            Ok(DeliveryItem {
                item_num: u.arbitrary()?,
                // A message's quantity is a JSON number: always finite.
                quantity: Some(u.arbitrary::<f64>()?)
                    .filter(|q| q.is_finite())
                    .unwrap_or(1.0),
                seller_item_id: text(u)?,
            })
        })?,
    };
    let facts = OrderFacts {
        id: any_text(u)?,
        number: if u.arbitrary()? {
            Some(any_text(u)?)
        } else {
            None
        },
    };
    // The client checks the facts it reads for a DESADV whose message has no order number
    // (the only case where CloudSuite's id or number is written into it).
    if delivery.order_number.is_none() && facts.check().is_err() {
        return Ok(());
    }
    let order_number = delivery
        .order_number
        .as_deref()
        .or(facts.number.as_deref())
        .unwrap_or(&facts.id);
    let call = Call::Delivery(delivery.clone());

    let xml = build(XML.get_or_init(|| cloudsuite_account("xml")), &facts, &call);
    let items = delivery
        .items
        .iter()
        .map(|item| {
            Element::node(
                "Item",
                vec![
                    Element::leaf("ItemNum", &item.item_num.to_string()),
                    Element::leaf("OrderNum", order_number),
                    // `QuantityValue` is decimal(12,4).
                    Element::leaf("QuantityValue", &format!("{:.4}", item.quantity)),
                    Element::leaf("SellerItemID", &item.seller_item_id),
                ],
            )
        })
        .collect();
    let expected = Element::node(
        "Desadv",
        vec![
            Element::node(
                "DesadvHeader",
                vec![
                    Element::leaf("DesadvNumber", &delivery.desadv_number),
                    Element::leaf("DesadvDate", &delivery.date),
                    Element::leaf("PlannedDeliveryDate", &delivery.planned_delivery_date),
                    Element::node(
                        "TransportDetails",
                        vec![
                            Element::leaf("TransportModeCode", &delivery.transport_mode_code),
                            Element::node(
                                "MeansOfTransport",
                                vec![Element::leaf("Identification", &delivery.tracking)],
                            ),
                        ],
                    ),
                ],
            ),
            Element::node(
                "DesadvDetail",
                vec![Element::node(
                    "Packaging",
                    vec![Element::node("LineItems", items)],
                )],
            ),
        ],
    );
    assert_eq!(read_back("the DESADV", &xml.body), expected);

    let json = build(
        JSON.get_or_init(|| cloudsuite_account("json")),
        &facts,
        &call,
    );
    let body: Value = serde_json::from_slice(&json.body).expect("the DESADV JSON");
    let header = &body["Desadv"]["DesadvHeader"];
    assert_eq!(header["DesadvNumber"], delivery.desadv_number.as_str());
    assert_eq!(header["DesadvDate"], delivery.date.as_str());
    assert_eq!(
        header["PlannedDeliveryDate"],
        delivery.planned_delivery_date.as_str()
    );
    let transport = &header["TransportDetails"];
    assert_eq!(
        transport["TransportModeCode"],
        delivery.transport_mode_code.as_str()
    );
    assert_eq!(
        transport["MeansOfTransport"]["Identification"],
        delivery.tracking.as_str()
    );
    let read = body["Desadv"]["DesadvDetail"]["Packaging"]["LineItems"]["Item"]
        .as_array()
        .expect("an item list");
    assert_eq!(read.len(), delivery.items.len());
    for (read, item) in read.iter().zip(&delivery.items) {
        assert_eq!(read["ItemNum"], item.item_num);
        assert_eq!(read["OrderNum"], order_number);
        assert_eq!(read["SellerItemID"], item.seller_item_id.as_str());
    }
    // serde_json's own float parsing may be a little off (for a subnormal, say): the number as
    // written must read back exactly, as CloudSuite's parser reads it.
    let written: Quantities<'_> = serde_json::from_slice(&json.body).expect("the DESADV JSON");
    let items = written.desadv.detail.packaging.line_items.items;
    assert_eq!(items.len(), delivery.items.len());
    for (read, item) in items.iter().zip(&delivery.items) {
        let quantity: f64 = read.quantity.get().parse().expect("a number");
        assert_eq!(quantity, item.quantity, "QuantityValue {}", read.quantity);
    }
    Ok(())
}

/// The DESADV JSON's quantities as written (`Desadv.DesadvDetail.Packaging.LineItems.Item`).
#[derive(Deserialize)]
struct Quantities<'a> {
    #[serde(rename = "Desadv", borrow)]
    desadv: Detail<'a>,
}

#[derive(Deserialize)]
struct Detail<'a> {
    #[serde(rename = "DesadvDetail", borrow)]
    detail: Packaging<'a>,
}

#[derive(Deserialize)]
struct Packaging<'a> {
    #[serde(rename = "Packaging", borrow)]
    packaging: LineItems<'a>,
}

#[derive(Deserialize)]
struct LineItems<'a> {
    #[serde(rename = "LineItems", borrow)]
    line_items: Items<'a>,
}

#[derive(Deserialize)]
struct Items<'a> {
    #[serde(rename = "Item", borrow)]
    items: Vec<Quantity<'a>>,
}

#[derive(Deserialize)]
struct Quantity<'a> {
    #[serde(rename = "QuantityValue", borrow)]
    quantity: &'a RawValue,
}

// --- Speed4Trade -------------------------------------------------------------------------------

use orderstatus_speed4trade::Speed4TradeSettings;
use orderstatus_speed4trade::mapping::{OrderUpdate, S4tStatus, ShippingInformation};
use orderstatus_speed4trade::request::{OPERATION, PARAMETER, VERSION, reference_id};
use orderstatus_speed4trade::settings::{PaymentStatus, check};
use orderstatus_speed4trade::significant_key::SignificantKey;

/// The elements that name an order (static names, as the mapping has them).
const KEY_ELEMENTS: [&str; 6] = [
    "order_number",
    "order_number_prefix",
    "external_order_number_1",
    "marketplace_order_id_2",
    "transaction_id_1",
    "transaction_id_2",
];

/// A Speed4Trade call: the account's namespace (as the secret check lets it through) and a
/// batch of updates whose texts come from validated messages and checked settings.
pub fn speed4trade_soap(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = speed4trade_round_trip(&mut u);
}

fn speed4trade_round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    let settings = |namespace: Option<String>| -> Speed4TradeSettings {
        serde_json::from_value(json!({
            "username": "fuzz",
            "password": "fuzz",
            "mandator_id": 1,
            "soap_namespace": namespace,
        }))
        .expect("Speed4Trade settings")
    };
    let mut settings = settings(Some(any_text(u)?));
    if check(&settings).is_err() {
        // The secret is refused when it loads: no call is ever written with that namespace.
        settings.soap_namespace = None;
    }
    let batch = list(u, 5, |u| {
        Ok(OrderUpdate {
            significant_key: pick(u, &SignificantKey::ALL)?,
            mandator_id: u.arbitrary()?,
            keys: list(u, 2, |u| Ok((pick(u, &KEY_ELEMENTS)?, text(u)?)))?,
            status: pick(
                u,
                &[
                    S4tStatus::Acknowledged,
                    S4tStatus::Paid,
                    S4tStatus::Shipped,
                    S4tStatus::Canceled,
                ],
            )?,
            shipping: list(u, 3, |u| {
                Ok(ShippingInformation {
                    tracking_number: text(u)?,
                    provider_identifier: optional_text(u)?,
                    provider_external_id: optional_text(u)?,
                    shipping_date: optional_text(u)?,
                })
            })?,
            payment: match u.int_in_range(0..=2)? {
                0 => None,
                1 => Some(PaymentStatus::Id(u.arbitrary()?)),
                _ => Some(PaymentStatus::Identifier(text(u)?)),
            },
            export_time: optional_text(u)?,
        })
    })?;
    let refs: Vec<&OrderUpdate> = batch.iter().collect();
    let call = orderstatus_speed4trade::request::encode_call(settings.soap_namespace(), &refs);

    let envelope = read_back("the Speed4Trade envelope", &call.envelope);
    let operation = format!("m:{OPERATION}");
    let carried = soap_parameter(&envelope, &operation, settings.soap_namespace(), PARAMETER);
    assert_eq!(
        carried.text, call.document,
        "argRequestData is the document"
    );

    let orders = batch
        .iter()
        .enumerate()
        .map(|(index, update)| {
            let mut children = vec![Element::leaf(
                "mandator_id",
                &update.mandator_id.to_string(),
            )];
            children.extend(
                update
                    .keys
                    .iter()
                    .map(|(name, value)| Element::leaf(name, value)),
            );
            children.push(Element::leaf("status", update.status.as_str()));
            if !update.shipping.is_empty() {
                let packages = update.shipping.iter().map(|package| {
                    let mut fields =
                        vec![Element::leaf("tracking_number", &package.tracking_number)];
                    for (name, value) in [
                        ("shipping_provider_identifier", &package.provider_identifier),
                        (
                            "shipping_provider_external_id",
                            &package.provider_external_id,
                        ),
                        ("shipping_date", &package.shipping_date),
                    ] {
                        if let Some(value) = value {
                            fields.push(Element::leaf(name, value));
                        }
                    }
                    Element::node("shipping_information", fields)
                });
                children.push(Element::node("shipping_informations", packages.collect()));
            }
            if let Some(payment) = &update.payment {
                let status = match payment {
                    PaymentStatus::Id(id) => Element::leaf("payment_status_id", &id.to_string()),
                    PaymentStatus::Identifier(name) => {
                        Element::leaf("payment_status_identifier", name)
                    }
                };
                children.push(Element::node(
                    "payment_informations",
                    vec![Element::node("payment_information", vec![status])],
                ));
            }
            if let Some(export_time) = &update.export_time {
                children.push(Element::node(
                    "acknowledgement_informations",
                    vec![Element::node(
                        "acknowledgement_information",
                        vec![Element::leaf("export_time", export_time)],
                    )],
                ));
            }
            Element::node("order", children)
                .with_attribute("significant_key", update.significant_key.as_str())
                .with_attribute("reference_id", &reference_id(index))
        })
        .collect();
    let expected = Element::node("request", orders)
        .with_attribute("method", OPERATION)
        .with_attribute("version", VERSION);
    assert_eq!(
        read_back("the Speed4Trade request document", call.document.as_bytes()),
        expected
    );
    Ok(())
}
