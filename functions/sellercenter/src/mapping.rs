//! Canonical message → Seller Center item updates: one unit per order item.
//!
//! * The items are the message's `lines[]`, then any other line named in `packages[].lines[]`;
//!   `line_id` is Seller Center's `id_sales_order_item`.
//! * A line's own status overrides the order's; an order that is partially shipped ships the
//!   items of its shipped packages and leaves the others.
//! * `shipped` takes carrier and tracking code from the shipped package holding the item (or
//!   the only shipped package, when packages list no lines); `canceled`, `returned` and
//!   `failed_delivery` take the reason (the line's, else the message's), which they require.
//! * `acknowledged`, `paid`, `processing` and `backordered` have no item status: skipped.
//! * `detail` becomes the item's `status_detail`, sent after the status, and must be one of
//!   the account's options for the item's status.
//! * Every documented field is present in every item, empty when unused (seed 004's FAQ).

use std::collections::{HashMap, HashSet};

use orderstatus::config::Account;
use orderstatus::dates::{DateStyle, format_in};
use orderstatus::message::{OrderStatus, Package, StatusMessage};
use orderstatus::platform::{Action, Target, Unit};
use orderstatus::validate::InvalidMessage;
use serde::Serialize;

use crate::item_status::ItemStatus;
use crate::settings::SellerCenterSettings;

/// One item of `UpdateItemsStatus`, fields in the documented order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusItem {
    pub id_sales_order_item: String,
    pub item_status: ItemStatus,
    pub package_status: String,
    pub cancel_reason: String,
    pub return_reason: String,
    pub failed_delivery_reason: String,
    pub shipping_carrier: String,
    pub tracking_code: String,
    /// `YYYY-MM-DD hh:mm:ss` in the account's time zone.
    pub status_event_time: String,
}

/// One unit's upload: the item's status, then (if any) its status detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemUpdate {
    pub item: StatusItem,
    /// Sent with `UpdateItemsInformation` once the status is in place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_detail: Option<String>,
}

/// An order item the message speaks about, and where it was named (for error messages).
struct ItemLine<'m> {
    id: &'m str,
    named_at: NamedAt,
    status: Option<OrderStatus>,
    reason: Option<&'m str>,
    detail: Option<&'m str>,
}

/// Where a message names an item; written out only when an error needs it.
#[derive(Clone, Copy)]
enum NamedAt {
    Line(usize),
    PackageLine(usize, usize),
}

impl std::fmt::Display for NamedAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Line(i) => write!(f, "lines[{i}]"),
            Self::PackageLine(p, j) => write!(f, "packages[{p}].lines[{j}]"),
        }
    }
}

/// Which shipped package holds which item, indexed once per message: the first shipped
/// package that lists an item, else the only shipped package when it lists no lines.
struct Shipments<'m> {
    by_line: HashMap<&'m str, &'m Package>,
    whole_order: Option<&'m Package>,
}

impl<'m> Shipments<'m> {
    fn of(message: &'m StatusMessage) -> Self {
        let mut by_line = HashMap::new();
        let mut shipped = 0;
        let mut last = None;
        for package in message.shipped_packages() {
            shipped += 1;
            last = Some(package);
            for line in &package.lines {
                by_line.entry(line.line_id.as_str()).or_insert(package);
            }
        }
        let whole_order = last.filter(|package| shipped == 1 && package.lines.is_empty());
        Self {
            by_line,
            whole_order,
        }
    }

    fn package_of(&self, line_id: &str) -> Option<&'m Package> {
        self.by_line.get(line_id).copied().or(self.whole_order)
    }
}

/// Maps one message to one unit per order item.
pub fn map(
    message: &StatusMessage,
    account: &Account<SellerCenterSettings>,
) -> Result<Vec<Unit<ItemUpdate>>, InvalidMessage> {
    let order_id = message.order.require_id("Seller Center")?;
    let order_status = message.effective_status();
    let lines = item_lines(message);
    if lines.is_empty() {
        return match ItemStatus::from_canonical(order_status) {
            // Nothing to send either way: record the order's status as skipped.
            Err(reason) => Ok(vec![Unit::new(
                Target::order(order_id),
                order_status,
                Action::Skip {
                    reason: reason.to_owned(),
                },
                None,
            )]),
            Ok(_) => Err(InvalidMessage::new(
                "lines",
                "Seller Center updates order items: name them in lines[].line_id \
                 (or packages[].lines[].line_id), the id_sales_order_item",
            )),
        };
    }
    let shipments = Shipments::of(message);
    lines
        .iter()
        .map(|line| map_line(message, order_id, account, order_status, &shipments, line))
        .collect()
}

/// `lines[]` first, then lines that only packages name, each once.
fn item_lines(message: &StatusMessage) -> Vec<ItemLine<'_>> {
    let mut lines: Vec<ItemLine<'_>> = message
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| ItemLine {
            id: &line.line_id,
            named_at: NamedAt::Line(i),
            status: line.status,
            reason: line.reason.as_deref(),
            detail: line.detail.as_deref(),
        })
        .collect();
    if message.packages.iter().all(|p| p.lines.is_empty()) {
        return lines;
    }
    let mut seen: HashSet<&str> = lines.iter().map(|line| line.id).collect();
    for (p, package) in message.packages.iter().enumerate() {
        for (j, line) in package.lines.iter().enumerate() {
            if seen.insert(&line.line_id) {
                lines.push(ItemLine {
                    id: &line.line_id,
                    named_at: NamedAt::PackageLine(p, j),
                    status: None,
                    reason: None,
                    detail: None,
                });
            }
        }
    }
    lines
}

fn map_line(
    message: &StatusMessage,
    order_id: &str,
    account: &Account<SellerCenterSettings>,
    order_status: OrderStatus,
    shipments: &Shipments<'_>,
    line: &ItemLine<'_>,
) -> Result<Unit<ItemUpdate>, InvalidMessage> {
    let target = Target::item(order_id, line.id);
    let package = shipments.package_of(line.id);
    let status = match line.status.unwrap_or(order_status) {
        OrderStatus::PartiallyShipped if package.is_some() => OrderStatus::Shipped,
        other => other,
    };
    let item_status = match ItemStatus::from_canonical(status) {
        Ok(item_status) => item_status,
        Err(reason) => {
            let skip = Action::Skip {
                reason: reason.to_owned(),
            };
            return Ok(Unit::new(target, status, skip, None));
        }
    };
    let mut item = StatusItem {
        id_sales_order_item: line.id.to_owned(),
        item_status,
        package_status: String::new(),
        cancel_reason: String::new(),
        return_reason: String::new(),
        failed_delivery_reason: String::new(),
        shipping_carrier: String::new(),
        tracking_code: String::new(),
        status_event_time: String::new(),
    };
    let mut event_at = message.occurred_at;
    let mut tracking = None;
    match item_status {
        ItemStatus::Shipped => {
            let package = package.ok_or_else(|| {
                InvalidMessage::new(
                    line.named_at.to_string(),
                    format!(
                        "item {} is shipped but no shipped package holds it: list it in \
                         packages[].lines (Seller Center needs its carrier and tracking code)",
                        line.id
                    ),
                )
            })?;
            if let Some(carrier) = package.carrier.as_deref() {
                item.shipping_carrier = account.carriers.normalise(carrier);
            }
            if let Some(code) = package.tracking_number.as_deref() {
                item.tracking_code = code.trim().to_owned();
            }
            if !item.tracking_code.is_empty() {
                tracking = Some(format!("{}: {}", item.shipping_carrier, item.tracking_code));
            }
            event_at = package.shipped_at.unwrap_or(message.occurred_at);
        }
        ItemStatus::Canceled => {
            item.cancel_reason = reason(message, line, item_status, "cancel_reason")?;
        }
        ItemStatus::Returned => {
            item.return_reason = reason(message, line, item_status, "return_reason")?;
        }
        ItemStatus::FailedDelivery => {
            item.failed_delivery_reason =
                reason(message, line, item_status, "failed_delivery_reason")?;
        }
        ItemStatus::Delivered | ItemStatus::ReturnShippedByCustomer => {}
    }
    item.status_event_time = format_in(event_at, account.time_zone, DateStyle::DateTimeSpaced);
    let status_detail = match line.detail.or(message.detail.as_deref()) {
        Some(detail) => Some(status_detail(account, line, item_status, detail)?),
        None => None,
    };
    let update = ItemUpdate {
        item,
        status_detail,
    };
    Ok(Unit::new(target, status, Action::Upload(update), tracking))
}

/// The item's reason, required by Seller Center for canceled, returned and failed items.
fn reason(
    message: &StatusMessage,
    line: &ItemLine<'_>,
    status: ItemStatus,
    platform_field: &str,
) -> Result<String, InvalidMessage> {
    line.reason
        .or(message.reason.as_deref())
        .map(str::trim)
        .filter(|reason| !reason.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            InvalidMessage::new(
                "reason",
                format!(
                    "required for {status} items (Seller Center's {platform_field}); set it on \
                     the message or on {}",
                    line.named_at
                ),
            )
        })
}

/// The account's spelling of `detail` if it is one of the options for `status`.
fn status_detail(
    account: &Account<SellerCenterSettings>,
    line: &ItemLine<'_>,
    status: ItemStatus,
    detail: &str,
) -> Result<String, InvalidMessage> {
    let field = match line.detail {
        Some(_) => format!("{}.detail", line.named_at),
        None => "detail".to_owned(),
    };
    let options = account.settings.status_detail_options(status);
    if let Some(option) = options
        .iter()
        .find(|option| option.eq_ignore_ascii_case(detail.trim()))
    {
        return Ok(option.clone());
    }
    let problem = if options.is_empty() {
        format!(
            "{detail:?}: account {:?} has no status details for {status} items \
             (configure status_details.{status} in its secret)",
            account.name
        )
    } else {
        let allowed: Vec<String> = options.iter().map(|o| format!("{o:?}")).collect();
        format!(
            "{detail:?} is not a status detail of {status} items; allowed: {}",
            allowed.join(", ")
        )
    };
    Err(InvalidMessage::new(field, problem))
}
