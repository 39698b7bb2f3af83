//! A compiled function binary run as Lambda runs it: under the Runtime API stand-in, fed by
//! an SQS event source mapping played here (receive → invoke → delete what the batch response
//! does not list as failed), its log lines kept as CloudWatch would keep them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsBatchResponse;
use orderstatus::sqs::{delete_succeeded, to_lambda_event};
use orderstatus_sandboxes::runtime_api::{Invocation, RuntimeApi};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::stack::TestStack;

/// A workspace binary, next to the running test's own executable; built (or brought up to
/// date) once per test process, so a stale binary is never tested.
pub fn workspace_binary(package: &str, binary: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(path) = built.get(binary) {
        return path.clone();
    }
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--quiet", "-p", package, "--bin", binary])
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building {binary} failed");
    let path = dir.join(binary);
    built.insert(binary.to_owned(), path.clone());
    path
}

/// Keeps each line `lines` yields, in `sink`, until the stream ends.
fn keep_lines<R>(mut lines: tokio::io::Lines<R>, sink: Arc<Mutex<Vec<String>>>)
where
    R: tokio::io::AsyncBufRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            sink.lock().unwrap().push(line);
        }
    });
}

/// A function binary running under a local Runtime API.
pub struct LambdaFunction {
    api: RuntimeApi,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
}

impl LambdaFunction {
    /// Builds and starts `binary` of `package` with `env`, and waits until it polls for events.
    pub async fn start(package: &str, binary: &str, env: Vec<(String, String)>) -> LambdaFunction {
        let api = RuntimeApi::start().await.expect("runtime api");
        let mut child = Command::new(workspace_binary(package, binary))
            .envs(api.lambda_env(binary))
            .envs(env)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {binary}: {e}"));
        // Lambda sends both streams to CloudWatch: the logs on standard error, the metrics
        // lines on standard output.
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
        keep_lines(stdout, Arc::clone(&logs));
        keep_lines(stderr, Arc::clone(&logs));
        api.wait_ready(Duration::from_secs(30))
            .await
            .expect("function init");
        LambdaFunction { api, child, logs }
    }

    /// Everything the function logged so far.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    /// The metrics lines (CloudWatch Embedded Metric Format) written so far.
    pub fn metrics_lines(&self) -> Vec<serde_json::Value> {
        self.json_lines()
            .into_iter()
            .filter(|v| v.get("_aws").is_some())
            .collect()
    }

    fn json_lines(&self) -> Vec<serde_json::Value> {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .collect()
    }

    /// The JSON log lines that record a message outcome.
    pub fn outcome_lines(&self) -> Vec<serde_json::Value> {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|v| v["message"] == "message outcome")
            .collect()
    }

    /// One invocation; panics if the function reports an error.
    pub async fn invoke(&self, payload: serde_json::Value, timeout: Duration) -> serde_json::Value {
        self.try_invoke(payload, timeout)
            .await
            .unwrap_or_else(|error| panic!("function failed: {error}"))
    }

    /// One invocation: the function's answer, or the error it reported, as text.
    pub async fn try_invoke(
        &self,
        payload: serde_json::Value,
        timeout: Duration,
    ) -> Result<serde_json::Value, String> {
        match self.api.invoke(payload, timeout).await.expect("invoke") {
            Invocation::Response(value) => Ok(value),
            Invocation::Error(error) => Err(error.to_string()),
        }
    }

    /// One poll of the event source mapping; returns how many messages were handed over.
    pub async fn poll(&self, stack: &TestStack) -> usize {
        let messages = stack.receive(&stack.queue_url, 10).await;
        if messages.is_empty() {
            return 0;
        }
        let count = messages.len();
        let arn = stack.queue_arn().await;
        let event = to_lambda_event(messages, &arn, "us-east-1");
        let payload = serde_json::to_value(&event).unwrap();
        // A bound, not an expectation: moto applies DynamoDB writes one at a time, and a batch
        // of thousands of items takes minutes on a busy machine. Lambda allows up to 900 s.
        let response = self.invoke(payload, Duration::from_secs(600)).await;
        let response: SqsBatchResponse = serde_json::from_value(response).expect("batch response");
        delete_succeeded(&stack.clients.sqs, &stack.queue_url, &event, &response)
            .await
            .expect("delete");
        count
    }

    /// Polls until the queue is empty (bounded: panics after 20 polls).
    pub async fn drain(&self, stack: &TestStack) {
        for _ in 0..20 {
            if self.poll(stack).await == 0 && stack.depth(&stack.queue_url).await == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        panic!("queue did not drain");
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        self.api.stop().await;
    }
}
