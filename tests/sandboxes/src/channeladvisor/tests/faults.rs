//! Each fault answers instead of the API and applies nothing; a slow one waits, then applies.

use std::time::{Duration, Instant};

use super::*;

#[tokio::test]
async fn each_fault_answers_instead_and_applies_nothing() {
    let api = Api::start().await;
    api.sandbox.inject(Fault::new(FaultKind::Unauthorized));
    api.sandbox.inject(Fault::new(FaultKind::TooManyRequests));
    api.sandbox.inject(Fault::new(FaultKind::ServerError));

    let unauthorized = api.export(Method::POST, 700001).await;
    assert_eq!(unauthorized.status, 401);
    assert_eq!(
        unauthorized.message(),
        "Authorization has been denied for this request."
    );
    let throttled = api.export(Method::POST, 700001).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.retry_after.as_deref(), Some("1"));
    assert_eq!(throttled.json()["error"]["code"], "429");
    let broken = api.export(Method::POST, 700001).await;
    assert_eq!(broken.status, 500);
    assert!(!api.sandbox.order(700001).unwrap().exported);

    assert_eq!(api.export(Method::POST, 700001).await.status, 204);
    assert_eq!(api.statuses(), [401, 429, 500, 204]);
    assert_eq!(api.sandbox.stats().requests, 1);
}

#[tokio::test]
async fn a_slow_fault_waits_then_handles_the_call() {
    let api = Api::start().await;
    api.sandbox
        .inject(Fault::new(FaultKind::Slow).delay_ms(200));
    let started = Instant::now();
    let reply = api.ship(700005, shipment("700005-1")).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(reply.status, 204);
    assert_eq!(
        api.sandbox.order(700005).unwrap().shipping_status,
        "Shipped"
    );
}

#[tokio::test]
async fn cleared_faults_answer_nothing() {
    let api = Api::start().await;
    api.sandbox
        .inject(Fault::new(FaultKind::ServerError).times(3));
    api.sandbox.clear_faults();
    assert_eq!(api.export(Method::POST, 700001).await.status, 204);
}
