//! A canonical message → ChannelAdvisor units.
//!
//! | status | call |
//! |---|---|
//! | `shipped`, `partially_shipped` | per shipped package, `POST /v1/Orders({id})/Ship` (each package its own target; a tracking number is required) |
//! | `acknowledged` | `POST /v1/Orders({id})/Export` |
//! | `canceled` | `POST /v1/Orders({id})/Adjust`, or `POST /v1/OrderItems({line})/Adjust` per line whose own status is `canceled` |
//! | every other status | not applicable |

use chrono::{SecondsFormat, Utc};
use orderstatus::config::Account;
use orderstatus::message::{OrderStatus, Package, StatusMessage};
use orderstatus::platform::{Action, Target, Unit, derived_id};
use orderstatus::validate::InvalidMessage;
use serde::Serialize;

use crate::settings::ChannelAdvisorSettings;

/// One unit's call, for the order (or order item) it names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelAdvisorUpload {
    /// ChannelAdvisor's order id (a number, the OData key).
    pub order_id: String,
    pub call: Call,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// `POST /v1/Orders({id})/Ship`.
    Ship(Shipment),
    /// `POST /v1/Orders({id})/Export`: the order is acknowledged (exported).
    Export,
    /// `POST /v1/Orders({id})/Adjust`: the whole order canceled.
    CancelOrder(Adjustment),
    /// `POST /v1/OrderItems({item_id})/Adjust`: one item canceled.
    CancelItem {
        item_id: String,
        adjustment: Adjustment,
    },
}

/// The `Value` of a Ship call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Shipment {
    pub shipped_date_utc: String,
    pub tracking_number: String,
    pub shipping_carrier: String,
    pub shipping_class: String,
    pub delivery_status: &'static str,
    /// Derived from order and package: a retry of the same package is recognised.
    #[serde(rename = "SellerFulfillmentID")]
    pub seller_fulfillment_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ShippedItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ShippedItem {
    pub sku: String,
    pub quantity: u32,
}

/// The body of an Adjust call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Adjustment {
    pub reason: String,
    /// Derived from order (and item): a retry is recognised.
    #[serde(rename = "SellerAdjustmentID")]
    pub seller_adjustment_id: String,
}

/// The longest derived id written as is.
const MAX_DERIVED_ID: usize = 50;

/// What ChannelAdvisor is called in errors.
const PLATFORM: &str = "ChannelAdvisor";

/// Maps one message to its ChannelAdvisor units.
pub fn map(
    message: &StatusMessage,
    account: &Account<ChannelAdvisorSettings>,
) -> Result<Vec<Unit<ChannelAdvisorUpload>>, InvalidMessage> {
    let order_id = message.order.require_id(PLATFORM)?;
    if !is_key(order_id) {
        return Err(InvalidMessage::new(
            "order.id",
            format!("{order_id:?}: ChannelAdvisor order ids are whole numbers"),
        ));
    }
    let status = message.effective_status();
    let upload = |call| {
        Action::Upload(ChannelAdvisorUpload {
            order_id: order_id.to_owned(),
            call,
        })
    };
    let order_unit = |action| Unit::new(Target::order(order_id), status, action, None);
    let mut units = item_cancelations(message, account, order_id)?;
    match status {
        OrderStatus::Shipped | OrderStatus::PartiallyShipped => {
            units.extend(shipments(message, account, order_id)?);
        }
        OrderStatus::Acknowledged => units.push(order_unit(upload(Call::Export))),
        OrderStatus::Canceled if units.is_empty() => {
            units.push(order_unit(upload(Call::CancelOrder(Adjustment {
                reason: account
                    .settings
                    .reason_code(message.reason.as_deref())
                    .to_owned(),
                seller_adjustment_id: derived_id(order_id, "cancel", MAX_DERIVED_ID),
            }))));
        }
        // Its canceled lines are the cancelation.
        OrderStatus::Canceled => {}
        other if units.is_empty() => units.push(order_unit(Action::Skip {
            reason: format!("ChannelAdvisor has no call for {other}"),
        })),
        _ => {}
    }
    Ok(units)
}

/// An OData key: a whole number.
fn is_key(text: &str) -> bool {
    !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit())
}

/// One `OrderItems({line})/Adjust` per line whose own status is `canceled`.
fn item_cancelations(
    message: &StatusMessage,
    account: &Account<ChannelAdvisorSettings>,
    order_id: &str,
) -> Result<Vec<Unit<ChannelAdvisorUpload>>, InvalidMessage> {
    let mut units = Vec::new();
    for (i, line) in message.lines.iter().enumerate() {
        if line.status != Some(OrderStatus::Canceled) {
            continue;
        }
        let item_id = line.line_id.trim();
        if !is_key(item_id) {
            return Err(InvalidMessage::new(
                format!("lines[{i}].line_id"),
                format!(
                    "{item_id:?}: a canceled line is a ChannelAdvisor order item id, a whole number"
                ),
            ));
        }
        let reason = line.reason.as_deref().or(message.reason.as_deref());
        let adjustment = Adjustment {
            reason: account.settings.reason_code(reason).to_owned(),
            seller_adjustment_id: derived_id(
                order_id,
                &format!("{item_id}-cancel"),
                MAX_DERIVED_ID,
            ),
        };
        let call = Call::CancelItem {
            item_id: item_id.to_owned(),
            adjustment,
        };
        let upload = ChannelAdvisorUpload {
            order_id: order_id.to_owned(),
            call,
        };
        units.push(Unit::new(
            Target::item(order_id, format!("item {item_id}")),
            OrderStatus::Canceled,
            Action::Upload(upload),
            None,
        ));
    }
    Ok(units)
}

/// One Ship per shipped package.
fn shipments(
    message: &StatusMessage,
    account: &Account<ChannelAdvisorSettings>,
    order_id: &str,
) -> Result<Vec<Unit<ChannelAdvisorUpload>>, InvalidMessage> {
    // A message that says `shipped` says every package has left, dated or not.
    let all_left = message.status == Some(OrderStatus::Shipped);
    let mut units = Vec::new();
    for (position, package) in message.packages.iter().enumerate() {
        if !(package.is_shipped() || all_left) {
            continue;
        }
        let shipment = shipment(message, account, order_id, package, position)?;
        let tracking = format!(
            "{}: {}",
            shipment.shipping_carrier, shipment.tracking_number
        );
        let upload = ChannelAdvisorUpload {
            order_id: order_id.to_owned(),
            call: Call::Ship(shipment),
        };
        // A package's own fact is that it shipped: the same package in a later message has
        // the same fingerprint, and the ledger calls it a duplicate without a call.
        units.push(Unit::new(
            Target::item(order_id, format!("package {}", package.key(position))),
            OrderStatus::Shipped,
            Action::Upload(upload),
            Some(tracking),
        ));
    }
    if units.is_empty() {
        return Err(InvalidMessage::new(
            "packages",
            "no shipped package: ChannelAdvisor ships packages, each with its tracking number",
        ));
    }
    Ok(units)
}

fn shipment(
    message: &StatusMessage,
    account: &Account<ChannelAdvisorSettings>,
    order_id: &str,
    package: &Package,
    position: usize,
) -> Result<Shipment, InvalidMessage> {
    let field = |name: &str| format!("packages[{position}].{name}");
    // Seed 003: the event that notifies the cart must carry a tracking number.
    let tracking_number = package.tracking_number.clone().ok_or_else(|| {
        InvalidMessage::new(
            field("tracking_number"),
            "missing: ChannelAdvisor is told of a shipment only with its tracking number",
        )
    })?;
    let carrier = package.carrier.as_deref().ok_or_else(|| {
        InvalidMessage::new(
            field("carrier"),
            "missing: ChannelAdvisor needs the carrier",
        )
    })?;
    let normalised = account.carriers.normalise(carrier);
    let codes = account.carriers.codes(&normalised);
    let shipping_carrier = codes
        .and_then(|c| c.get("carrier"))
        .map_or_else(|| normalised.clone(), str::to_owned);
    let shipping_class = codes
        .and_then(|c| c.get("class"))
        .or(package.service.as_deref())
        .unwrap_or("NONE")
        .to_owned();
    let items = package
        .lines
        .iter()
        .enumerate()
        .map(|(j, line)| {
            let field = |name: &str| format!("packages[{position}].lines[{j}].{name}");
            let sku = line
                .sku
                .clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    InvalidMessage::new(field("sku"), "missing: ChannelAdvisor ships items by SKU")
                })?;
            let quantity = line
                .quantity
                .filter(|q| q.fract() == 0.0 && *q >= 1.0 && *q <= f64::from(u32::MAX))
                .ok_or_else(|| {
                    InvalidMessage::new(
                        field("quantity"),
                        "missing or not a whole number: ChannelAdvisor ships whole items",
                    )
                })?;
            Ok(ShippedItem {
                sku,
                quantity: quantity as u32,
            })
        })
        .collect::<Result<Vec<_>, InvalidMessage>>()?;
    let shipped_at = package.shipped_at.unwrap_or(message.occurred_at);
    Ok(Shipment {
        shipped_date_utc: shipped_at
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        tracking_number,
        shipping_carrier,
        shipping_class,
        delivery_status: "Complete",
        seller_fulfillment_id: derived_id(order_id, &package.key(position), MAX_DERIVED_ID),
        items,
    })
}
