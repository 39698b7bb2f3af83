//! Reading a DESADV (delivery message) body, XML or JSON, and checking its shape: every
//! required field present and well-typed, refused per dotted field as
//! `Desadv.DesadvDetail.Packaging.LineItems.Item[0].ItemNum`. Whether the orders and lines it
//! names exist is the deliveries' business, not this module's.

use chrono::NaiveDate;
use serde_json::Value;

use super::drf::{self, ApiError, FieldErrors};
use super::fields::{Blank, Node, integer};
use super::quantity::Quantity;
use super::xml;

/// How the message came, chosen by its Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Xml,
    Json,
}

impl Format {
    /// XML for `application/xml` and `text/xml`, JSON for `application/json`; anything else
    /// is 415, as DRF answers when no parser takes the type.
    pub(super) fn of(content_type: Option<&str>) -> Result<Self, ApiError> {
        match content_type.map(drf::media_type).as_deref() {
            Some("application/xml" | "text/xml") => Ok(Self::Xml),
            Some("application/json") => Ok(Self::Json),
            _ => Err(ApiError::UnsupportedMediaType(
                content_type.unwrap_or_default().to_owned(),
            )),
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Xml => "xml",
            Self::Json => "json",
        }
    }
}

/// A DESADV whose shape is right.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Desadv {
    pub(super) number: String,
    pub(super) date: String,
    pub(super) planned_delivery_date: String,
    pub(super) transport_mode_code: String,
    /// `MeansOfTransport.Identification`: the track & trace code.
    pub(super) tracking: String,
    pub(super) items: Vec<DesadvItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct DesadvItem {
    /// The order line's `erp_line_number`.
    pub(super) item_num: i64,
    /// The order's `erp_order_number`, or its reference when it has none.
    pub(super) order_num: String,
    pub(super) quantity: Quantity,
    pub(super) seller_item_id: String,
}

const ITEMS: &str = "Desadv.DesadvDetail.Packaging.LineItems.Item";

/// Reads and checks a DESADV body.
pub(super) fn read(format: Format, body: &[u8]) -> Result<Desadv, ApiError> {
    let tree = match format {
        Format::Json => drf::parse_json(body)?,
        Format::Xml => {
            let text = std::str::from_utf8(body)
                .map_err(|e| ApiError::Unparsable(format!("XML parse error - {e}")))?;
            xml::to_json(text)
                .map_err(|e| ApiError::Unparsable(format!("XML parse error - {e}")))?
        }
    };
    let mut errors = FieldErrors::default();
    let desadv = check(&tree, &mut errors);
    match desadv {
        Some(desadv) if errors.is_empty() => Ok(desadv),
        _ => Err(ApiError::Invalid(errors)),
    }
}

fn check(tree: &Value, errors: &mut FieldErrors) -> Option<Desadv> {
    let root = Node::root(tree);
    let desadv = root.child("Desadv", errors)?;
    let header = desadv.child("DesadvHeader", errors);
    let items = desadv
        .child("DesadvDetail", errors)
        .and_then(|detail| detail.child("Packaging", errors))
        .and_then(|packaging| packaging.child("LineItems", errors))
        .and_then(|line_items| line_items.child("Item", errors))
        .map(|items| check_items(&items, errors));
    let header = header?;
    let transport = header.child("TransportDetails", errors);
    let number = header.text("DesadvNumber", Blank::Refused, errors);
    let date = header.parsed("DesadvDate", errors, iso_date);
    let planned_delivery_date = header.parsed("PlannedDeliveryDate", errors, iso_date);
    let transport_mode_code = transport
        .as_ref()
        .and_then(|t| t.text("TransportModeCode", Blank::Allowed, errors));
    let tracking = transport
        .and_then(|t| t.child("MeansOfTransport", errors))
        .and_then(|means| means.text("Identification", Blank::Allowed, errors));
    Some(Desadv {
        number: number?,
        date: date?,
        planned_delivery_date: planned_delivery_date?,
        transport_mode_code: transport_mode_code?,
        tracking: tracking?,
        items: items??,
    })
}

/// `Item` holds one item (an object: one `<Item>` in XML) or a list of them.
fn check_items(items: &Node, errors: &mut FieldErrors) -> Option<Vec<DesadvItem>> {
    let each: Vec<&Value> = match items.value() {
        Value::Array(list) => list.iter().collect(),
        single => vec![single],
    };
    if each.is_empty() {
        errors.add(ITEMS, "This list may not be empty.");
        return None;
    }
    let checked: Vec<Option<DesadvItem>> = each
        .into_iter()
        .enumerate()
        .map(|(index, value)| check_item(&Node::at(value, format!("{ITEMS}[{index}]")), errors))
        .collect();
    checked.into_iter().collect()
}

fn check_item(item: &Node, errors: &mut FieldErrors) -> Option<DesadvItem> {
    if !item.is_object(errors) {
        return None;
    }
    let item_num = item.parsed("ItemNum", errors, integer);
    let order_num = item.text("OrderNum", Blank::Refused, errors);
    let quantity = item.parsed("QuantityValue", errors, positive_quantity);
    let seller_item_id = item.text("SellerItemID", Blank::Refused, errors);
    Some(DesadvItem {
        item_num: item_num?,
        order_num: order_num?,
        quantity: quantity?,
        seller_item_id: seller_item_id?,
    })
}

fn positive_quantity(text: &str) -> Result<Quantity, String> {
    let quantity = Quantity::parse(text)?;
    if !quantity.is_positive() {
        return Err("Ensure this value is greater than 0.".to_owned());
    }
    Ok(quantity)
}

/// A `DateField` in the one format CloudSuite documents.
fn iso_date(text: &str) -> Result<String, String> {
    let well_formed = text.len() == 10 && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok();
    if !well_formed {
        return Err("Date has wrong format. Use one of these formats instead: YYYY-MM-DD.".into());
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Desadv>
  <DesadvHeader>
    <DesadvNumber>SHIP-1</DesadvNumber>
    <DesadvDate>2024-10-23</DesadvDate>
    <PlannedDeliveryDate>2024-10-24</PlannedDeliveryDate>
    <TransportDetails>
      <TransportModeCode>DHL</TransportModeCode>
      <MeansOfTransport><Identification>JD&amp;01</Identification></MeansOfTransport>
    </TransportDetails>
    <Comment>left at the door</Comment>
  </DesadvHeader>
  <DesadvDetail><Packaging><LineItems>
    <Item><ItemNum>11</ItemNum><OrderNum>CS48193</OrderNum><QuantityValue>1.0000</QuantityValue><SellerItemID>124_STUK</SellerItemID></Item>
  </LineItems></Packaging></DesadvDetail>
</Desadv>"#;

    fn refused(format: Format, body: &str) -> FieldErrors {
        match read(format, body.as_bytes()) {
            Err(ApiError::Invalid(errors)) => errors,
            other => panic!("expected a field map, got {other:?}"),
        }
    }

    #[test]
    fn an_xml_desadv_reads_with_its_values_unescaped() {
        let desadv = read(Format::Xml, XML.as_bytes()).unwrap();
        assert_eq!(desadv.number, "SHIP-1");
        assert_eq!(desadv.tracking, "JD&01");
        assert_eq!(
            desadv.items,
            [DesadvItem {
                item_num: 11,
                order_num: "CS48193".to_owned(),
                quantity: Quantity::from_f64(1.0),
                seller_item_id: "124_STUK".to_owned(),
            }]
        );
    }

    #[test]
    fn a_json_desadv_reads_the_same_tree() {
        let body = json!({"Desadv":{
            "DesadvHeader":{"DesadvNumber":"SHIP-1","DesadvDate":"2024-10-23","PlannedDeliveryDate":"2024-10-24",
                "TransportDetails":{"TransportModeCode":"","MeansOfTransport":{"Identification":""}}},
            "DesadvDetail":{"Packaging":{"LineItems":{"Item":[
                {"ItemNum":11,"OrderNum":"CS48193","QuantityValue":1.0,"SellerItemID":"124_STUK"},
                {"ItemNum":"22","OrderNum":"CS48193","QuantityValue":"0.5","SellerItemID":"123_KG"}]}}}}});
        let desadv = read(Format::Json, body.to_string().as_bytes()).unwrap();
        assert_eq!(desadv.transport_mode_code, "");
        assert_eq!(desadv.items.len(), 2);
        assert_eq!(desadv.items[1].quantity, Quantity::from_f64(0.5));
    }

    #[test]
    fn each_bad_field_is_named_by_its_path() {
        let body = XML
            .replace("<ItemNum>11</ItemNum>", "<ItemNum>eleven</ItemNum>")
            .replace("1.0000", "0")
            .replace(
                "<DesadvDate>2024-10-23</DesadvDate>",
                "<DesadvDate>23-10-2024</DesadvDate>",
            )
            .replace("<TransportModeCode>DHL</TransportModeCode>", "");
        let errors = refused(Format::Xml, &body);
        let item = "Desadv.DesadvDetail.Packaging.LineItems.Item[0]";
        assert_eq!(
            errors.messages(&format!("{item}.ItemNum")),
            ["A valid integer is required."]
        );
        assert_eq!(
            errors.messages(&format!("{item}.QuantityValue")),
            ["Ensure this value is greater than 0."]
        );
        assert_eq!(
            errors.messages("Desadv.DesadvHeader.DesadvDate").len(),
            1,
            "{errors:?}"
        );
        assert_eq!(
            errors.messages("Desadv.DesadvHeader.TransportDetails.TransportModeCode"),
            ["This field is required."]
        );
    }

    #[test]
    fn a_desadv_without_items_is_refused() {
        let body = json!({"Desadv":{
            "DesadvHeader":{"DesadvNumber":"SHIP-1","DesadvDate":"2024-10-23","PlannedDeliveryDate":"2024-10-24",
                "TransportDetails":{"TransportModeCode":"","MeansOfTransport":{"Identification":""}}},
            "DesadvDetail":{"Packaging":{"LineItems":{"Item":[]}}}}});
        let errors = refused(Format::Json, &body.to_string());
        assert_eq!(errors.messages(ITEMS), ["This list may not be empty."]);
        let empty = XML.replace(
            &XML[XML.find("<LineItems>").unwrap()..XML.find("</LineItems>").unwrap() + 12],
            "<LineItems/>",
        );
        assert_eq!(
            refused(Format::Xml, &empty).messages(ITEMS),
            ["This field is required."]
        );
        let errors = refused(Format::Json, r#"{"Desadv":{"DesadvDetail":"x"}}"#);
        assert_eq!(
            errors.messages("Desadv.DesadvDetail"),
            ["Invalid data. Expected a dictionary."]
        );
        let errors = refused(Format::Json, r#"{"Desadv":{}}"#);
        assert_eq!(
            errors.messages("Desadv.DesadvHeader"),
            ["This field is required."]
        );
        assert_eq!(
            errors.messages("Desadv.DesadvDetail"),
            ["This field is required."]
        );
    }

    #[test]
    fn the_content_type_picks_the_parser() {
        assert_eq!(
            Format::of(Some("application/xml; charset=utf-8")),
            Ok(Format::Xml)
        );
        assert_eq!(Format::of(Some("Text/XML")), Ok(Format::Xml));
        assert_eq!(Format::of(Some("application/json")), Ok(Format::Json));
        assert_eq!(
            Format::of(Some("text/plain")),
            Err(ApiError::UnsupportedMediaType("text/plain".to_owned()))
        );
        assert!(Format::of(None).is_err());
        assert!(matches!(
            read(Format::Xml, b"<Desadv>"),
            Err(ApiError::Unparsable(_))
        ));
    }
}
