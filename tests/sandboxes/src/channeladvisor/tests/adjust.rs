//! `Orders(id)/Export` (the acknowledgement) and the cancellations by `Adjust`.

use super::*;

#[tokio::test]
async fn export_sets_the_flag_however_often_and_delete_clears_it() {
    let api = Api::start().await;
    assert_eq!(api.export(Method::POST, 700001).await.status, 204);
    assert_eq!(api.export(Method::POST, 700001).await.status, 204);
    assert!(api.sandbox.order(700001).unwrap().exported);
    assert_eq!(api.export(Method::DELETE, 700001).await.status, 204);
    assert!(!api.sandbox.order(700001).unwrap().exported);
    let unknown = api.export(Method::POST, 9).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.message(), "Order 9 not found.");
}

#[tokio::test]
async fn an_order_is_canceled_once_per_adjustment_id() {
    let api = Api::start().await;
    let cancel = json!({"Reason": "BuyerCancelled", "SellerAdjustmentID": "700001-cancel",
        "PreventSiteProcessing": true});
    assert_eq!(api.adjust_order(700001, cancel.clone()).await.status, 204);
    let order = api.sandbox.order(700001).unwrap();
    assert!(order.canceled);
    assert!(order.items.iter().all(|item| item.canceled));
    assert_eq!(
        order.adjustments,
        [Adjustment {
            order_item_id: None,
            reason: "BuyerCancelled".into(),
            seller_adjustment_id: Some("700001-cancel".into()),
            quantity: None,
        }]
    );
    let again = api.adjust_order(700001, cancel).await;
    assert_eq!(again.status, 400);
    assert!(
        again.message().ends_with("already exists."),
        "{}",
        again.body
    );

    let unknown_reason = api
        .adjust_order(
            700002,
            json!({"Reason": "Bored", "SellerAdjustmentID": "x"}),
        )
        .await;
    assert_eq!(unknown_reason.status, 400);
    assert!(unknown_reason.message().contains("Reason"));
    assert!(!api.sandbox.order(700002).unwrap().canceled);
}

#[tokio::test]
async fn a_shipped_order_cannot_be_canceled() {
    let api = Api::start().await;
    let refused = api
        .adjust_order(
            700004,
            json!({"Reason": "BuyerCancelled", "SellerAdjustmentID": "700004-cancel"}),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json(),
        json!({"Message": "Order 700004 has shipped and cannot be canceled."})
    );
    let item = api
        .adjust_item(7000041, json!({"Reason": "BuyerCancelled"}))
        .await;
    assert_eq!(item.status, 400);
    assert!(!api.sandbox.order(700004).unwrap().canceled);
}

#[tokio::test]
async fn an_item_is_canceled_in_its_order() {
    let api = Api::start().await;
    let cancel = json!({"Reason": "ItemNotAvailable", "SellerAdjustmentID": "700003-7000031", "Quantity": 1});
    assert_eq!(api.adjust_item(7000031, cancel.clone()).await.status, 204);
    let order = api.sandbox.order(700003).unwrap();
    assert!(order.items[0].canceled);
    assert!(!order.items[1].canceled);
    assert!(!order.canceled);
    assert_eq!(order.adjustments[0].order_item_id, Some(7000031));
    assert_eq!(api.adjust_item(7000031, cancel).await.status, 400);

    // The other item ships; the canceled one no longer counts.
    assert_eq!(api.ship(700003, shipment("700003-1")).await.status, 204);
    let order = api.sandbox.order(700003).unwrap();
    assert_eq!(order.shipping_status, "Shipped");
    assert_eq!(order.fulfillments[0].items, [("SKU-RED".into(), 1)]);

    let unknown = api.adjust_item(99, json!({"Reason": "Other"})).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.message(), "Order item 99 not found.");
}
