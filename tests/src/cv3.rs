//! A CV3 scene for end-to-end tests: moto resources, the CV3 sandbox, and the account secret
//! pointing at it.

use std::time::Duration;

use orderstatus::worker::WorkerSummary;
use orderstatus_sandboxes::cv3::{Cv3Credentials, Cv3Sandbox};
use serde_json::json;

use crate::stack::TestStack;

pub struct Cv3Scene {
    pub stack: TestStack,
    pub sandbox: Cv3Sandbox,
}

pub fn credentials() -> Cv3Credentials {
    Cv3Credentials {
        user: "store-api".into(),
        pass: "s3cret-pass".into(),
        service_id: "svc-1".into(),
    }
}

impl Cv3Scene {
    pub async fn new(visibility: Duration) -> Cv3Scene {
        let stack = TestStack::new(visibility).await;
        let sandbox = Cv3Sandbox::start(credentials())
            .await
            .expect("start CV3 sandbox");
        let c = credentials();
        stack
            .put_secret(
                "cv3",
                "default",
                &json!({"base_url": sandbox.base_url(), "user": c.user, "pass": c.pass,
                        "service_id": c.service_id, "time_zone": "America/New_York"}),
            )
            .await;
        Cv3Scene { stack, sandbox }
    }

    /// The local worker until the queue is empty (at most 20 batches), with CV3's client as
    /// the function builds it, but a 5 s per-attempt HTTP timeout.
    pub async fn work(&self) -> WorkerSummary {
        self.work_with(Duration::from_secs(5), 20).await
    }

    /// The same with the given per-attempt HTTP timeout and batch bound.
    pub async fn work_with(&self, timeout: Duration, max_batches: usize) -> WorkerSummary {
        let platform = orderstatus_cv3::platform(timeout).unwrap();
        self.stack.work(platform, max_batches).await
    }

    /// The order ids of every status the sandbox accepted, in the order it applied them.
    pub fn uploaded_orders(&self) -> Vec<String> {
        self.sandbox
            .received()
            .statuses
            .into_iter()
            .map(|s| s.order_id)
            .collect()
    }

    /// The same, sorted: for batches whose order within a call does not matter.
    pub fn uploaded_orders_sorted(&self) -> Vec<String> {
        let mut orders = self.uploaded_orders();
        orders.sort();
        orders
    }

    /// (reason, outcome) attributes of every dead letter.
    pub async fn dead_letter_reasons(&self) -> Vec<(String, String)> {
        self.stack
            .dead_letter_attributes()
            .await
            .into_iter()
            .map(|letter| (letter.reason, letter.outcome))
            .collect()
    }
}

/// Seed 000's example: order shipped 9/23/2018 in two packages.
pub fn seed_example(order_id: &str) -> String {
    json!({
        "version": 1, "platform": "cv3", "order": {"id": order_id},
        "occurred_at": "2018-09-23T16:00:00-04:00",
        "packages": [
            {"carrier": "UPS", "service": "Ground", "tracking_number": "1Z3123134135",
             "shipped_at": "2018-09-23T10:00:00-04:00"},
            {"carrier": "FedEx", "service": "2-Day", "tracking_number": "4563543534",
             "shipped_at": "2018-09-23T11:00:00-04:00"}
        ]
    })
    .to_string()
}

/// A new order, no packages yet: `Processing`.
pub fn processing(order_id: &str) -> String {
    json!({"version": 1, "platform": "cv3", "order": {"id": order_id},
           "occurred_at": "2018-09-20T09:00:00-04:00"})
    .to_string()
}

/// Missing `occurred_at`: invalid.
pub fn invalid() -> String {
    json!({"version": 1, "platform": "cv3", "order": {"id": "999"}, "status": "shipped"})
        .to_string()
}

impl crate::conformance::ConformanceScene for Cv3Scene {
    type Platform = orderstatus_cv3::Cv3;

    async fn start() -> Self {
        Cv3Scene::new(Duration::from_secs(1)).await
    }

    fn stack(&self) -> &TestStack {
        &self.stack
    }

    fn platform(&self) -> orderstatus_cv3::Cv3 {
        orderstatus_cv3::platform(Duration::from_secs(5)).unwrap()
    }

    fn seed_file(&self) -> &'static str {
        "cv3/seed-000.jsonl"
    }

    fn applied(&self) -> usize {
        self.sandbox.received().statuses.len()
    }

    fn refused(&self) -> (String, &'static str) {
        self.sandbox.set_unknown_orders(&["99001"]);
        (processing("99001"), "order not found")
    }

    fn fail_calls(&self, times: u32) {
        use orderstatus_sandboxes::cv3::{Fault, FaultKind};
        self.sandbox
            .inject(Fault::new(FaultKind::SoapFault).times(times));
    }

    fn clear_faults(&self) {
        self.sandbox.clear_faults();
    }

    fn refuse_login(&self) {
        self.sandbox.set_credentials(Cv3Credentials {
            pass: "rotated-pass".into(),
            ..credentials()
        });
    }

    fn secrets(&self) -> Vec<String> {
        let c = credentials();
        vec![c.pass, c.service_id]
    }
}
