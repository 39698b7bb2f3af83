//! Reading the request body and its items, with the per-item checks that need no state.

use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::status::ItemStatus;

/// `{"Request":{"Items":[…]}}`; other members are ignored, as PHP's decoder would.
#[derive(Deserialize)]
struct Body {
    #[serde(rename = "Request")]
    request: Request,
}

#[derive(Deserialize)]
struct Request {
    #[serde(rename = "Items")]
    items: Vec<Value>,
}

/// The items of a request body, or why the body is not one.
pub(super) fn parse_body(body: &[u8]) -> Result<Vec<Value>, String> {
    serde_json::from_slice::<Body>(body)
        .map(|body| body.request.items)
        .map_err(|error| error.to_string())
}

/// Every field an `UpdateItemsStatus` item must carry, even when empty (the seed's FAQ: a
/// missing one fails the item).
const STATUS_FIELDS: [&str; 9] = [
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

/// An `UpdateItemsStatus` item that is well-formed; whether the move is allowed depends on
/// the item's current status.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct StatusUpdate {
    pub(super) id: String,
    pub(super) status: ItemStatus,
}

/// An `UpdateItemsInformation` item.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct DetailUpdate {
    pub(super) id: String,
    pub(super) status_detail: String,
}

pub(super) fn read_status_update(item: &Value) -> Result<StatusUpdate, String> {
    let item = object(item)?;
    if let Some(missing) = STATUS_FIELDS.into_iter().find(|f| absent(item, f)) {
        return Err(format!("Field {missing} is missing"));
    }
    let id = item_id(item)?;
    // All but the id are text, even those that are free and unchecked.
    for field in &STATUS_FIELDS[1..] {
        text(item, field)?;
    }
    let requested = text(item, "item_status")?;
    let status = requested
        .parse::<ItemStatus>()
        .ok()
        .filter(|status| ItemStatus::REQUESTABLE.contains(status))
        .ok_or_else(|| {
            let allowed: Vec<&str> = ItemStatus::REQUESTABLE.map(ItemStatus::as_str).to_vec();
            format!(
                "Invalid item_status \"{requested}\", expected one of {}",
                allowed.join(", ")
            )
        })?;
    let needed: &[&str] = match status {
        ItemStatus::Shipped => &["shipping_carrier", "tracking_code"],
        ItemStatus::Canceled => &["cancel_reason"],
        ItemStatus::Returned => &["return_reason"],
        ItemStatus::FailedDelivery => &["failed_delivery_reason"],
        _ => &[],
    };
    for field in needed {
        if text(item, field)?.trim().is_empty() {
            return Err(format!(
                "Field {field} must not be empty when item_status is {status}"
            ));
        }
    }
    let event_time = text(item, "status_event_time")?;
    if !event_time.is_empty() && !is_event_time(event_time) {
        return Err(format!(
            "Invalid status_event_time \"{event_time}\", expected YYYY-MM-DD hh:mm:ss"
        ));
    }
    Ok(StatusUpdate { id, status })
}

pub(super) fn read_detail_update(item: &Value) -> Result<DetailUpdate, String> {
    let item = object(item)?;
    if let Some(missing) = ["id_sales_order_item", "status_detail"]
        .into_iter()
        .find(|f| absent(item, f))
    {
        return Err(format!("Field {missing} is missing"));
    }
    Ok(DetailUpdate {
        id: item_id(item)?,
        status_detail: text(item, "status_detail")?.to_owned(),
    })
}

fn object(item: &Value) -> Result<&Map<String, Value>, String> {
    item.as_object()
        .ok_or_else(|| format!("Item must be a JSON object, got {item}"))
}

/// Absent and `null` alike: PHP's `isset` does not tell them apart.
fn absent(item: &Map<String, Value>, field: &str) -> bool {
    item.get(field).is_none_or(Value::is_null)
}

fn text<'a>(item: &'a Map<String, Value>, field: &str) -> Result<&'a str, String> {
    match item.get(field) {
        Some(Value::String(text)) => Ok(text),
        Some(other) => Err(format!("Field {field} must be a string, got {other}")),
        None => Err(format!("Field {field} is missing")),
    }
}

/// `id_sales_order_item` (Seller Center's `src_id`): digits, as a string or an integer.
fn item_id(item: &Map<String, Value>) -> Result<String, String> {
    match &item["id_sales_order_item"] {
        Value::String(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(id.clone())
        }
        Value::Number(id) if id.is_u64() => Ok(id.to_string()),
        other => Err(format!(
            "Invalid id_sales_order_item {other}, expected an integer"
        )),
    }
}

/// `YYYY-MM-DD hh:mm:ss` exactly: chrono alone would also take single-digit fields.
fn is_event_time(text: &str) -> bool {
    text.len() == "YYYY-MM-DD hh:mm:ss".len()
        && NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").is_ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The seed's FAQ example: every field present, the unused ones empty.
    fn canceled() -> Value {
        json!({"id_sales_order_item":"22","item_status":"canceled","package_status":"",
            "cancel_reason":"Cannot fulfil","return_reason":"","failed_delivery_reason":"",
            "shipping_carrier":"","tracking_code":"","status_event_time":"2017-02-11 23:10:55"})
    }

    fn with(field: &str, value: Value) -> Value {
        let mut item = canceled();
        item[field] = value;
        item
    }

    #[test]
    fn reads_the_seed_example() {
        assert_eq!(
            read_status_update(&canceled()),
            Ok(StatusUpdate {
                id: "22".to_owned(),
                status: ItemStatus::Canceled
            })
        );
        let numeric = with("id_sales_order_item", json!(22));
        assert_eq!(read_status_update(&numeric).unwrap().id, "22");
    }

    #[test]
    fn every_field_must_be_present() {
        for field in STATUS_FIELDS {
            let mut item = canceled();
            item.as_object_mut().unwrap().remove(field);
            assert_eq!(
                read_status_update(&item),
                Err(format!("Field {field} is missing"))
            );
            assert_eq!(
                read_status_update(&with(field, Value::Null)),
                Err(format!("Field {field} is missing"))
            );
        }
    }

    #[test]
    fn each_status_needs_its_fields() {
        let shipped = with("item_status", json!("shipped"));
        assert_eq!(
            read_status_update(&shipped),
            Err("Field shipping_carrier must not be empty when item_status is shipped".to_owned())
        );
        let mut shipped = with("shipping_carrier", json!("DHL"));
        shipped["item_status"] = json!("shipped");
        assert!(
            read_status_update(&shipped)
                .unwrap_err()
                .contains("tracking_code")
        );
        shipped["tracking_code"] = json!("1Z");
        assert!(read_status_update(&shipped).is_ok());

        assert!(read_status_update(&with("cancel_reason", json!(" "))).is_err());
        for (status, reason) in [
            ("returned", "return_reason"),
            ("failed_delivery", "failed_delivery_reason"),
        ] {
            let mut item = with("item_status", json!(status));
            assert!(read_status_update(&item).unwrap_err().contains(reason));
            item[reason] = json!("why");
            assert!(read_status_update(&item).is_ok(), "{status}");
        }
        for status in ["delivered", "return_shipped_by_customer"] {
            assert!(read_status_update(&with("item_status", json!(status))).is_ok());
        }
    }

    #[test]
    fn refuses_bad_values() {
        let bad = [
            with("id_sales_order_item", json!("")),
            with("id_sales_order_item", json!("A-22")),
            with("id_sales_order_item", json!(-3)),
            with("item_status", json!("pending")),
            with("item_status", json!("Canceled")),
            with("status_event_time", json!("2017-02-11T23:10:55")),
            with("status_event_time", json!("2017-2-11 23:10:55")),
            with("shipping_carrier", json!(7)),
            json!("22"),
        ];
        for item in bad {
            assert!(
                read_status_update(&item).is_err(),
                "{item} should be refused"
            );
        }
        assert!(read_status_update(&with("status_event_time", json!(""))).is_ok());
    }

    #[test]
    fn reads_detail_updates() {
        let item = json!({"id_sales_order_item": 11, "status_detail": "Initiated"});
        assert_eq!(
            read_detail_update(&item),
            Ok(DetailUpdate {
                id: "11".to_owned(),
                status_detail: "Initiated".to_owned()
            })
        );
        assert_eq!(
            read_detail_update(&json!({"id_sales_order_item": "11"})),
            Err("Field status_detail is missing".to_owned())
        );
    }

    #[test]
    fn body_must_hold_an_item_list() {
        assert_eq!(
            parse_body(br#"{"Request":{"Items":[{"a":1}]}}"#)
                .unwrap()
                .len(),
            1
        );
        for body in [
            &b"[]"[..],
            b"{}",
            br#"{"Request":{"Items":{}}}"#,
            b"not json",
        ] {
            assert!(parse_body(body).is_err());
        }
    }
}
