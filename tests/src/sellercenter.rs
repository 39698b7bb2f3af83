//! A Seller Center scene for end-to-end tests: moto resources, the OMS API sandbox, the
//! account secret pointing at it, and canonical messages about order items.

use std::time::Duration;

use orderstatus::worker::WorkerSummary;
use orderstatus_sandboxes::sellercenter::{ReceivedCall, SellerCenterConfig, SellerCenterSandbox};
use serde_json::{Value, json};

use crate::json::with_fields;
use crate::stack::TestStack;

/// The key the sandbox checks and the secret holds; tests look for it in logs and letters.
pub const API_KEY: &str = "sc-test-key-7f3a9c";

pub struct SellerCenterScene {
    pub stack: TestStack,
    pub sandbox: SellerCenterSandbox,
}

impl SellerCenterScene {
    pub async fn new(visibility: Duration) -> SellerCenterScene {
        Self::with_secret(visibility, json!({})).await
    }

    /// A scene whose account secret has `extra` fields on top of the defaults.
    pub async fn with_secret(visibility: Duration, extra: Value) -> SellerCenterScene {
        let stack = TestStack::new(visibility).await;
        let config = SellerCenterConfig {
            api_key: API_KEY.to_owned(),
            ..SellerCenterConfig::default()
        };
        let sandbox = SellerCenterSandbox::start(config)
            .await
            .expect("start Seller Center sandbox");
        let secret = json!({"base_url": sandbox.base_url(), "api_key": API_KEY,
                                "time_zone": "Africa/Lagos"});
        let secret = with_fields(secret, &extra);
        stack.put_secret("sellercenter", "default", &secret).await;
        SellerCenterScene { stack, sandbox }
    }

    /// The local worker until the queue is empty (at most `max_batches` batches).
    pub async fn work(&self, max_batches: usize) -> WorkerSummary {
        let platform = orderstatus_sellercenter::platform(Duration::from_secs(10)).unwrap();
        self.stack.work(platform, max_batches).await
    }

    /// The calls of one action the sandbox accepted for processing, in order.
    pub fn calls(&self, action: &str) -> Vec<ReceivedCall> {
        self.sandbox
            .calls()
            .into_iter()
            .filter(|call| call.action == action)
            .collect()
    }

    /// Items per `UpdateItemsStatus` call.
    pub fn status_call_sizes(&self) -> Vec<usize> {
        self.calls("UpdateItemsStatus")
            .iter()
            .map(|call| call.items.len())
            .collect()
    }

    /// The sandbox's status of an item.
    pub fn status_of(&self, item: &str) -> Option<String> {
        self.sandbox.item(item).map(|state| state.status)
    }
}

/// `count` item ids starting at `first`.
pub fn item_ids(first: usize, count: usize) -> Vec<String> {
    (first..first + count).map(|i| i.to_string()).collect()
}

fn lines(items: &[String]) -> Vec<Value> {
    items.iter().map(|id| json!({"line_id": id})).collect()
}

/// `order_id`'s `items` shipped in one package.
pub fn shipped(order_id: &str, items: &[String]) -> String {
    json!({
        "version": 1, "platform": "sellercenter", "id": format!("erp-{order_id}-shipped"),
        "order": {"id": order_id},
        "occurred_at": "2024-03-01T12:00:00Z",
        "packages": [{"carrier": "DHL Express", "tracking_number": format!("JD{order_id}"),
                      "shipped_at": "2024-03-01T09:30:00Z", "lines": lines(items)}]
    })
    .to_string()
}

/// `order_id`'s `items` set to `status` (with `reason` and `detail` when given) at
/// `occurred_at`.
pub fn item_status(
    order_id: &str,
    items: &[String],
    status: &str,
    reason: Option<&str>,
    detail: Option<&str>,
    occurred_at: &str,
) -> String {
    let mut message = json!({
        "version": 1, "platform": "sellercenter", "order": {"id": order_id},
        "status": status, "occurred_at": occurred_at, "lines": lines(items)
    });
    if let Some(reason) = reason {
        message["reason"] = json!(reason);
    }
    if let Some(detail) = detail {
        message["detail"] = json!(detail);
    }
    message.to_string()
}

impl crate::conformance::ConformanceScene for SellerCenterScene {
    type Platform = orderstatus_sellercenter::SellerCenter;

    async fn start() -> Self {
        SellerCenterScene::new(Duration::from_secs(1)).await
    }

    fn stack(&self) -> &TestStack {
        &self.stack
    }

    fn platform(&self) -> orderstatus_sellercenter::SellerCenter {
        orderstatus_sellercenter::platform(Duration::from_secs(10)).unwrap()
    }

    fn seed_file(&self) -> &'static str {
        "sellercenter/seed-004.jsonl"
    }

    fn applied(&self) -> usize {
        self.calls("UpdateItemsStatus")
            .iter()
            .map(|call| call.items.len())
            .sum()
    }

    fn refused(&self) -> (String, &'static str) {
        // A pending item cannot be delivered: the OMS state machine refuses it.
        let items = ["990001".to_owned()];
        let message = item_status(
            "990001",
            &items,
            "delivered",
            None,
            None,
            "2024-03-01T12:00:00Z",
        );
        (message, "Cannot change status")
    }

    fn fail_calls(&self, times: u32) {
        use orderstatus_sandboxes::sellercenter::{Fault, FaultKind};
        self.sandbox
            .inject(Fault::new(FaultKind::ServerError).times(times));
    }

    fn clear_faults(&self) {
        self.sandbox.clear_faults();
    }

    fn refuse_login(&self) {
        self.sandbox.set_api_key("a-rotated-key");
    }

    fn secrets(&self) -> Vec<String> {
        vec![API_KEY.to_owned()]
    }
}
