//! The HTTP requests of CloudSuite's calls: method, URL, content type and body, built once per
//! unit and shared by every attempt (the bearer token is added per attempt by the client).

use bytes::Bytes;
use orderstatus::config::Account;
use orderstatus::xml::unsafe_char;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use reqwest::Method;
use serde_json::json;
use url::Url;

use crate::mapping::{Call, Delivery, TimelineEntry};
use crate::settings::{CloudSuiteSettings, DesadvFormat};

/// What kind of call a request is, for reading its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Lookup,
    Patch,
    Delivery,
    Timeline,
}

/// One request, ready to send (without its `Authorization` header).
#[derive(Debug, Clone)]
pub struct CallRequest {
    pub kind: CallKind,
    pub method: Method,
    pub url: Url,
    pub content_type: Option<&'static str>,
    pub body: Bytes,
    /// The order the call is about, for errors (`order 12345`).
    pub about: String,
}

/// What the call needs to know of the order in CloudSuite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub id: String,
    /// The ERP order number, else the CloudSuite number (reference): a DESADV's `OrderNum`.
    pub number: Option<String>,
}

impl OrderFacts {
    /// Refuses facts read from CloudSuite's answer that a call cannot carry. A message's values
    /// are checked when it is parsed; CloudSuite's own id and number are not, and a DESADV in
    /// XML cannot hold a character XML 1.0 cannot carry (found by fuzzing: the DESADV was
    /// written with it and was not well-formed).
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("order id", Some(self.id.as_str())),
            ("order number", self.number.as_deref()),
        ] {
            if let Some(problem) = value.and_then(unsafe_char) {
                return Err(format!("CloudSuite's {name} {problem}"));
            }
        }
        Ok(())
    }
}

/// `base_url` with `segments` appended as path segments (a trailing empty one gives the
/// trailing slash Django routes want) and `query` set.
pub fn endpoint(base: &Url, segments: &[&str], query: &[(&str, &str)]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url.set_query(None);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url
}

/// `GET /api/order/?reference=…[&webshop=…]`.
pub fn lookup(account: &Account<CloudSuiteSettings>, reference: &str) -> CallRequest {
    let mut query = vec![("reference", reference)];
    if let Some(webshop) = &account.settings.webshop {
        query.push(("webshop", webshop.as_str()));
    }
    CallRequest {
        kind: CallKind::Lookup,
        method: Method::GET,
        url: endpoint(&account.base_url, &["api", "order", ""], &query),
        content_type: None,
        body: Bytes::new(),
        about: format!("reference {reference}"),
    }
}

/// `GET /api/order/{id}/`: the order's numbers, for a DESADV whose message has none.
pub fn order(account: &Account<CloudSuiteSettings>, id: &str) -> CallRequest {
    CallRequest {
        kind: CallKind::Lookup,
        method: Method::GET,
        url: endpoint(&account.base_url, &["api", "order", id, ""], &[]),
        content_type: None,
        body: Bytes::new(),
        about: format!("order {id}"),
    }
}

/// The request of `call` for the order `facts` describe.
pub fn build(
    account: &Account<CloudSuiteSettings>,
    facts: &OrderFacts,
    call: &Call,
) -> CallRequest {
    let settings = &account.settings;
    let about = format!("order {}", facts.id);
    match call {
        Call::Patch(patch) => CallRequest {
            kind: CallKind::Patch,
            method: Method::PATCH,
            url: endpoint(&account.base_url, &["api", "order", &facts.id, ""], &[]),
            content_type: Some(JSON),
            body: Bytes::from(serde_json::to_vec(patch).unwrap_or_default()),
            about,
        },
        Call::Delivery(delivery) => {
            let order_number = delivery
                .order_number
                .as_deref()
                .or(facts.number.as_deref())
                .unwrap_or(&facts.id);
            let (content_type, body) = match settings.desadv_format {
                DesadvFormat::Xml => (XML, desadv_xml(delivery, order_number)),
                DesadvFormat::Json => (JSON, desadv_json(delivery, order_number)),
            };
            CallRequest {
                kind: CallKind::Delivery,
                method: Method::POST,
                url: endpoint(
                    &account.base_url,
                    &["proxy", "des_adv_xml", "delivery", ""],
                    &[("shop", &settings.shop), ("user", &settings.user)],
                ),
                content_type: Some(content_type),
                body: Bytes::from(body),
                about,
            }
        }
        Call::Timeline(entry) => CallRequest {
            kind: CallKind::Timeline,
            method: Method::POST,
            url: endpoint(
                &account.base_url,
                &["proxy", "v1", "orderstatus", ""],
                &[("shop", &settings.shop)],
            ),
            content_type: Some(JSON),
            body: Bytes::from(timeline_json(entry, &facts.id)),
            about,
        },
    }
}

const JSON: &str = "application/json";
const XML: &str = "application/xml";

/// `CloudsuiteOrderId` is a number in CloudSuite; an id that is not one is sent as given.
fn order_id_value(id: &str) -> serde_json::Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

fn timeline_json(entry: &TimelineEntry, order_id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "CloudsuiteOrderId": order_id_value(order_id),
        "stateId": entry.state_id,
        "state": {"lang": entry.lang, "value": entry.text},
        "dateTime": entry.date_time,
    }))
    .unwrap_or_default()
}

/// `QuantityValue` is `decimal(12,4)`.
fn quantity_text(quantity: f64) -> String {
    format!("{quantity:.4}")
}

fn desadv_json(delivery: &Delivery, order_number: &str) -> Vec<u8> {
    let items: Vec<_> = delivery
        .items
        .iter()
        .map(|item| {
            json!({
                "ItemNum": item.item_num,
                "OrderNum": order_number,
                "QuantityValue": item.quantity,
                "SellerItemID": item.seller_item_id,
            })
        })
        .collect();
    serde_json::to_vec(&json!({"Desadv": {
        "DesadvHeader": {
            "DesadvNumber": delivery.desadv_number,
            "DesadvDate": delivery.date,
            "PlannedDeliveryDate": delivery.planned_delivery_date,
            "TransportDetails": {
                "TransportModeCode": delivery.transport_mode_code,
                "MeansOfTransport": {"Identification": delivery.tracking},
            },
        },
        "DesadvDetail": {"Packaging": {"LineItems": {"Item": items}}},
    }}))
    .unwrap_or_default()
}

/// The DESADV as XML, every value escaped by the writer.
fn desadv_xml(delivery: &Delivery, order_number: &str) -> Vec<u8> {
    let mut writer = Writer::new(Vec::with_capacity(512 + delivery.items.len() * 160));
    // Writing into a Vec cannot fail.
    let _ = write_desadv(&mut writer, delivery, order_number);
    writer.into_inner()
}

fn write_desadv(
    w: &mut Writer<Vec<u8>>,
    delivery: &Delivery,
    order_number: &str,
) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    open(w, "Desadv")?;
    open(w, "DesadvHeader")?;
    leaf(w, "DesadvNumber", &delivery.desadv_number)?;
    leaf(w, "DesadvDate", &delivery.date)?;
    leaf(w, "PlannedDeliveryDate", &delivery.planned_delivery_date)?;
    open(w, "TransportDetails")?;
    leaf(w, "TransportModeCode", &delivery.transport_mode_code)?;
    open(w, "MeansOfTransport")?;
    leaf(w, "Identification", &delivery.tracking)?;
    close(w, "MeansOfTransport")?;
    close(w, "TransportDetails")?;
    close(w, "DesadvHeader")?;
    open(w, "DesadvDetail")?;
    open(w, "Packaging")?;
    open(w, "LineItems")?;
    for item in &delivery.items {
        open(w, "Item")?;
        leaf(w, "ItemNum", &item.item_num.to_string())?;
        leaf(w, "OrderNum", order_number)?;
        leaf(w, "QuantityValue", &quantity_text(item.quantity))?;
        leaf(w, "SellerItemID", &item.seller_item_id)?;
        close(w, "Item")?;
    }
    close(w, "LineItems")?;
    close(w, "Packaging")?;
    close(w, "DesadvDetail")?;
    close(w, "Desadv")
}

fn open(w: &mut Writer<Vec<u8>>, name: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))
}

fn close(w: &mut Writer<Vec<u8>>, name: &str) -> std::io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn leaf(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> std::io::Result<()> {
    open(w, name)?;
    w.write_event(Event::Text(orderstatus::xml::text(value)))?;
    close(w, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::DeliveryItem;

    fn delivery() -> Delivery {
        Delivery {
            desadv_number: "12345-P<1>".to_owned(),
            date: "2024-10-23".to_owned(),
            planned_delivery_date: "2024-10-23".to_owned(),
            transport_mode_code: "PostNL & Co".to_owned(),
            tracking: "3SABC".to_owned(),
            order_number: None,
            items: vec![DeliveryItem {
                item_num: 11,
                quantity: 1.0,
                seller_item_id: "124_STUK".to_owned(),
            }],
        }
    }

    #[test]
    fn the_desadv_xml_escapes_every_value() {
        let xml = String::from_utf8(desadv_xml(&delivery(), "ERP-1")).unwrap();
        assert!(
            xml.contains("<DesadvNumber>12345-P&lt;1&gt;</DesadvNumber>"),
            "{xml}"
        );
        assert!(
            xml.contains("<TransportModeCode>PostNL &amp; Co</TransportModeCode>"),
            "{xml}"
        );
        assert!(
            xml.contains("<Item><ItemNum>11</ItemNum><OrderNum>ERP-1</OrderNum><QuantityValue>1.0000</QuantityValue><SellerItemID>124_STUK</SellerItemID></Item>"),
            "{xml}"
        );
    }

    #[test]
    fn facts_xml_cannot_carry_are_refused() {
        let facts = |id: &str, number: Option<&str>| OrderFacts {
            id: id.to_owned(),
            number: number.map(str::to_owned),
        };
        assert_eq!(facts("4711", Some("ERP-1\r\n")).check(), Ok(()));
        assert_eq!(
            facts("4711", Some("ERP\u{0}1")).check(),
            Err(
                "CloudSuite's order number contains U+0000, a character XML 1.0 cannot carry"
                    .into()
            )
        );
        assert!(
            facts("47\u{1}11", None)
                .check()
                .unwrap_err()
                .starts_with("CloudSuite's order id contains U+0001")
        );
    }

    #[test]
    fn endpoints_keep_the_base_path_and_end_with_a_slash() {
        let base = Url::parse("https://test.cloudsuite.io/tenant").unwrap();
        assert_eq!(
            endpoint(&base, &["api", "order", "12", ""], &[]).as_str(),
            "https://test.cloudsuite.io/tenant/api/order/12/"
        );
        let root = Url::parse("https://api.cloudsuite.io/").unwrap();
        assert_eq!(
            endpoint(&root, &["api", "order", ""], &[("reference", "CS 1&2")]).as_str(),
            "https://api.cloudsuite.io/api/order/?reference=CS+1%262"
        );
    }
}
