//! The sandbox's mutable state: the account's settings, each order item's status, the calls
//! it accepted and the faults queued for the next ones.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SellerCenterConfig;
use super::faults::FaultKind;
use super::items::{DetailUpdate, StatusUpdate};
use super::status::ItemStatus;
use crate::harness::FaultQueue;

/// A call that passed authentication, as received; the body of `GET /_sandbox/calls` lists
/// them in arrival order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedCall {
    pub action: String,
    /// The request's items as sent (empty when the body was unreadable).
    pub items: Vec<Value>,
    /// Positions of the items reported as not processed.
    pub failed_positions: Vec<usize>,
    /// The error that refused the whole call after authentication (`E011: Request too big`, …);
    /// then nothing was applied.
    #[serde(default)]
    pub error: Option<String>,
}

/// One order item as Seller Center holds it; `GET /_sandbox/items` maps ids to these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemState {
    pub status: String,
    /// The detail last set for the current status; a new status clears it.
    pub status_detail: Option<String>,
    /// Every status the item has had, oldest first, the current one last.
    pub history: Vec<String>,
}

#[derive(Debug)]
struct Item {
    status: ItemStatus,
    status_detail: Option<String>,
    history: Vec<ItemStatus>,
}

impl Item {
    fn new(status: ItemStatus) -> Self {
        Self {
            status,
            status_detail: None,
            history: vec![status],
        }
    }

    fn become_(&mut self, status: ItemStatus) {
        self.status = status;
        self.status_detail = None;
        self.history.push(status);
    }

    fn state(&self) -> ItemState {
        ItemState {
            status: self.status.to_string(),
            status_detail: self.status_detail.clone(),
            history: self.history.iter().map(ToString::to_string).collect(),
        }
    }
}

#[derive(Debug)]
pub(super) struct Ledger {
    /// As started; `reset` returns to it.
    initial: SellerCenterConfig,
    pub(super) config: SellerCenterConfig,
    pub(super) access_denied: bool,
    pub(super) faults: FaultQueue<FaultKind>,
    /// Every OMS API request, faulted and refused ones included.
    pub(super) requests: u64,
    pub(super) calls: Vec<ReceivedCall>,
    items: BTreeMap<String, Item>,
    unknown_items: HashSet<String>,
}

impl Ledger {
    pub(super) fn new(config: SellerCenterConfig) -> Self {
        Self {
            initial: config.clone(),
            config,
            access_denied: false,
            faults: FaultQueue::default(),
            requests: 0,
            calls: Vec::new(),
            items: BTreeMap::new(),
            unknown_items: HashSet::new(),
        }
    }

    /// Back to the state it started in: configuration as given, no items, calls or faults.
    pub(super) fn reset(&mut self) {
        *self = Self::new(self.initial.clone());
    }

    pub(super) fn item(&self, id: &str) -> Option<ItemState> {
        self.items.get(id).map(Item::state)
    }

    pub(super) fn items(&self) -> BTreeMap<String, ItemState> {
        self.items
            .iter()
            .map(|(id, item)| (id.clone(), item.state()))
            .collect()
    }

    /// Puts an item in `status` whatever it was, as the platform's own flow (or an operator)
    /// would.
    pub(super) fn set_item_status(&mut self, id: &str, status: ItemStatus) {
        self.unknown_items.remove(id);
        match self.items.get_mut(id) {
            Some(item) => item.become_(status),
            None => {
                self.items.insert(id.to_owned(), Item::new(status));
            }
        }
    }

    /// Items Seller Center does not know: calls naming them fail with "not found".
    pub(super) fn set_unknown_items<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        self.unknown_items = ids.into_iter().map(str::to_owned).collect();
        for id in &self.unknown_items {
            self.items.remove(id);
        }
    }

    /// Applies one status update if the item may make that move.
    pub(super) fn update_status(&mut self, update: StatusUpdate) -> Result<(), String> {
        let StatusUpdate { id, status } = update;
        let item = known_item(&mut self.items, &self.unknown_items, &id)?;
        if item.status == status {
            // Exact wording matters: clients recognise a repeated update by it.
            return Err(format!(
                "Order Item with src_id: {id} already has status {status}"
            ));
        }
        if !item.status.can_become(status) {
            return Err(format!(
                "Cannot change status of Order Item with src_id: {id} from {} to {status}",
                item.status
            ));
        }
        item.become_(status);
        Ok(())
    }

    /// Records a status detail if it is one of the options for the item's current status.
    pub(super) fn update_detail(&mut self, update: DetailUpdate) -> Result<(), String> {
        let DetailUpdate { id, status_detail } = update;
        let options = &self.config.status_details;
        // Free function rather than method: the options stay borrowed next to the item.
        let item = known_item(&mut self.items, &self.unknown_items, &id)?;
        let allowed = options
            .get(item.status.as_str())
            .is_some_and(|options| options.contains(&status_detail));
        if !allowed {
            return Err(format!(
                "The Status Detail \"{status_detail}\" does not match with current status (id:{}) for Order Item with src_id: {id}",
                item.status.id()
            ));
        }
        item.status_detail = Some(status_detail);
        Ok(())
    }
}

/// The item with `id`, met for the first time as `pending`, unless it is marked unknown.
fn known_item<'a>(
    items: &'a mut BTreeMap<String, Item>,
    unknown: &HashSet<String>,
    id: &str,
) -> Result<&'a mut Item, String> {
    if unknown.contains(id) {
        return Err(format!("Order Item with src_id: {id} not found"));
    }
    Ok(items
        .entry(id.to_owned())
        .or_insert_with(|| Item::new(ItemStatus::Pending)))
}

pub(super) type SharedLedger = Arc<Mutex<Ledger>>;

pub(super) fn lock(ledger: &SharedLedger) -> MutexGuard<'_, Ledger> {
    crate::sync::lock(ledger)
}
