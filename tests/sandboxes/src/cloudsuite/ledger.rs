//! The sandbox's mutable state: the account's settings, the orders, the deliveries and custom
//! statuses accepted, the calls received, and the faults queued for the next ones.

use std::sync::{Arc, Mutex, MutexGuard};

use super::CloudSuiteConfig;
use super::calls::Calls;
use super::deliveries::Deliveries;
use super::faults::FaultKind;
use super::orders::Orders;
use super::timeline::Timeline;
use crate::harness::FaultQueue;

#[derive(Debug)]
pub(super) struct Ledger {
    pub(super) config: CloudSuiteConfig,
    pub(super) faults: FaultQueue<FaultKind>,
    pub(super) orders: Orders,
    pub(super) calls: Calls,
    pub(super) deliveries: Deliveries,
    pub(super) timeline: Timeline,
}

impl Ledger {
    pub(super) fn new(config: CloudSuiteConfig) -> Self {
        Self {
            config,
            faults: FaultQueue::default(),
            orders: Orders::default(),
            calls: Calls::default(),
            deliveries: Deliveries::default(),
            timeline: Timeline::default(),
        }
    }

    /// No orders, calls, deliveries, statuses or faults; the configuration stays.
    pub(super) fn reset(&mut self) {
        self.faults.clear();
        self.orders = Orders::default();
        // Cleared, not replaced: its tickets must stay unique across resets.
        self.calls.clear();
        self.deliveries = Deliveries::default();
        self.timeline = Timeline::default();
    }
}

pub(super) type SharedLedger = Arc<Mutex<Ledger>>;

pub(super) fn lock(ledger: &SharedLedger) -> MutexGuard<'_, Ledger> {
    crate::sync::lock(ledger)
}
