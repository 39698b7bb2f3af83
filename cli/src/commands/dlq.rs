//! `orderstatus dlq list|show|redrive`: a platform's dead letters with the reasons the
//! function attached, and moving chosen ones back to its queue, through the shared
//! [`orderstatus::dead_letters`] module that the scheduled redrive uses too.

use clap::{Args, Subcommand};
use orderstatus::dead_letters::{DeadLetters, Disposition, Letter, Selection, WALK_LIMIT};
use orderstatus::message::PlatformName;
use orderstatus::validate::salvage_identity;
use serde_json::{Value, json};

use crate::failure::{self, Failure};
use crate::output::{or_dash, print_json, printable, shorten, table, time};
use crate::platform_parser;
use crate::settings::{DEAD_LETTER_QUEUE_URL, QUEUE_URL, Settings, sdk_config};

#[derive(Args)]
pub struct DlqArgs {
    #[command(subcommand)]
    command: DlqCommand,
}

#[derive(Args)]
struct Queues {
    /// The platform whose dead-letter queue to read.
    #[arg(long, value_parser = platform_parser())]
    platform: PlatformName,
    /// The dead-letter queue; default $<PLATFORM>_DEAD_LETTER_QUEUE_URL, then
    /// $DEAD_LETTER_QUEUE_URL.
    #[arg(long)]
    dead_letter_queue_url: Option<String>,
    /// The queue letters go back to; default $<PLATFORM>_QUEUE_URL, then $QUEUE_URL.
    #[arg(long)]
    queue_url: Option<String>,
}

#[derive(Subcommand)]
enum DlqCommand {
    /// List dead letters with their reason and whether a redrive can help; consumes nothing.
    List {
        #[command(flatten)]
        queues: Queues,
        /// Show at most this many.
        #[arg(long, default_value_t = 100)]
        max: usize,
    },
    /// Show one dead letter in full: attributes, error, body, and what to do about it.
    Show {
        #[command(flatten)]
        queues: Queues,
        /// Its message id, on the dead-letter queue or on the platform's queue.
        id: String,
    },
    /// Move chosen dead letters back to the queue (each sent before it is deleted).
    #[command(group(clap::ArgGroup::new("selection").required(true).args(["id", "reason", "retryable"])))]
    Redrive {
        #[command(flatten)]
        queues: Queues,
        /// These letters (message ids, on the dead-letter queue or the platform's queue).
        #[arg(long, num_args = 1..)]
        id: Vec<String>,
        /// Letters with these reasons: auth, config, schema, platform, or max_receives (moved
        /// by SQS after too many failed receives).
        #[arg(long, num_args = 1..)]
        reason: Vec<String>,
        /// Every letter a redrive can help: auth, config, transient and max_receives.
        #[arg(long)]
        retryable: bool,
        /// Move at most this many.
        #[arg(long, default_value_t = 100)]
        max: usize,
    },
}

impl Queues {
    fn open(
        &self,
        sdk: &aws_config::SdkConfig,
        need_queue: bool,
    ) -> Result<(DeadLetters, String), Failure> {
        let settings = Settings::new(self.platform)
            .with(DEAD_LETTER_QUEUE_URL, self.dead_letter_queue_url.as_ref())
            .with(QUEUE_URL, self.queue_url.as_ref());
        let dead_letter_queue_url = settings.require(DEAD_LETTER_QUEUE_URL)?;
        let queue_url = if need_queue {
            settings.require(QUEUE_URL)?
        } else {
            settings.get(QUEUE_URL.0).unwrap_or_default()
        };
        let letters = DeadLetters::new(
            aws_sdk_sqs::Client::new(sdk),
            &dead_letter_queue_url,
            queue_url,
        );
        Ok((letters, dead_letter_queue_url))
    }
}

pub async fn run(args: DlqArgs, json: bool) -> Result<(), Failure> {
    let sdk = sdk_config().await;
    let queue_error = |url: &str, e: orderstatus::dead_letters::DeadLetterError| {
        failure::aws(&format!("queue {url}"), &e.0)
    };
    match args.command {
        DlqCommand::List { queues, max } => {
            let (letters, url) = queues.open(&sdk, false)?;
            let list = letters.list(max).await.map_err(|e| queue_error(&url, e))?;
            print_list(&list, &url, json);
            Ok(())
        }
        DlqCommand::Show { queues, id } => {
            let (letters, url) = queues.open(&sdk, false)?;
            match letters.find(&id).await.map_err(|e| queue_error(&url, e))? {
                Some(letter) => {
                    print_letter(&letter, json);
                    Ok(())
                }
                None => Err(Failure::Run(format!(
                    "no dead letter {id} among the first {WALK_LIMIT} on {url} (orderstatus dlq list shows their ids)"
                ))),
            }
        }
        DlqCommand::Redrive {
            queues,
            id,
            reason,
            retryable,
            max,
        } => {
            let (letters, url) = queues.open(&sdk, true)?;
            let selection = if retryable {
                Selection::Retryable
            } else if !id.is_empty() {
                Selection::Ids(id)
            } else {
                Selection::Reasons(reason)
            };
            let report = letters
                .redrive(&selection, max)
                .await
                .map_err(|e| queue_error(&url, e))?;
            if json {
                print_json(&serde_json::to_value(&report).unwrap_or_default());
            } else {
                for (id, why) in &report.failed {
                    eprintln!("not moved: {id}: {why}");
                }
                println!(
                    "moved {} of {} dead letter(s) examined back to the queue; {} left, {} failed",
                    report.moved.len(),
                    report.examined,
                    report.left,
                    report.failed.len()
                );
            }
            if !report.failed.is_empty() {
                return Err(Failure::Reported(format!(
                    "{} dead letter(s) could not be moved",
                    report.failed.len()
                )));
            }
            Ok(())
        }
    }
}

/// The order a letter is about, read from its body when it still parses.
fn order_of(letter: &Letter) -> Option<String> {
    salvage_identity(&letter.body).1
}

fn letter_json(letter: &Letter) -> Value {
    let mut value = serde_json::to_value(letter).unwrap_or_default();
    if let Value::Object(object) = &mut value {
        object.insert("reason_label".into(), letter.reason_label().into());
        object.insert("order_id".into(), order_of(letter).into());
        object.insert("sent_at".into(), letter.sent_at_ms.map(time).into());
    }
    value
}

fn print_list(letters: &[Letter], url: &str, json: bool) {
    if json {
        print_json(&json!({
            "dead_letter_queue_url": url,
            "letters": letters.iter().map(letter_json).collect::<Vec<_>>(),
        }));
        return;
    }
    if letters.is_empty() {
        println!("no dead letters on {url}");
        return;
    }
    let rows: Vec<Vec<String>> = letters
        .iter()
        .map(|letter| {
            vec![
                letter.message_id.clone(),
                or_dash(order_of(letter).as_deref()),
                letter.reason_label().to_owned(),
                letter.disposition.as_str().to_owned(),
                letter.sent_at_ms.map_or("-".to_owned(), time),
                shorten(letter.error.as_deref().unwrap_or("-"), 100),
            ]
        })
        .collect();
    println!(
        "{}",
        table(
            &["ID", "ORDER", "REASON", "REDRIVE", "SINCE", "ERROR"],
            &rows
        )
    );
    let retryable = letters
        .iter()
        .filter(|l| l.disposition == Disposition::Retryable)
        .count();
    println!(
        "\n{} dead letter(s), {retryable} retryable (orderstatus dlq redrive --retryable)",
        letters.len()
    );
}

fn print_letter(letter: &Letter, json: bool) {
    if json {
        print_json(&letter_json(letter));
        return;
    }
    let field = |name: &str, value: String| println!("{name:<18}{}", printable(&value));
    field("id", letter.message_id.clone());
    field("source id", or_dash(letter.source_message_id.as_deref()));
    if letter.copies > 1 {
        field(
            "copies",
            format!(
                "{} (dead-lettered again after a worker stopped; redrive sends it once)",
                letter.copies
            ),
        );
    }
    field("order", or_dash(order_of(letter).as_deref()));
    field("outcome", or_dash(letter.outcome.as_deref()));
    field("reason", letter.reason_label().to_owned());
    field("redrive", letter.disposition.as_str().to_owned());
    field("platform", or_dash(letter.platform.as_deref()));
    field("since", letter.sent_at_ms.map_or("-".to_owned(), time));
    field(
        "receives",
        letter
            .receive_count
            .map_or("-".to_owned(), |n| n.to_string()),
    );
    if let Some(group) = &letter.group_id {
        field("group", group.clone());
    }
    for (name, value) in &letter.producer_attributes {
        field(name, or_dash(value.string_value()));
    }
    field("error", or_dash(letter.error.as_deref()));
    if let Some(bytes) = letter.body_bytes {
        field(
            "body",
            format!(
                "cut to {} of {bytes} bytes (too large for the dead-letter queue)",
                letter.body.len()
            ),
        );
    }
    field("what to do", advice(letter).to_owned());
    let body = serde_json::from_str::<Value>(&letter.body)
        .map(|v| format!("{v:#}"))
        .unwrap_or_else(|_| letter.body.clone());
    println!("\n{}", printable(&body));
}

fn advice(letter: &Letter) -> &'static str {
    match letter.reason_label() {
        "auth" => {
            "fix the credentials in the account's secret, then: orderstatus dlq redrive --id <id>"
        }
        "config" => "create or fix the account's secret (the error names it), then redrive it",
        "schema" => "the message itself is wrong: fix the producer and send a corrected message",
        "platform" => {
            "the platform refused it or it went to the wrong queue: read the error; redriving sends the same again"
        }
        "max_receives" => {
            "it failed transiently several times: check the platform's health, then redrive it"
        }
        _ => "read the error; redrive it by id if the cause is gone",
    }
}
