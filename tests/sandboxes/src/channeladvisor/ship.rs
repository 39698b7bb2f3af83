//! `POST /v1/Orders(id)/Ship`: a fulfillment with tracking, for the order's listed items or
//! for everything not shipped yet. The rules: the account must have the carrier and class, a
//! `SellerFulfillmentID` is taken once per order, a canceled order ships nothing, and no item
//! ships more than is left of it.

use std::collections::BTreeMap;

use chrono::DateTime;
use serde_json::Value;

use super::config::ChannelAdvisorConfig;
use super::fields::Fields;
use super::orders::{Fulfillment, Order};
use super::refusal::Refusal;

/// The platform's `FulfillmentDeliveryStatus` names.
const DELIVERY_STATUSES: [&str; 7] = [
    "NoChange",
    "InTransit",
    "ReadyForPickup",
    "Complete",
    "Canceled",
    "ThirdPartyManaged",
    "Failed",
];

/// The status that marks items shipped ("DeliveryStatus is the field that controls whether or
/// not the order and items are marked as shipped"); also what an omitted one means.
const COMPLETE: &str = "Complete";

/// A Ship request's `Value`, read and checked on its own.
#[derive(Debug)]
pub(super) struct Shipment {
    shipped_date_utc: String,
    tracking_number: String,
    carrier: String,
    class: String,
    delivery_status: String,
    seller_fulfillment_id: Option<String>,
    /// (SKU, quantity), one entry per SKU; `None` ships everything left.
    items: Option<Vec<(String, u32)>>,
}

impl Shipment {
    /// `{"Value":{…}}`; refuses a field missing or of the wrong kind, naming it.
    pub(super) fn read(body: &Value) -> Result<Self, Refusal> {
        let value = Fields::of(body, "")?.required_object("Value")?;
        let shipped = value.required_string("ShippedDateUtc")?;
        if DateTime::parse_from_rfc3339(shipped).is_err() {
            return Err(value.refuse(
                "ShippedDateUtc",
                "must be a date and time with its offset, as 2024-05-01T12:00:00Z",
            ));
        }
        let delivery_status = match value.optional_string("DeliveryStatus")? {
            None => COMPLETE.to_owned(),
            Some(given) => DELIVERY_STATUSES
                .iter()
                .find(|known| known.eq_ignore_ascii_case(given))
                .map(|known| (*known).to_owned())
                .ok_or_else(|| {
                    value.refuse(
                        "DeliveryStatus",
                        &format!("must be one of {}", DELIVERY_STATUSES.join(", ")),
                    )
                })?,
        };
        Ok(Self {
            shipped_date_utc: shipped.to_owned(),
            tracking_number: value
                .optional_string("TrackingNumber")?
                .unwrap_or_default()
                .to_owned(),
            carrier: value.required_string("ShippingCarrier")?.to_owned(),
            class: value.required_string("ShippingClass")?.to_owned(),
            delivery_status,
            seller_fulfillment_id: value
                .optional_string("SellerFulfillmentID")?
                .map(str::to_owned),
            items: read_items(&value)?,
        })
    }

    /// Records the fulfillment on `order` and ships its quantities, or refuses and changes
    /// nothing.
    pub(super) fn apply(
        self,
        order: &mut Order,
        config: &ChannelAdvisorConfig,
    ) -> Result<(), Refusal> {
        if !config.knows_carrier(&self.carrier, &self.class) {
            return Err(Refusal::Rejected(
                "Carrier and Class is invalid.".to_owned(),
            ));
        }
        if let Some(id) = &self.seller_fulfillment_id
            && order
                .fulfillments
                .iter()
                .any(|f| f.seller_fulfillment_id.as_ref() == Some(id))
        {
            return Err(Refusal::BadRequest(format!(
                "A fulfillment with SellerFulfillmentID {id} already exists."
            )));
        }
        if order.canceled {
            return Err(Refusal::BadRequest(format!(
                "Order {} is canceled and cannot be shipped.",
                order.id
            )));
        }
        let items = match self.items {
            Some(items) => check_quantities(order, items)?,
            None => everything_left(order)?,
        };
        if self.delivery_status == COMPLETE {
            for (sku, quantity) in &items {
                ship(order, sku, *quantity);
            }
            order.update_shipping_status();
        }
        order.fulfillments.push(Fulfillment {
            seller_fulfillment_id: self.seller_fulfillment_id,
            shipped_date_utc: self.shipped_date_utc,
            tracking_number: self.tracking_number,
            carrier: self.carrier,
            class: self.class,
            delivery_status: self.delivery_status,
            items,
        });
        Ok(())
    }
}

/// `Items`: each `{"Sku","Quantity"}`, a SKU listed twice counting once with both quantities.
fn read_items(value: &Fields<'_>) -> Result<Option<Vec<(String, u32)>>, Refusal> {
    let Some(items) = value.optional_array("Items")? else {
        return Ok(None);
    };
    let mut by_sku: Vec<(String, u32)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item = Fields::of(item, &value.name(&format!("Items[{index}]")))?;
        let sku = item.required_string("Sku")?;
        let quantity = item.required_quantity("Quantity")?;
        match by_sku.iter_mut().find(|(known, _)| known == sku) {
            Some((_, total)) => *total = total.saturating_add(quantity),
            None => by_sku.push((sku.to_owned(), quantity)),
        }
    }
    Ok(Some(by_sku))
}

/// How much of `sku` is left to ship on `order`, across its items.
fn left(order: &Order, sku: &str) -> u32 {
    order
        .items
        .iter()
        .filter(|item| item.sku == sku)
        .map(|item| item.unshipped())
        .sum()
}

/// `items` when each is a SKU of the order with that much left to ship.
fn check_quantities(
    order: &Order,
    items: Vec<(String, u32)>,
) -> Result<Vec<(String, u32)>, Refusal> {
    for (sku, quantity) in &items {
        if !order.items.iter().any(|item| item.sku == *sku) {
            return Err(Refusal::BadRequest(format!(
                "Sku {sku} is not an item of order {}.",
                order.id
            )));
        }
        let left = left(order, sku);
        if *quantity > left {
            return Err(Refusal::BadRequest(format!(
                "Quantity {quantity} of Sku {sku} is more than the {left} left to ship on order {}.",
                order.id
            )));
        }
    }
    Ok(items)
}

/// Every SKU with something left to ship, and how much; refused when nothing is left.
fn everything_left(order: &Order) -> Result<Vec<(String, u32)>, Refusal> {
    let mut by_sku = BTreeMap::<&str, u32>::new();
    for item in order.items.iter().filter(|item| item.unshipped() > 0) {
        *by_sku.entry(&item.sku).or_default() += item.unshipped();
    }
    if by_sku.is_empty() {
        return Err(Refusal::BadRequest(format!(
            "Order {} has no items left to ship.",
            order.id
        )));
    }
    Ok(by_sku
        .into_iter()
        .map(|(sku, quantity)| (sku.to_owned(), quantity))
        .collect())
}

/// Marks `quantity` of `sku` shipped, filling the order's items of that SKU in turn.
fn ship(order: &mut Order, sku: &str, mut quantity: u32) {
    for item in order.items.iter_mut().filter(|item| item.sku == sku) {
        let now = quantity.min(item.unshipped());
        item.shipped += now;
        quantity -= now;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::channeladvisor::orders::OrderItem;

    fn order() -> Order {
        let item = |id, sku: &str, quantity| OrderItem {
            id,
            sku: sku.to_owned(),
            quantity,
            shipped: 0,
            canceled: false,
        };
        Order {
            id: 1,
            exported: false,
            shipping_status: "Unshipped".to_owned(),
            canceled: false,
            items: vec![item(11, "RED", 1), item(12, "BLUE", 2), item(13, "RED", 2)],
            fulfillments: Vec::new(),
            adjustments: Vec::new(),
        }
    }

    fn shipment(items: Option<Value>) -> Shipment {
        let mut value = json!({"ShippedDateUtc": "2024-05-01T12:00:00Z", "TrackingNumber": "1Z",
            "ShippingCarrier": "UPS", "ShippingClass": "GROUND"});
        if let Some(items) = items {
            value["Items"] = items;
        }
        Shipment::read(&json!({ "Value": value })).unwrap()
    }

    #[test]
    fn a_sku_on_two_items_ships_across_both() {
        let mut order = order();
        let config = ChannelAdvisorConfig::default();
        shipment(Some(json!([{"Sku": "RED", "Quantity": 2}])))
            .apply(&mut order, &config)
            .unwrap();
        let shipped: Vec<u32> = order.items.iter().map(|item| item.shipped).collect();
        assert_eq!(shipped, [1, 0, 1]);
        assert_eq!(order.shipping_status, "PartiallyShipped");
        assert!(matches!(
            shipment(Some(
                json!([{"Sku": "RED", "Quantity": 1}, {"Sku": "RED", "Quantity": 1}])
            ))
            .apply(&mut order, &config),
            Err(Refusal::BadRequest(_))
        ));
        shipment(None).apply(&mut order, &config).unwrap();
        assert_eq!(order.shipping_status, "Shipped");
        assert_eq!(
            order.fulfillments[1].items,
            [("BLUE".to_owned(), 2), ("RED".to_owned(), 1)]
        );
        assert!(shipment(None).apply(&mut order, &config).is_err());
    }

    #[test]
    fn a_status_other_than_complete_ships_nothing() {
        let mut order = order();
        let body = json!({"Value": {"ShippedDateUtc": "2024-05-01T12:00:00+02:00",
            "ShippingCarrier": "UPS", "ShippingClass": "GROUND", "DeliveryStatus": "intransit"}});
        Shipment::read(&body)
            .unwrap()
            .apply(&mut order, &ChannelAdvisorConfig::default())
            .unwrap();
        assert_eq!(order.fulfillments[0].delivery_status, "InTransit");
        assert!(order.items.iter().all(|item| item.shipped == 0));
        assert_eq!(order.shipping_status, "Unshipped");
    }

    #[test]
    fn refusals_name_the_field() {
        let refused = |value: Value| match Shipment::read(&json!({ "Value": value })) {
            Err(Refusal::BadRequest(message)) => message,
            other => panic!("{other:?}"),
        };
        let base = json!({"ShippedDateUtc": "2024-05-01T12:00:00Z", "ShippingCarrier": "UPS", "ShippingClass": "GROUND"});
        for (field, bad) in [
            ("ShippedDateUtc", json!("2024-05-01")),
            ("ShippingCarrier", json!(null)),
            ("ShippingClass", json!(7)),
            ("DeliveryStatus", json!("Lost")),
            ("Items", json!([{"Sku": "RED", "Quantity": 0}])),
        ] {
            let mut value = base.clone();
            value[field] = bad;
            let message = refused(value);
            assert!(message.contains(&format!("Value.{field}")), "{message}");
        }
        assert!(matches!(
            Shipment::read(&json!({"value": null})),
            Err(Refusal::BadRequest(message)) if message.contains("Value")
        ));
    }
}
