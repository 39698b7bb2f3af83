//! The upload ledger: what was uploaded to which platform, account and target.
//!
//! Every decision is made by DynamoDB in one conditional write, so concurrent workers cannot
//! both win:
//!
//! * **claim** (1 write): take a lease on the target if nobody holds a live one, and if the
//!   unit's fingerprint differs from the last upload and its event is older neither than the
//!   last upload nor than an abandoned claim's (an expired lease never committed: its worker
//!   may have died after the platform accepted the newer event, which SQS will redeliver, so
//!   letting an older event through would step the platform backwards). A refused claim
//!   returns the old item (`ReturnValuesOnConditionCheckFailure = ALL_OLD`), which says at once
//!   whether the unit is a duplicate, stale or locked; an accepted claim returns it too
//!   (`ReturnValues = ALL_OLD`), which the platform may use and the commit extends.
//! * **commit** (1 write): record the upload, only while still holding the lease token (fenced),
//!   and release the lease. A worker whose lease expired and was taken over cannot overwrite the
//!   new holder's work.
//! * **release** (1 write): give the lease back after a transient failure.
//!
//! So a new upload costs 2 writes, a duplicate 1, a transient failure 2.

mod baseline;
mod latest;
mod record;
mod sweep;

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

pub use baseline::{BaselineCounts, BaselineEntry, BaselineOptions, newest_per_target};
pub use latest::{AccountLatest, LatestOutcomes, TargetEntry};
use record::entry_to_attribute;
pub use record::{
    EntryKind, HistoryEntry, Lease, LedgerKey, LedgerRecord, Position, order_partition_key,
    split_partition_key,
};
pub use sweep::ExpiredLeases;

use crate::aws::error_text;
use crate::metrics;

/// The update clause that gives a lease back.
const RELEASE: &str = "REMOVE #lease_token, #lease_until, #lease_fp, #lease_pos, #lease_tracking";

/// What the claimed unit does: upload to the platform, or nothing (not applicable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sends {
    Upload,
    Nothing,
}

/// How many history entries each target keeps (newest first).
pub const HISTORY_LIMIT: usize = 20;

/// A DynamoDB failure; all of them are worth retrying later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ledger: {0}")]
pub struct LedgerError(pub String);

/// How much of the table a bounded scan read.
struct Scanned {
    /// Items read (and paid for), whether the filter kept them or not.
    items: usize,
    /// Stopped at the bound with more of the table left.
    truncated: bool,
}

/// Runs `scan` page by page, handing each item the filter kept to `each`, until the table ends
/// or `max_items` items were read. Scans read the whole table, so they serve scheduled work
/// and the operator, never the message path.
async fn scan_bounded(
    scan: aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder,
    max_items: usize,
    mut each: impl FnMut(&HashMap<String, AttributeValue>),
) -> Result<Scanned, LedgerError> {
    // Items one scan request asks for: DynamoDB caps a page at 1 MB anyway.
    const PAGE_ITEMS: usize = 1000;
    let mut scanned = Scanned {
        items: 0,
        truncated: false,
    };
    let mut start_key = None;
    while scanned.items < max_items {
        let limit = (max_items - scanned.items).min(PAGE_ITEMS);
        let page = scan
            .clone()
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start_key)
            .send()
            .await
            .map_err(ledger_error)?;
        scanned.items += usize::try_from(page.scanned_count()).unwrap_or_default();
        page.items().iter().for_each(&mut each);
        start_key = page.last_evaluated_key;
        if start_key.is_none() {
            return Ok(scanned);
        }
    }
    scanned.truncated = true;
    Ok(scanned)
}

fn ledger_error<E: std::error::Error + 'static>(error: E) -> LedgerError {
    LedgerError(error_text(&error))
}

/// What a claim decided.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimOutcome {
    /// The caller holds the lease and must commit or release it.
    Claimed(Box<Claim>),
    /// This fingerprint is what the target has now.
    Duplicate,
    /// A newer event was already uploaded for this target.
    Stale { newer: Position },
    /// Another live worker holds the target until `until_ms`.
    Locked { until_ms: i64 },
}

/// A held lease.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub token: String,
    /// The item before the claim, if there was one. Boxed: a batch holds a claim for each of
    /// its units at once, and most have no prior item (new orders) or need it only briefly.
    pub prior: Option<Box<LedgerRecord>>,
    /// When the lease ends (epoch ms): after it, another worker may take the target over, so
    /// nothing may be uploaded under this claim any more.
    pub lease_until_ms: i64,
}

/// What one unit wants from the ledger.
#[derive(Debug, Clone)]
pub struct ClaimRequest<'a> {
    pub key: &'a LedgerKey,
    pub fingerprint: &'a str,
    pub position: &'a Position,
    /// The unit's tracking set, kept with the lease: if the claim is abandoned, whoever takes
    /// it over must assume the platform may have e-mailed it already.
    pub tracking: Option<&'a str>,
}

/// What to record when a claim ends in an upload, a skip or a rejection.
#[derive(Debug, Clone)]
pub struct Completion<'a> {
    pub kind: EntryKind,
    pub status: &'a str,
    pub reference: Option<&'a str>,
    pub tracking: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub message_id: Option<&'a str>,
}

/// Whether a commit was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    Recorded,
    /// The lease expired and someone else holds the target now: nothing was written.
    LeaseLost,
}

/// The ledger table and its policies.
#[derive(Debug, Clone)]
pub struct Ledger {
    client: Client,
    table: String,
    retention: Duration,
}

impl Ledger {
    pub fn new(client: Client, table: impl Into<String>, retention: Duration) -> Self {
        Self {
            client,
            table: table.into(),
            retention,
        }
    }

    fn expires_at(&self, now_ms: i64) -> AttributeValue {
        let seconds = now_ms / 1000 + self.retention.as_secs() as i64;
        AttributeValue::N(seconds.to_string())
    }

    /// An update of `key` that names the lease attributes (`#lease_token`, `#lease_until`,
    /// `#lease_fp`, `#lease_pos`, `#lease_tracking`) and binds `:token`; claim, complete and
    /// release add the rest.
    fn lease_update(&self, key: &LedgerKey, token: &str) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.attributes()))
            .expression_attribute_names("#lease_token", "lease_token")
            .expression_attribute_names("#lease_until", "lease_until")
            .expression_attribute_names("#lease_fp", "lease_fp")
            .expression_attribute_names("#lease_pos", "lease_pos")
            .expression_attribute_names("#lease_tracking", "lease_tracking")
            .expression_attribute_values(":token", AttributeValue::S(token.to_owned()))
    }

    /// Claims a target for one unit with a lease until `lease_until_ms` (epoch ms).
    pub async fn claim(
        &self,
        request: ClaimRequest<'_>,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<ClaimOutcome, LedgerError> {
        self.claim_for(Sends::Upload, request, now_ms, lease_until_ms)
            .await
    }

    /// Claims a target for a unit that sends nothing (not applicable), to record it in the
    /// target's history. It never reaches the platform, so neither its lease nor its record
    /// carries a position: an older event that does reach the platform is not stale because of
    /// it (stale means older than the newest *uploaded* event). Its fingerprint is kept apart
    /// (`skip_fp`), so that a redelivery is a duplicate at one write.
    pub async fn claim_skip(
        &self,
        request: ClaimRequest<'_>,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<ClaimOutcome, LedgerError> {
        self.claim_for(Sends::Nothing, request, now_ms, lease_until_ms)
            .await
    }

    async fn claim_for(
        &self,
        sends: Sends,
        request: ClaimRequest<'_>,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<ClaimOutcome, LedgerError> {
        let token = uuid::Uuid::new_v4().to_string();
        let (set, condition) = match sends {
            Sends::Upload => (
                "SET #lease_token = :token, #lease_until = :until, #lease_fp = :fp, \
                 #lease_pos = :pos, #expires_at = if_not_exists(#expires_at, :expires)",
                "(attribute_not_exists(#lease_until) OR #lease_until < :now) \
                 AND (attribute_not_exists(#lease_pos) OR #lease_pos <= :pos) \
                 AND (attribute_not_exists(#fp) OR (#fp <> :fp AND #pos <= :pos))",
            ),
            Sends::Nothing => (
                "SET #lease_token = :token, #lease_until = :until, #lease_fp = :fp, \
                 #expires_at = if_not_exists(#expires_at, :expires)",
                "(attribute_not_exists(#lease_until) OR #lease_until < :now) \
                 AND (attribute_not_exists(#lease_pos) OR #lease_pos <= :pos) \
                 AND (attribute_not_exists(#pos) OR #pos <= :pos) \
                 AND (attribute_not_exists(#skip_fp) OR #skip_fp <> :fp)",
            ),
        };
        let mut update = self.lease_update(request.key, &token);
        update = match sends {
            Sends::Upload => update.expression_attribute_names("#fp", "fp"),
            Sends::Nothing => update.expression_attribute_names("#skip_fp", "skip_fp"),
        };
        update = match request.tracking {
            Some(tracking) => update
                .update_expression(format!("{set}, #lease_tracking = :tracking"))
                .expression_attribute_values(":tracking", AttributeValue::S(tracking.to_owned())),
            None => update.update_expression(format!("{set} REMOVE #lease_tracking")),
        };
        let result = update
            .condition_expression(condition)
            .expression_attribute_names("#expires_at", "expires_at")
            .expression_attribute_names("#pos", "pos")
            .expression_attribute_values(":until", AttributeValue::N(lease_until_ms.to_string()))
            .expression_attribute_values(":now", AttributeValue::N(now_ms.to_string()))
            .expression_attribute_values(":fp", AttributeValue::S(request.fingerprint.to_owned()))
            .expression_attribute_values(
                ":pos",
                AttributeValue::S(request.position.as_str().to_owned()),
            )
            .expression_attribute_values(":expires", self.expires_at(now_ms))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send();
        let result = metrics::ledger_request(result).await;
        match result {
            Ok(output) => Ok(ClaimOutcome::Claimed(Box::new(Claim {
                token,
                prior: output
                    .attributes()
                    .map(|item| Box::new(LedgerRecord::from_item(item))),
                lease_until_ms,
            }))),
            Err(SdkError::ServiceError(error)) => match error.into_err() {
                UpdateItemError::ConditionalCheckFailedException(refused) => {
                    let old = refused
                        .item()
                        .map(LedgerRecord::from_item)
                        .unwrap_or_default();
                    Ok(decide_refusal(&old, &request, now_ms))
                }
                other => Err(ledger_error(other)),
            },
            Err(other) => Err(ledger_error(other)),
        }
    }

    /// Records how a claim ended and releases the lease, if the lease is still ours.
    pub async fn complete(
        &self,
        claim: &Claim,
        request: &ClaimRequest<'_>,
        completion: Completion<'_>,
        now_ms: i64,
    ) -> Result<CommitOutcome, LedgerError> {
        let entry = HistoryEntry {
            at_ms: now_ms,
            kind: completion.kind,
            status: completion.status.to_owned(),
            fingerprint: request.fingerprint.to_owned(),
            position: request.position.clone(),
            reference: completion.reference.map(str::to_owned),
            tracking: completion.tracking.map(str::to_owned),
            reason: completion.reason.map(str::to_owned),
            message_id: completion.message_id.map(str::to_owned),
        };
        // The claim returned the item as it was, and nobody else can have written it while we
        // held the lease, so the new history is computed here and written whole: one write.
        let mut history = vec![entry_to_attribute(&entry)];
        if let Some(prior) = &claim.prior {
            history.extend(
                prior
                    .history
                    .iter()
                    .take(HISTORY_LIMIT - 1)
                    .map(entry_to_attribute),
            );
        }
        let mut update = self
            .lease_update(request.key, &claim.token)
            .condition_expression("#lease_token = :token")
            .expression_attribute_names("#history", "history")
            .expression_attribute_names("#expires_at", "expires_at")
            .expression_attribute_values(":history", AttributeValue::L(history))
            .expression_attribute_values(":expires", self.expires_at(now_ms));
        update = if completion.kind == EntryKind::Rejected {
            // A rejection is history, not state: a fixed message may still upload this status.
            update.update_expression(format!(
                "SET #history = :history, #expires_at = :expires {RELEASE}"
            ))
        } else if completion.kind == EntryKind::Skipped {
            // Nothing reached the platform: history, and the fingerprint that makes a
            // redelivery a duplicate, but no position (see `claim_skip`).
            update
                .update_expression(format!(
                    "SET #history = :history, #expires_at = :expires, #skip_fp = :fp {RELEASE}"
                ))
                .expression_attribute_names("#skip_fp", "skip_fp")
                .expression_attribute_values(
                    ":fp",
                    AttributeValue::S(request.fingerprint.to_owned()),
                )
        } else {
            update
                .update_expression(format!(
                    "SET #fp = :fp, #pos = :pos, #status = :status, #updated_at = :now, \
                     #history = :history, #expires_at = :expires {RELEASE}"
                ))
                .expression_attribute_names("#fp", "fp")
                .expression_attribute_names("#pos", "pos")
                .expression_attribute_names("#status", "status")
                .expression_attribute_names("#updated_at", "updated_at")
                .expression_attribute_values(
                    ":fp",
                    AttributeValue::S(request.fingerprint.to_owned()),
                )
                .expression_attribute_values(
                    ":pos",
                    AttributeValue::S(request.position.as_str().to_owned()),
                )
                .expression_attribute_values(
                    ":status",
                    AttributeValue::S(completion.status.to_owned()),
                )
                .expression_attribute_values(":now", AttributeValue::N(now_ms.to_string()))
        };
        fenced(metrics::ledger_request(update.send()).await)
    }

    /// Gives a lease back without recording anything (after a transient failure).
    pub async fn release(
        &self,
        key: &LedgerKey,
        claim: &Claim,
    ) -> Result<CommitOutcome, LedgerError> {
        let result = self
            .lease_update(key, &claim.token)
            .update_expression(RELEASE)
            .condition_expression("#lease_token = :token")
            .send();
        fenced(metrics::ledger_request(result).await)
    }

    /// Every record of one order (the order and its items), with their histories.
    pub async fn order_records(
        &self,
        partition_key: &str,
    ) -> Result<Vec<LedgerRecord>, LedgerError> {
        let mut records = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", "pk")
                .expression_attribute_values(":pk", AttributeValue::S(partition_key.to_owned()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(ledger_error)?;
            records.extend(output.items().iter().map(LedgerRecord::from_item));
            match output.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(records),
            }
        }
    }

    /// Reads one target's record (consistent read), if it exists.
    pub async fn record(&self, key: &LedgerKey) -> Result<Option<LedgerRecord>, LedgerError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.attributes()))
            .consistent_read(true)
            .send()
            .await
            .map_err(ledger_error)?;
        Ok(output.item().map(LedgerRecord::from_item))
    }
}

/// Reads a refused claim's old item: why was it refused?
fn decide_refusal(old: &LedgerRecord, request: &ClaimRequest<'_>, now_ms: i64) -> ClaimOutcome {
    // Positions only grow, so an older event is stale whatever is in flight.
    if let Some(newer) = &old.position
        && newer > request.position
    {
        return ClaimOutcome::Stale {
            newer: newer.clone(),
        };
    }
    // An abandoned claim (expired, never committed) for a newer event: its worker may have died
    // after the platform accepted that event. SQS redelivers it, and it uploads then; this
    // older one would step the platform backwards in between.
    if let Some(lease) = &old.lease
        && !lease.is_live(now_ms)
        && let Some(newer) = &lease.position
        && newer > request.position
    {
        return ClaimOutcome::Stale {
            newer: newer.clone(),
        };
    }
    // Another status is being uploaded right now: after it lands, this one may differ from
    // it again, so it must wait rather than be judged against the state before.
    let live_lease = old.lease.as_ref().filter(|lease| lease.is_live(now_ms));
    if let Some(lease) = live_lease
        && lease.fingerprint.as_deref() != Some(request.fingerprint)
    {
        return ClaimOutcome::Locked {
            until_ms: lease.until_ms,
        };
    }
    if old.fingerprint.as_deref() == Some(request.fingerprint)
        || old.skip_fingerprint.as_deref() == Some(request.fingerprint)
    {
        return ClaimOutcome::Duplicate;
    }
    // Either our own fingerprint is in flight, or the item changed between the write and its
    // check (a lease just expired, a baseline landed): nothing is decided yet, so treat it as
    // held and let SQS retry.
    ClaimOutcome::Locked {
        until_ms: live_lease.map_or(now_ms, |lease| lease.until_ms),
    }
}

fn fenced<T>(
    result: Result<T, SdkError<UpdateItemError, aws_smithy_runtime_api::http::Response>>,
) -> Result<CommitOutcome, LedgerError> {
    match result {
        Ok(_) => Ok(CommitOutcome::Recorded),
        Err(SdkError::ServiceError(error))
            if matches!(
                error.err(),
                UpdateItemError::ConditionalCheckFailedException(_)
            ) =>
        {
            Ok(CommitOutcome::LeaseLost)
        }
        Err(other) => Err(ledger_error(other)),
    }
}

/// Milliseconds since the Unix epoch, by this machine's clock.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
