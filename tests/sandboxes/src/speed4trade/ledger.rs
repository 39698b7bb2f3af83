//! The sandbox's state: credentials, each order's status and data, the calls it received, and
//! seed 002's rules for applying an order of a call.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::Speed4TradeConfig;
use super::document::{OrderRequest, Package, Report};
use super::faults::FaultKind;
use crate::harness::FaultQueue;

/// What the sandbox knows about one order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderState {
    /// FETCHED for an order first seen; REGROUPED can only be set by a test.
    pub status: String,
    pub packages: Vec<Package>,
    pub payments: Vec<String>,
    pub export_time: Option<String>,
    /// Updates applied, and shipping or payment data Speed4Trade ignored (seed: sent after the
    /// order already had that status).
    pub updates: u32,
    pub ignored: u32,
}

/// One order of a received call and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedOrder {
    pub reference_id: Option<String>,
    pub key: String,
    pub status: String,
    /// The status-specific data sent with it (applied only with a change of status).
    #[serde(default)]
    pub packages: Vec<Package>,
    #[serde(default)]
    pub payments: Vec<String>,
    #[serde(default)]
    pub export_time: Option<String>,
    pub return_code: i64,
}

/// One call that reached the `updateOrderStatus` rules (authenticated, well-formed SOAP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedCall {
    pub request: u64,
    pub orders: Vec<ReceivedOrder>,
}

#[derive(Debug)]
pub(super) struct Ledger {
    pub(super) config: Speed4TradeConfig,
    pub(super) faults: FaultQueue<FaultKind>,
    pub(super) requests: u64,
    pub(super) auth_failures: u64,
    pub(super) calls: Vec<ReceivedCall>,
    pub(super) orders: BTreeMap<String, OrderState>,
}

/// Return codes the sandbox answers with (Speed4Trade documents only "< 0 = error").
const INVALID: i64 = -1;
const NOT_UPDATABLE: i64 = -20;

impl Ledger {
    pub(super) fn new(config: Speed4TradeConfig) -> Self {
        Self {
            config,
            faults: FaultQueue::default(),
            requests: 0,
            auth_failures: 0,
            calls: Vec::new(),
            orders: BTreeMap::new(),
        }
    }

    pub(super) fn begin_request(&mut self) -> u64 {
        self.requests += 1;
        self.requests
    }

    /// Forgets everything a test did except the configuration.
    pub(super) fn reset(&mut self) {
        self.faults.clear();
        self.requests = 0;
        self.auth_failures = 0;
        self.calls.clear();
        self.orders.clear();
    }

    /// Applies one order by the seed's rules; its report.
    pub(super) fn apply(&mut self, order: OrderRequest) -> Report {
        let report = |code: i64, description: Option<String>| Report {
            reference_id: order.reference_id.clone(),
            return_code: code,
            error_description: description,
        };
        let state = self
            .orders
            .entry(order.key.clone())
            .or_insert_with(|| OrderState {
                status: "FETCHED".to_owned(),
                ..OrderState::default()
            });
        if matches!(state.status.as_str(), "CANCELED" | "REGROUPED") {
            return report(
                NOT_UPDATABLE,
                Some(format!(
                    "Order {} has status {} and cannot be updated",
                    order.key, state.status
                )),
            );
        }
        if !order.packages.is_empty() && order.status != "SHIPPED" {
            return report(
                INVALID,
                Some("shipping information only with status SHIPPED".into()),
            );
        }
        if !order.payments.is_empty() && order.status != "PAID" {
            return report(
                INVALID,
                Some("payment information only with status PAID".into()),
            );
        }
        if order.export_time.is_some() && order.status != "ACKNOWLEDGED" {
            return report(
                INVALID,
                Some("acknowledgement information only with status ACKNOWLEDGED".into()),
            );
        }
        if let Some(i) = order.packages.iter().position(|p| {
            p.shipping_provider_identifier.is_none() && p.shipping_provider_external_id.is_none()
        }) {
            return report(
                INVALID,
                Some(format!(
                    "shipping_information[{i}]: package data needs shipping_provider_identifier or shipping_provider_external_id"
                )),
            );
        }
        // Status-specific data goes in only with the change to that status; after it, ignored.
        let changes = state.status != order.status;
        if changes {
            state.packages.extend(order.packages);
            state.payments.extend(order.payments);
            if order.export_time.is_some() {
                state.export_time = order.export_time;
            }
        } else if !order.packages.is_empty() || !order.payments.is_empty() {
            state.ignored += 1;
        }
        state.status = order.status;
        state.updates += 1;
        report(0, None)
    }
}

pub(super) type SharedLedger = Arc<Mutex<Ledger>>;

pub(super) fn lock(ledger: &SharedLedger) -> MutexGuard<'_, Ledger> {
    crate::sync::lock(ledger)
}
