//! `orderstatus history`: what the ledger knows about one order and its items: the current
//! state of each target (status, fingerprint, event position, a lease if one is held) and the
//! audit trail of uploads, skips, rejections and baselines, newest first.

use clap::Args;
use orderstatus::ledger::{LedgerRecord, Position, now_ms, order_partition_key};
use orderstatus::message::PlatformName;
use serde_json::{Value, json};

use crate::failure::{self, Failure};
use crate::output::{or_dash, print_json, table, time};
use crate::platform_parser;
use crate::settings::{LEDGER_TABLE, Settings, ledger};

#[derive(Args)]
pub struct HistoryArgs {
    /// The platform the order belongs to.
    #[arg(long, value_parser = platform_parser())]
    platform: PlatformName,
    /// The account of the order.
    #[arg(long, default_value = "default")]
    account: String,
    /// The platform's order id (`reference <reference>` for orders the messages name by
    /// reference, as CloudSuite's may).
    #[arg(long)]
    order: String,
    /// The ledger table; default $LEDGER_TABLE.
    #[arg(long)]
    table: Option<String>,
}

pub async fn run(args: HistoryArgs, json: bool) -> Result<(), Failure> {
    let settings = Settings::new(args.platform).with(LEDGER_TABLE, args.table.as_ref());
    let (ledger, table_name, _) = ledger(&settings).await?;
    let partition_key = order_partition_key(args.platform, &args.account, &args.order);
    let records = ledger
        .order_records(&partition_key)
        .await
        .map_err(|e| failure::aws(&format!("ledger table {table_name:?}"), &e.0))?;
    let now = now_ms();
    if json {
        print_json(&json!({
            "platform": args.platform.as_str(),
            "account": args.account,
            "order": args.order,
            "targets": records.iter().map(|r| target_json(r, now)).collect::<Vec<_>>(),
            "history": history(&records).iter().map(|(r, e)| entry_json(r, e)).collect::<Vec<_>>(),
        }));
    } else {
        print_human(&args, &records, now);
    }
    if records.is_empty() {
        return Err(Failure::Reported(format!(
            "no ledger record for order {} of {}/{} in table {table_name:?} (check --platform, --account and --order)",
            args.order, args.platform, args.account
        )));
    }
    Ok(())
}

/// `order` or `item <id>`.
fn target_name(record: &LedgerRecord) -> String {
    record
        .item_id()
        .map_or_else(|| "order".to_owned(), |item| format!("item {item}"))
}

/// `2018-09-23T20:00:00Z`, with `#17` when the producer gave a sequence.
fn event_time(position: &Position) -> String {
    match position.parts() {
        Some((ms, 0)) => time(ms),
        Some((ms, sequence)) => format!("{} #{sequence}", time(ms)),
        None => position.as_str().to_owned(),
    }
}

/// Every history entry of every target, newest first.
fn history(records: &[LedgerRecord]) -> Vec<(&LedgerRecord, &orderstatus::ledger::HistoryEntry)> {
    let mut entries: Vec<_> = records
        .iter()
        .flat_map(|record| record.history.iter().map(move |entry| (record, entry)))
        .collect();
    entries.sort_by_key(|(_, entry)| std::cmp::Reverse(entry.at_ms));
    entries
}

fn lease_text(record: &LedgerRecord, now: i64) -> String {
    match &record.lease {
        None => "-".to_owned(),
        Some(lease) => format!(
            "{} until {} (token {})",
            if lease.until_ms >= now {
                "held"
            } else {
                "expired"
            },
            time(lease.until_ms),
            lease.token.chars().take(8).collect::<String>()
        ),
    }
}

fn target_json(record: &LedgerRecord, now: i64) -> Value {
    json!({
        "target": target_name(record),
        "status": record.status,
        "fingerprint": record.fingerprint,
        "occurred_at": record.position.as_ref().map(event_time),
        "position": record.position.as_ref().map(Position::as_str),
        "lease": record.lease.as_ref().map(|lease| json!({
            "token": lease.token,
            "until": time(lease.until_ms),
            "live": lease.until_ms >= now,
            "fingerprint": lease.fingerprint,
        })),
        "expires_at": record.expires_at.map(|s| time(s * 1000)),
    })
}

fn entry_json(record: &LedgerRecord, entry: &orderstatus::ledger::HistoryEntry) -> Value {
    json!({
        "at": time(entry.at_ms),
        "target": target_name(record),
        "kind": entry.kind.as_str(),
        "status": entry.status,
        "fingerprint": entry.fingerprint,
        "occurred_at": event_time(&entry.position),
        "reference": entry.reference,
        "tracking": entry.tracking,
        "reason": entry.reason,
        "message_id": entry.message_id,
    })
}

fn print_human(args: &HistoryArgs, records: &[LedgerRecord], now: i64) {
    println!(
        "{}/{} order {}: {} target(s)\n",
        args.platform,
        args.account,
        args.order,
        records.len()
    );
    if records.is_empty() {
        return;
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|record| {
            vec![
                target_name(record),
                or_dash(record.status.as_deref()),
                or_dash(record.fingerprint.as_deref()),
                record.position.as_ref().map_or("-".to_owned(), event_time),
                lease_text(record, now),
            ]
        })
        .collect();
    println!(
        "{}\n",
        table(
            &["TARGET", "STATUS", "FINGERPRINT", "EVENT", "LEASE"],
            &rows
        )
    );
    let rows: Vec<Vec<String>> = history(records)
        .into_iter()
        .map(|(record, entry)| {
            vec![
                time(entry.at_ms),
                target_name(record),
                entry.kind.as_str().to_owned(),
                entry.status.clone(),
                entry.fingerprint.clone(),
                or_dash(entry.reference.as_deref()),
                or_dash(entry.message_id.as_deref()),
                or_dash(entry.tracking.as_deref()),
                or_dash(entry.reason.as_deref()),
            ]
        })
        .collect();
    println!(
        "{}",
        table(
            &[
                "WHEN",
                "TARGET",
                "KIND",
                "STATUS",
                "FINGERPRINT",
                "REFERENCE",
                "MESSAGE",
                "TRACKING",
                "REASON"
            ],
            &rows
        )
    );
}
