//! `orderstatus worker`: the local stand-in for the Lambda function and its SQS trigger.

use std::time::Duration;

use clap::Args;
use orderstatus::batch::MessageReport;
use orderstatus::config::FunctionEnv;
use orderstatus::message::PlatformName;
use orderstatus::platform::Platform;
use orderstatus::runtime::{AwsClients, PLATFORM_TIMEOUT, build_handler};
use orderstatus::telemetry::{LogFormat, init};
use orderstatus::worker::{WorkerOptions, WorkerSummary};

use crate::{Failure, parse_platform};

#[derive(Args)]
pub struct WorkerArgs {
    /// The platform whose queue to work (cv3, sellercenter).
    #[arg(long, value_parser = parse_platform)]
    platform: PlatformName,
    /// The queue; defaults to $<PLATFORM>_QUEUE_URL, then $QUEUE_URL.
    #[arg(long)]
    queue_url: Option<String>,
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
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Reads `<PLATFORM>_NAME` before `NAME`, so one `.dev/env` serves every platform's worker.
pub fn platform_env(platform: PlatformName) -> impl Fn(&str) -> Option<String> {
    move |name| {
        let prefixed = format!("{}_{name}", platform.as_str().to_ascii_uppercase());
        std::env::var(prefixed)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| std::env::var(name).ok())
    }
}

pub async fn run(args: WorkerArgs) -> Result<(), Failure> {
    init(LogFormat::Text);
    let lookup = platform_env(args.platform);
    let env = FunctionEnv::from_lookup(&lookup)?;
    let queue_url = args
        .queue_url
        .clone()
        .or_else(|| env.queue_url.clone())
        .ok_or_else(|| {
            Failure::Usage(format!(
                "no queue: pass --queue-url or set {}_QUEUE_URL (scripts/dev up writes it to .dev/env)",
                args.platform.as_str().to_ascii_uppercase()
            ))
        })?;
    let options = WorkerOptions {
        queue_url,
        batch_size: args.batch_size.clamp(1, 10_000),
        wait: Duration::from_secs(args.wait_seconds.min(20)),
        until_empty: args.until_empty,
        max_batches: args.max_batches,
    };
    let config = orderstatus::aws::load_sdk_config().await;
    let clients = AwsClients::new(&config);
    let summary = match args.platform {
        PlatformName::Cv3 => {
            let platform = orderstatus_cv3::platform(PLATFORM_TIMEOUT).map_err(Failure::Usage)?;
            work(platform, &env, &clients, &options).await?
        }
        PlatformName::Sellercenter => {
            let platform =
                orderstatus_sellercenter::platform(PLATFORM_TIMEOUT).map_err(Failure::Usage)?;
            work(platform, &env, &clients, &options).await?
        }
        other => {
            return Err(Failure::Usage(format!(
                "platform {other} has no function in this build yet"
            )));
        }
    };
    print_summary(&summary, args.json);
    Ok(())
}

async fn work<P: Platform>(
    platform: P,
    env: &FunctionEnv,
    clients: &AwsClients,
    options: &WorkerOptions,
) -> Result<WorkerSummary, Failure> {
    let handler = build_handler(platform, env, clients);
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("stopping after the current batch…");
    };
    Box::pin(orderstatus::worker::run(
        &handler,
        &clients.sqs,
        options,
        stop,
    ))
    .await
    .map_err(Failure::Run)
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
    println!(
        "{:<38} {:<16} {:<15} {:<9} DETAIL",
        "MESSAGE", "ORDER", "OUTCOME", "REASON"
    );
    for message in &summary.messages {
        println!(
            "{:<38} {:<16} {:<15} {:<9} {}",
            message.message_id,
            message.order_id.as_deref().unwrap_or("-"),
            message.outcome.name(),
            message.outcome.reason().unwrap_or("-"),
            message.outcome.detail().unwrap_or("")
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
