//! `orderstatus worker`: the local stand-in for the Lambda function and its SQS trigger.

use std::time::Duration;

use clap::Args;
use orderstatus::batch::MessageReport;
use orderstatus::config::FunctionEnv;
use orderstatus::message::PlatformName;
use orderstatus::platform::Platform;
use orderstatus::runtime::{AwsClients, build_handler};
use orderstatus::telemetry::{LogFormat, init};
use orderstatus::worker::{WorkerOptions, WorkerSummary};

use crate::dispatch::{PlatformCommand, dispatch};
use crate::failure::Failure;
use crate::output::table;
use crate::platform_parser;
use crate::settings::{DEAD_LETTER_QUEUE_URL, LEDGER_TABLE, QUEUE_URL, Settings, sdk_config};

#[derive(Args)]
pub struct WorkerArgs {
    /// The platform whose queue to work (cv3, …).
    #[arg(long, value_parser = platform_parser())]
    platform: PlatformName,
    /// The queue; default $<PLATFORM>_QUEUE_URL, then $QUEUE_URL.
    #[arg(long)]
    queue_url: Option<String>,
    /// The ledger table; default $LEDGER_TABLE.
    #[arg(long)]
    table: Option<String>,
    /// The dead-letter queue; default $<PLATFORM>_DEAD_LETTER_QUEUE_URL, then
    /// $DEAD_LETTER_QUEUE_URL.
    #[arg(long)]
    dead_letter_queue_url: Option<String>,
    /// Messages per batch (Lambda's batch size).
    #[arg(long, default_value_t = 10)]
    batch_size: usize,
    /// Long-poll wait in seconds.
    #[arg(long, default_value_t = 2)]
    wait_seconds: u64,
    /// Stop when the queue is empty instead of polling on.
    #[arg(long)]
    until_empty: bool,
    /// Stop after this many batches.
    #[arg(long)]
    max_batches: Option<usize>,
}

pub async fn run(args: WorkerArgs, json: bool) -> Result<(), Failure> {
    init(LogFormat::Text);
    let settings = Settings::new(args.platform)
        .with(QUEUE_URL, args.queue_url.as_ref())
        .with(LEDGER_TABLE, args.table.as_ref())
        .with(DEAD_LETTER_QUEUE_URL, args.dead_letter_queue_url.as_ref());
    let env = settings.function_env()?;
    let options = WorkerOptions {
        queue_url: settings.require(QUEUE_URL)?,
        batch_size: args.batch_size.clamp(1, 10_000),
        wait: Duration::from_secs(args.wait_seconds.min(20)),
        until_empty: args.until_empty,
        max_batches: args.max_batches,
    };
    let clients = AwsClients::new(&sdk_config().await);
    let summary = dispatch(
        args.platform,
        Work {
            env: &env,
            clients: &clients,
            options: &options,
        },
    )
    .await?;
    print_summary(&summary, json);
    Ok(())
}

struct Work<'a> {
    env: &'a FunctionEnv,
    clients: &'a AwsClients,
    options: &'a WorkerOptions,
}

impl PlatformCommand for Work<'_> {
    type Output = WorkerSummary;

    async fn run<P: Platform>(self, platform: P) -> Result<WorkerSummary, Failure> {
        let handler = build_handler(platform, self.env, self.clients);
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("stopping after the current batch…");
        };
        Box::pin(orderstatus::worker::run(
            &handler,
            &self.clients.sqs,
            self.options,
            stop,
        ))
        .await
        .map_err(|e| crate::failure::aws(&format!("queue {}", self.options.queue_url), &e))
    }
}

fn print_summary(summary: &WorkerSummary, json: bool) {
    if json {
        let messages: Vec<_> = summary.messages.iter().map(message_json).collect();
        let value = serde_json::json!({
            "batches": summary.batches,
            "deleted": summary.deleted,
            "outcomes": summary.outcomes,
            "messages": messages,
        });
        println!("{value:#}");
        return;
    }
    let rows: Vec<Vec<String>> = summary
        .messages
        .iter()
        .map(|message| {
            vec![
                message.message_id.clone(),
                message.order_id.clone().unwrap_or_else(|| "-".to_owned()),
                message.outcome.name().to_owned(),
                message.outcome.reason().unwrap_or("-").to_owned(),
                message.outcome.detail().unwrap_or("").to_owned(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        println!(
            "{}",
            table(&["MESSAGE", "ORDER", "OUTCOME", "REASON", "DETAIL"], &rows)
        );
    }
    let counts: Vec<String> = summary
        .outcomes
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!(
        "{} batch(es), {} message(s) deleted; {}",
        summary.batches,
        summary.deleted,
        if counts.is_empty() {
            "no messages".to_owned()
        } else {
            counts.join(" ")
        }
    );
}

fn message_json(message: &MessageReport) -> serde_json::Value {
    serde_json::json!({
        "message_id": message.message_id,
        "account": message.account,
        "order_id": message.order_id,
        "outcome": message.outcome.name(),
        "reason": message.outcome.reason(),
        "detail": message.outcome.detail(),
        "dead_lettered": message.dead_lettered,
    })
}
