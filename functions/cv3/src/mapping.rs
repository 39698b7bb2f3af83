//! Canonical message → CV3 status entries, by the CMS rules of seed 000.
//!
//! * `Shipped {date}` when all packages are shipped (the date of the last shipment);
//! * `Processing` for new, backordered or package-less orders;
//! * `Processing : Last Shipment {date}` when some but not all packages are shipped;
//! * tracking `Carrier: number ; Carrier: number`, in package order;
//! * `acknowledged` confirms the order (`<orderConfirm>`), taking it off CV3's pending list.
//!
//! Other statuses get a plain text (`Delivered {date}`, `Canceled`, …); every text can be
//! overridden per account. `paid` has no CV3 call and is recorded as not applicable.

use orderstatus::config::Account;
use orderstatus::dates::{DateStyle, format_in};
use orderstatus::message::{OrderStatus, StatusMessage};
use orderstatus::platform::{Action, Target, Unit};
use orderstatus::validate::InvalidMessage;
use serde::Serialize;

use crate::settings::Cv3Settings;

/// The placeholders a status template may use.
pub const PLACEHOLDERS: [&str; 4] = ["{date}", "{reason}", "{detail}", "{order_id}"];

/// One CV3 entry of the inner document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Cv3Payload {
    /// `<orderConfirm><orderConf>id</orderConf></orderConfirm>`.
    Confirm { order_id: String },
    /// `<orders><status>…</status></orders>`.
    Status(StatusEntry),
}

impl Cv3Payload {
    pub fn order_id(&self) -> &str {
        match self {
            Self::Confirm { order_id } => order_id,
            Self::Status(entry) => &entry.order_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusEntry {
    pub order_id: String,
    pub status: String,
    pub tracking: String,
    pub customer_number: Option<String>,
    /// Decided after the ledger claim (first upload of this tracking set), so it is not part
    /// of the fingerprint: a repeat of the same facts is still a duplicate.
    #[serde(skip)]
    pub tracking_notification: bool,
}

/// The CMS default text of each status.
fn default_template(status: OrderStatus) -> Option<&'static str> {
    Some(match status {
        OrderStatus::Processing | OrderStatus::Backordered => "Processing",
        OrderStatus::PartiallyShipped => "Processing : Last Shipment {date}",
        OrderStatus::Shipped => "Shipped {date}",
        OrderStatus::Delivered => "Delivered {date}",
        OrderStatus::Canceled => "Canceled",
        OrderStatus::ReturnShippedByCustomer => "Return Shipped",
        OrderStatus::Returned => "Returned",
        OrderStatus::FailedDelivery => "Delivery Failed",
        OrderStatus::Acknowledged | OrderStatus::Paid => return None,
    })
}

/// Maps one message to its single CV3 unit (CV3 tracks orders, not items).
pub fn map(
    message: &StatusMessage,
    account: &Account<Cv3Settings>,
) -> Result<Vec<Unit<Cv3Payload>>, InvalidMessage> {
    let order_id = message.order.require_id("CommerceV3")?;
    let status = message.effective_status();
    let target = Target::order(order_id);
    let unit = match status {
        OrderStatus::Acknowledged => Unit::new(
            target,
            status,
            Action::Upload(Cv3Payload::Confirm {
                order_id: order_id.to_owned(),
            }),
            None,
        ),
        OrderStatus::Paid => Unit::new(
            target,
            status,
            Action::Skip {
                reason: "CV3 has no payment status upload".to_owned(),
            },
            None,
        ),
        _ => {
            let tracking = tracking_text(message, account);
            let entry = StatusEntry {
                order_id: order_id.to_owned(),
                status: status_text(message, status, account),
                tracking: tracking.clone(),
                customer_number: message.order.customer_number.clone(),
                tracking_notification: false,
            };
            let tracking = (!tracking.is_empty()).then_some(tracking);
            Unit::new(
                target,
                status,
                Action::Upload(Cv3Payload::Status(entry)),
                tracking,
            )
        }
    };
    Ok(vec![unit])
}

/// The status text, from the account's template or the CMS default.
pub fn status_text(
    message: &StatusMessage,
    status: OrderStatus,
    account: &Account<Cv3Settings>,
) -> String {
    let template = account
        .settings
        .templates
        .get(&status)
        .map(String::as_str)
        .or_else(|| default_template(status))
        .unwrap_or("");
    if !template.contains('{') {
        return template.to_owned();
    }
    // Shipment statuses show the last shipment's day; others the day of the change.
    let date_source = match status {
        OrderStatus::Shipped | OrderStatus::PartiallyShipped => {
            message.last_shipment_at().unwrap_or(message.occurred_at)
        }
        _ => message.occurred_at,
    };
    let date = format_in(date_source, account.time_zone, DateStyle::MonthDayYear);
    fill_template(template, |placeholder| match placeholder {
        "{date}" => Some(date.as_str()),
        "{reason}" => Some(message.reason.as_deref().unwrap_or("")),
        "{detail}" => Some(message.detail.as_deref().unwrap_or("")),
        "{order_id}" => message.order.id.as_deref(),
        _ => None,
    })
    .trim()
    .to_owned()
}

/// Replaces each placeholder of `template` in one pass over it, so that a value is inserted
/// literally: a reason reading `{order_id}` stays that text. Chained `replace` calls would
/// expand placeholders inside values put in by an earlier call. Unknown `{…}` stay as written.
pub fn fill_template<'v>(template: &str, value: impl Fn(&str) -> Option<&'v str>) -> String {
    let mut filled = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let candidate = &rest[open..];
        let placeholder = candidate.find('}').map(|close| &candidate[..=close]);
        match placeholder.and_then(|p| Some((p, value(p)?))) {
            Some((placeholder, text)) => {
                filled.push_str(text);
                rest = &candidate[placeholder.len()..];
            }
            None => {
                filled.push('{');
                rest = &candidate[1..];
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// `UPS: 1Z3123134135 ; FedEx: 4563543534`: shipped packages with a tracking number, in order.
pub fn tracking_text(message: &StatusMessage, account: &Account<Cv3Settings>) -> String {
    account
        .carriers
        .tracking_summary(message.shipped_packages())
}
