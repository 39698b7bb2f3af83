//! CV3 end to end as Lambda runs it: the compiled `orderstatus-cv3` binary under a local
//! implementation of the Lambda Runtime API, fed by an SQS event source mapping played here
//! (receive → invoke → delete what the batch response does not list as failed).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsBatchResponse;
use orderstatus::sqs::{delete_succeeded, to_lambda_event};
use orderstatus_sandboxes::cv3::{Fault, FaultKind};
use orderstatus_sandboxes::runtime_api::{Invocation, RuntimeApi};
use orderstatus_tests::cv3::{Cv3Scene, invalid, processing, seed_example};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The function binary, next to this test's own executable; built (or brought up to date)
/// once per test run, so a stale binary is never tested.
fn function_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("test executable");
            let dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .expect("target dir");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = std::process::Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "orderstatus-cv3",
                    "--bin",
                    "orderstatus-cv3",
                ])
                .status()
                .expect("run cargo build");
            assert!(status.success(), "building orderstatus-cv3 failed");
            dir.join("orderstatus-cv3")
        })
        .clone()
}

struct Function {
    api: RuntimeApi,
    child: Child,
    /// The function's log lines (stderr), as CloudWatch would get them.
    logs: Arc<Mutex<Vec<String>>>,
}

impl Function {
    async fn start(scene: &Cv3Scene) -> Function {
        let api = RuntimeApi::start().await.expect("runtime api");
        let mut child = Command::new(function_binary())
            .envs(api.lambda_env("orderstatus-cv3"))
            .envs(scene.stack.function_env_vars())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start orderstatus-cv3");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let sink = Arc::clone(&logs);
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                sink.lock().unwrap().push(line);
            }
        });
        api.wait_ready(Duration::from_secs(30))
            .await
            .expect("function init");
        Function { api, child, logs }
    }

    /// The JSON log lines that record a message outcome.
    fn outcome_lines(&self) -> Vec<serde_json::Value> {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|v| v["message"] == "message outcome")
            .collect()
    }

    /// One poll of the event source mapping; returns how many messages were handed over.
    async fn poll(&self, scene: &Cv3Scene) -> usize {
        let messages = scene.stack.receive(&scene.stack.queue_url, 10).await;
        if messages.is_empty() {
            return 0;
        }
        let count = messages.len();
        let arn = scene.stack.queue_arn().await;
        let event = to_lambda_event(messages, &arn, "us-east-1");
        let payload = serde_json::to_value(&event).unwrap();
        let response = match self
            .api
            .invoke(payload, Duration::from_secs(60))
            .await
            .expect("invoke")
        {
            Invocation::Response(value) => value,
            Invocation::Error(error) => panic!("function failed: {error}"),
        };
        let response: SqsBatchResponse = serde_json::from_value(response).expect("batch response");
        delete_succeeded(
            &scene.stack.clients.sqs,
            &scene.stack.queue_url,
            &event,
            &response,
        )
        .await
        .expect("delete");
        count
    }

    async fn drain(&self, scene: &Cv3Scene) {
        for _ in 0..20 {
            if self.poll(scene).await == 0 && scene.stack.depth(&scene.stack.queue_url).await == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        panic!("queue did not drain");
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
        self.api.stop().await;
    }
}

#[tokio::test]
async fn the_binary_uploads_dead_letters_and_skips_duplicates() {
    let scene = Cv3Scene::new(Duration::from_secs(1)).await;
    let function = Function::start(&scene).await;

    scene
        .stack
        .send(&[seed_example("12345"), processing("12346"), invalid()])
        .await;
    function.drain(&scene).await;
    let received = scene.sandbox.received();
    assert_eq!(received.statuses.len(), 2, "{received:?}");
    assert_eq!(received.requests, 1, "one CV3 call for the batch");
    assert_eq!(received.statuses[0].status, "Shipped 9/23/2018");
    assert_eq!(
        scene.dead_letter_reasons().await,
        vec![("schema".to_owned(), "invalid".to_owned())]
    );

    // Duplicate delivery: nothing uploaded.
    scene.stack.send(&[seed_example("12345")]).await;
    function.drain(&scene).await;
    assert_eq!(scene.sandbox.received().requests, 1);

    // One JSON log line per message, naming platform, account, order, outcome and reason;
    // and the password never appears anywhere in the logs.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let outcomes = function.outcome_lines();
    let mut seen: Vec<(String, String)> = outcomes
        .iter()
        .map(|v| {
            (
                v["order"].as_str().unwrap_or("?").to_owned(),
                v["outcome"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    seen.sort();
    let expected = [
        ("12345", "duplicate"),
        ("12345", "uploaded"),
        ("12346", "uploaded"),
        ("999", "invalid"),
    ];
    assert_eq!(
        seen,
        expected.map(|(o, r)| (o.to_owned(), r.to_owned())).to_vec()
    );
    assert!(
        outcomes
            .iter()
            .all(|v| v["platform"] == "cv3" && v["account"].is_string())
    );
    let invalid_line = outcomes.iter().find(|v| v["outcome"] == "invalid").unwrap();
    assert_eq!(invalid_line["reason"], "schema");
    let logs = function.logs.lock().unwrap().join("\n");
    assert!(
        !logs.contains(&orderstatus_tests::cv3::credentials().pass),
        "password in the logs"
    );
    function.stop().await;
}

#[tokio::test]
async fn the_binary_retries_a_500_through_sqs_and_loses_nothing() {
    let scene = Cv3Scene::new(Duration::from_secs(1)).await;
    let function = Function::start(&scene).await;
    scene
        .sandbox
        .inject(Fault::new(FaultKind::Http500).times(3));
    scene
        .stack
        .send(&[seed_example("12345"), processing("12346")])
        .await;
    let mut polls = 0;
    while scene.sandbox.received().statuses.len() < 2 && polls < 20 {
        function.poll(&scene).await;
        polls += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let received = scene.sandbox.received();
    assert_eq!(received.statuses.len(), 2, "{received:?}");
    assert!(received.requests >= 4, "three 500s were answered first");
    function.drain(&scene).await;
    assert!(scene.dead_letter_reasons().await.is_empty());
    function.stop().await;
}

#[tokio::test]
async fn the_binary_drains_its_queue_on_a_schedule_and_refuses_unknown_input() {
    let scene = Cv3Scene::new(Duration::from_secs(30)).await;
    let function = Function::start(&scene).await;
    scene
        .stack
        .send(&[seed_example("12345"), processing("12346"), invalid()])
        .await;

    // What EventBridge Scheduler sends: the schedule's input, as is.
    let summary = match function
        .api
        .invoke(
            serde_json::json!({"action": "drain", "max_messages": 100}),
            Duration::from_secs(60),
        )
        .await
        .expect("invoke")
    {
        Invocation::Response(value) => value,
        Invocation::Error(error) => panic!("drain failed: {error}"),
    };
    assert_eq!(summary["action"], "drain", "{summary}");
    assert_eq!(summary["received"], 3, "{summary}");
    assert_eq!(summary["outcomes"]["uploaded"], 2, "{summary}");
    assert_eq!(summary["outcomes"]["invalid"], 1, "{summary}");
    assert_eq!(scene.stack.depth(&scene.stack.queue_url).await, 0);
    assert_eq!(scene.uploaded_orders_sorted(), ["12345", "12346"]);

    // A typo in a schedule's input is an invocation error that names it, not a silent no-op.
    match function
        .api
        .invoke(
            serde_json::json!({"action": "drian"}),
            Duration::from_secs(60),
        )
        .await
        .expect("invoke")
    {
        Invocation::Error(error) => assert!(error.to_string().contains("drian"), "{error}"),
        Invocation::Response(value) => panic!("accepted a bad input: {value}"),
    }
    function.stop().await;
}
