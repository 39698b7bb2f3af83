//! Tokens by the refresh grant, presented in the query or as a Bearer header, and the 401s.

use std::time::Duration;

use super::*;

#[tokio::test]
async fn a_refreshed_token_works_in_the_query_and_as_a_bearer() {
    let api = Api::start().await;
    let token = api
        .refresh(
            "sandbox-application",
            "sandbox-shared-secret",
            "sandbox-refresh-token",
        )
        .await;
    assert_eq!(token.json()["expires_in"], 3600);
    let token = token.json()["access_token"].as_str().unwrap().to_owned();
    let path = "/v1/Orders(700001)/Export";
    let by_query = api
        .raw(Method::POST, path, Token::Query(&token), None)
        .await;
    assert_eq!(by_query.status, 204, "{}", by_query.body);
    let by_header = api
        .raw(Method::POST, path, Token::Bearer(&token), None)
        .await;
    assert_eq!(by_header.status, 204, "{}", by_header.body);

    let calls = api.sandbox.calls();
    assert_eq!(calls[0].query, "access_token=[redacted]");
    assert_eq!(calls[1].query, "");
    assert!(calls.iter().all(|call| !call.query.contains(&token)));
    let grants: Vec<_> = api.sandbox.tokens().calls();
    assert!(
        grants
            .iter()
            .all(|call| call.grant_type == "refresh_token" && call.client_auth == "basic")
    );
}

#[tokio::test]
async fn the_token_endpoint_refuses_a_wrong_refresh_token_or_client() {
    let api = Api::start().await;
    let wrong_grant = api
        .refresh("sandbox-application", "sandbox-shared-secret", "stolen")
        .await;
    assert_eq!(wrong_grant.status, 400);
    assert_eq!(wrong_grant.json()["error"], "invalid_grant");
    let wrong_client = api
        .refresh("sandbox-application", "guess", "sandbox-refresh-token")
        .await;
    assert_eq!(wrong_client.status, 401);
    assert_eq!(wrong_client.json()["error"], "invalid_client");

    api.sandbox.tokens().set_refresh_token(None);
    let revoked = api
        .refresh(
            "sandbox-application",
            "sandbox-shared-secret",
            "sandbox-refresh-token",
        )
        .await;
    assert_eq!(revoked.json()["error"], "invalid_grant");
    api.sandbox.reset();
    let restored = api
        .refresh(
            "sandbox-application",
            "sandbox-shared-secret",
            "sandbox-refresh-token",
        )
        .await;
    assert_eq!(restored.status, 200);
}

#[tokio::test]
async fn calls_without_a_live_token_are_401() {
    let api = Api::start_with(ChannelAdvisorConfig {
        token_lifetime: Duration::from_millis(300),
        ..ChannelAdvisorConfig::default()
    })
    .await;
    let path = "/v1/Orders(700001)/Export";
    let anonymous = api.raw(Method::POST, path, Token::None, None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.json(),
        json!({"error": {"code": "401", "message": "Authorization has been denied for this request."}})
    );
    let forged = api
        .raw(Method::POST, path, Token::Bearer("forged"), None)
        .await;
    assert_eq!(forged.status, 401);
    assert_eq!(api.export(Method::POST, 700001).await.status, 204);
    let expires = api.sandbox.tokens().expires_at(&api.token).unwrap();
    tokio::time::sleep(expires.saturating_duration_since(std::time::Instant::now())).await;
    assert_eq!(api.export(Method::POST, 700001).await.status, 401);
    assert_eq!(api.statuses(), [401, 401, 204, 401]);
    // Nothing was applied by a refused call.
    api.sandbox.tokens().revoke_all();
    assert_eq!(api.export(Method::DELETE, 700001).await.status, 401);
    assert!(api.sandbox.order(700001).unwrap().exported);
}
