//! A ChannelAdvisor scene for end-to-end tests: moto resources, the ChannelAdvisor sandbox
//! holding the test orders (`tests/fixtures/channeladvisor/orders.json`) with its token endpoint
//! and request limits, and the account secret pointing at it.

use std::time::Duration;

use orderstatus::worker::WorkerSummary;
use orderstatus_sandboxes::channeladvisor::{
    ChannelAdvisorConfig, ChannelAdvisorSandbox, Fault, FaultKind, Order, ReceivedCall,
};
use serde_json::{Value, json};

use crate::json::{fixture, with_fields};
use crate::stack::TestStack;

/// The shared secret and refresh token the token endpoint checks and the secret holds; tests
/// look for them in logs, letters and renders.
pub const SHARED_SECRET: &str = "ca-test-shared-9b1f04";
pub const REFRESH_TOKEN: &str = "ca-test-refresh-5e7c2a";

pub struct ChannelAdvisorScene {
    pub stack: TestStack,
    pub sandbox: ChannelAdvisorSandbox,
}

/// The test orders, as the sandbox starts with them.
pub fn test_orders() -> Vec<Order> {
    fixture("channeladvisor/orders.json")
}

impl ChannelAdvisorScene {
    pub async fn new(visibility: Duration) -> ChannelAdvisorScene {
        Self::with(visibility, ChannelAdvisorConfig::default(), json!({})).await
    }

    /// A scene with the sandbox configured by `config` (credentials replaced by the test's) and
    /// `extra` fields on top of the account secret's defaults.
    pub async fn with(
        visibility: Duration,
        config: ChannelAdvisorConfig,
        extra: Value,
    ) -> ChannelAdvisorScene {
        let stack = TestStack::new(visibility).await;
        let config = ChannelAdvisorConfig {
            shared_secret: SHARED_SECRET.to_owned(),
            refresh_token: REFRESH_TOKEN.to_owned(),
            ..config
        };
        let sandbox = ChannelAdvisorSandbox::start(config.clone())
            .await
            .expect("start ChannelAdvisor sandbox");
        for order in test_orders() {
            sandbox.add_order(order);
        }
        let secret = json!({
            "base_url": sandbox.base_url(), "token_url": sandbox.token_url(),
            "application_id": config.application_id, "shared_secret": SHARED_SECRET,
            "refresh_token": REFRESH_TOKEN,
            "carriers": {"UPS": {"carrier": "UPS", "class": "GROUND"}},
            "cancel_reasons": {"out of stock": "ItemNotAvailable", "default": "BuyerCancelled"},
            "time_zone": "America/New_York"
        });
        let secret = with_fields(secret, &extra);
        stack.put_secret("channeladvisor", "default", &secret).await;
        ChannelAdvisorScene { stack, sandbox }
    }

    pub fn platform(&self) -> orderstatus_channeladvisor::ChannelAdvisor {
        orderstatus_channeladvisor::platform(Duration::from_secs(10)).unwrap()
    }

    /// The local worker until the queue is empty (at most `max_batches` batches).
    pub async fn work(&self, max_batches: usize) -> WorkerSummary {
        self.stack.work(self.platform(), max_batches).await
    }

    /// The calls ChannelAdvisor accepted (2xx).
    pub fn accepted(&self) -> Vec<ReceivedCall> {
        self.sandbox
            .calls()
            .into_iter()
            .filter(|call| (200..300).contains(&call.status))
            .collect()
    }
}

/// A message about order `id` with `status`; `extra` fields are merged in.
pub fn message(id: u64, status: &str, extra: Value) -> String {
    let message = json!({
        "version": 1, "platform": "channeladvisor", "order": {"id": id.to_string()},
        "status": status, "occurred_at": "2024-05-01T10:00:00-04:00"
    });
    with_fields(message, &extra).to_string()
}

/// A shipped package `id` with its tracking number and `(sku, quantity)` lines.
pub fn package(id: &str, carrier: &str, tracking: &str, lines: &[(&str, u32)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (sku, quantity))| json!({"line_id": (i + 1).to_string(), "sku": sku, "quantity": quantity}))
        .collect();
    json!({"id": id, "carrier": carrier, "tracking_number": tracking,
           "shipped_at": "2024-05-01T09:30:00-04:00", "lines": lines})
}

impl crate::conformance::ConformanceScene for ChannelAdvisorScene {
    type Platform = orderstatus_channeladvisor::ChannelAdvisor;

    async fn start() -> Self {
        ChannelAdvisorScene::new(Duration::from_secs(1)).await
    }

    fn stack(&self) -> &TestStack {
        &self.stack
    }

    fn platform(&self) -> orderstatus_channeladvisor::ChannelAdvisor {
        ChannelAdvisorScene::platform(self)
    }

    fn seed_file(&self) -> &'static str {
        "channeladvisor/seed-003.jsonl"
    }

    fn applied(&self) -> usize {
        self.accepted().len()
    }

    fn refused(&self) -> (String, &'static str) {
        // Order 700004 has shipped: ChannelAdvisor refuses to cancel it.
        let message = message(700004, "canceled", json!({}));
        (message, "cannot be canceled")
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
        vec![SHARED_SECRET.to_owned(), REFRESH_TOKEN.to_owned()]
    }
}
