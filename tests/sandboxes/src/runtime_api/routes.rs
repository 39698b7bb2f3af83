//! The Runtime API's HTTP endpoints, as a function's runtime client calls them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::Invocation;
use super::broker::Broker;

/// Lambda's synchronous payload limit; larger bodies get 413 as they would on AWS.
const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

pub(super) fn router(broker: Arc<Broker>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .layer(DefaultBodyLimit::max(MAX_PAYLOAD_BYTES))
        .with_state(broker)
}

async fn next(State(broker): State<Arc<Broker>>) -> Response {
    broker.mark_ready();
    let Some(invocation) = broker.next().await else {
        let body = error_body("Runtime.Stopped", "the runtime API is shutting down");
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
    };
    let arn = format!(
        "arn:aws:lambda:us-east-1:123456789012:function:{}",
        broker.function_name()
    );
    let headers = [
        (CONTENT_TYPE.as_str(), "application/json".to_owned()),
        ("lambda-runtime-aws-request-id", invocation.request_id),
        (
            "lambda-runtime-deadline-ms",
            invocation.deadline_ms.to_string(),
        ),
        ("lambda-runtime-invoked-function-arn", arn),
        ("lambda-runtime-trace-id", invocation.trace_id),
    ];
    (headers, invocation.event.to_string()).into_response()
}

async fn response(
    State(broker): State<Arc<Broker>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    complete(&broker, &id, Invocation::Response(payload(&body)))
}

async fn error(State(broker): State<Arc<Broker>>, Path(id): Path<String>, body: Bytes) -> Response {
    complete(&broker, &id, Invocation::Error(payload(&body)))
}

async fn init_error(State(broker): State<Arc<Broker>>, body: Bytes) -> Response {
    broker.fail_init(payload(&body));
    accepted()
}

fn complete(broker: &Broker, id: &str, invocation: Invocation) -> Response {
    if broker.answer(id, invocation) {
        accepted()
    } else {
        let body = error_body(
            "InvalidRequestID",
            &format!("no invocation {id} is waiting"),
        );
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

/// Keeps a body that is not JSON as a string, so a broken function still shows what it sent.
fn payload(body: &Bytes) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn accepted() -> Response {
    (StatusCode::ACCEPTED, Json(json!({ "status": "OK" }))).into_response()
}

fn error_body(error_type: &str, message: &str) -> Value {
    json!({ "errorType": error_type, "errorMessage": message })
}
