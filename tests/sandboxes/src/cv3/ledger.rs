//! The sandbox's mutable state: configuration set by tests and everything it accepted.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::Cv3Credentials;
use super::faults::FaultKind;
use crate::harness::FaultQueue;

/// Everything the sandbox accepted so far; the body of `GET /_sandbox/received`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// Every request to the CV3 endpoint, including faulted and rejected ones.
    pub requests: u64,
    #[serde(default)]
    pub authenticated: u64,
    pub auth_failures: u64,
    pub statuses: Vec<ReceivedStatus>,
    pub confirmations: Vec<ReceivedConfirmation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedStatus {
    /// 1-based number of the request that carried it (see [`Received::requests`]).
    pub request: u64,
    pub order_id: String,
    pub status: String,
    pub tracking: String,
    pub customer_number: String,
    pub tracking_notification: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedConfirmation {
    pub request: u64,
    pub order_id: String,
}

#[derive(Debug)]
pub(super) struct Ledger {
    pub(super) credentials: Cv3Credentials,
    pub(super) unknown_orders: HashSet<String>,
    pub(super) faults: FaultQueue<FaultKind>,
    pub(super) received: Received,
}

impl Ledger {
    pub(super) fn new(credentials: Cv3Credentials) -> Self {
        Self {
            credentials,
            unknown_orders: HashSet::new(),
            faults: FaultQueue::default(),
            received: Received::default(),
        }
    }

    /// Counts a request and returns its number.
    pub(super) fn begin_request(&mut self) -> u64 {
        self.received.requests += 1;
        self.received.requests
    }

    /// Forgets everything a test did except the credentials, which model CV3's configuration.
    pub(super) fn reset(&mut self) {
        self.unknown_orders.clear();
        self.faults.clear();
        self.received = Received::default();
    }
}

pub(super) type SharedLedger = Arc<Mutex<Ledger>>;

pub(super) fn lock(ledger: &SharedLedger) -> MutexGuard<'_, Ledger> {
    crate::sync::lock(ledger)
}
