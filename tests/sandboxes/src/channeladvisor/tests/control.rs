//! The `/_sandbox/` endpoints, the configuration's Debug and the fixture.

use super::*;

#[tokio::test]
async fn the_control_endpoints_steer_the_sandbox() {
    let api = Api::start().await;
    let order = r#"[{"id": 1, "shipping_status": "Unshipped",
        "items": [{"id": 11, "sku": "A", "quantity": 2}]}]"#;
    assert_eq!(api.control("orders", Some(order)).await.status, 204);
    assert_eq!(api.sandbox.order(1).unwrap().items[0].shipped, 0);
    // An item id that is another order's refuses the whole batch.
    let clash = r#"[{"id": 2, "shipping_status": "Unshipped", "items": []},
        {"id": 3, "shipping_status": "Unshipped", "items": [{"id": 11, "sku": "B", "quantity": 1}]}]"#;
    assert_eq!(api.control("orders", Some(clash)).await.status, 400);
    assert!(api.sandbox.order(2).is_none());
    let lost = r#"[{"id": 4, "shipping_status": "Lost"}]"#;
    assert_eq!(api.control("orders", Some(lost)).await.status, 400);

    let fault = api
        .control("faults", Some(r#"{"kind":"server_error"}"#))
        .await;
    assert_eq!(fault.status, 204);
    assert_eq!(api.export(Method::POST, 1).await.status, 500);
    let limits = api.control("limits", Some(r#"{"per_minute": 1}"#)).await;
    assert_eq!(limits.status, 204);
    assert_eq!(api.export(Method::POST, 1).await.status, 204);
    assert_eq!(api.export(Method::POST, 1).await.status, 429);

    let calls = api.control("calls", None).await.json();
    assert_eq!(calls[0]["path"], "/v1/Orders(1)/Export");
    assert_eq!(calls[0]["query"], "access_token=[redacted]");
    assert_eq!(calls[0]["status"], 500);
    assert_eq!(
        api.control("stats", None).await.json(),
        json!({"most_in_flight": 1, "most_per_minute": 1, "requests": 1, "throttled": 1})
    );
    assert_eq!(
        api.control("orders", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        6
    );

    assert_eq!(api.control("reset", Some("")).await.status, 204);
    assert!(api.sandbox.orders().is_empty());
    assert!(api.sandbox.calls().is_empty());
    assert_eq!(api.sandbox.stats(), Stats::default());
    // The configured limits are back.
    api.sandbox
        .add_order(serde_json::from_str::<Vec<Order>>(order).unwrap().remove(0));
    assert_eq!(api.export(Method::POST, 1).await.status, 204);
    assert_eq!(api.export(Method::POST, 1).await.status, 204);
}

#[test]
fn the_config_hides_its_secrets() {
    let config = ChannelAdvisorConfig {
        shared_secret: "hunter2".to_owned(),
        refresh_token: "refresh-me".to_owned(),
        ..ChannelAdvisorConfig::default()
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("refresh-me"), "{shown}");
    assert!(shown.contains("sandbox-application"));
}

#[test]
fn the_fixture_holds_the_orders_the_tests_name() {
    let orders: Vec<Order> = serde_json::from_str(FIXTURE).unwrap();
    let ids: Vec<u64> = orders.iter().map(|o| o.id).collect();
    assert_eq!(ids, [700001, 700002, 700003, 700004, 700005]);
    assert!(orders.iter().all(|o| o.check().is_ok()));
    assert_eq!(orders[3].shipping_status, "Shipped");
}
