//! Orders as the sandbox holds them, their vocabularies (`state`, `shipment_state`), and the
//! order JSON the API answers with.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One CloudSuite order; also the shape of `tests/fixtures/cloudsuite/orders.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: u64,
    /// The customer-facing number (`CS48193`); not unique across webshops.
    pub reference: String,
    pub webshop: u64,
    /// One of [`OrderState`]'s names.
    pub state: String,
    /// One of [`ShipmentState`]'s names.
    pub shipment_state: String,
    /// Set by the ERP (`PATCH {"erp_order_number":…}`); DESADV items name the order by it.
    pub erp_order_number: Option<String>,
    pub lines: Vec<OrderLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    /// Set by the ERP's order confirmation; DESADV items name the line by it (`ItemNum`).
    pub erp_line_number: Option<i64>,
    /// The product key.
    pub sku: String,
    pub quantity: f64,
    /// How much accepted deliveries have shipped so far.
    #[serde(default)]
    pub delivered: f64,
}

impl Order {
    /// Refuses an order whose state or shipment state is not in the platform's vocabulary:
    /// the sandbox's rules assume they are.
    pub fn check(&self) -> Result<(), String> {
        OrderState::parse(&self.state)
            .and(ShipmentState::parse(&self.shipment_state))
            .map(|_| ())
            .ok_or_else(|| {
                format!(
                    "order {}: state {:?} / shipment_state {:?} is not CloudSuite's",
                    self.id, self.state, self.shipment_state
                )
            })
    }

    /// The order as `GET /api/order/{id}/` shows it.
    pub(super) fn api_json(&self) -> Value {
        let lines: Vec<Value> = self
            .lines
            .iter()
            .map(|line| {
                json!({
                    "erp_line_number": line.erp_line_number,
                    "product": {"key": line.sku},
                    "quantity": line.quantity,
                })
            })
            .collect();
        json!({
            "id": self.id,
            "reference": self.reference,
            "webshop": self.webshop,
            "state": self.state,
            "shipment_state": self.shipment_state,
            "erp_order_number": self.erp_order_number,
            "order_lines": lines,
        })
    }

    pub(super) fn is_canceled(&self) -> bool {
        self.state == OrderState::Cancel.as_str()
    }
}

/// The orders the platform holds, by id.
#[derive(Debug, Default)]
pub(super) struct Orders(BTreeMap<u64, Order>);

impl Orders {
    /// Adds `order`, or replaces the one with its id.
    pub(super) fn put(&mut self, order: Order) -> Result<(), String> {
        order.check()?;
        self.0.insert(order.id, order);
        Ok(())
    }

    pub(super) fn get(&self, id: u64) -> Option<&Order> {
        self.0.get(&id)
    }

    pub(super) fn get_mut(&mut self, id: u64) -> Option<&mut Order> {
        self.0.get_mut(&id)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Order> {
        self.0.values()
    }

    pub(super) fn all(&self) -> Vec<Order> {
        self.0.values().cloned().collect()
    }

    /// The order whose ERP number is `number`.
    pub(super) fn with_erp_number(&self, number: &str) -> Option<&Order> {
        self.iter()
            .find(|order| order.erp_order_number.as_deref() == Some(number))
    }
}

/// An order's `state`, in the order the flow moves through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum OrderState {
    Draft,
    Quotation,
    Confirmed,
    Processing,
    Done,
    Cancel,
}

impl OrderState {
    const ALL: [Self; 6] = [
        Self::Draft,
        Self::Quotation,
        Self::Confirmed,
        Self::Processing,
        Self::Done,
        Self::Cancel,
    ];

    pub(super) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Quotation => "quotation",
            Self::Confirmed => "confirmed",
            Self::Processing => "processing",
            Self::Done => "done",
            Self::Cancel => "cancel",
        }
    }

    /// Whether an order may go from `self` to `to` (a different state). The documented flow
    /// (confirmed → processing → done) only moves forward, and cancel ends it: so an order
    /// moves to any later state, or to cancel until it is done; `cancel` and `done` are final.
    pub(super) fn can_become(self, to: Self) -> bool {
        match (self, to) {
            (Self::Cancel | Self::Done, _) => false,
            (_, Self::Cancel) => true,
            (from, to) => to > from,
        }
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An order's `shipment_state`. The seed names only `sent`; `not_sent` and `partially_sent`
/// complete the vocabulary the DESADV flow needs (the full list is not public).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ShipmentState {
    NotSent,
    PartiallySent,
    Sent,
}

impl ShipmentState {
    pub(super) fn parse(name: &str) -> Option<Self> {
        [Self::NotSent, Self::PartiallySent, Self::Sent]
            .into_iter()
            .find(|state| state.as_str() == name)
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::NotSent => "not_sent",
            Self::PartiallySent => "partially_sent",
            Self::Sent => "sent",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_moves_forward_and_stops_at_cancel_or_done() {
        use OrderState::*;
        assert!(Confirmed.can_become(Processing));
        assert!(Confirmed.can_become(Done));
        assert!(Draft.can_become(Cancel));
        assert!(Processing.can_become(Cancel));
        assert!(Processing.can_become(Done));
        assert!(!Processing.can_become(Confirmed));
        assert!(!Done.can_become(Cancel));
        assert!(!Done.can_become(Processing));
        assert!(!Cancel.can_become(Confirmed));
    }

    #[test]
    fn vocabularies_round_trip() {
        for name in [
            "draft",
            "quotation",
            "confirmed",
            "processing",
            "done",
            "cancel",
        ] {
            assert_eq!(OrderState::parse(name).map(OrderState::as_str), Some(name));
        }
        for name in ["not_sent", "partially_sent", "sent"] {
            assert_eq!(
                ShipmentState::parse(name).map(ShipmentState::as_str),
                Some(name)
            );
        }
        assert_eq!(OrderState::parse("canceled"), None);
    }
}
