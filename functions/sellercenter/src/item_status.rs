//! Seller Center's item statuses (the `item_status` values of `UpdateItemsStatus`) and which
//! canonical statuses become which.

use orderstatus::message::OrderStatus;
use serde::{Deserialize, Serialize};

/// An order item status the OMS may set (platform-apis.md §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Shipped,
    Delivered,
    Canceled,
    FailedDelivery,
    ReturnShippedByCustomer,
    Returned,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 6] = [
        Self::Shipped,
        Self::Delivered,
        Self::Canceled,
        Self::FailedDelivery,
        Self::ReturnShippedByCustomer,
        Self::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Canceled => "canceled",
            Self::FailedDelivery => "failed_delivery",
            Self::ReturnShippedByCustomer => "return_shipped_by_customer",
            Self::Returned => "returned",
        }
    }

    /// The item status a canonical status sets, or why it sets none: the OMS owns
    /// acknowledgement, payment and packing, so Seller Center has no call for them.
    pub fn from_canonical(status: OrderStatus) -> Result<Self, &'static str> {
        Ok(match status {
            OrderStatus::Shipped => Self::Shipped,
            OrderStatus::Delivered => Self::Delivered,
            OrderStatus::Canceled => Self::Canceled,
            OrderStatus::FailedDelivery => Self::FailedDelivery,
            OrderStatus::ReturnShippedByCustomer => Self::ReturnShippedByCustomer,
            OrderStatus::Returned => Self::Returned,
            OrderStatus::Acknowledged => {
                return Err("Seller Center has no item status for an acknowledged order");
            }
            OrderStatus::Paid => return Err("Seller Center has no item status for a payment"),
            // An order-level "partially shipped" is decided item by item by the mapping; what
            // is left here is an item that has not left yet.
            OrderStatus::Processing | OrderStatus::Backordered | OrderStatus::PartiallyShipped => {
                return Err("Seller Center has no item status for an item not shipped yet");
            }
        })
    }
}

impl std::fmt::Display for ItemStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_status_is_named_as_the_api_spells_it() {
        for status in ItemStatus::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
    }

    #[test]
    fn canonical_statuses_without_an_item_status_say_why() {
        let mapped: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter_map(|s| ItemStatus::from_canonical(s).ok())
            .collect();
        assert_eq!(mapped.len(), 6);
        for status in [
            OrderStatus::Acknowledged,
            OrderStatus::Paid,
            OrderStatus::Processing,
            OrderStatus::Backordered,
        ] {
            assert!(ItemStatus::from_canonical(status).is_err(), "{status}");
        }
    }
}
