//! `orderstatus status`: per platform and account, is it uploading, what did it refuse and
//! why, is anything stuck: the queues' depths and oldest message, the dead letters by reason,
//! the ledger's newest upload and refusal, and (with `--stack`) whether the schedules are on.
//! Every read is bounded, and a figure that cannot be read is shown as unknown with the
//! reason rather than failing the whole command.

mod age;
mod notes;
mod read;
mod report;
mod schedules;
mod show;
mod sources;

use std::time::Duration;

use clap::Args;
use orderstatus::config::DEFAULT_RETENTION_SECONDS;
use orderstatus::ledger::Ledger;
use orderstatus::message::PlatformName;

use self::read::Readers;
use self::report::{LedgerStatus, Report, Severity};
use self::sources::Wanted;
use crate::aws_json::AwsJson;
use crate::failure::Failure;
use crate::output::print_json;
use crate::platform_parser;
use crate::progress;
use crate::settings::sdk_config;

#[derive(Args)]
pub struct StatusArgs {
    /// Only this platform; default every platform.
    #[arg(long, value_parser = platform_parser())]
    platform: Option<PlatformName>,
    /// A deployed stack: its queues are found by name (NAME-<platform>, NAME-<platform>-dlq),
    /// its ledger table among the tables named NAME-LedgerTable-…, and its schedules are read.
    #[arg(long, value_name = "NAME")]
    stack: Option<String>,
    /// The ledger table; default the stack's, else $LEDGER_TABLE.
    #[arg(long)]
    table: Option<String>,
    /// The platform's queue (with --platform); default $<PLATFORM>_QUEUE_URL, then $QUEUE_URL.
    #[arg(long, requires = "platform", conflicts_with = "stack")]
    queue_url: Option<String>,
    /// The platform's dead-letter queue (with --platform); default
    /// $<PLATFORM>_DEAD_LETTER_QUEUE_URL, then $DEAD_LETTER_QUEUE_URL.
    #[arg(long, requires = "platform", conflicts_with = "stack")]
    dead_letter_queue_url: Option<String>,
    /// Ledger items to read at most (a scan: the table has no index by time).
    #[arg(long, default_value_t = 2000, value_parser = at_least_one)]
    max_items: usize,
    /// Dead letters to read at most per platform.
    #[arg(long, default_value_t = 100, value_parser = at_least_one)]
    max_letters: usize,
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{text:?} is not a whole number of at least 1")),
    }
}

pub async fn run(args: StatusArgs, json: bool) -> Result<(), Failure> {
    let platforms: Vec<PlatformName> = match args.platform {
        Some(platform) => vec![platform],
        None => PlatformName::ALL.to_vec(),
    };
    let sdk = sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let region = sdk
        .region()
        .map_or_else(|| "no region (AWS_REGION)".to_owned(), ToString::to_string);
    let wanted = Wanted {
        platforms: &platforms,
        stack: args.stack.as_deref(),
        table: args.table.as_ref(),
        queue_url: args.queue_url.as_ref(),
        dead_letter_queue_url: args.dead_letter_queue_url.as_ref(),
    };
    let sources = sources::resolve(&wanted, &region, &sqs, &dynamodb).await?;
    let readers = Readers {
        sqs,
        aws: AwsJson::new(&sdk),
    };
    // Retention only matters for writes; this ledger only reads.
    let ledger = Ledger::new(
        dynamodb,
        &sources.table,
        Duration::from_secs(DEFAULT_RETENTION_SECONDS),
    );
    progress::line(
        json,
        &format!(
            "reading {} platform(s): queues, up to {} dead letters each, up to {} ledger items",
            platforms.len(),
            args.max_letters,
            args.max_items
        ),
    );
    let reads = sources
        .platforms
        .iter()
        .map(|source| read::platform(&readers, source, args.stack.as_deref(), args.max_letters));
    let (latest, platform_reports) = tokio::join!(
        read::ledger(&ledger, &sources.table, &platforms, args.max_items),
        futures::future::join_all(reads),
    );
    let report = Report {
        stack: args.stack.clone(),
        ledger: LedgerStatus {
            table: sources.table.clone(),
            max_items: args.max_items,
            latest,
        },
        platforms: platform_reports,
    };
    if json {
        print_json(&report.to_json());
    } else {
        show::print(&report);
    }
    match report.worst() {
        Some(unknown) if unknown.severity == Severity::NotFound => {
            Err(Failure::ReportedUsage(unknown.reason.clone()))
        }
        Some(unknown) if unknown.severity == Severity::ReadFailed => {
            Err(Failure::Reported(unknown.reason.clone()))
        }
        _ => Ok(()),
    }
}
