//! The sandbox's mutable state: the account's settings, the orders, the calls received, and
//! the faults queued for the next ones. (The request limits keep their own state, in
//! `limits`, since a request's place in flight is given back without the ledger.)

use std::sync::{Arc, Mutex, MutexGuard};

use super::calls::Calls;
use super::config::ChannelAdvisorConfig;
use super::faults::FaultKind;
use super::orders::Orders;
use crate::harness::FaultQueue;

#[derive(Debug)]
pub(super) struct Ledger {
    pub(super) config: ChannelAdvisorConfig,
    pub(super) faults: FaultQueue<FaultKind>,
    pub(super) orders: Orders,
    pub(super) calls: Calls,
}

impl Ledger {
    pub(super) fn new(config: ChannelAdvisorConfig) -> Self {
        Self {
            config,
            faults: FaultQueue::default(),
            orders: Orders::default(),
            calls: Calls::default(),
        }
    }

    /// No orders, calls or faults; the configuration stays.
    pub(super) fn reset(&mut self) {
        self.faults.clear();
        self.orders = Orders::default();
        // Cleared, not replaced: its tickets must stay unique across resets.
        self.calls.clear();
    }
}

pub(super) type SharedLedger = Arc<Mutex<Ledger>>;

pub(super) fn lock(ledger: &SharedLedger) -> MutexGuard<'_, Ledger> {
    crate::sync::lock(ledger)
}
