//! The ledger's DynamoDB item, and its conversion to and from attribute maps.
//!
//! One item per target: partition key `pk` = `platform#account#order`, sort key `sk` = `order`
//! or `item#<id>`, so one query returns an order and all its items (the audit trail).
//!
//! | attribute | meaning |
//! |---|---|
//! | `fp`, `pos`, `status` | fingerprint, event position and status of the last uploaded (or skipped) unit |
//! | `lease_token`, `lease_until`, `lease_fp`, `lease_pos`, `lease_tracking` | the last claim not yet committed or released: live until `lease_until` (epoch ms); once expired, an abandoned claim whose upload may have reached the platform |
//! | `history` | newest-first list of what happened, bounded |
//! | `expires_at` | DynamoDB TTL, epoch seconds |

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, FixedOffset};

use crate::message::PlatformName;
use crate::platform::Target;

pub const ORDER_SORT_KEY: &str = "order";
pub const ITEM_SORT_KEY_PREFIX: &str = "item#";

/// Which ledger item a unit lives in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LedgerKey {
    pub platform: PlatformName,
    pub account: String,
    pub target: Target,
}

impl LedgerKey {
    pub fn new(platform: PlatformName, account: &str, target: Target) -> Self {
        Self {
            platform,
            account: account.to_owned(),
            target,
        }
    }

    pub fn partition_key(&self) -> String {
        order_partition_key(self.platform, &self.account, &self.target.order_id)
    }

    pub fn sort_key(&self) -> String {
        match &self.target.item_id {
            None => ORDER_SORT_KEY.to_owned(),
            Some(item) => format!("{ITEM_SORT_KEY_PREFIX}{item}"),
        }
    }

    pub fn attributes(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_owned(), AttributeValue::S(self.partition_key())),
            ("sk".to_owned(), AttributeValue::S(self.sort_key())),
        ])
    }
}

pub fn order_partition_key(platform: PlatformName, account: &str, order_id: &str) -> String {
    format!("{platform}#{account}#{order_id}")
}

/// The platform, account and order id of a partition key, as [`order_partition_key`] wrote
/// them (neither a platform name nor an account holds `#`; an order id may).
pub fn split_partition_key(partition_key: &str) -> Option<(PlatformName, &str, &str)> {
    let mut parts = partition_key.splitn(3, '#');
    let platform = PlatformName::parse(parts.next()?)?;
    Some((platform, parts.next()?, parts.next()?))
}

/// Where an event stands in its order's timeline: `occurred_at` in epoch milliseconds, then the
/// producer's sequence, zero-padded so that DynamoDB's string comparison orders them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position(String);

impl Position {
    pub fn new(occurred_at: DateTime<FixedOffset>, sequence: Option<u64>) -> Self {
        let millis = occurred_at.timestamp_millis().max(0);
        Self(format!("{millis:016}.{:020}", sequence.unwrap_or(0)))
    }

    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The event's `occurred_at` (epoch milliseconds) and sequence, for display.
    pub fn parts(&self) -> Option<(i64, u64)> {
        let (millis, sequence) = self.0.split_once('.')?;
        Some((millis.parse().ok()?, sequence.parse().ok()?))
    }
}

/// What happened to a target, as kept in its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Uploaded,
    Skipped,
    Rejected,
    Baseline,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploaded => "uploaded",
            Self::Skipped => "skipped",
            Self::Rejected => "rejected",
            Self::Baseline => "baseline",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Uploaded,
            Self::Skipped,
            Self::Rejected,
            Self::Baseline,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// One line of a target's audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// When it was recorded, epoch milliseconds.
    pub at_ms: i64,
    pub kind: EntryKind,
    pub status: String,
    pub fingerprint: String,
    pub position: Position,
    /// The platform's reference for an upload, when it gives one.
    pub reference: Option<String>,
    /// The tracking set uploaded, if any.
    pub tracking: Option<String>,
    /// Why it was skipped or rejected.
    pub reason: Option<String>,
    /// The message that caused it.
    pub message_id: Option<String>,
}

/// A claim on a target that was neither committed nor released: live until `until_ms`; after
/// that, the claim of a worker that died, whose upload may or may not have reached the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub token: String,
    pub until_ms: i64,
    pub fingerprint: Option<String>,
    /// The position of the event the claim was for.
    pub position: Option<Position>,
    /// The tracking set the claimed unit carried, if any.
    pub tracking: Option<String>,
}

impl Lease {
    pub fn is_live(&self, now_ms: i64) -> bool {
        self.until_ms >= now_ms
    }
}

/// A ledger item as read back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LedgerRecord {
    pub partition_key: String,
    pub sort_key: String,
    pub fingerprint: Option<String>,
    /// The fingerprint of the last unit recorded as not applicable (it sends nothing, so it
    /// sets neither `fingerprint` nor `position`).
    pub skip_fingerprint: Option<String>,
    pub position: Option<Position>,
    pub status: Option<String>,
    pub lease: Option<Lease>,
    /// Newest first.
    pub history: Vec<HistoryEntry>,
    pub expires_at: Option<i64>,
}

impl LedgerRecord {
    /// Whether this tracking set may already have reached the target: it was uploaded before,
    /// or an abandoned claim carried it (its worker may have died after the platform accepted
    /// it and before the commit). The tracking e-mail is sent only when this is false, so a
    /// takeover never e-mails the shopper twice.
    pub fn may_have_sent_tracking(&self, tracking: &str) -> bool {
        let uploaded = self.history.iter().any(|entry| {
            matches!(entry.kind, EntryKind::Uploaded | EntryKind::Baseline)
                && entry.tracking.as_deref() == Some(tracking)
        });
        let abandoned = self
            .lease
            .as_ref()
            .is_some_and(|lease| lease.tracking.as_deref() == Some(tracking));
        uploaded || abandoned
    }

    /// The item id for item targets (from the sort key).
    pub fn item_id(&self) -> Option<&str> {
        self.sort_key.strip_prefix(ITEM_SORT_KEY_PREFIX)
    }

    pub fn from_item(item: &HashMap<String, AttributeValue>) -> Self {
        let lease = match (string(item, "lease_token"), number(item, "lease_until")) {
            (Some(token), Some(until_ms)) => Some(Lease {
                token,
                until_ms,
                fingerprint: string(item, "lease_fp"),
                position: string(item, "lease_pos").map(Position::from_stored),
                tracking: string(item, "lease_tracking"),
            }),
            _ => None,
        };
        let history = match item.get("history") {
            Some(AttributeValue::L(entries)) => entries
                .iter()
                .filter_map(|e| e.as_m().ok())
                .filter_map(entry_from_map)
                .collect(),
            _ => Vec::new(),
        };
        Self {
            partition_key: string(item, "pk").unwrap_or_default(),
            sort_key: string(item, "sk").unwrap_or_default(),
            fingerprint: string(item, "fp"),
            skip_fingerprint: string(item, "skip_fp"),
            position: string(item, "pos").map(Position::from_stored),
            status: string(item, "status"),
            lease,
            history,
            expires_at: number(item, "expires_at"),
        }
    }
}

pub(crate) fn entry_to_attribute(entry: &HistoryEntry) -> AttributeValue {
    let mut map = HashMap::from([
        ("at".to_owned(), AttributeValue::N(entry.at_ms.to_string())),
        (
            "kind".to_owned(),
            AttributeValue::S(entry.kind.as_str().to_owned()),
        ),
        ("status".to_owned(), AttributeValue::S(entry.status.clone())),
        (
            "fp".to_owned(),
            AttributeValue::S(entry.fingerprint.clone()),
        ),
        (
            "pos".to_owned(),
            AttributeValue::S(entry.position.as_str().to_owned()),
        ),
    ]);
    let optional = [
        ("ref", &entry.reference),
        ("tracking", &entry.tracking),
        ("reason", &entry.reason),
        ("message_id", &entry.message_id),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            map.insert(name.to_owned(), AttributeValue::S(value.clone()));
        }
    }
    AttributeValue::M(map)
}

fn entry_from_map(map: &HashMap<String, AttributeValue>) -> Option<HistoryEntry> {
    Some(HistoryEntry {
        at_ms: number(map, "at")?,
        kind: EntryKind::parse(&string(map, "kind")?)?,
        status: string(map, "status")?,
        fingerprint: string(map, "fp")?,
        position: Position::from_stored(string(map, "pos")?),
        reference: string(map, "ref"),
        tracking: string(map, "tracking"),
        reason: string(map, "reason"),
        message_id: string(map, "message_id"),
    })
}

fn string(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_order_by_time_then_sequence() {
        let at = |t: &str| t.parse::<DateTime<FixedOffset>>().unwrap();
        let early = Position::new(at("2024-01-01T00:00:00Z"), Some(99));
        let late = Position::new(at("2024-01-01T00:00:01Z"), None);
        let later = Position::new(at("2024-01-01T00:00:01Z"), Some(1));
        assert!(early < late && late < later);
        assert_eq!(later.parts(), Some((1_704_067_201_000, 1)));
        // Offsets are instants, not wall clocks.
        assert_eq!(
            Position::new(at("2024-01-01T05:00:00+05:00"), None),
            Position::new(at("2024-01-01T00:00:00Z"), None)
        );
    }

    #[test]
    fn partition_keys_split_back_into_their_parts() {
        let key = order_partition_key(PlatformName::Cv3, "store-b", "A#17");
        assert_eq!(
            split_partition_key(&key),
            Some((PlatformName::Cv3, "store-b", "A#17"))
        );
        assert_eq!(split_partition_key("amazon#a#1"), None);
        assert_eq!(split_partition_key("cv3#a"), None);
    }

    #[test]
    fn history_entries_round_trip() {
        let entry = HistoryEntry {
            at_ms: 1_700_000_000_000,
            kind: EntryKind::Uploaded,
            status: "shipped".into(),
            fingerprint: "ab".into(),
            position: Position::from_stored("1".into()),
            reference: Some("R-1".into()),
            tracking: Some("UPS: 1".into()),
            reason: None,
            message_id: Some("m".into()),
        };
        let item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S("cv3#default#1".into())),
            ("sk".to_owned(), AttributeValue::S("item#7".into())),
            (
                "history".to_owned(),
                AttributeValue::L(vec![entry_to_attribute(&entry)]),
            ),
        ]);
        let record = LedgerRecord::from_item(&item);
        assert_eq!(record.history, vec![entry]);
        assert_eq!(record.item_id(), Some("7"));
        assert!(record.may_have_sent_tracking("UPS: 1"));
        assert!(!record.may_have_sent_tracking("UPS: 2"));
    }

    #[test]
    fn an_abandoned_claims_tracking_counts_as_possibly_sent() {
        let item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S("cv3#default#1".into())),
            ("sk".to_owned(), AttributeValue::S("order".into())),
            ("lease_token".to_owned(), AttributeValue::S("t".into())),
            ("lease_until".to_owned(), AttributeValue::N("5".into())),
            ("lease_pos".to_owned(), AttributeValue::S("9".into())),
            (
                "lease_tracking".to_owned(),
                AttributeValue::S("UPS: 1".into()),
            ),
        ]);
        let record = LedgerRecord::from_item(&item);
        let lease = record.lease.as_ref().unwrap();
        assert_eq!(lease.position, Some(Position::from_stored("9".into())));
        assert!(!lease.is_live(6) && lease.is_live(5));
        assert!(record.may_have_sent_tracking("UPS: 1"));
        assert!(!record.may_have_sent_tracking("UPS: 2"));
    }
}
