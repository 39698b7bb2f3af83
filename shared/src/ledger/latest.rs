//! The newest upload and the newest refusal per platform and account, for an operator's
//! morning look (`orderstatus status`) and any report that wants them.
//!
//! The table has no index by time (its keys are the order and the target), so this is a
//! bounded scan: at most `max_items` items are read, projected to their keys and history, and
//! the answer is "the newest among the items read". Each target keeps its last
//! [`HISTORY_LIMIT`](super::HISTORY_LIMIT) entries, newest first, so the newest upload or
//! refusal of a target is the first such entry of its history.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use super::record::split_partition_key;
use super::{EntryKind, HistoryEntry, Ledger, LedgerError, LedgerRecord, scan_bounded};
use crate::message::PlatformName;

/// One history entry with the order and target it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetEntry {
    pub order_id: String,
    /// The item, for item-level targets; `None` for the order itself.
    pub item_id: Option<String>,
    pub entry: HistoryEntry,
}

/// What the read found for one platform and account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountLatest {
    /// The newest `uploaded` entry (baselines are not uploads).
    pub upload: Option<TargetEntry>,
    /// The newest `rejected` entry: the platform refused the status.
    pub refusal: Option<TargetEntry>,
}

/// The newest upload and refusal per platform and account, among the items read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatestOutcomes {
    /// By platform, then by account.
    pub platforms: HashMap<PlatformName, BTreeMap<String, AccountLatest>>,
    /// Items the scan read, of every platform (DynamoDB filters after reading).
    pub scanned: usize,
    /// The scan stopped at `max_items` before the end of the table: the newest entries may
    /// be among the items not read.
    pub truncated: bool,
}

impl LatestOutcomes {
    /// The accounts of `platform` found, by name.
    pub fn accounts(&self, platform: PlatformName) -> Option<&BTreeMap<String, AccountLatest>> {
        self.platforms.get(&platform)
    }

    fn take(&mut self, record: &LedgerRecord, platforms: &[PlatformName]) {
        let Some((platform, account, order_id)) = split_partition_key(&record.partition_key) else {
            return;
        };
        if !platforms.contains(&platform) {
            return;
        }
        let latest = self
            .platforms
            .entry(platform)
            .or_default()
            .entry(account.to_owned())
            .or_default();
        let newest = |kind: EntryKind| record.history.iter().find(|e| e.kind == kind);
        let target_entry = |entry: &HistoryEntry| TargetEntry {
            order_id: order_id.to_owned(),
            item_id: record.item_id().map(str::to_owned),
            entry: entry.clone(),
        };
        if let Some(entry) = newest(EntryKind::Uploaded) {
            keep_newer(&mut latest.upload, target_entry(entry));
        }
        if let Some(entry) = newest(EntryKind::Rejected) {
            keep_newer(&mut latest.refusal, target_entry(entry));
        }
    }
}

fn keep_newer(slot: &mut Option<TargetEntry>, candidate: TargetEntry) {
    if slot
        .as_ref()
        .is_none_or(|held| candidate.entry.at_ms > held.entry.at_ms)
    {
        *slot = Some(candidate);
    }
}

impl Ledger {
    /// Scans at most `max_items` items for the newest upload and refusal of each account of
    /// `platforms`. Every account that has an item among those read is in the answer, even
    /// with neither (it only had skips or baselines).
    pub async fn latest_outcomes(
        &self,
        platforms: &[PlatformName],
        max_items: usize,
    ) -> Result<LatestOutcomes, LedgerError> {
        let mut found = LatestOutcomes::default();
        let mut scan = self
            .client
            .scan()
            .table_name(&self.table)
            .projection_expression("#pk, #sk, #history")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_names("#history", "history");
        // Only the platforms asked for come back; the others are read (and paid for) all the
        // same, which is why the bound counts scanned items.
        let prefixes: Vec<String> = platforms
            .iter()
            .enumerate()
            .map(|(i, _)| format!("begins_with(#pk, :p{i})"))
            .collect();
        if !prefixes.is_empty() {
            scan = scan.filter_expression(prefixes.join(" OR "));
            for (i, platform) in platforms.iter().enumerate() {
                scan = scan.expression_attribute_values(
                    format!(":p{i}"),
                    AttributeValue::S(format!("{}#", platform.as_str())),
                );
            }
        }
        let scanned = scan_bounded(scan, max_items, |item| {
            found.take(&LedgerRecord::from_item(item), platforms);
        })
        .await?;
        (found.scanned, found.truncated) = (scanned.items, scanned.truncated);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::ledger::Position;
    use crate::ledger::record::entry_to_attribute;

    fn entry(at_ms: i64, kind: EntryKind) -> HistoryEntry {
        HistoryEntry {
            at_ms,
            kind,
            status: "shipped".into(),
            fingerprint: "fp".into(),
            position: Position::from_stored("1".into()),
            reference: None,
            tracking: None,
            reason: None,
            message_id: None,
        }
    }

    fn record(pk: &str, sk: &str, history: &[HistoryEntry]) -> LedgerRecord {
        LedgerRecord::from_item(&HashMap::from([
            ("pk".to_owned(), AttributeValue::S(pk.into())),
            ("sk".to_owned(), AttributeValue::S(sk.into())),
            (
                "history".to_owned(),
                AttributeValue::L(history.iter().map(entry_to_attribute).collect()),
            ),
        ]))
    }

    #[test]
    fn the_newest_upload_and_refusal_win_per_account_and_other_platforms_are_left_out() {
        use EntryKind::{Baseline, Rejected, Skipped, Uploaded};
        let mut found = LatestOutcomes::default();
        let platforms = [PlatformName::Cv3];
        // Newest first, as the ledger keeps them.
        found.take(
            &record(
                "cv3#a#1",
                "order",
                &[entry(30, Rejected), entry(10, Uploaded)],
            ),
            &platforms,
        );
        found.take(
            &record(
                "cv3#a#2",
                "item#7",
                &[entry(20, Uploaded), entry(5, Rejected)],
            ),
            &platforms,
        );
        found.take(
            &record(
                "cv3#b#3",
                "order",
                &[entry(50, Baseline), entry(40, Skipped)],
            ),
            &platforms,
        );
        found.take(
            &record("cloudsuite#a#4", "order", &[entry(99, Uploaded)]),
            &platforms,
        );
        let cv3 = found.accounts(PlatformName::Cv3).unwrap();
        let a = &cv3["a"];
        let upload = a.upload.as_ref().unwrap();
        assert_eq!((upload.entry.at_ms, upload.order_id.as_str()), (20, "2"));
        assert_eq!(upload.item_id.as_deref(), Some("7"));
        let refusal = a.refusal.as_ref().unwrap();
        assert_eq!((refusal.entry.at_ms, refusal.order_id.as_str()), (30, "1"));
        assert_eq!(refusal.item_id, None);
        // An account with only baselines and skips is listed, with neither.
        assert_eq!(cv3["b"], AccountLatest::default());
        assert_eq!(cv3.len(), 2);
        assert_eq!(found.platforms.len(), 1);
    }
}
