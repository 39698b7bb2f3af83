//! A stand-in for the AWS Lambda Runtime API
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>), so a compiled function
//! binary runs locally exactly as Lambda runs it: it polls `/next`, gets events with Lambda's
//! headers, and posts responses or errors back.

mod broker;
mod routes;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow};
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::server::Server;
use broker::{Broker, Pending};

/// Added to an invocation's timeout before giving up on it, so a function that answers right
/// at its deadline is not reported as hung.
const ANSWER_GRACE: Duration = Duration::from_secs(1);

/// How the function answered an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    Response(Value),
    /// The function's `/error` body (`errorType`, `errorMessage`), or its `/init/error` body
    /// when initialisation failed.
    Error(Value),
}

/// A running Runtime API. It stops when dropped; [`RuntimeApi::stop`] is the graceful way.
pub struct RuntimeApi {
    broker: Arc<Broker>,
    queue: mpsc::UnboundedSender<Pending>,
    server: Server,
}

impl RuntimeApi {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start() -> anyhow::Result<RuntimeApi> {
        let (broker, queue) = Broker::new();
        let broker = Arc::new(broker);
        let server = Server::start(routes::router(broker.clone()), 0).await?;
        Ok(RuntimeApi {
            broker,
            queue,
            server,
        })
    }

    /// `host:port`, the form `AWS_LAMBDA_RUNTIME_API` takes.
    pub fn address(&self) -> String {
        self.server.addr().to_string()
    }

    /// Queues `event` and waits for the function's answer. The function sees a deadline of now
    /// plus `timeout`; no answer by then (plus a little grace) is an error.
    pub async fn invoke(&self, event: Value, timeout: Duration) -> anyhow::Result<Invocation> {
        let request_id = Uuid::new_v4().to_string();
        let answered = self.broker.expect_answer(&request_id);
        let deadline = SystemTime::now() + timeout;
        let invocation = Pending {
            request_id: request_id.clone(),
            event,
            deadline_ms: deadline.duration_since(UNIX_EPOCH)?.as_millis(),
            trace_id: trace_id(),
        };
        self.queue
            .send(invocation)
            .map_err(|_| anyhow!("the runtime API has stopped"))?;

        let answer = async {
            tokio::select! {
                answer = answered => answer.context("the invocation was abandoned"),
                error = self.broker.init_error() => Ok(Invocation::Error(error)),
            }
        };
        let outcome = tokio::time::timeout(timeout + ANSWER_GRACE, answer).await;
        self.broker.forget(&request_id);
        outcome.map_err(|_| anyhow!("invocation {request_id}: no answer within {timeout:?}"))?
    }

    /// Resolves with the instant of the function's first `/next`, which is when it finished
    /// initialising.
    pub async fn wait_ready(&self, timeout: Duration) -> anyhow::Result<Instant> {
        tokio::time::timeout(timeout, self.broker.ready())
            .await
            .map_err(|_| anyhow!("the function did not call /next within {timeout:?}"))
    }

    /// The environment Lambda gives a function, pointing it at this API. It also names the
    /// function in the ARN that invocations carry.
    pub fn lambda_env(&self, function_name: &str) -> Vec<(String, String)> {
        self.broker.set_function_name(function_name);
        let log_stream = format!("local/[$LATEST]{}", Uuid::new_v4().simple());
        [
            ("AWS_LAMBDA_RUNTIME_API", self.address()),
            ("AWS_LAMBDA_FUNCTION_NAME", function_name.to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{function_name}"),
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }

    pub async fn stop(self) {
        let RuntimeApi { queue, server, .. } = self;
        // Closing the queue answers any `/next` the function is blocked in, so the graceful
        // shutdown does not wait on it.
        drop(queue);
        server.stop().await;
    }
}

/// An X-Ray trace header in the format Lambda passes (`Root=1-<epoch hex>-<96 bits>`).
fn trace_id() -> String {
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let random = Uuid::new_v4().simple().to_string();
    let parent = Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{epoch:08x}-{};Parent={};Sampled=0",
        &random[..24],
        &parent[..16]
    )
}
