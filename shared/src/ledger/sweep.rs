//! Finding expired leases: targets whose claim outlived its holder (a function that timed out or
//! crashed between claim and commit). The next message for the target takes the lease over, so
//! an expired lease loses nothing by itself; many of them say that uploads are being cut short.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Ledger, LedgerError, ledger_error};
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
        let mut start_key = None;
        loop {
            let page = self
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
                .expression_attribute_values(":now", AttributeValue::N(now_ms.to_string()))
                .limit(i32::try_from((max_scanned - found.scanned).min(1000)).unwrap_or(1000))
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(ledger_error)?;
            found.scanned += usize::try_from(page.scanned_count()).unwrap_or_default();
            for item in page.items() {
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
            }
            start_key = page.last_evaluated_key;
            if start_key.is_none() {
                break;
            }
            if found.scanned >= max_scanned {
                found.truncated = true;
                break;
            }
        }
        Ok(found)
    }
}
