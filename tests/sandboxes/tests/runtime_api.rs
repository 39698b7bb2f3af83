//! The Runtime API stand-in, driven by a hand-written function loop over HTTP.

use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use orderstatus_sandboxes::runtime_api::{Invocation, RuntimeApi};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(10);

fn http() -> Client {
    // A proxy from the environment must not intercept 127.0.0.1.
    Client::builder().no_proxy().build().unwrap()
}

fn url(api: &RuntimeApi, path: &str) -> String {
    format!("http://{}/2018-06-01/runtime/{path}", api.address())
}

/// What the function got from `/next`.
struct Delivered {
    request_id: String,
    headers: reqwest::header::HeaderMap,
    event: Value,
}

async fn next(api: &RuntimeApi) -> Delivered {
    let response = http()
        .get(url(api, "invocation/next"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let request_id = headers["lambda-runtime-aws-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let event = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    Delivered {
        request_id,
        headers,
        event,
    }
}

async fn post(api: &RuntimeApi, path: &str, body: &Value) -> StatusCode {
    let response = http()
        .post(url(api, path))
        .body(body.to_string())
        .send()
        .await;
    response.unwrap().status()
}

#[tokio::test]
async fn next_delivers_the_event_with_lambda_headers_and_the_response_returns() {
    let api = RuntimeApi::start().await.unwrap();
    api.lambda_env("orders");
    let event = json!({ "Records": [{ "body": "hello" }] });
    let invoked = api.invoke(event.clone(), Duration::from_secs(30));

    let function = async {
        let delivered = next(&api).await;
        assert_eq!(delivered.event, event);
        assert!(!delivered.request_id.is_empty());
        let header = |name: &str| delivered.headers[name].to_str().unwrap().to_owned();
        let deadline_ms: u128 = header("lambda-runtime-deadline-ms").parse().unwrap();
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis();
        assert!(deadline_ms > now_ms, "the deadline is in the future");
        assert_eq!(
            header("lambda-runtime-invoked-function-arn"),
            "arn:aws:lambda:us-east-1:123456789012:function:orders"
        );
        assert!(header("lambda-runtime-trace-id").starts_with("Root=1-"));
        let path = format!("invocation/{}/response", delivered.request_id);
        assert_eq!(
            post(&api, &path, &json!({ "ok": 1 })).await,
            StatusCode::ACCEPTED
        );
    };
    let (invocation, ()) = tokio::join!(invoked, function);

    assert_eq!(
        invocation.unwrap(),
        Invocation::Response(json!({ "ok": 1 }))
    );
    api.stop().await;
}

#[tokio::test]
async fn an_error_post_is_returned_as_an_error() {
    let api = RuntimeApi::start().await.unwrap();
    let failure = json!({ "errorType": "Boom", "errorMessage": "it broke" });

    let function = async {
        let delivered = next(&api).await;
        let path = format!("invocation/{}/error", delivered.request_id);
        assert_eq!(post(&api, &path, &failure).await, StatusCode::ACCEPTED);
    };
    let (invocation, ()) = tokio::join!(api.invoke(json!({}), PATIENCE), function);

    assert_eq!(invocation.unwrap(), Invocation::Error(failure));
}

#[tokio::test]
async fn concurrent_invocations_each_get_their_own_answer() {
    let api = RuntimeApi::start().await.unwrap();

    let function = async {
        for _ in 0..3 {
            let delivered = next(&api).await;
            let path = format!("invocation/{}/response", delivered.request_id);
            post(&api, &path, &json!({ "echo": delivered.event["n"] })).await;
        }
    };
    let invocations = async {
        tokio::join!(
            api.invoke(json!({ "n": 1 }), PATIENCE),
            api.invoke(json!({ "n": 2 }), PATIENCE),
            api.invoke(json!({ "n": 3 }), PATIENCE),
        )
    };
    let ((one, two, three), ()) = tokio::join!(invocations, function);

    for (n, answer) in [(1, one), (2, two), (3, three)] {
        assert_eq!(answer.unwrap(), Invocation::Response(json!({ "echo": n })));
    }
}

#[tokio::test]
async fn wait_ready_resolves_at_the_first_next() {
    let api = RuntimeApi::start().await.unwrap();
    assert!(
        api.wait_ready(Duration::from_millis(50)).await.is_err(),
        "nobody polled yet"
    );

    let before_polling = Instant::now();
    let polling = tokio::spawn(http().get(url(&api, "invocation/next")).send());
    let ready = api.wait_ready(PATIENCE).await.unwrap();

    assert!(ready >= before_polling);
    polling.abort();
}

#[tokio::test]
async fn an_init_error_answers_pending_and_later_invocations() {
    let api = RuntimeApi::start().await.unwrap();
    let failure = json!({ "errorType": "Runtime.InitError", "errorMessage": "no config" });
    let pending = api.invoke(json!({}), PATIENCE);

    let report = async { post(&api, "init/error", &failure).await };
    let (pending, status) = tokio::join!(pending, report);

    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(pending.unwrap(), Invocation::Error(failure.clone()));
    let later = api.invoke(json!({}), PATIENCE).await.unwrap();
    assert_eq!(later, Invocation::Error(failure));
}

#[tokio::test]
async fn an_unanswered_invocation_times_out() {
    let api = RuntimeApi::start().await.unwrap();
    assert!(
        api.invoke(json!({}), Duration::from_millis(10))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn answers_for_unknown_requests_are_refused() {
    let api = RuntimeApi::start().await.unwrap();
    let status = post(&api, "invocation/no-such-id/response", &json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn lambda_env_points_the_runtime_client_here() {
    let api = RuntimeApi::start().await.unwrap();
    let env = api.lambda_env("orders");
    let get = |name: &str| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v.as_str())
    };

    assert_eq!(get("AWS_LAMBDA_RUNTIME_API"), Some(api.address().as_str()));
    assert_eq!(get("AWS_LAMBDA_FUNCTION_NAME"), Some("orders"));
    assert_eq!(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), Some("128"));
    assert_eq!(get("AWS_LAMBDA_FUNCTION_VERSION"), Some("$LATEST"));
    assert_eq!(get("AWS_LAMBDA_LOG_GROUP_NAME"), Some("/aws/lambda/orders"));
    assert!(get("AWS_LAMBDA_LOG_STREAM_NAME").is_some());
}

#[tokio::test]
async fn stop_ends_a_waiting_next() {
    let api = RuntimeApi::start().await.unwrap();
    let polling = tokio::spawn(http().get(url(&api, "invocation/next")).send());
    api.wait_ready(PATIENCE).await.unwrap();

    api.stop().await;

    let answered = polling.await.unwrap();
    assert!(answered.is_ok_and(|response| response.status().is_server_error()));
}

#[test]
fn the_runner_fails_when_the_function_exits_early() {
    let status = Command::new(env!("CARGO_BIN_EXE_lambda-runtime-api"))
        .args(["--exec", "/bin/false", "--invoke-timeout-secs", "30"])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    assert!(status.stdout.is_empty(), "no report for a failed run");
}
