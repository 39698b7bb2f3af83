//! `POST /v1/Orders(id)/Ship`: accepted once per SellerFulfillmentID, carrier and class from
//! the account's list, item quantities checked, unknown orders 404.

use super::*;

#[tokio::test]
async fn a_shipment_is_taken_once() {
    let api = Api::start().await;
    let shipped = api.ship(700002, shipment("700002-1")).await;
    assert_eq!(shipped.status, 204, "{}", shipped.body);
    assert!(shipped.body.is_empty());
    let order = api.sandbox.order(700002).unwrap();
    assert_eq!(order.shipping_status, "Shipped");
    assert_eq!(order.items[0].shipped, 1);
    assert_eq!(
        order.fulfillments,
        [Fulfillment {
            seller_fulfillment_id: Some("700002-1".into()),
            shipped_date_utc: "2024-05-01T12:00:00Z".into(),
            tracking_number: "1Z999AA10123456784".into(),
            carrier: "UPS".into(),
            class: "GROUND".into(),
            delivery_status: "Complete".into(),
            items: vec![("SKU-RED".into(), 1)],
        }]
    );

    let again = api.ship(700002, shipment("700002-1")).await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json(),
        json!({"error": {"code": "400",
            "message": "A fulfillment with SellerFulfillmentID 700002-1 already exists."}})
    );
    assert_eq!(api.sandbox.order(700002).unwrap().fulfillments.len(), 1);
}

#[tokio::test]
async fn a_package_ships_its_items_and_no_more() {
    let api = Api::start().await;
    let mut first = shipment("700001-1");
    first["Items"] = json!([{"Sku": "SKU-BLUE", "Quantity": 1}]);
    assert_eq!(api.ship(700001, first).await.status, 204);
    assert_eq!(
        api.sandbox.order(700001).unwrap().shipping_status,
        "PartiallyShipped"
    );

    let mut too_many = shipment("700001-2");
    too_many["Items"] = json!([{"Sku": "SKU-BLUE", "Quantity": 2}]);
    let refused = api.ship(700001, too_many).await;
    assert_eq!(refused.status, 400);
    assert!(refused.message().contains("SKU-BLUE"), "{}", refused.body);
    let mut stranger = shipment("700001-2");
    stranger["Items"] = json!([{"Sku": "SKU-GREEN", "Quantity": 1}]);
    assert_eq!(api.ship(700001, stranger).await.status, 400);

    // Without Items, the rest ships.
    assert_eq!(api.ship(700001, shipment("700001-2")).await.status, 204);
    let order = api.sandbox.order(700001).unwrap();
    assert_eq!(order.shipping_status, "Shipped");
    let shipped: Vec<u32> = order.items.iter().map(|item| item.shipped).collect();
    assert_eq!(shipped, [1, 2]);
    assert_eq!(
        order.fulfillments[1].items,
        [("SKU-BLUE".into(), 1), ("SKU-RED".into(), 1)]
    );
}

#[tokio::test]
async fn the_carrier_and_class_must_be_the_accounts() {
    let api = Api::start().await;
    for (carrier, class) in [("UPS", "2Day"), ("Royal Mail", "GROUND"), ("ups", "GROUND")] {
        let mut value = shipment("700003-1");
        value["ShippingCarrier"] = json!(carrier);
        value["ShippingClass"] = json!(class);
        let refused = api.ship(700003, value).await;
        assert_eq!(refused.status, 400);
        assert_eq!(
            refused.json(),
            json!({"Message": "Carrier and Class is invalid."})
        );
    }
    let mut fedex = shipment("700003-1");
    fedex["ShippingCarrier"] = json!("FedEx");
    fedex["ShippingClass"] = json!("2Day");
    assert_eq!(api.ship(700003, fedex).await.status, 204);
}

#[tokio::test]
async fn a_shipment_missing_a_field_or_for_no_order_is_refused() {
    let api = Api::start().await;
    let unknown = api.ship(12345, shipment("x")).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.json(),
        json!({"error": {"code": "404", "message": "Order 12345 not found."}})
    );
    for field in ["ShippedDateUtc", "ShippingCarrier", "ShippingClass"] {
        let mut value = shipment("700005-1");
        value.as_object_mut().unwrap().remove(field);
        let refused = api.ship(700005, value).await;
        assert_eq!(refused.status, 400);
        assert!(refused.message().contains(field), "{}", refused.body);
    }
    let mut local_time = shipment("700005-1");
    local_time["ShippedDateUtc"] = json!("2024-05-01T12:00:00");
    assert!(
        api.ship(700005, local_time)
            .await
            .message()
            .contains("ShippedDateUtc")
    );
    let bare = api
        .call(
            Method::POST,
            "/v1/Orders(700005)/Ship",
            Some(shipment("700005-1")),
        )
        .await;
    assert!(bare.message().contains("Value"), "{}", bare.body);
    let form = api
        .raw(
            Method::POST,
            "/v1/Orders(700005)/Ship",
            Token::Query(&api.token),
            None,
        )
        .await;
    assert_eq!(form.status, 415);
    assert!(api.sandbox.order(700005).unwrap().fulfillments.is_empty());
}

#[tokio::test]
async fn a_canceled_order_ships_nothing() {
    let api = Api::start().await;
    let cancel = json!({"Reason": "BuyerCancelled", "SellerAdjustmentID": "700005-cancel"});
    assert_eq!(api.adjust_order(700005, cancel).await.status, 204);
    let refused = api.ship(700005, shipment("700005-1")).await;
    assert_eq!(refused.status, 400);
    assert!(refused.message().contains("canceled"), "{}", refused.body);
}

#[tokio::test]
async fn paths_the_api_does_not_have_are_404() {
    let api = Api::start().await;
    let no_resource = json!({"error": {"code": "404",
        "message": "No HTTP resource was found that matches the request URI."}});
    for (method, path) in [
        (Method::GET, "/v1/Orders(700001)/Ship"),
        (Method::POST, "/v1/Orders(700001)/Fly"),
        (Method::POST, "/v1/Orders/Ship"),
        (Method::GET, "/v2/Orders(700001)"),
    ] {
        let reply = api.call(method, path, None).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.json(), no_resource, "{path}");
    }
    // An escaped path names the same order.
    let escaped = api
        .call(Method::POST, "/v1/Orders%28700001%29/Export", None)
        .await;
    assert_eq!(escaped.status, 204);
}
