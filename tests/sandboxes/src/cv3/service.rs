//! What one `CV3Data` call does to the sandbox, in CV3's order: decode, authenticate, then
//! apply each item on its own.

use super::document;
use super::ledger::{Ledger, ReceivedConfirmation, ReceivedStatus};
use super::rules;

const AUTH_FAILED: &str = "Authentication failed: invalid user, password or service ID";

/// Applies the call whose base64 `data` parameter is given and returns the `<error>` texts for
/// the response; an empty list means complete success.
pub(super) fn apply(ledger: &mut Ledger, request: u64, data: &str) -> Vec<String> {
    let call = match document::decode(data) {
        Ok(call) => call,
        Err(problem) => return vec![format!("Invalid request document: {problem}")],
    };
    if call.authenticate.as_ref() != Some(&ledger.credentials) {
        ledger.received.auth_failures += 1;
        return vec![AUTH_FAILED.to_owned()];
    }
    ledger.received.authenticated += 1;

    // CV3 reports bad items but still applies the good ones next to them.
    let mut errors = Vec::new();
    for order_id in call.confirmations {
        match rules::check_confirmation(&order_id) {
            Ok(()) => ledger
                .received
                .confirmations
                .push(ReceivedConfirmation { request, order_id }),
            Err(error) => errors.push(error),
        }
    }
    for update in call.statuses {
        match rules::check_status(&update, &ledger.unknown_orders) {
            Ok(tracking_notification) => ledger.received.statuses.push(ReceivedStatus {
                request,
                order_id: update.order_id,
                status: update.status,
                tracking: update.tracking,
                customer_number: update.customer_number,
                tracking_notification,
            }),
            Err(error) => errors.push(error),
        }
    }
    errors
}
