//! A canonical message → CloudSuite units: the order's state (`PATCH /api/order/{id}/`), one
//! DESADV delivery per shipped package, or an entry on the order's custom status timeline.
//!
//! | status | call |
//! |---|---|
//! | `acknowledged`, `processing` | `PATCH {"state":"processing"}` (+ `erp_order_number` when the message has it) |
//! | `shipped`, `partially_shipped` with `desadv` | one DESADV delivery per shipped package that lists its lines (each package its own target) |
//! | `shipped` without DESADV | `PATCH {"shipment_state":"sent"}` |
//! | `partially_shipped` without DESADV | not applicable |
//! | `delivered` | `PATCH {"state":"done"}` |
//! | `canceled` | `PATCH {"state":"cancel"}` |
//! | `returned`, `failed_delivery`, `return_shipped_by_customer`, `backordered` | the custom status timeline, with the account's text; not applicable without one |
//! | `paid` | not applicable (CloudSuite owns `payment_status`) |

use orderstatus::config::Account;
use orderstatus::dates::{DateStyle, format_in};
use orderstatus::message::{OrderStatus, Package, StatusMessage};
use orderstatus::platform::{Action, Target, Unit, derived_id};
use orderstatus::validate::InvalidMessage;
use serde::Serialize;

use crate::settings::CloudSuiteSettings;

/// One unit's upload: which order, and the call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudSuiteUpload {
    pub order: OrderAddress,
    pub call: Call,
}

/// How the message names the order: CloudSuite's id, or the reference to look the id up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderAddress {
    Id(String),
    Reference(String),
}

impl OrderAddress {
    fn of(message: &StatusMessage) -> Self {
        match (&message.order.id, &message.order.reference) {
            (Some(id), _) => Self::Id(id.clone()),
            (None, Some(reference)) => Self::Reference(reference.clone()),
            // Validation refuses a message with neither.
            (None, None) => Self::Id(String::new()),
        }
    }
}

impl std::fmt::Display for OrderAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "order {id}"),
            Self::Reference(reference) => write!(f, "order with reference {reference}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// `PATCH /api/order/{id}/` with these fields.
    Patch(OrderPatch),
    /// `POST /proxy/des_adv_xml/delivery/`.
    Delivery(Delivery),
    /// `POST /proxy/v1/orderstatus/`.
    Timeline(TimelineEntry),
}

/// The fields a PATCH changes (the others are left out of the body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipment_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erp_order_number: Option<String>,
}

/// One package as a DESADV delivery (a packing slip).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// Derived from order and package: the same package always gets the same number, so
    /// CloudSuite's "only once" rule recognises a retry.
    pub desadv_number: String,
    /// `yyyy-mm-dd` in the account's time zone: the day the package left.
    pub date: String,
    /// The message says nothing later, so the shipping day (the field is mandatory).
    pub planned_delivery_date: String,
    /// The normalised carrier name (the account's `carriers` table); may be empty.
    pub transport_mode_code: String,
    /// The track & trace code; may be empty.
    pub tracking: String,
    /// `OrderNum`: the message's ERP order number; `None` takes CloudSuite's (or its reference)
    /// when uploading.
    pub order_number: Option<String>,
    pub items: Vec<DeliveryItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryItem {
    /// `ItemNum`: the ERP line number (the message's `line_id`).
    pub item_num: i64,
    /// `QuantityValue`.
    pub quantity: f64,
    /// `SellerItemID`: the part number.
    pub seller_item_id: String,
}

/// An entry of the order's custom status timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub state_id: &'static str,
    pub text: String,
    pub lang: String,
    /// RFC 3339, UTC.
    pub date_time: String,
}

/// The longest DesadvNumber written as is; longer ones are hashed (packing-slip numbers in
/// EDI are short, and the platform documents no length).
const MAX_DESADV_NUMBER: usize = 35;

/// Maps one message to its CloudSuite units.
pub fn map(
    message: &StatusMessage,
    account: &Account<CloudSuiteSettings>,
) -> Result<Vec<Unit<CloudSuiteUpload>>, InvalidMessage> {
    let order = OrderAddress::of(message);
    let order_key = message.order.key();
    let status = message.effective_status();
    let unit = |action: Action<Call>| {
        let action = match action {
            Action::Upload(call) => Action::Upload(CloudSuiteUpload {
                order: order.clone(),
                call,
            }),
            Action::Skip { reason } => Action::Skip { reason },
        };
        Unit::new(Target::order(&order_key), status, action, None)
    };
    let patch = |state, shipment_state, erp_order_number| {
        Action::Upload(Call::Patch(OrderPatch {
            state,
            shipment_state,
            erp_order_number,
        }))
    };
    let units = match status {
        OrderStatus::Acknowledged | OrderStatus::Processing => vec![unit(patch(
            Some("processing"),
            None,
            message.order.erp_order_number.clone(),
        ))],
        OrderStatus::Shipped | OrderStatus::PartiallyShipped => {
            let deliveries = if account.settings.desadv {
                deliveries(message, account, &order, &order_key)?
            } else {
                Vec::new()
            };
            if !deliveries.is_empty() {
                deliveries
            } else if status == OrderStatus::Shipped {
                vec![unit(patch(None, Some("sent"), None))]
            } else {
                vec![unit(skip(if account.settings.desadv {
                    "a partial shipment is sent as DESADV deliveries, and no shipped package lists its lines"
                } else {
                    "CloudSuite has no partial shipment state; a partial shipment needs DESADV (desadv: true in the account's secret)"
                }))]
            }
        }
        OrderStatus::Delivered => vec![unit(patch(Some("done"), None, None))],
        OrderStatus::Canceled => vec![unit(patch(Some("cancel"), None, None))],
        OrderStatus::Returned
        | OrderStatus::FailedDelivery
        | OrderStatus::ReturnShippedByCustomer
        | OrderStatus::Backordered => vec![unit(timeline(message, account, status))],
        OrderStatus::Paid => vec![unit(skip(
            "CloudSuite owns payment_status; there is no payment upload",
        ))],
    };
    Ok(units)
}

fn skip(reason: &str) -> Action<Call> {
    Action::Skip {
        reason: reason.to_owned(),
    }
}

fn timeline(
    message: &StatusMessage,
    account: &Account<CloudSuiteSettings>,
    status: OrderStatus,
) -> Action<Call> {
    let Some(text) = account.settings.timeline.get(&status) else {
        return Action::Skip {
            reason: format!(
                "CloudSuite has no field for {status}; it goes on the order's timeline only when \
                 the account's secret gives a text for it (timeline.{status})"
            ),
        };
    };
    Action::Upload(Call::Timeline(TimelineEntry {
        state_id: status.as_str(),
        text: text.clone(),
        lang: account.settings.timeline_language.clone(),
        date_time: format_in(
            message.occurred_at,
            account.time_zone,
            DateStyle::Rfc3339Utc,
        ),
    }))
}

/// One DESADV unit per shipped package that lists its lines; packages that do not are skipped
/// (a delivery without items cannot be matched to order lines).
fn deliveries(
    message: &StatusMessage,
    account: &Account<CloudSuiteSettings>,
    order: &OrderAddress,
    order_key: &str,
) -> Result<Vec<Unit<CloudSuiteUpload>>, InvalidMessage> {
    // A package's own fact is that it shipped, whether the order is partly or fully shipped:
    // the same package in a later message then has the same fingerprint, and the ledger calls
    // it a duplicate without a call.
    let status = OrderStatus::Shipped;
    let mut units = Vec::new();
    // A message that says `shipped` says every package has left, dated or not.
    let all_left = message.status == Some(OrderStatus::Shipped);
    for (position, package) in message.packages.iter().enumerate() {
        if !(package.is_shipped() || all_left) || package.lines.is_empty() {
            continue;
        }
        let package_key = package.key(position);
        let target = Target::item(order_key, format!("package {package_key}"));
        let delivery = delivery(message, account, package, position, &package_key)?;
        let tracking = package
            .tracking_number
            .as_ref()
            .map(|number| format!("{}: {number}", delivery.transport_mode_code));
        let upload = CloudSuiteUpload {
            order: order.clone(),
            call: Call::Delivery(delivery),
        };
        units.push(Unit::new(target, status, Action::Upload(upload), tracking));
    }
    Ok(units)
}

fn delivery(
    message: &StatusMessage,
    account: &Account<CloudSuiteSettings>,
    package: &Package,
    position: usize,
    package_key: &str,
) -> Result<Delivery, InvalidMessage> {
    let shipped_at = package.shipped_at.unwrap_or(message.occurred_at);
    let date = format_in(shipped_at, account.time_zone, DateStyle::IsoDate);
    let items = package
        .lines
        .iter()
        .enumerate()
        .map(|(j, line)| {
            let field = |name: &str| format!("packages[{position}].lines[{j}].{name}");
            let item_num = line.line_id.trim().parse::<i64>().map_err(|_| {
                InvalidMessage::new(
                    field("line_id"),
                    format!(
                        "{:?} is not a whole number: a DESADV item is the order's ERP line \
                         number (erp_line_number)",
                        line.line_id
                    ),
                )
            })?;
            let quantity = line.quantity.filter(|q| *q > 0.0).ok_or_else(|| {
                InvalidMessage::new(
                    field("quantity"),
                    "missing: a DESADV item needs its quantity",
                )
            })?;
            let seller_item_id = line
                .sku
                .clone()
                .filter(|sku| !sku.trim().is_empty())
                .ok_or_else(|| {
                    InvalidMessage::new(
                        field("sku"),
                        "missing: a DESADV item needs its part number",
                    )
                })?;
            Ok(DeliveryItem {
                item_num,
                quantity,
                seller_item_id,
            })
        })
        .collect::<Result<Vec<_>, InvalidMessage>>()?;
    Ok(Delivery {
        desadv_number: desadv_number(order_name(message), package_key),
        planned_delivery_date: date.clone(),
        date,
        transport_mode_code: package
            .carrier
            .as_deref()
            .map(|carrier| account.carriers.normalise(carrier))
            .unwrap_or_default(),
        tracking: package.tracking_number.clone().unwrap_or_default(),
        order_number: message.order.erp_order_number.clone(),
        items,
    })
}

/// The order as people name it: its id, else its reference.
fn order_name(message: &StatusMessage) -> &str {
    let order = &message.order;
    order
        .id
        .as_deref()
        .or(order.reference.as_deref())
        .unwrap_or_default()
}

/// `<order>-<package>` (hashed when long): the same package always gets the same number.
pub fn desadv_number(order: &str, package_key: &str) -> String {
    derived_id(order, package_key, MAX_DESADV_NUMBER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desadv_numbers_fit_the_field() {
        assert_eq!(desadv_number("CS48193", "P1"), "CS48193-P1");
        assert!(desadv_number("CS48193", "JJD000390007770123456789012").len() <= MAX_DESADV_NUMBER);
    }
}
