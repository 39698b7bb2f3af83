//! What an authenticated call does to the sandbox: check the body as a whole, then apply each
//! item on its own, and record the call.

use serde_json::Value;

use super::envelope::{CallError, ItemError};
use super::items::{self, parse_body};
use super::ledger::{Ledger, ReceivedCall};

/// The OMS API actions the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    UpdateItemsStatus,
    UpdateItemsInformation,
}

impl Action {
    pub(super) fn parse(name: &str) -> Option<Self> {
        match name {
            "UpdateItemsStatus" => Some(Self::UpdateItemsStatus),
            "UpdateItemsInformation" => Some(Self::UpdateItemsInformation),
            _ => None,
        }
    }
}

/// Handles an authenticated call named `action_name`: `Err` refuses the whole call, `Ok` lists
/// the items that were not processed (the others were applied).
pub(super) fn apply(
    ledger: &mut Ledger,
    action_name: &str,
    body: &[u8],
) -> Result<Vec<ItemError>, CallError> {
    let mut call = ReceivedCall {
        action: action_name.to_owned(),
        items: Vec::new(),
        failed_positions: Vec::new(),
        error: None,
    };
    let outcome = apply_items(ledger, action_name, body, &mut call);
    if let Err(error) = &outcome {
        call.error = Some(error.message());
    }
    ledger.calls.push(call);
    outcome
}

fn apply_items(
    ledger: &mut Ledger,
    action_name: &str,
    body: &[u8],
    call: &mut ReceivedCall,
) -> Result<Vec<ItemError>, CallError> {
    let action = Action::parse(action_name).ok_or(CallError::InvalidAction)?;
    call.items = parse_body(body).map_err(CallError::InvalidRequestFormat)?;
    if call.items.is_empty() {
        return Err(CallError::EmptyRequest);
    }
    if call.items.len() > ledger.config.max_items_per_call {
        return Err(CallError::RequestTooBig);
    }
    // In request order, so a later item sees what an earlier one of the same call did.
    let failures: Vec<ItemError> = call
        .items
        .iter()
        .enumerate()
        .filter_map(|(position, item)| {
            apply_item(ledger, action, item)
                .err()
                .map(|message| ItemError { position, message })
        })
        .collect();
    call.failed_positions = failures.iter().map(|failure| failure.position).collect();
    Ok(failures)
}

fn apply_item(ledger: &mut Ledger, action: Action, item: &Value) -> Result<(), String> {
    match action {
        Action::UpdateItemsStatus => ledger.update_status(items::read_status_update(item)?),
        Action::UpdateItemsInformation => ledger.update_detail(items::read_detail_update(item)?),
    }
}
