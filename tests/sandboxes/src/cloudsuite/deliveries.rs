//! Accepting a well-formed DESADV against the orders: it must be new (the platform: "the
//! delivery message can only be sent once"), name one order that can ship, and lines of it
//! that still have that much left to deliver. An accepted one moves the order's shipment state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::desadv::{Desadv, DesadvItem, Format};
use super::drf::{ApiError, FieldErrors};
use super::orders::{Order, Orders, ShipmentState};
use super::quantity::Quantity;

/// An accepted delivery message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub desadv_number: String,
    pub order_id: u64,
    /// How it came: `xml` or `json`.
    pub format: String,
    /// `DesadvDate`.
    pub delivery_date: String,
    pub planned_delivery_date: String,
    pub transport_mode_code: String,
    /// `MeansOfTransport.Identification`.
    pub tracking: String,
    pub items: Vec<DeliveredItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveredItem {
    pub item_num: i64,
    pub order_num: String,
    pub quantity: f64,
    pub seller_item_id: String,
}

/// The deliveries accepted so far; a delivery's id is its place in the list, from 1.
#[derive(Debug, Default)]
pub(super) struct Deliveries(Vec<Delivery>);

impl Deliveries {
    pub(super) fn all(&self) -> Vec<Delivery> {
        self.0.clone()
    }

    /// Applies `desadv` to its order, or refuses it whole; `Ok` is the new delivery's id.
    pub(super) fn accept(
        &mut self,
        orders: &mut Orders,
        desadv: Desadv,
        format: Format,
    ) -> Result<u64, ApiError> {
        // First, so a resent message is always known as one, even once its lines are full.
        if self
            .0
            .iter()
            .any(|sent| sent.desadv_number == desadv.number)
        {
            return Err(ApiError::Invalid(FieldErrors::one(
                "DesadvNumber",
                format!(
                    "Delivery with DesadvNumber {} already exists.",
                    desadv.number
                ),
            )));
        }
        let order_id = the_order(orders, &desadv.items)?;
        let order = orders
            .get_mut(order_id)
            .expect("the_order returns an order it found");
        let shipped = quantities_per_line(order, &desadv.items)?;
        for line in &mut order.lines {
            if let Some(more) = line.erp_line_number.and_then(|n| shipped.get(&n)) {
                line.delivered = (Quantity::from_f64(line.delivered) + *more).to_f64();
            }
        }
        let complete = order
            .lines
            .iter()
            .all(|line| Quantity::from_f64(line.delivered) >= Quantity::from_f64(line.quantity));
        let state = if complete {
            ShipmentState::Sent
        } else {
            ShipmentState::PartiallySent
        };
        order.shipment_state = state.as_str().to_owned();
        self.0.push(record(desadv, order_id, format));
        Ok(self.0.len() as u64)
    }
}

/// The one order every item names by `OrderNum`.
fn the_order(orders: &Orders, items: &[DesadvItem]) -> Result<u64, ApiError> {
    let mut errors = FieldErrors::default();
    let mut found = Vec::new();
    for item in items {
        match named_order(orders, &item.order_num) {
            Ok(order) if !found.contains(&order.id) => found.push(order.id),
            Ok(_) => {}
            Err(problem) => errors.add("OrderNum", problem),
        }
    }
    let order_id = errors.or(found)?;
    match order_id[..] {
        [id] => {
            let order = orders.get(id).expect("found among the orders");
            if order.is_canceled() {
                // As PATCH refuses a canceled order a new shipment_state.
                let problem = format!("Order {id} is canceled; it cannot be delivered.");
                return Err(ApiError::Invalid(FieldErrors::one("OrderNum", problem)));
            }
            Ok(id)
        }
        // A delivery is recorded against one order.
        _ => Err(ApiError::Invalid(FieldErrors::one(
            "OrderNum",
            format!("One delivery covers one order; its items name orders {order_id:?}."),
        ))),
    }
}

/// The order an `OrderNum` names: its ERP number, or, for an order the ERP has not numbered
/// yet, its CloudSuite reference.
fn named_order<'o>(orders: &'o Orders, number: &str) -> Result<&'o Order, String> {
    if let Some(order) = orders.with_erp_number(number) {
        return Ok(order);
    }
    let mut by_reference = orders
        .iter()
        .filter(|order| order.erp_order_number.is_none() && order.reference == number);
    match (by_reference.next(), by_reference.next()) {
        (Some(order), None) => Ok(order),
        (None, _) => Err(format!("No order with number {number}.")),
        (Some(_), Some(_)) => Err(format!(
            "More than one order with number {number}; name the order by its erp_order_number."
        )),
    }
}

/// What the items ship per line (`erp_line_number`), refused when an item names no line of
/// the order or a line would get more than was ordered.
fn quantities_per_line(
    order: &Order,
    items: &[DesadvItem],
) -> Result<BTreeMap<i64, Quantity>, ApiError> {
    let mut errors = FieldErrors::default();
    let mut shipped: BTreeMap<i64, Quantity> = BTreeMap::new();
    for item in items {
        let has_line = order
            .lines
            .iter()
            .any(|line| line.erp_line_number == Some(item.item_num));
        if has_line {
            *shipped.entry(item.item_num).or_default() += item.quantity;
        } else {
            errors.add(
                "ItemNum",
                format!(
                    "Order {} has no line with ItemNum {}.",
                    order.id, item.item_num
                ),
            );
        }
    }
    for line in &order.lines {
        let Some(more) = line.erp_line_number.and_then(|n| shipped.get(&n)) else {
            continue;
        };
        let (ordered, before) = (
            Quantity::from_f64(line.quantity),
            Quantity::from_f64(line.delivered),
        );
        if before + *more > ordered {
            errors.add(
                "QuantityValue",
                format!(
                    "Line {} of order {}: {ordered} ordered and {before} delivered, so {more} more is too many.",
                    line.erp_line_number.unwrap_or_default(),
                    order.id
                ),
            );
        }
    }
    errors.or(shipped)
}

fn record(desadv: Desadv, order_id: u64, format: Format) -> Delivery {
    Delivery {
        desadv_number: desadv.number,
        order_id,
        format: format.name().to_owned(),
        delivery_date: desadv.date,
        planned_delivery_date: desadv.planned_delivery_date,
        transport_mode_code: desadv.transport_mode_code,
        tracking: desadv.tracking,
        items: desadv
            .items
            .into_iter()
            .map(|item| DeliveredItem {
                item_num: item.item_num,
                order_num: item.order_num,
                quantity: item.quantity.to_f64(),
                seller_item_id: item.seller_item_id,
            })
            .collect(),
    }
}
