//! Finding expired leases: targets whose claim outlived its holder (a function that timed out or
//! crashed between claim and commit). The next message for the target takes the lease over, so
//! an expired lease loses nothing by itself; many of them say that uploads are being cut short.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Ledger, LedgerError, scan_bounded};
use crate::message::PlatformName;

/// What a sweep of the ledger found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExpiredLeases {
    /// Leases of this platform that expired and were never committed or released.
    pub expired: usize,
    /// Items the scan read (the whole table unless `truncated`).
    pub scanned: usize,
    /// The scan stopped at its item bound before the end of the table.
    pub truncated: bool,
    /// A few of them, `pk / sk`, for the log.
    pub examples: Vec<String>,
}

const EXAMPLES: usize = 5;

impl Ledger {
    /// Scans the ledger for `platform`'s leases that expired before `now_ms`, reading at most
    /// `max_scanned` items. A scan reads the whole table (paged), so it belongs in an hourly
    /// schedule, not in the message path.
    pub async fn expired_leases(
        &self,
        platform: PlatformName,
        now_ms: i64,
        max_scanned: usize,
    ) -> Result<ExpiredLeases, LedgerError> {
        let mut found = ExpiredLeases::default();
        let scan = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("begins_with(#pk, :platform) AND #lease_until < :now")
            .projection_expression("#pk, #sk, #lease_until")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_names("#lease_until", "lease_until")
            .expression_attribute_values(
                ":platform",
                AttributeValue::S(format!("{}#", platform.as_str())),
            )
            .expression_attribute_values(":now", AttributeValue::N(now_ms.to_string()));
        let scanned = scan_bounded(scan, max_scanned, |item| {
            found.expired += 1;
            if found.examples.len() < EXAMPLES {
                let text = |name: &str| match item.get(name) {
                    Some(AttributeValue::S(value)) => value.as_str(),
                    _ => "?",
                };
                found
                    .examples
                    .push(format!("{} / {}", text("pk"), text("sk")));
            }
        })
        .await?;
        (found.scanned, found.truncated) = (scanned.items, scanned.truncated);
        Ok(found)
    }
}
