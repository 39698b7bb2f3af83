//! The request limits: so many in flight at once, so many a minute, and the figures.

use std::time::Duration;

use super::*;

#[tokio::test]
async fn a_request_beyond_the_in_flight_limit_is_429() {
    let api = Api::start().await;
    api.sandbox
        .inject(Fault::new(FaultKind::Slow).delay_ms(500).times(6));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (http, token) = (api.http.clone(), api.token.clone());
            let url = format!(
                "{}/v1/Orders(700001)/Export?access_token={token}",
                api.sandbox.base_url()
            );
            tokio::spawn(async move { reply(http.post(url)).await })
        })
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    let throttled: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(throttled.len(), 1, "{:?}", api.statuses());
    assert_eq!(throttled[0].retry_after.as_deref(), Some("1"));
    assert_eq!(
        throttled[0].json(),
        json!({"error": {"code": "429", "message": "Too many concurrent requests."}})
    );
    assert_eq!(replies.iter().filter(|r| r.status == 204).count(), 5);
    assert_eq!(api.sandbox.most_in_flight(), 5);
    let stats = api.sandbox.stats();
    assert_eq!((stats.requests, stats.throttled), (5, 1));

    // Every place is given back: the next request is admitted.
    assert_eq!(api.export(Method::POST, 700001).await.status, 204);
}

#[tokio::test]
async fn a_request_beyond_the_minutes_limit_is_429_until_a_slot_frees() {
    let api = Api::start().await;
    api.sandbox.set_limits(5, 3);
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..4 {
        let reply = api.export(Method::POST, 700001).await;
        statuses.push(reply.status);
        last = Some(reply);
    }
    assert_eq!(statuses, [204, 204, 204, 429]);
    let last = last.unwrap();
    let retry_after: u64 = last.retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(last.message().contains("minute"), "{}", last.body);
    assert_eq!(api.sandbox.most_per_minute(), 3);
    assert_eq!(api.sandbox.most_in_flight(), 1);

    // A faulted call counts toward no limit; a raised limit admits at once.
    api.sandbox.inject(Fault::new(FaultKind::ServerError));
    assert_eq!(api.export(Method::POST, 700001).await.status, 500);
    api.sandbox.set_limits(5, 4);
    assert_eq!(api.export(Method::POST, 700001).await.status, 204);
    assert_eq!(api.sandbox.most_per_minute(), 4);
    let stats = api.sandbox.stats();
    assert_eq!((stats.requests, stats.throttled), (4, 1));
}

#[tokio::test]
async fn requests_without_a_token_count_too() {
    let api = Api::start().await;
    api.sandbox.set_limits(5, 1);
    let path = "/v1/Orders(700001)/Export";
    assert_eq!(
        api.raw(Method::POST, path, Token::None, None).await.status,
        401
    );
    assert_eq!(api.export(Method::POST, 700001).await.status, 429);
    // A client that leaves mid-call gives its place back.
    api.sandbox.set_limits(1, 100);
    api.sandbox
        .inject(Fault::new(FaultKind::Slow).delay_ms(5_000));
    let url = format!(
        "{}{path}?access_token={}",
        api.sandbox.base_url(),
        api.token
    );
    let gone = api
        .http
        .post(url)
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(gone.is_err());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(api.export(Method::POST, 700001).await.status, 204);
}
