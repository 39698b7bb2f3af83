//! A CloudSuite scene for end-to-end tests: moto resources, the CloudSuite sandbox holding the
//! seed's orders (`tests/fixtures/cloudsuite/orders.json`), and the account secret pointing at
//! it and at its token endpoint.

use std::time::Duration;

use orderstatus::worker::WorkerSummary;
use orderstatus_sandboxes::cloudsuite::{
    CloudSuiteConfig, CloudSuiteSandbox, Fault, FaultKind, Order, ReceivedCall,
};
use serde_json::{Value, json};

use crate::json::{fixture, with_fields};
use crate::stack::TestStack;

/// The client secret the token endpoint checks and the account secret holds; tests look for
/// it in logs, letters and renders.
pub const CLIENT_SECRET: &str = "cs-test-secret-41d8e2";

pub struct CloudSuiteScene {
    pub stack: TestStack,
    pub sandbox: CloudSuiteSandbox,
}

/// The seed's orders, as the sandbox starts with them.
pub fn seed_orders() -> Vec<Order> {
    fixture("cloudsuite/orders.json")
}

impl CloudSuiteScene {
    pub async fn new(visibility: Duration) -> CloudSuiteScene {
        Self::with_secret(visibility, json!({})).await
    }

    /// A scene whose account secret has `extra` fields on top of the defaults (DESADV on,
    /// webshop 1, a text for `returned`).
    pub async fn with_secret(visibility: Duration, extra: Value) -> CloudSuiteScene {
        Self::with(visibility, CloudSuiteConfig::default(), extra).await
    }

    pub async fn with(
        visibility: Duration,
        config: CloudSuiteConfig,
        extra: Value,
    ) -> CloudSuiteScene {
        let stack = TestStack::new(visibility).await;
        let config = CloudSuiteConfig {
            client_secret: CLIENT_SECRET.to_owned(),
            ..config
        };
        let sandbox = CloudSuiteSandbox::start(config.clone())
            .await
            .expect("start CloudSuite sandbox");
        for order in seed_orders() {
            sandbox.add_order(order);
        }
        let secret = json!({
            "base_url": sandbox.base_url(), "token_url": sandbox.token_url(),
            "client_id": config.client_id, "client_secret": CLIENT_SECRET,
            "shop": config.shop, "user": config.user, "webshop": "1", "desadv": true,
            "time_zone": "Europe/Amsterdam", "timeline": {"returned": "Retour ontvangen"}
        });
        let secret = with_fields(secret, &extra);
        stack.put_secret("cloudsuite", "default", &secret).await;
        CloudSuiteScene { stack, sandbox }
    }

    pub fn platform(&self) -> orderstatus_cloudsuite::CloudSuite {
        orderstatus_cloudsuite::platform(Duration::from_secs(10)).unwrap()
    }

    /// The local worker until the queue is empty (at most `max_batches` batches).
    pub async fn work(&self, max_batches: usize) -> WorkerSummary {
        self.stack.work(self.platform(), max_batches).await
    }

    /// The calls that changed something (not lookups), answered 2xx.
    pub fn writes(&self) -> Vec<ReceivedCall> {
        self.sandbox
            .calls()
            .into_iter()
            .filter(|call| call.method != "GET" && (200..300).contains(&call.status))
            .collect()
    }

    /// Every API call of `method` whose path starts with `path`.
    pub fn calls_to(&self, method: &str, path: &str) -> Vec<ReceivedCall> {
        self.sandbox
            .calls()
            .into_iter()
            .filter(|call| call.method == method && call.path.starts_with(path))
            .collect()
    }
}

/// A message about `order` (`{"id": …}` or `{"reference": …}`) with `status` at `sequence`;
/// `extra` fields are merged in (packages, reason, …).
pub fn message(order: Value, status: &str, sequence: u64, extra: Value) -> String {
    let message = json!({
        "version": 1, "platform": "cloudsuite", "order": order, "status": status,
        "occurred_at": "2024-10-23T09:00:00+02:00", "sequence": sequence
    });
    with_fields(message, &extra).to_string()
}

/// A shipped package `id` holding `lines` of `(erp line number, sku, quantity)`.
pub fn package(id: &str, tracking: &str, lines: &[(i64, &str, f64)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(line, sku, quantity)| {
            json!({"line_id": line.to_string(), "sku": sku, "quantity": quantity})
        })
        .collect();
    json!({"id": id, "carrier": "PostNL", "tracking_number": tracking,
           "shipped_at": "2024-10-23T14:30:00+02:00", "lines": lines})
}

impl crate::conformance::ConformanceScene for CloudSuiteScene {
    type Platform = orderstatus_cloudsuite::CloudSuite;

    async fn start() -> Self {
        CloudSuiteScene::new(Duration::from_secs(1)).await
    }

    fn stack(&self) -> &TestStack {
        &self.stack
    }

    fn platform(&self) -> orderstatus_cloudsuite::CloudSuite {
        CloudSuiteScene::platform(self)
    }

    fn seed_file(&self) -> &'static str {
        "cloudsuite/seed-001.jsonl"
    }

    fn applied(&self) -> usize {
        self.writes().len()
    }

    fn refused(&self) -> (String, &'static str) {
        // Order 12348 is done: CloudSuite refuses to cancel it.
        let message = message(json!({"id": "12348"}), "canceled", 1, json!({}));
        (message, "cannot change state")
    }

    fn fail_calls(&self, times: u32) {
        self.sandbox
            .inject(Fault::new(FaultKind::ServerError).times(times));
    }

    fn clear_faults(&self) {
        self.sandbox.clear_faults();
    }

    fn refuse_login(&self) {
        self.sandbox.tokens().set_client_secret("a-rotated-secret");
    }

    fn secrets(&self) -> Vec<String> {
        vec![CLIENT_SECRET.to_owned()]
    }
}
