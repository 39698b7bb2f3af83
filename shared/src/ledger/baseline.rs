//! The operator's baseline (`orderstatus baseline`): existing orders marked as uploaded in
//! bulk, so that a first run does not upload history again (seed 000's warning). Not on the
//! per-message path: it reads and writes in batches of its own.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};
use futures::StreamExt;

use super::record::entry_to_attribute;
use super::{
    EntryKind, HistoryEntry, Ledger, LedgerError, LedgerKey, LedgerRecord, Position, ledger_error,
};

/// `BatchWriteItem` takes at most this many items per request.
const BATCH_WRITE_LIMIT: usize = 25;

/// `BatchGetItem` reads at most this many keys per request: one baseline round.
const BATCH_GET_LIMIT: usize = 100;

/// Attempts at what DynamoDB left unprocessed (throttling) before a baseline gives up.
const UNPROCESSED_ATTEMPTS: u32 = 8;

/// One order (or item) to mark as already uploaded.
#[derive(Debug, Clone)]
pub struct BaselineEntry {
    pub key: LedgerKey,
    pub fingerprint: String,
    pub position: Position,
    pub status: String,
    pub tracking: Option<String>,
    /// The producer's id of the message it came from, for the history.
    pub message_id: Option<String>,
}

/// How a baseline runs.
#[derive(Debug, Clone)]
pub struct BaselineOptions {
    /// Read which targets exist, write nothing: counts what a real run would write.
    pub dry_run: bool,
    /// Rounds (100 targets each) in flight at once.
    pub concurrency: usize,
    /// Stop after this many rounds (a rerun continues where this one stopped).
    pub max_rounds: Option<usize>,
}

impl Default for BaselineOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            concurrency: 4,
            max_rounds: None,
        }
    }
}

/// What a baseline did, or with `dry_run` would do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BaselineCounts {
    /// Rounds of up to 100 targets done.
    pub rounds: usize,
    /// Targets that already had a record: left as they were.
    pub existing: usize,
    /// Targets written (or, dry, missing and so to be written).
    pub written: usize,
    /// `BatchGetItem` requests sent.
    pub get_requests: usize,
    /// `BatchWriteItem` requests sent.
    pub write_requests: usize,
}

impl BaselineCounts {
    pub fn add(&mut self, other: &BaselineCounts) {
        self.rounds += other.rounds;
        self.existing += other.existing;
        self.written += other.written;
        self.get_requests += other.get_requests;
        self.write_requests += other.write_requests;
    }
}

/// One entry per target, the newest (by position, then by place in the input) winning: what
/// a baseline of a history file with several statuses per order must write.
pub fn newest_per_target(entries: Vec<BaselineEntry>) -> Vec<BaselineEntry> {
    let mut newest: HashMap<LedgerKey, BaselineEntry> = HashMap::with_capacity(entries.len());
    let mut order = Vec::with_capacity(entries.len());
    for entry in entries {
        match newest.get_mut(&entry.key) {
            Some(kept) if kept.position > entry.position => {}
            Some(kept) => *kept = entry,
            None => {
                order.push(entry.key.clone());
                newest.insert(entry.key.clone(), entry);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|key| newest.remove(&key))
        .collect()
}

/// Waits before retrying what DynamoDB left unprocessed, or gives up after enough attempts.
async fn retry_pause(what: &str, left: usize, attempt: u32) -> Result<(), LedgerError> {
    if attempt >= UNPROCESSED_ATTEMPTS {
        return Err(LedgerError(format!(
            "{left} baseline {what} still unprocessed after {attempt} attempts (table throttled?); rerun to finish"
        )));
    }
    tokio::time::sleep(crate::http::backoff(attempt)).await;
    Ok(())
}

impl Ledger {
    /// Marks targets as already uploaded, without ever replacing a record: each round of up to
    /// 100 entries reads which targets exist (`BatchGetItem`, consistent) and writes only the
    /// missing ones (`BatchWriteItem`, 25 a request); unprocessed keys and items are retried with
    /// backoff. So a rerun (after an interruption, or of the same file) writes only what is
    /// still missing, and a target the functions already touched keeps its record and lease.
    ///
    /// Decision (2026-11-23): `BatchWriteItem` cannot carry a condition, so a worker that claims
    /// a target between a round's read and its write (milliseconds) would see its claim
    /// replaced by the baseline record; its commit then finds its lease gone and writes nothing
    /// (logged), and the ledger says "baseline" for a status the platform received. Baselines
    /// run before a platform's first upload, when no worker touches those targets; conditional
    /// single writes would close the gap at 25 times the requests.
    ///
    /// Entries must name distinct targets ([`newest_per_target`] makes them so); `progress` is
    /// called after each round with that round's counts.
    pub async fn baseline(
        &self,
        entries: &[BaselineEntry],
        now_ms: i64,
        options: &BaselineOptions,
        mut progress: impl FnMut(&BaselineCounts),
    ) -> Result<BaselineCounts, LedgerError> {
        let mut seen = HashSet::with_capacity(entries.len());
        if let Some(twice) = entries.iter().find(|e| !seen.insert(&e.key)) {
            return Err(LedgerError(format!(
                "baseline names {} twice; keep one entry per target",
                twice.key.target
            )));
        }
        let rounds = entries
            .chunks(BATCH_GET_LIMIT)
            .take(options.max_rounds.unwrap_or(usize::MAX));
        let mut results = futures::stream::iter(rounds)
            .map(|round| self.baseline_round(round, now_ms, options.dry_run))
            .buffer_unordered(options.concurrency.max(1));
        let mut total = BaselineCounts::default();
        while let Some(result) = results.next().await {
            let counts = result?;
            progress(&counts);
            total.add(&counts);
        }
        Ok(total)
    }

    /// One round: which of these (at most 100) targets exist, then write the others.
    async fn baseline_round(
        &self,
        entries: &[BaselineEntry],
        now_ms: i64,
        dry_run: bool,
    ) -> Result<BaselineCounts, LedgerError> {
        let mut counts = BaselineCounts {
            rounds: 1,
            ..BaselineCounts::default()
        };
        let existing = self.existing_keys(entries, &mut counts).await?;
        let missing: Vec<&BaselineEntry> = entries
            .iter()
            .filter(|entry| !existing.contains(&(entry.key.partition_key(), entry.key.sort_key())))
            .collect();
        counts.existing = entries.len() - missing.len();
        counts.written = missing.len();
        if !dry_run {
            for chunk in missing.chunks(BATCH_WRITE_LIMIT) {
                let items = chunk
                    .iter()
                    .map(|entry| self.baseline_item(entry, now_ms))
                    .collect::<Result<_, _>>()?;
                self.write_all(items, &mut counts).await?;
            }
        }
        Ok(counts)
    }

    /// The (pk, sk) of those entries' targets that have a record, by consistent reads.
    async fn existing_keys(
        &self,
        entries: &[BaselineEntry],
        counts: &mut BaselineCounts,
    ) -> Result<HashSet<(String, String)>, LedgerError> {
        let mut existing = HashSet::new();
        let keys: Vec<_> = entries.iter().map(|entry| entry.key.attributes()).collect();
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .projection_expression("#pk, #sk")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#sk", "sk")
            .consistent_read(true)
            .build()
            .map_err(ledger_error)?;
        for attempt in 1.. {
            counts.get_requests += 1;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, pending)
                .send()
                .await
                .map_err(ledger_error)?;
            let found = output.responses().and_then(|r| r.get(&self.table));
            for item in found.into_iter().flatten() {
                let record = LedgerRecord::from_item(item);
                existing.insert((record.partition_key, record.sort_key));
            }
            match output.unprocessed_keys().and_then(|u| u.get(&self.table)) {
                Some(rest) if !rest.keys().is_empty() => {
                    pending = rest.clone();
                    retry_pause("keys", rest.keys().len(), attempt).await?;
                }
                _ => break,
            }
        }
        Ok(existing)
    }

    /// Writes up to 25 items, retrying what DynamoDB leaves unprocessed.
    async fn write_all(
        &self,
        mut pending: Vec<WriteRequest>,
        counts: &mut BaselineCounts,
    ) -> Result<(), LedgerError> {
        for attempt in 1.. {
            counts.write_requests += 1;
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.table, pending)
                .send()
                .await
                .map_err(ledger_error)?;
            pending = output
                .unprocessed_items()
                .and_then(|items| items.get(&self.table))
                .cloned()
                .unwrap_or_default();
            if pending.is_empty() {
                break;
            }
            retry_pause("items", pending.len(), attempt).await?;
        }
        Ok(())
    }

    fn baseline_item(
        &self,
        entry: &BaselineEntry,
        now_ms: i64,
    ) -> Result<WriteRequest, LedgerError> {
        let history = HistoryEntry {
            at_ms: now_ms,
            kind: EntryKind::Baseline,
            status: entry.status.clone(),
            fingerprint: entry.fingerprint.clone(),
            position: entry.position.clone(),
            reference: None,
            tracking: entry.tracking.clone(),
            reason: None,
            message_id: entry.message_id.clone(),
        };
        let mut item = entry.key.attributes();
        item.extend([
            (
                "fp".to_owned(),
                AttributeValue::S(entry.fingerprint.clone()),
            ),
            (
                "pos".to_owned(),
                AttributeValue::S(entry.position.as_str().to_owned()),
            ),
            ("status".to_owned(), AttributeValue::S(entry.status.clone())),
            (
                "updated_at".to_owned(),
                AttributeValue::N(now_ms.to_string()),
            ),
            (
                "history".to_owned(),
                AttributeValue::L(vec![entry_to_attribute(&history)]),
            ),
            ("expires_at".to_owned(), self.expires_at(now_ms)),
        ]);
        let put = PutRequest::builder()
            .set_item(Some(item))
            .build()
            .map_err(ledger_error)?;
        Ok(WriteRequest::builder().put_request(put).build())
    }
}
