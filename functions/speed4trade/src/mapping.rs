//! Canonical message → one Speed4Trade order update (seed 002's `updateOrderStatus`).
//!
//! | canonical | Speed4Trade |
//! |---|---|
//! | `acknowledged` | `ACKNOWLEDGED` with `export_time` = `occurred_at` in the account's zone |
//! | `paid` | `PAID` with one `payment_information` (the account's payment status) |
//! | `shipped` | `SHIPPED` with one `shipping_information` per shipped package |
//! | `canceled` | `CANCELED` |
//! | `partially_shipped` | not applicable: shipping data goes only with the change to SHIPPED |
//! | others | not applicable: the basic call has no such status |
//!
//! A SHIPPED after a SHIPPED already uploaded for the order is decided in
//! [`ignored_after_shipped`] (Speed4Trade ignores the second one's packages).

use orderstatus::config::Account;
use orderstatus::dates::{DateStyle, format_in};
use orderstatus::ledger::{EntryKind, LedgerRecord};
use orderstatus::message::{OrderStatus, StatusMessage};
use orderstatus::platform::{Action, Target, Unit};
use orderstatus::validate::InvalidMessage;
use serde::Serialize;

use crate::settings::{PaymentStatus, Speed4TradeSettings};
use crate::significant_key::SignificantKey;

/// Why a SHIPPED whose packages differ from the SHIPPED already uploaded is not sent.
pub const IGNORED_AFTER_SHIPPED: &str = "Speed4Trade ignores shipping information after SHIPPED";

/// Why a partial shipment is not sent.
pub const PARTIAL_SHIPMENT: &str = "Speed4Trade takes shipping data only with the change to \
     SHIPPED and ignores it afterwards: a partial shipment cannot be uploaded";

/// The `<status>` values this project sends (the seed's five less FETCHED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum S4tStatus {
    Acknowledged,
    Paid,
    Shipped,
    Canceled,
}

impl S4tStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledged => "ACKNOWLEDGED",
            Self::Paid => "PAID",
            Self::Shipped => "SHIPPED",
            Self::Canceled => "CANCELED",
        }
    }
}

/// One `<order>` of a request, without its `reference_id` (given per call by its position).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderUpdate {
    pub significant_key: SignificantKey,
    pub mandator_id: u64,
    /// The elements that name the order under its key, in document order.
    pub keys: Vec<(&'static str, String)>,
    pub status: S4tStatus,
    pub shipping: Vec<ShippingInformation>,
    pub payment: Option<PaymentStatus>,
    /// `acknowledgement_information/export_time`.
    pub export_time: Option<String>,
}

impl OrderUpdate {
    /// How the order is named in errors: `order_number 100, order_number_prefix T2-`.
    pub fn describe(&self) -> String {
        self.keys
            .iter()
            .map(|(name, value)| format!("{name} {value}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One package: `<shipping_information>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippingInformation {
    pub tracking_number: String,
    pub provider_identifier: Option<String>,
    pub provider_external_id: Option<String>,
    pub shipping_date: Option<String>,
}

/// The message's order id: what the ledger keys the order by and what the key fields carry.
fn order_id(message: &StatusMessage) -> Result<&str, InvalidMessage> {
    message.order.require_id("Speed4Trade")
}

/// Maps one message to its single unit (Speed4Trade updates orders, not items).
pub fn map(
    message: &StatusMessage,
    account: &Account<Speed4TradeSettings>,
) -> Result<Vec<Unit<OrderUpdate>>, InvalidMessage> {
    let status = message.effective_status();
    let target = Target::order(order_id(message)?);
    let skip = |reason: String| {
        Ok(vec![Unit::new(
            target.clone(),
            status,
            Action::Skip { reason },
            None,
        )])
    };
    let s4t_status = match status {
        OrderStatus::Acknowledged => S4tStatus::Acknowledged,
        OrderStatus::Paid => S4tStatus::Paid,
        OrderStatus::Shipped => S4tStatus::Shipped,
        OrderStatus::Canceled => S4tStatus::Canceled,
        OrderStatus::PartiallyShipped => return skip(PARTIAL_SHIPMENT.to_owned()),
        other => {
            return skip(format!(
                "Speed4Trade's updateOrderStatus has no status for {other}"
            ));
        }
    };
    let settings = &account.settings;
    let mut update = OrderUpdate {
        significant_key: settings.significant_key,
        mandator_id: message.order.mandator_id.unwrap_or(settings.mandator_id),
        keys: keys(message, settings.significant_key)?,
        status: s4t_status,
        shipping: Vec::new(),
        payment: None,
        export_time: None,
    };
    let mut tracking = None;
    match s4t_status {
        S4tStatus::Acknowledged => {
            update.export_time = Some(format_in(
                message.occurred_at,
                account.time_zone,
                DateStyle::LocalDateTime,
            ));
        }
        S4tStatus::Paid => update.payment = Some(settings.payment_status()),
        S4tStatus::Shipped => {
            update.shipping = shipping(message, account)?;
            let summary = account
                .carriers
                .tracking_summary(message.shipped_packages());
            tracking = (!summary.is_empty()).then_some(summary);
        }
        S4tStatus::Canceled => {}
    }
    Ok(vec![Unit::new(
        target,
        status,
        Action::Upload(update),
        tracking,
    )])
}

/// The key elements the account's `significant_key` needs, from the message.
fn keys(
    message: &StatusMessage,
    key: SignificantKey,
) -> Result<Vec<(&'static str, String)>, InvalidMessage> {
    let id = order_id(message)?.trim();
    let whole_number = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    if key.needs_whole_number() && !whole_number {
        return Err(InvalidMessage::new(
            "order.id",
            format!(
                "{id:?} is not a whole number: Speed4Trade's order_number (significant_key {key}) is one"
            ),
        ));
    }
    let mut keys = vec![(key.id_element(), id.to_owned())];
    if key.needs_prefix() {
        let prefix = message
            .order
            .number_prefix
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| {
                InvalidMessage::new(
                    "order.number_prefix",
                    format!(
                        "missing: Speed4Trade's significant_key {key} needs the order number prefix"
                    ),
                )
            })?;
        keys.push(("order_number_prefix", prefix.to_owned()));
    }
    Ok(keys)
}

/// One `<shipping_information>` per shipped package with a tracking number.
fn shipping(
    message: &StatusMessage,
    account: &Account<Speed4TradeSettings>,
) -> Result<Vec<ShippingInformation>, InvalidMessage> {
    let mut packages = Vec::new();
    for (i, package) in message.packages.iter().enumerate() {
        let (Some(number), Some(_)) = (package.tracking_number.as_deref(), package.shipped_at)
        else {
            continue;
        };
        // Speed4Trade takes package data only with a shipping provider (seed 002).
        let carrier = package.carrier.as_deref().ok_or_else(|| {
            InvalidMessage::new(
                format!("packages[{i}].carrier"),
                "missing: Speed4Trade needs a shipping provider for a package with a tracking number",
            )
        })?;
        let name = account.carriers.normalise(carrier);
        let codes = account.carriers.codes(&name);
        let identifier = codes.and_then(|c| c.get("identifier")).map(str::to_owned);
        let external_id = codes.and_then(|c| c.get("external_id")).map(str::to_owned);
        // Without an entry, the normalised carrier name is the identifier.
        let identifier = match (&identifier, &external_id) {
            (None, None) => Some(name),
            _ => identifier,
        };
        packages.push(ShippingInformation {
            tracking_number: number.trim().to_owned(),
            provider_identifier: identifier,
            provider_external_id: external_id,
            shipping_date: package
                .shipped_at
                .map(|at| format_in(at, account.time_zone, DateStyle::LocalDateTime)),
        });
    }
    Ok(packages)
}

/// Whether a SHIPPED about to be uploaded (its fingerprint new, so its packages differ) comes
/// after a SHIPPED already uploaded for the order: Speed4Trade would ignore its packages.
pub fn ignored_after_shipped(prior: Option<&LedgerRecord>) -> bool {
    prior.is_some_and(|prior| {
        prior.history.iter().any(|entry| {
            matches!(entry.kind, EntryKind::Uploaded | EntryKind::Baseline)
                && entry.status == OrderStatus::Shipped.as_str()
        })
    })
}
