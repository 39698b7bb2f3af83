//! `orderstatus send`: validate messages and put the valid ones on a platform's queue.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use clap::Args;
use orderstatus::aws::error_text;
use orderstatus::message::PlatformName;
use serde_json::json;

use crate::failure::{self, Failure};
use crate::input::{self, Expect, InputArgs, Problem};
use crate::output::print_json;
use crate::settings::{QUEUE_URL, Settings, sdk_config};
use crate::{platform_parser, progress};

/// SQS takes at most 10 messages per `SendMessageBatch`.
const SEND_BATCH: usize = 10;

#[derive(Args)]
pub struct SendArgs {
    /// The platform whose queue receives the messages.
    #[arg(long, value_parser = platform_parser())]
    platform: PlatformName,
    /// Messages naming no account get this one; messages naming another are refused.
    #[arg(long)]
    account: Option<String>,
    /// The queue; default $<PLATFORM>_QUEUE_URL, then $QUEUE_URL.
    #[arg(long)]
    queue_url: Option<String>,
    /// Send every JSON line as it is, without validation (to exercise the dead-letter path).
    #[arg(long)]
    raw: bool,
    #[command(flatten)]
    input: InputArgs,
}

pub async fn run(args: SendArgs, json: bool) -> Result<(), Failure> {
    let settings = Settings::new(args.platform).with(QUEUE_URL, args.queue_url.as_ref());
    let queue_url = settings.require(QUEUE_URL)?;
    let (bodies, problems): (Vec<(usize, String)>, Vec<Problem>) = if args.raw {
        (input::raw_lines(&args.input)?, Vec::new())
    } else {
        let expect = Expect {
            platform: args.platform,
            account: args.account.as_deref(),
        };
        let messages = input::read(&args.input, expect)?;
        let bodies = messages
            .valid
            .into_iter()
            .map(|valid| (valid.line, valid.body))
            .collect();
        (bodies, messages.problems)
    };
    if !json {
        for problem in &problems {
            eprintln!("{problem}");
        }
    }

    let sqs = aws_sdk_sqs::Client::new(&sdk_config().await);
    let bar = progress::bar(bodies.len(), "sending", json);
    let mut sent = 0;
    let mut not_sent: Vec<Problem> = Vec::new();
    for chunk in bodies.chunks(SEND_BATCH) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, (_, body))| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(body)
                    .build()
                    .map_err(|e| Failure::Run(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = sqs
            .send_message_batch()
            .queue_url(&queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| failure::aws(&format!("queue {queue_url}"), &error_text(&e)))?;
        sent += output.successful().len();
        for refused in output.failed() {
            let line = refused
                .id()
                .parse::<usize>()
                .ok()
                .and_then(|i| chunk.get(i))
                .map_or(0, |(line, _)| *line);
            not_sent.push(Problem {
                line,
                field: "queue".to_owned(),
                problem: refused.message().unwrap_or(refused.code()).to_owned(),
            });
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();

    if json {
        print_json(&json!({
            "queue_url": queue_url,
            "sent": sent,
            "invalid": problems,
            "not_sent": not_sent,
        }));
    } else {
        for problem in &not_sent {
            eprintln!("{problem}");
        }
        println!(
            "sent {sent}, invalid {}, not sent {}",
            problems.len(),
            not_sent.len()
        );
    }
    let failed = problems.len() + not_sent.len();
    if failed > 0 {
        return Err(Failure::Reported(format!(
            "{failed} message(s) not sent (see the lines above)"
        )));
    }
    Ok(())
}
