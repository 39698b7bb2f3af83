//! The status-detail endpoint Seller Center calls: signed calls get the account's options,
//! unsigned, tampered or stale ones are refused. Called as a plain handler, and through the
//! compiled binary under the Runtime API with a function URL event.

use std::time::Duration;

use chrono::{DateTime, Utc};
use orderstatus::config::SecretsEnv;
use orderstatus_sandboxes::sellercenter::signature;
use orderstatus_sellercenter::signature::encode;
use orderstatus_sellercenter::status_details::{EndpointRequest, StatusDetailsEndpoint};
use orderstatus_tests::lambda::LambdaFunction;
use orderstatus_tests::stack::TestStack;
use serde_json::{Value, json};

const KEY: &str = "venture-key-5d1e";

async fn stack_with_account() -> TestStack {
    let stack = TestStack::new(Duration::from_secs(30)).await;
    stack
        .put_secret(
            "sellercenter",
            "default",
            &json!({"base_url": "https://sellercenter-api.venture.com", "api_key": KEY,
                    "status_details": {"shipped": ["At the hub", "Out for delivery"]}}),
        )
        .await;
    stack
}

fn endpoint(stack: &TestStack) -> StatusDetailsEndpoint {
    let env = SecretsEnv {
        prefix: stack.secrets_prefix.clone(),
        allow_insecure_http: false,
    };
    StatusDetailsEndpoint::new(
        stack.clients.secrets.clone(),
        &env,
        Duration::from_secs(300),
    )
}

/// A query Seller Center would send, signed with the sandbox's signer (not the function's).
fn signed_query(action: &str, at: DateTime<Utc>, key: &str) -> String {
    let timestamp = at.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    let params = [
        ("Action", action),
        ("ServiceName", "SellerCenter"),
        ("Timestamp", timestamp.as_str()),
        ("Version", "1.0"),
    ];
    let query: Vec<String> = params
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    format!("{}&Signature={}", query.join("&"), signature(&params, key))
}

fn get<'a>(path: &'a str, query: &'a str) -> EndpointRequest<'a> {
    EndpointRequest {
        method: "GET",
        path,
        query,
    }
}

fn error_message(body: &Value) -> &str {
    body["ErrorResponse"]["Head"]["ErrorMessage"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_signed_call_gets_the_accounts_options() {
    let stack = stack_with_account().await;
    let endpoint = endpoint(&stack);
    let now = Utc::now();
    let query = signed_query("getStatusDetailOptionList", now, KEY);
    let answer = endpoint.handle(get("/", &query), now).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let options = &answer.body["SuccessResponse"]["Body"]["StatusDetailOptions"];
    assert_eq!(
        options["shipped"],
        json!(["At the hub", "Out for delivery"])
    );
    assert_eq!(
        options["returned"][0], "Initiated",
        "the seed's list by default"
    );
    assert_eq!(options["failed_delivery"].as_array().unwrap().len(), 4);
    assert_eq!(options["delivered"], json!([]));
    let posted = EndpointRequest {
        method: "POST",
        ..get("/default", &query)
    };
    assert_eq!(endpoint.handle(posted, now).await.status, 200);
}

#[tokio::test]
async fn unsigned_tampered_or_wrongly_keyed_calls_get_401() {
    let stack = stack_with_account().await;
    let endpoint = endpoint(&stack);
    let now = Utc::now();
    let signed = signed_query("getStatusDetailOptionList", now, KEY);

    let unsigned = signed.split("&Signature=").next().unwrap().to_owned();
    let answer = endpoint.handle(get("/", &unsigned), now).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        error_message(&answer.body),
        "E001: Missing Mandatory Parameter: Signature"
    );

    let tampered = signed.replace("ServiceName=SellerCenter", "ServiceName=Someone");
    let answer = endpoint.handle(get("/", &tampered), now).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        error_message(&answer.body),
        "E007: Login failed. Signature mismatching"
    );

    let wrong_key = signed_query("getStatusDetailOptionList", now, "guessed");
    assert_eq!(endpoint.handle(get("/", &wrong_key), now).await.status, 401);
    assert!(!answer.body.to_string().contains(KEY));
}

#[tokio::test]
async fn stale_calls_and_unknown_accounts_get_403_other_actions_400() {
    let stack = stack_with_account().await;
    let endpoint = endpoint(&stack);
    // Whole seconds, as timestamps are written: 301 s away is then exactly 301 s away.
    let now = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    let stale = signed_query(
        "getStatusDetailOptionList",
        now - chrono::Duration::seconds(301),
        KEY,
    );
    let answer = endpoint.handle(get("/", &stale), now).await;
    assert_eq!(answer.status, 403);
    assert_eq!(error_message(&answer.body), "E003: Timestamp has expired");
    let future = signed_query(
        "getStatusDetailOptionList",
        now + chrono::Duration::seconds(301),
        KEY,
    );
    assert_eq!(endpoint.handle(get("/", &future), now).await.status, 403);

    let query = signed_query("getStatusDetailOptionList", now, KEY);
    let answer = endpoint.handle(get("/other-venture", &query), now).await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        error_message(&answer.body),
        "E009: Access Denied: no account \"other-venture\""
    );

    let other_action = signed_query("UpdateItemsStatus", now, KEY);
    assert_eq!(
        endpoint.handle(get("/", &other_action), now).await.status,
        400
    );
    let deleting = EndpointRequest {
        method: "DELETE",
        ..get("/", &query)
    };
    assert_eq!(endpoint.handle(deleting, now).await.status, 405);
}

fn function_url_event(query: &str) -> Value {
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": query,
        "headers": {"host": "abc.lambda-url.us-east-1.on.aws", "user-agent": "SellerCenter"},
        "requestContext": {
            "accountId": "anonymous", "apiId": "abc", "domainName": "abc.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abc", "requestId": "r-1", "routeKey": "$default", "stage": "$default",
            "time": "01/May/2024:12:00:00 +0000", "timeEpoch": 1_714_564_800_000_i64,
            "http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "SellerCenter"}
        },
        "isBase64Encoded": false
    })
}

#[tokio::test]
async fn the_binary_answers_function_url_events() {
    let stack = stack_with_account().await;
    let function = LambdaFunction::start(
        "orderstatus-sellercenter",
        "orderstatus-sellercenter-status-details",
        stack.function_env_vars(),
    )
    .await;
    let signed = signed_query("getStatusDetailOptionList", Utc::now(), KEY);
    let answer = function
        .invoke(function_url_event(&signed), Duration::from_secs(60))
        .await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(answer["headers"]["content-type"], "application/json");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["SuccessResponse"]["Body"]["StatusDetailOptions"]["shipped"][1],
        "Out for delivery"
    );

    let unsigned = signed.split("&Signature=").next().unwrap().to_owned();
    let answer = function
        .invoke(function_url_event(&unsigned), Duration::from_secs(60))
        .await;
    assert_eq!(answer["statusCode"], 401, "{answer}");

    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = function.logs();
    assert!(logs.contains("getStatusDetailOptionList"), "{logs}");
    assert!(!logs.contains(KEY), "the key in the logs");
    function.stop().await;
}
