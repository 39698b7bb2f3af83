//! What `orderstatus status` found, and its JSON shape: every figure it could not read is
//! kept with the reason instead (`{"unknown": "…"}` in JSON), so one failed read never hides
//! the others.

use std::collections::BTreeMap;

use orderstatus::ledger::{LatestOutcomes, TargetEntry};
use orderstatus::message::PlatformName;
use orderstatus::sqs::QueueDepth;
use serde_json::{Map, Value, json};

use crate::output::time;

/// How much a figure that could not be read matters for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// An extra (CloudWatch, Scheduler): no metrics yet, no permission. Exit 0.
    Unavailable,
    /// A read of the queues or the ledger failed. Exit 1.
    ReadFailed,
    /// A queue or the table does not exist: the configuration is wrong. Exit 2.
    NotFound,
}

/// Why a figure is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub reason: String,
    pub severity: Severity,
}

impl Unknown {
    pub fn new(severity: Severity, reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            severity,
        }
    }
}

/// A figure, or why it is unknown.
pub type Known<T> = Result<T, Unknown>;

/// CloudWatch's `ApproximateAgeOfOldestMessage`: its newest datapoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Age {
    pub seconds: f64,
    /// When CloudWatch measured it, epoch milliseconds.
    pub as_of_ms: i64,
}

/// What the dead letters read say (at most `max` of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Letters {
    /// Distinct letters read (copies of one message count once).
    pub read: usize,
    pub max: usize,
    /// Fewer letters were read than the queue holds: the bound was reached, or some were held
    /// by another reader.
    pub partial: bool,
    pub by_reason: BTreeMap<String, usize>,
    /// By account (`None`: a body with no readable account), then by reason.
    pub by_account: BTreeMap<Option<String>, BTreeMap<String, usize>>,
}

/// A schedule's state, read with `GetSchedule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleState {
    Enabled,
    Disabled,
    NotDeployed,
}

impl ScheduleState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
            Self::NotDeployed => "not deployed",
        }
    }
}

/// One queue: where it is and what it holds.
#[derive(Debug, Clone)]
pub struct Queue {
    pub url: String,
    pub name: String,
    pub depth: Known<QueueDepth>,
}

/// Everything read for one platform.
#[derive(Debug, Clone)]
pub struct PlatformStatus {
    pub platform: PlatformName,
    pub queue: Queue,
    pub oldest_age: Known<Age>,
    pub dead_letter_queue: Queue,
    pub letters: Known<Letters>,
    /// With `--stack` only: `drain`, `redrive`, `sweep`, each with its state.
    pub schedules: Option<Vec<(&'static str, Known<ScheduleState>)>>,
}

/// The ledger read, shared by every platform (one scan).
#[derive(Debug, Clone)]
pub struct LedgerStatus {
    pub table: String,
    pub max_items: usize,
    pub latest: Known<LatestOutcomes>,
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct Report {
    pub stack: Option<String>,
    pub ledger: LedgerStatus,
    pub platforms: Vec<PlatformStatus>,
}

/// One account's row: the ledger's newest upload and refusal, and its dead letters by reason.
pub struct AccountRow<'a> {
    /// `None` for dead letters whose body names no readable account.
    pub account: Option<&'a str>,
    pub upload: Option<&'a TargetEntry>,
    pub refusal: Option<&'a TargetEntry>,
    pub dead_letters: Option<&'a BTreeMap<String, usize>>,
}

impl Report {
    /// The worst of the unknown figures, which decides the exit code.
    pub fn worst(&self) -> Option<&Unknown> {
        let mut all: Vec<&Unknown> = Vec::new();
        all.extend(self.ledger.latest.as_ref().err());
        for p in &self.platforms {
            all.extend(p.queue.depth.as_ref().err());
            all.extend(p.oldest_age.as_ref().err());
            all.extend(p.dead_letter_queue.depth.as_ref().err());
            all.extend(p.letters.as_ref().err());
            for (_, state) in p.schedules.iter().flatten() {
                all.extend(state.as_ref().err());
            }
        }
        all.into_iter().max_by_key(|u| u.severity)
    }

    /// The accounts of `platform`: every one the ledger read or a dead letter names, by name,
    /// letters with no readable account last.
    pub fn accounts<'a>(&'a self, platform: &'a PlatformStatus) -> Vec<AccountRow<'a>> {
        let ledger = self
            .ledger
            .latest
            .as_ref()
            .ok()
            .and_then(|l| l.accounts(platform.platform));
        let letters = platform.letters.as_ref().ok().map(|l| &l.by_account);
        let mut names: Vec<Option<&str>> = ledger
            .into_iter()
            .flat_map(|accounts| accounts.keys().map(|a| Some(a.as_str())))
            .chain(
                letters
                    .into_iter()
                    .flat_map(|by_account| by_account.keys().map(Option::as_deref)),
            )
            .collect();
        // `None` sorts first; it belongs last.
        names.sort_by_key(|name| (name.is_none(), *name));
        names.dedup();
        names
            .into_iter()
            .map(|account| {
                let latest = account.and_then(|a| ledger?.get(a));
                AccountRow {
                    account,
                    upload: latest.and_then(|l| l.upload.as_ref()),
                    refusal: latest.and_then(|l| l.refusal.as_ref()),
                    dead_letters: letters
                        .and_then(|by_account| by_account.get(&account.map(str::to_owned))),
                }
            })
            .collect()
    }

    /// The `--json` document (README: "status").
    pub fn to_json(&self) -> Value {
        let ledger = &self.ledger;
        let mut ledger_json = json!({"table": ledger.table, "max_items": ledger.max_items});
        merge(
            &mut ledger_json,
            known(
                &ledger.latest,
                |l| json!({"items_read": l.scanned, "truncated": l.truncated}),
            ),
        );
        json!({
            "stack": self.stack,
            "ledger": ledger_json,
            "platforms": self.platforms.iter().map(|p| self.platform_json(p)).collect::<Vec<_>>(),
        })
    }

    fn platform_json(&self, p: &PlatformStatus) -> Value {
        let mut queue = queue_json(&p.queue);
        queue["oldest_message_age"] = known(
            &p.oldest_age,
            |age| json!({"seconds": age.seconds, "as_of": time(age.as_of_ms)}),
        );
        let mut dead_letter_queue = queue_json(&p.dead_letter_queue);
        dead_letter_queue["letters"] = known(
            &p.letters,
            |l| json!({"read": l.read, "max": l.max, "partial": l.partial, "by_reason": l.by_reason}),
        );
        let accounts: Vec<Value> = self
            .accounts(p)
            .iter()
            .map(|row| {
                json!({
                    "account": row.account,
                    "last_upload": row.upload.map(entry_json),
                    "last_refusal": row.refusal.map(entry_json),
                    "dead_letters": row.dead_letters.cloned().unwrap_or_default(),
                })
            })
            .collect();
        let schedules = p.schedules.as_ref().map(|schedules| {
            schedules
                .iter()
                .map(|(name, state)| ((*name).to_owned(), known(state, |s| json!(s.as_str()))))
                .collect::<Map<String, Value>>()
        });
        json!({
            "platform": p.platform.as_str(),
            "queue": queue,
            "dead_letter_queue": dead_letter_queue,
            "accounts": accounts,
            "schedules": schedules,
        })
    }
}

fn queue_json(queue: &Queue) -> Value {
    let mut value = json!({"url": queue.url, "name": queue.name});
    merge(
        &mut value,
        known(
            &queue.depth,
            |d| json!({"visible": d.visible, "in_flight": d.in_flight, "delayed": d.delayed}),
        ),
    );
    value
}

fn entry_json(target: &TargetEntry) -> Value {
    let entry = &target.entry;
    json!({
        "at": time(entry.at_ms),
        "order": target.order_id,
        "item": target.item_id,
        "status": entry.status,
        "reason": entry.reason,
        "message_id": entry.message_id,
    })
}

/// The figure's JSON, or `{"unknown": reason}`.
fn known<T>(figure: &Known<T>, show: impl Fn(&T) -> Value) -> Value {
    match figure {
        Ok(value) => show(value),
        Err(unknown) => json!({"unknown": unknown.reason}),
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}
