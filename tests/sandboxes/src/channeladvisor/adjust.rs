//! `POST /v1/Orders(id)/Adjust` and `POST /v1/OrderItems(id)/Adjust`: cancellations. The
//! rules: a reason the platform knows, a `SellerAdjustmentID` taken once per order, and
//! nothing shipped can be canceled.

use serde_json::Value;

use super::fields::Fields;
use super::orders::{Adjustment, Order};
use super::refusal::Refusal;

/// The adjustment reasons the platform takes (both spellings of the buyer's cancellation
/// exist).
pub(super) const REASONS: [&str; 8] = [
    "BuyerCancelled",
    "ItemNotAvailable",
    "CustomerReturnedItem",
    "CouldNotShip",
    "AlternateItemProvided",
    "BuyerCanceled",
    "Other",
    "GeneralAdjustment",
];

/// An Adjust request's body, read and checked on its own.
#[derive(Debug)]
pub(super) struct AdjustRequest {
    reason: String,
    seller_adjustment_id: Option<String>,
    /// How many of the item to cancel; all that is left when absent (item level only).
    quantity: Option<u32>,
}

impl AdjustRequest {
    /// `{"Reason","SellerAdjustmentID","Quantity"?}`; `PreventSiteProcessing` and the refund
    /// amounts change nothing here and are not read.
    pub(super) fn read(body: &Value) -> Result<Self, Refusal> {
        let body = Fields::of(body, "")?;
        let given = body.required_string("Reason")?;
        let reason = REASONS
            .iter()
            .find(|known| known.eq_ignore_ascii_case(given))
            .ok_or_else(|| {
                body.refuse("Reason", &format!("must be one of {}", REASONS.join(", ")))
            })?;
        Ok(Self {
            reason: (*reason).to_owned(),
            seller_adjustment_id: body
                .optional_string("SellerAdjustmentID")?
                .map(str::to_owned),
            quantity: body.optional_quantity("Quantity")?,
        })
    }

    /// Cancels `order`: every item not shipped in full.
    pub(super) fn cancel_order(self, order: &mut Order) -> Result<(), Refusal> {
        self.refuse_repeat(order)?;
        if order.shipped() {
            return Err(Refusal::Rejected(format!(
                "Order {} has shipped and cannot be canceled.",
                order.id
            )));
        }
        order.canceled = true;
        for item in order.items.iter_mut().filter(|item| item.unshipped() > 0) {
            item.canceled = true;
        }
        order.update_shipping_status();
        self.record(order, None, None);
        Ok(())
    }

    /// Cancels `quantity` (or all that is left) of item `item_id` of `order`; the item is
    /// canceled once nothing is left of it, the order once every item is.
    pub(super) fn cancel_item(self, order: &mut Order, item_id: u64) -> Result<(), Refusal> {
        self.refuse_repeat(order)?;
        let Some(item) = order.items.iter_mut().find(|item| item.id == item_id) else {
            return Err(Refusal::NotFound(format!(
                "Order item {item_id} not found."
            )));
        };
        let left = item.quantity.saturating_sub(item.shipped);
        if left == 0 {
            return Err(Refusal::Rejected(format!(
                "Order item {item_id} has shipped and cannot be canceled."
            )));
        }
        match self.quantity {
            Some(quantity) if quantity > left => {
                return Err(Refusal::BadRequest(format!(
                    "Quantity {quantity} is more than the {left} left of order item {item_id}."
                )));
            }
            Some(quantity) if quantity < left => {}
            _ => item.canceled = true,
        }
        if order.items.iter().all(|item| item.canceled) {
            order.canceled = true;
        }
        order.update_shipping_status();
        let quantity = self.quantity;
        self.record(order, Some(item_id), quantity);
        Ok(())
    }

    /// A `SellerAdjustmentID` the order already has is refused: the adjustment was applied.
    fn refuse_repeat(&self, order: &Order) -> Result<(), Refusal> {
        match &self.seller_adjustment_id {
            Some(id) if order.has_adjustment(id) => Err(Refusal::BadRequest(format!(
                "An adjustment with SellerAdjustmentID {id} already exists."
            ))),
            _ => Ok(()),
        }
    }

    fn record(self, order: &mut Order, order_item_id: Option<u64>, quantity: Option<u32>) {
        order.adjustments.push(Adjustment {
            order_item_id,
            reason: self.reason,
            seller_adjustment_id: self.seller_adjustment_id,
            quantity,
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::channeladvisor::orders::OrderItem;

    fn order() -> Order {
        Order {
            id: 1,
            exported: false,
            shipping_status: "PartiallyShipped".to_owned(),
            canceled: false,
            items: vec![
                OrderItem {
                    id: 11,
                    sku: "RED".to_owned(),
                    quantity: 1,
                    shipped: 1,
                    canceled: false,
                },
                OrderItem {
                    id: 12,
                    sku: "BLUE".to_owned(),
                    quantity: 3,
                    shipped: 0,
                    canceled: false,
                },
            ],
            fulfillments: Vec::new(),
            adjustments: Vec::new(),
        }
    }

    fn request(body: Value) -> AdjustRequest {
        AdjustRequest::read(&body).unwrap()
    }

    #[test]
    fn an_item_is_canceled_once_nothing_is_left_of_it() {
        let mut order = order();
        request(json!({"Reason": "buyercancelled", "SellerAdjustmentID": "a", "Quantity": 1}))
            .cancel_item(&mut order, 12)
            .unwrap();
        assert!(!order.items[1].canceled);
        assert_eq!(order.adjustments[0].reason, "BuyerCancelled");
        assert_eq!(order.adjustments[0].quantity, Some(1));
        let more = request(json!({"Reason": "Other", "Quantity": 4}));
        assert!(matches!(
            more.cancel_item(&mut order, 12),
            Err(Refusal::BadRequest(_))
        ));
        request(json!({"Reason": "Other", "SellerAdjustmentID": "b"}))
            .cancel_item(&mut order, 12)
            .unwrap();
        assert!(order.items[1].canceled);
        // The shipped item was all that was left: the order has shipped in full.
        assert_eq!(order.shipping_status, "Shipped");
        assert!(!order.canceled);
        let shipped = request(json!({"Reason": "Other"})).cancel_item(&mut order, 11);
        assert!(matches!(shipped, Err(Refusal::Rejected(_))));
    }

    #[test]
    fn a_partly_shipped_order_cancels_what_is_left() {
        let mut order = order();
        request(json!({"Reason": "CouldNotShip", "PreventSiteProcessing": true}))
            .cancel_order(&mut order)
            .unwrap();
        assert!(order.canceled);
        assert!(!order.items[0].canceled);
        assert!(order.items[1].canceled);
    }

    #[test]
    fn the_reason_must_be_known() {
        for body in [json!({}), json!({"Reason": "Bored"}), json!({"Reason": 3})] {
            assert!(AdjustRequest::read(&body).is_err(), "{body}");
        }
    }
}
