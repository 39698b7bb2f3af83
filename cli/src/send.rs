//! `orderstatus send`: validate messages and put the valid ones on a platform's queue.

use std::io::Read;

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use clap::Args;
use orderstatus::message::PlatformName;
use orderstatus::validate::parse_message;

use crate::worker::platform_env;
use crate::{Failure, parse_platform};

#[derive(Args)]
pub struct SendArgs {
    /// The platform whose queue receives the messages.
    #[arg(long, value_parser = parse_platform)]
    platform: PlatformName,
    /// The queue; defaults to $<PLATFORM>_QUEUE_URL, then $QUEUE_URL.
    #[arg(long)]
    queue_url: Option<String>,
    /// Send every line as it is, without validation (to exercise the dead-letter path).
    #[arg(long)]
    raw: bool,
    /// JSON Lines file, or - for standard input.
    file: String,
}

pub async fn run(args: SendArgs) -> Result<(), Failure> {
    let queue_url = args
        .queue_url
        .clone()
        .or_else(|| platform_env(args.platform)("QUEUE_URL"))
        .ok_or_else(|| {
            Failure::Usage(format!(
                "no queue: pass --queue-url or set {}_QUEUE_URL",
                args.platform.as_str().to_ascii_uppercase()
            ))
        })?;
    let text = read_input(&args.file)?;
    let mut valid = Vec::new();
    let mut invalid = 0;
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        if args.raw {
            valid.push(line);
            continue;
        }
        match parse_message(line) {
            Ok(message) if message.platform != args.platform => {
                invalid += 1;
                eprintln!(
                    "line {number}: platform: {} does not match --platform {}",
                    message.platform, args.platform
                );
            }
            Ok(_) => valid.push(line),
            Err(error) => {
                invalid += 1;
                eprintln!("line {number}: {error}");
            }
        }
    }
    let config = orderstatus::aws::load_sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut sent = 0;
    for chunk in valid.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, body)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(*body)
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
            .map_err(|e| {
                Failure::Run(format!(
                    "send to {queue_url} failed: {}",
                    orderstatus::aws::error_text(&e)
                ))
            })?;
        sent += output.successful().len();
        for failed in output.failed() {
            eprintln!("not sent: {}", failed.message().unwrap_or(failed.code()));
        }
    }
    println!("sent {sent}, invalid {invalid}");
    if invalid > 0 || sent < valid.len() {
        return Err(Failure::Run(format!(
            "{} line(s) not sent",
            invalid + valid.len() - sent
        )));
    }
    Ok(())
}

fn read_input(file: &str) -> Result<String, Failure> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Usage(format!("cannot read standard input: {e}")))?;
        Ok(text)
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| Failure::Usage(format!("cannot read {file}: {e}")))
    }
}
