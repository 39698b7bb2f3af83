//! A platform that lives in the test process, for the shared batch handler's own tests: it
//! records every call (which orders, how many at once) and refuses the orders it is told to,
//! with no protocol of its own. `PER_CALL` is its `MAX_BATCH_SIZE`: 1 makes it a platform that
//! takes one order per call, as CloudSuite and ChannelAdvisor do.
//!
//! It answers to the name `cv3` (the handler only compares names), with its own settings type,
//! so its account secret is any JSON object with the common fields.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orderstatus::config::Account;
use orderstatus::message::{PlatformName, StatusMessage};
use orderstatus::platform::{
    Action, Platform, RejectReason, RenderedRequest, Target, Unit, UnitResult,
};
use orderstatus::validate::InvalidMessage;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default)]
struct Calls {
    /// The orders of each call, in the order calls started.
    calls: Vec<Vec<String>>,
    in_flight: usize,
    most_in_flight: usize,
    refuse: HashSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct FakePlatform<const PER_CALL: usize> {
    calls: Arc<Mutex<Calls>>,
    /// How long each call takes.
    pub latency: Duration,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FakeSettings {}

#[derive(Debug, Clone, Serialize)]
pub struct FakePayload {
    pub order_id: String,
    pub status: &'static str,
}

impl<const PER_CALL: usize> FakePlatform<PER_CALL> {
    pub fn new(latency: Duration) -> Self {
        Self {
            calls: Arc::default(),
            latency,
        }
    }

    /// Refuse this order from now on.
    pub fn refuse(&self, order_id: &str) {
        self.lock().refuse.insert(order_id.to_owned());
    }

    /// The orders of every call so far.
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.lock().calls.clone()
    }

    /// The most calls that were in flight at once.
    pub fn most_in_flight(&self) -> usize {
        self.lock().most_in_flight
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Calls> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<const PER_CALL: usize> Platform for FakePlatform<PER_CALL> {
    type Settings = FakeSettings;
    type Payload = FakePayload;

    const NAME: PlatformName = PlatformName::Cv3;
    const DEFAULT_BATCH_SIZE: usize = PER_CALL;
    const MAX_BATCH_SIZE: usize = PER_CALL;

    fn map(
        &self,
        message: &StatusMessage,
        _account: &Account<FakeSettings>,
    ) -> Result<Vec<Unit<FakePayload>>, InvalidMessage> {
        let order_id = message.order.require_id("the fake platform")?;
        let status = message.effective_status();
        let payload = FakePayload {
            order_id: order_id.to_owned(),
            status: status.as_str(),
        };
        Ok(vec![Unit::new(
            Target::order(order_id),
            status,
            Action::Upload(payload),
            None,
        )])
    }

    async fn upload(
        &self,
        _account: &Account<FakeSettings>,
        batch: &[&FakePayload],
    ) -> Vec<UnitResult> {
        let refuse = {
            let mut calls = self.lock();
            calls
                .calls
                .push(batch.iter().map(|p| p.order_id.clone()).collect());
            calls.in_flight += 1;
            calls.most_in_flight = calls.most_in_flight.max(calls.in_flight);
            calls.refuse.clone()
        };
        tokio::time::sleep(self.latency).await;
        self.lock().in_flight -= 1;
        batch
            .iter()
            .map(|payload| {
                if refuse.contains(&payload.order_id) {
                    UnitResult::rejected(RejectReason::Platform, "fake: order refused")
                } else {
                    UnitResult::Accepted { reference: None }
                }
            })
            .collect()
    }

    fn render(
        &self,
        _account: &Account<FakeSettings>,
        _batch: &[&FakePayload],
    ) -> Vec<RenderedRequest> {
        Vec::new()
    }
}
