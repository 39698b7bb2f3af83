//! A Speed4Trade scene for end-to-end tests: moto resources, the Speed4Trade sandbox, and the
//! account secret pointing at it.

use std::time::Duration;

use orderstatus::worker::WorkerSummary;
use orderstatus_sandboxes::speed4trade::{
    Fault, FaultKind, ReceivedOrder, Speed4TradeConfig, Speed4TradeSandbox,
};
use serde_json::{Value, json};

use crate::json::with_fields;
use crate::stack::TestStack;

/// The password the sandbox checks and the secret holds; tests look for it in logs and letters.
pub const PASSWORD: &str = "s4t-test-pass-91c2";
pub const USERNAME: &str = "erp-upload";

pub struct Speed4TradeScene {
    pub stack: TestStack,
    pub sandbox: Speed4TradeSandbox,
}

impl Speed4TradeScene {
    pub async fn new(visibility: Duration) -> Speed4TradeScene {
        Self::with_secret(visibility, json!({})).await
    }

    /// A scene whose account secret has `extra` fields on top of the defaults.
    pub async fn with_secret(visibility: Duration, extra: Value) -> Speed4TradeScene {
        let stack = TestStack::new(visibility).await;
        let config = Speed4TradeConfig {
            username: USERNAME.into(),
            password: PASSWORD.into(),
            ..Speed4TradeConfig::default()
        };
        let sandbox = Speed4TradeSandbox::start(config.clone())
            .await
            .expect("start Speed4Trade sandbox");
        let secret = json!({"base_url": sandbox.base_url(), "username": USERNAME,
                                "password": PASSWORD, "mandator_id": 1,
                                "soap_namespace": config.soap_namespace,
                                "carriers": {"DHL": {"identifier": "DHL", "external_id": "dhl_ext"}},
                                "time_zone": "Europe/Berlin"});
        let secret = with_fields(secret, &extra);
        stack.put_secret("speed4trade", "default", &secret).await;
        Speed4TradeScene { stack, sandbox }
    }

    pub fn platform(&self) -> orderstatus_speed4trade::Speed4Trade {
        orderstatus_speed4trade::platform(Duration::from_secs(5)).unwrap()
    }

    /// The local worker until the queue is empty (at most `max_batches` batches).
    pub async fn work(&self, max_batches: usize) -> WorkerSummary {
        self.stack.work(self.platform(), max_batches).await
    }

    /// Every order the sandbox applied (return code 0), in order.
    pub fn applied(&self) -> Vec<ReceivedOrder> {
        self.sandbox
            .calls()
            .into_iter()
            .flat_map(|call| call.orders)
            .filter(|order| order.return_code == 0)
            .collect()
    }

    /// Orders per call the sandbox received.
    pub fn call_sizes(&self) -> Vec<usize> {
        self.sandbox
            .calls()
            .iter()
            .map(|c| c.orders.len())
            .collect()
    }
}

/// The sandbox's key of order `T2-<number>` of mandator 1.
pub fn key(number: &str) -> String {
    format!("1|order_number_and_prefix|{number}|T2-")
}

/// Order `T2-<number>` set to `status` at `occurred_at` (`extra` fields on top).
pub fn message(number: &str, status: &str, occurred_at: &str, extra: Value) -> String {
    let message = json!({"version": 1, "platform": "speed4trade",
        "id": format!("erp-T2-{number}-{status}"),
        "order": {"id": number, "number_prefix": "T2-"},
        "status": status, "occurred_at": occurred_at});
    with_fields(message, &extra).to_string()
}

/// Order `T2-<number>` shipped with one DHL package.
pub fn shipped(number: &str, tracking: &str) -> String {
    message(
        number,
        "shipped",
        "2024-05-03T14:00:00+02:00",
        json!({"packages": [{"carrier": "DHL", "tracking_number": tracking,
                             "shipped_at": "2024-05-03T11:00:00+02:00"}]}),
    )
}

impl crate::conformance::ConformanceScene for Speed4TradeScene {
    type Platform = orderstatus_speed4trade::Speed4Trade;

    async fn start() -> Self {
        Speed4TradeScene::new(Duration::from_secs(1)).await
    }

    fn stack(&self) -> &TestStack {
        &self.stack
    }

    fn platform(&self) -> orderstatus_speed4trade::Speed4Trade {
        Speed4TradeScene::platform(self)
    }

    fn seed_file(&self) -> &'static str {
        "speed4trade/seed-002.jsonl"
    }

    fn applied(&self) -> usize {
        Speed4TradeScene::applied(self).len()
    }

    fn refused(&self) -> (String, &'static str) {
        // Speed4Trade's own workflow canceled the order: it cannot be updated any more.
        self.sandbox.set_statuses(&[(&key("99001"), "CANCELED")]);
        let message = message("99001", "paid", "2024-05-02T09:00:00+02:00", json!({}));
        (message, "cannot be updated")
    }

    fn fail_calls(&self, times: u32) {
        self.sandbox
            .inject(Fault::new(FaultKind::ServerError).times(times));
    }

    fn clear_faults(&self) {
        self.sandbox.clear_faults();
    }

    fn refuse_login(&self) {
        self.sandbox.set_credentials(USERNAME, "a-rotated-password");
    }

    fn secrets(&self) -> Vec<String> {
        vec![PASSWORD.to_owned()]
    }
}
