//! The shared OAuth2 token source against the sandboxes' token endpoint: tokens are cached per
//! account, fetched once however many uploads wait, renewed before expiry and after a refusal,
//! and a refusing token endpoint is `auth` with what to fix.

use std::time::Duration;

use orderstatus::answer::{BodySays, classify};
use orderstatus::config::SecretString;
use orderstatus::http::{HttpClient, RetryPolicy};
use orderstatus::oauth2::{AccessToken, Grant, TokenRequest, TokenSource};
use orderstatus::platform::{RejectReason, UnitResult};
use orderstatus_sandboxes::oauth2::{OAuthSandbox, TOKEN_PATH, TokenEndpoint};

const CLIENT: &str = "shop-client";
const SECRET: &str = "client-s3cret";

fn http() -> HttpClient {
    HttpClient::new(Duration::from_secs(5), RetryPolicy::default()).unwrap()
}

async fn sandbox(lifetime: Duration) -> OAuthSandbox {
    let endpoint = TokenEndpoint::new(CLIENT, SECRET, lifetime).with_refresh_token("refresh-1");
    OAuthSandbox::start(endpoint).await.expect("start")
}

fn request(sandbox: &OAuthSandbox, grant: Grant) -> TokenRequest {
    TokenRequest {
        account: "shop".into(),
        token_url: format!("{}{TOKEN_PATH}", sandbox.base_url())
            .parse()
            .unwrap(),
        grant,
    }
}

fn client_credentials(secret: &str) -> Grant {
    Grant::ClientCredentials {
        client_id: CLIENT.into(),
        client_secret: SecretString::new(secret),
        scope: Some("openid".into()),
    }
}

/// `GET /resource` with the token, judged like a platform call.
async fn resource(
    http: &HttpClient,
    sandbox: &OAuthSandbox,
    token: AccessToken,
) -> Result<(), UnitResult> {
    let url = format!("{}/resource", sandbox.base_url());
    http.exchange(
        "P",
        |client| client.get(&url).header("Authorization", token.bearer()),
        |response| {
            classify("P", response, BodySays::Answer(()), |d| {
                format!("refused ({d})")
            })
        },
    )
    .await
}

#[tokio::test]
async fn a_token_is_fetched_once_per_account_and_reused() {
    let sandbox = sandbox(Duration::from_secs(3600)).await;
    let source = TokenSource::new(http(), "P");
    let request = request(&sandbox, client_credentials(SECRET));
    let first = source.token(&request).await.unwrap();
    let second = source.token(&request).await.unwrap();
    assert_eq!(first, second);
    let calls = sandbox.endpoint.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].grant_type, "client_credentials");
    assert_eq!(calls[0].client_auth, "form");
    assert_eq!(calls[0].scope.as_deref(), Some("openid"));
    assert!(resource(&http(), &sandbox, first).await.is_ok());
    sandbox.stop().await;
}

#[tokio::test]
async fn forty_concurrent_uploads_cause_one_token_request() {
    let sandbox = sandbox(Duration::from_secs(3600)).await;
    sandbox.endpoint.set_delay(Duration::from_millis(200));
    let source = TokenSource::new(http(), "P");
    let request = request(&sandbox, client_credentials(SECRET));
    let tokens = futures::future::join_all((0..40).map(|_| source.token(&request))).await;
    let first = tokens[0].clone().unwrap();
    assert!(tokens.iter().all(|t| t.as_ref() == Ok(&first)));
    assert_eq!(sandbox.endpoint.calls().len(), 1);
    assert_eq!(source.fetches(), 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    // A 2 s token is used for the first half of its life only.
    let sandbox = sandbox(Duration::from_secs(2)).await;
    let source = TokenSource::new(http(), "P");
    let request = request(&sandbox, client_credentials(SECRET));
    let first = source.token(&request).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let second = source.token(&request).await.unwrap();
    assert_ne!(first, second, "renewed while the first still lived");
    assert!(resource(&http(), &sandbox, second).await.is_ok());
    assert_eq!(sandbox.endpoint.calls().len(), 2);
    sandbox.stop().await;
}

#[tokio::test]
async fn the_refresh_token_grant_authenticates_the_client_by_http_basic() {
    let sandbox = sandbox(Duration::from_secs(3600)).await;
    let source = TokenSource::new(http(), "P");
    let grant = |refresh: &str| Grant::RefreshToken {
        client_id: CLIENT.into(),
        client_secret: SecretString::new(SECRET),
        refresh_token: SecretString::new(refresh),
    };
    let token = source
        .token(&request(&sandbox, grant("refresh-1")))
        .await
        .unwrap();
    assert!(resource(&http(), &sandbox, token).await.is_ok());
    let calls = sandbox.endpoint.calls();
    assert_eq!(
        (calls[0].grant_type.as_str(), calls[0].client_auth),
        ("refresh_token", "basic")
    );

    let mut other = request(&sandbox, grant("refresh-revoked"));
    other.account = "other".into();
    match source.token(&other).await {
        Err(UnitResult::Rejected {
            reason: RejectReason::Auth,
            message,
        }) => {
            assert!(message.contains("invalid_grant"), "{message}");
            assert!(
                message.contains("refresh_token is expired or revoked"),
                "{message}"
            );
            assert!(message.contains("account \"other\""), "{message}");
            assert!(
                !message.contains("refresh-revoked") && !message.contains(SECRET),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn a_refused_client_is_auth_and_says_which_fields_to_fix() {
    let sandbox = sandbox(Duration::from_secs(3600)).await;
    let source = TokenSource::new(http(), "P");
    match source
        .token(&request(&sandbox, client_credentials("wrong")))
        .await
    {
        Err(UnitResult::Rejected {
            reason: RejectReason::Auth,
            message,
        }) => {
            assert!(message.contains("invalid_client"), "{message}");
            assert!(
                message.contains("check client_id and client_secret"),
                "{message}"
            );
            assert!(!message.contains("wrong"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sandbox.endpoint.calls().len(),
        1,
        "a refusal is not retried"
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_for_forty_concurrent_calls() {
    let sandbox = sandbox(Duration::from_secs(3600)).await;
    let source = TokenSource::new(http(), "P");
    let request = request(&sandbox, client_credentials(SECRET));
    let http = http();
    source.token(&request).await.unwrap();
    sandbox.endpoint.revoke_all();
    sandbox.endpoint.set_delay(Duration::from_millis(100));
    let results = futures::future::join_all(
        (0..40).map(|_| source.authorized(&request, |token| resource(&http, &sandbox, token))),
    )
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        sandbox.endpoint.calls().len(),
        2,
        "the first token, then one renewal"
    );

    // A platform that keeps refusing: one renewal, then its refusal stands.
    let refusals = std::sync::atomic::AtomicUsize::new(0);
    let refused = source
        .authorized(&request, |_token| {
            refusals.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async { Err::<(), _>(UnitResult::rejected(RejectReason::Auth, "no")) }
        })
        .await;
    assert_eq!(refused, Err(UnitResult::rejected(RejectReason::Auth, "no")));
    assert_eq!(refusals.into_inner(), 2, "the call and one retry");
    assert_eq!(sandbox.endpoint.calls().len(), 3);
    sandbox.stop().await;
}
