//! The orders the account holds, their items, and what Ship and Adjust recorded on them; the
//! store that finds an order by id and an item by id across orders.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `ShippingStatus` values the platform has.
const SHIPPING_STATUSES: [&str; 5] = [
    "Unshipped",
    "PendingShipment",
    "PartiallyShipped",
    "Shipped",
    "ThirdPartyManaged",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: u64,
    /// Whether the order carries this application's export flag (`Orders(id)/Export`).
    #[serde(default)]
    pub exported: bool,
    /// `Unshipped`, `PartiallyShipped` or `Shipped` (also `PendingShipment`,
    /// `ThirdPartyManaged`).
    pub shipping_status: String,
    #[serde(default)]
    pub canceled: bool,
    #[serde(default)]
    pub items: Vec<OrderItem>,
    /// The fulfillments Ship created, oldest first.
    #[serde(default)]
    pub fulfillments: Vec<Fulfillment>,
    /// The adjustments (cancellations) accepted, oldest first, order- and item-level alike.
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    /// The platform's `OrderItemID`, unique across orders (`OrderItems(id)/Adjust`).
    pub id: u64,
    pub sku: String,
    pub quantity: u32,
    #[serde(default)]
    pub shipped: u32,
    #[serde(default)]
    pub canceled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fulfillment {
    pub seller_fulfillment_id: Option<String>,
    pub shipped_date_utc: String,
    pub tracking_number: String,
    pub carrier: String,
    pub class: String,
    pub delivery_status: String,
    /// (SKU, quantity) shipped in this fulfillment.
    pub items: Vec<(String, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// The item adjusted; `None` for an order-level adjustment.
    pub order_item_id: Option<u64>,
    pub reason: String,
    pub seller_adjustment_id: Option<String>,
    pub quantity: Option<u32>,
}

impl OrderItem {
    /// What is left to ship: nothing once canceled.
    pub(super) fn unshipped(&self) -> u32 {
        if self.canceled {
            0
        } else {
            self.quantity.saturating_sub(self.shipped)
        }
    }
}

impl Order {
    /// Refuses what the platform cannot hold: an unknown shipping status, an item shipped
    /// beyond its quantity, two items with one id.
    pub fn check(&self) -> Result<(), String> {
        if !SHIPPING_STATUSES.contains(&self.shipping_status.as_str()) {
            return Err(format!(
                "order {}: shipping_status {:?} is not one of {SHIPPING_STATUSES:?}",
                self.id, self.shipping_status
            ));
        }
        for (index, item) in self.items.iter().enumerate() {
            if item.shipped > item.quantity {
                return Err(format!(
                    "order {}: item {} shipped {} of {}",
                    self.id, item.id, item.shipped, item.quantity
                ));
            }
            if self.items[..index].iter().any(|other| other.id == item.id) {
                return Err(format!("order {}: two items with id {}", self.id, item.id));
            }
        }
        Ok(())
    }

    /// Whether the order has shipped in full (so can no longer be canceled).
    pub(super) fn shipped(&self) -> bool {
        self.shipping_status == "Shipped"
    }

    /// The shipping status its items' shipped quantities give, once anything shipped:
    /// `Shipped` when every item not canceled has shipped in full, else `PartiallyShipped`.
    pub(super) fn update_shipping_status(&mut self) {
        if self.items.iter().all(|item| item.shipped == 0) {
            return;
        }
        let complete = self.items.iter().all(|item| item.unshipped() == 0);
        let status = if complete {
            "Shipped"
        } else {
            "PartiallyShipped"
        };
        self.shipping_status = status.to_owned();
    }

    /// Whether `id` was already the `SellerAdjustmentID` of an adjustment of this order.
    pub(super) fn has_adjustment(&self, id: &str) -> bool {
        self.adjustments
            .iter()
            .any(|adjustment| adjustment.seller_adjustment_id.as_deref() == Some(id))
    }
}

/// The account's orders, by id.
#[derive(Debug, Default, Clone)]
pub(super) struct Orders(BTreeMap<u64, Order>);

impl Orders {
    /// Adds `order` or replaces the one with its id; refused when it does not check or one of
    /// its item ids is another order's.
    pub(super) fn put(&mut self, order: Order) -> Result<(), String> {
        order.check()?;
        for item in &order.items {
            if let Some(other) = self.order_of_item(item.id)
                && other != order.id
            {
                return Err(format!(
                    "order {}: item id {} is already order {other}'s",
                    order.id, item.id
                ));
            }
        }
        self.0.insert(order.id, order);
        Ok(())
    }

    pub(super) fn get(&self, id: u64) -> Option<&Order> {
        self.0.get(&id)
    }

    pub(super) fn get_mut(&mut self, id: u64) -> Option<&mut Order> {
        self.0.get_mut(&id)
    }

    /// The id of the order holding item `item_id`.
    pub(super) fn order_of_item(&self, item_id: u64) -> Option<u64> {
        self.0
            .values()
            .find(|order| order.items.iter().any(|item| item.id == item_id))
            .map(|order| order.id)
    }

    pub(super) fn all(&self) -> Vec<Order> {
        self.0.values().cloned().collect()
    }
}
