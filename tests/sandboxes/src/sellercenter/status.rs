//! Order item statuses and the transitions Seller Center allows between them.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ItemStatus {
    Pending,
    ReadyToShip,
    Shipped,
    Delivered,
    Canceled,
    FailedDelivery,
    ReturnShippedByCustomer,
    Returned,
}

use ItemStatus::*;

impl ItemStatus {
    pub(super) const ALL: [ItemStatus; 8] = [
        Pending,
        ReadyToShip,
        Shipped,
        Delivered,
        Canceled,
        FailedDelivery,
        ReturnShippedByCustomer,
        Returned,
    ];

    /// What `UpdateItemsStatus` may request; `pending` and `ready_to_ship` are Seller Center's
    /// own states, reached only before the OMS takes over (or through the control API).
    pub(super) const REQUESTABLE: [ItemStatus; 6] = [
        Shipped,
        Canceled,
        FailedDelivery,
        Delivered,
        Returned,
        ReturnShippedByCustomer,
    ];

    /// Parses a status name; the error lists the names there are.
    pub(super) fn parse_named(name: &str) -> Result<Self, String> {
        name.parse().map_err(|()| {
            let known: Vec<&str> = Self::ALL.map(Self::as_str).to_vec();
            format!(
                "unknown item status \"{name}\", expected one of {}",
                known.join(", ")
            )
        })
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Pending => "pending",
            ReadyToShip => "ready_to_ship",
            Shipped => "shipped",
            Delivered => "delivered",
            Canceled => "canceled",
            FailedDelivery => "failed_delivery",
            ReturnShippedByCustomer => "return_shipped_by_customer",
            Returned => "returned",
        }
    }

    /// The numeric status id Seller Center puts in some messages ("current status (id:1)").
    /// The platform's real numbering is not public; this is the sandbox's own, stable one.
    pub(super) fn id(self) -> u8 {
        match self {
            Pending => 1,
            ReadyToShip => 2,
            Shipped => 3,
            Delivered => 4,
            Canceled => 5,
            FailedDelivery => 6,
            ReturnShippedByCustomer => 7,
            Returned => 8,
        }
    }

    /// Whether an item in `self` may move to `next`.
    ///
    /// From the seller-visible state machine (Pending → Ready to Ship → Shipped → Delivered,
    /// with Canceled, Delivery failed and Returned as terminal alternatives) and the Seller
    /// API's rules, two choices the sources leave open:
    /// * shipped → canceled is refused: cancelling is for items not yet handed to a carrier
    ///   (the Seller API cancels only pending items); a shipped item that does not arrive ends
    ///   as failed_delivery.
    /// * failed_delivery is terminal: the item's way back is told through its status details
    ///   ("With 3PL on way to Seller", "Returned to Seller"), not by a move to returned.
    pub(super) fn can_become(self, next: ItemStatus) -> bool {
        matches!(
            (self, next),
            (Pending | ReadyToShip, Shipped | Canceled)
                | (Shipped, Delivered | FailedDelivery)
                | (Delivered, Returned | ReturnShippedByCustomer)
                | (ReturnShippedByCustomer, Returned)
        )
    }
}

impl fmt::Display for ItemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ItemStatus {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in ItemStatus::ALL {
            assert_eq!(status.as_str().parse::<ItemStatus>(), Ok(status));
        }
        assert!("Shipped".parse::<ItemStatus>().is_err());
    }

    #[test]
    fn allows_exactly_the_documented_moves() {
        let allowed: Vec<(ItemStatus, ItemStatus)> = ItemStatus::ALL
            .into_iter()
            .flat_map(|from| ItemStatus::ALL.into_iter().map(move |to| (from, to)))
            .filter(|(from, to)| from.can_become(*to))
            .collect();
        assert_eq!(
            allowed,
            [
                (Pending, Shipped),
                (Pending, Canceled),
                (ReadyToShip, Shipped),
                (ReadyToShip, Canceled),
                (Shipped, Delivered),
                (Shipped, FailedDelivery),
                (Delivered, ReturnShippedByCustomer),
                (Delivered, Returned),
                (ReturnShippedByCustomer, Returned),
            ]
        );
    }
}
