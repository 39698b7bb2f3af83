//! Custom order statuses (`POST /proxy/v1/orderstatus/`): free-form texts shown to the
//! customer on an order's timeline, such as "Retour ontvangen".

use chrono::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::drf::{ApiError, FieldErrors};
use super::fields::{Blank, Node, integer};
use super::orders::Orders;

/// One accepted custom status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// `stateId`: the caller's own code for the status (`returned`), when given.
    pub state_id: Option<String>,
    /// `state.value`: the text the customer sees.
    pub text: String,
    /// `state.lang`, e.g. `nl_NL`; empty when not given.
    pub lang: String,
    /// `dateTime` as sent (RFC 3339).
    pub date_time: String,
}

/// How the call names its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum OrderRef {
    /// `CloudsuiteOrderId`: the order's id.
    Id(u64),
    /// `orderId`: the order's ERP number.
    ErpNumber(String),
}

impl OrderRef {
    /// The id of the order named, if there is one.
    pub(super) fn find(&self, orders: &Orders) -> Option<u64> {
        match self {
            Self::Id(id) => orders.get(*id).map(|order| order.id),
            Self::ErpNumber(number) => orders.with_erp_number(number).map(|order| order.id),
        }
    }
}

/// A checked custom status call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StatusPost {
    pub(super) order: OrderRef,
    pub(super) entry: TimelineEntry,
}

/// Checks a custom status body; every bad field is named.
pub(super) fn read(body: &Value) -> Result<StatusPost, ApiError> {
    let mut errors = FieldErrors::default();
    let root = Node::root(body);
    if !root.is_object(&mut errors) {
        return Err(ApiError::Invalid(errors));
    }
    let order = order_ref(&root, &mut errors);
    let state_id = if root.has("stateId") {
        root.text("stateId", Blank::Allowed, &mut errors)
    } else {
        None
    };
    let state = root.child("state", &mut errors);
    let text = state
        .as_ref()
        .and_then(|state| state.text("value", Blank::Refused, &mut errors));
    let lang = match &state {
        Some(state) if state.has("lang") => state.text("lang", Blank::Allowed, &mut errors),
        _ => Some(String::new()),
    };
    let date_time = root.parsed("dateTime", &mut errors, |text| {
        DateTime::parse_from_rfc3339(text)
            .map(|_| text.to_owned())
            .map_err(|_| {
                "Datetime has wrong format. Use RFC 3339, e.g. 2024-10-23T14:05:00+02:00."
                    .to_owned()
            })
    });
    let (Some(order), Some(text), Some(lang), Some(date_time)) = (order, text, lang, date_time)
    else {
        return Err(ApiError::Invalid(errors));
    };
    errors.or(StatusPost {
        order,
        entry: TimelineEntry {
            state_id,
            text,
            lang,
            date_time,
        },
    })
}

/// `CloudsuiteOrderId` when given, else `orderId`.
fn order_ref(root: &Node, errors: &mut FieldErrors) -> Option<OrderRef> {
    if root.has("CloudsuiteOrderId") {
        let id = root.parsed("CloudsuiteOrderId", errors, |text| {
            integer(text).and_then(|id| {
                u64::try_from(id)
                    .map_err(|_| "Ensure this value is greater than or equal to 0.".to_owned())
            })
        });
        return id.map(OrderRef::Id);
    }
    if root.has("orderId") {
        return root
            .text("orderId", Blank::Refused, errors)
            .map(OrderRef::ErpNumber);
    }
    errors.add(
        "non_field_errors",
        "Either CloudsuiteOrderId or orderId is required.",
    );
    None
}

/// The custom statuses accepted so far, each with its order; an entry's id is its place in
/// the list, from 1.
#[derive(Debug, Default)]
pub(super) struct Timeline(Vec<(u64, TimelineEntry)>);

impl Timeline {
    /// Records `entry` on order `order_id`; returns the entry's id.
    pub(super) fn record(&mut self, order_id: u64, entry: TimelineEntry) -> u64 {
        self.0.push((order_id, entry));
        self.0.len() as u64
    }

    /// Order `order_id`'s entries, oldest first.
    pub(super) fn of(&self, order_id: u64) -> Vec<TimelineEntry> {
        self.0
            .iter()
            .filter(|(order, _)| *order == order_id)
            .map(|(_, entry)| entry.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_status_names_its_order_by_id_or_erp_number() {
        let post = read(&json!({"CloudsuiteOrderId":12345,"stateId":"returned",
            "state":{"lang":"nl_NL","value":"Retour ontvangen"},"dateTime":"2024-10-23T14:05:00+02:00"}))
        .unwrap();
        assert_eq!(post.order, OrderRef::Id(12345));
        assert_eq!(post.entry.state_id.as_deref(), Some("returned"));
        assert_eq!(post.entry.text, "Retour ontvangen");
        let post = read(&json!({"orderId":"ERP-124579",
            "state":{"value":"Onderweg"},"dateTime":"2024-10-23T12:05:00Z"}))
        .unwrap();
        assert_eq!(post.order, OrderRef::ErpNumber("ERP-124579".to_owned()));
        assert_eq!(post.entry.lang, "");
        assert_eq!(post.entry.state_id, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let Err(ApiError::Invalid(errors)) =
            read(&json!({"state":{"lang":"nl_NL","value":" "},"dateTime":"23-10-2024"}))
        else {
            panic!("accepted");
        };
        assert_eq!(
            errors.messages("non_field_errors"),
            ["Either CloudsuiteOrderId or orderId is required."]
        );
        assert_eq!(
            errors.messages("state.value"),
            ["This field may not be blank."]
        );
        assert_eq!(errors.messages("dateTime").len(), 1);
    }
}
