//! `orderstatus`: the operator's command-line tool, built on the same shared code as the
//! functions, so that what it shows is what they do.

mod account;
mod aws_json;
mod commands;
mod dispatch;
mod failure;
mod input;
mod output;
mod progress;
mod settings;

use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;
use orderstatus::message::PlatformName;

use crate::commands::{baseline, dlq, history, render, send, status, worker};

#[derive(Parser)]
#[command(
    name = "orderstatus",
    version,
    about = "Operate the order-status uploader: send, baseline, render, history, dead letters, status",
    long_about = "Operate the order-status uploader: send, baseline, render, history, dead letters, status.\n\n\
        Configuration comes from the environment the functions read (LEDGER_TABLE, \
        <PLATFORM>_QUEUE_URL, <PLATFORM>_DEAD_LETTER_QUEUE_URL, SECRETS_PREFIX, AWS_*; \
        `eval \"$(scripts/dev env)\"` loads the local stack's), and flags override it.\n\n\
        Exit codes: 0 done, 1 failures in the input or the run, 2 usage or configuration error."
)]
struct Cli {
    /// Print machine-readable JSON on standard output instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate messages (JSON Lines or CSV) and put the valid ones on a platform's queue.
    Send(send::SendArgs),
    /// Mark existing orders as already uploaded in the ledger, without replacing any record.
    Baseline(baseline::BaselineArgs),
    /// Print the exact request(s) the function would send for messages; sends nothing.
    Render(render::RenderArgs),
    /// Show what the ledger recorded for an order: uploads, skips, rejections, leases.
    History(history::HistoryArgs),
    /// List, show and redrive a platform's dead letters.
    Dlq(dlq::DlqArgs),
    /// Per platform and account: queue depths, dead letters by reason, the last upload and
    /// refusal, the schedules.
    Status(status::StatusArgs),
    /// Poll a platform's queue and upload, exactly as the Lambda function does.
    Worker(worker::WorkerArgs),
    /// Print the JSON Schema of the canonical status message.
    Schema,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete in.
        shell: Shell,
    },
}

/// `--platform`: one of the platform names, which shell completions offer.
pub fn platform_parser() -> impl TypedValueParser<Value = PlatformName> {
    PossibleValuesParser::new(PlatformName::ALL.map(PlatformName::as_str)).try_map(
        |name: String| {
            PlatformName::parse(&name).ok_or_else(|| format!("unknown platform {name:?}"))
        },
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let result = match cli.command {
        Command::Send(args) => send::run(args, json).await,
        Command::Baseline(args) => Box::pin(baseline::run(args, json)).await,
        Command::Render(args) => render::run(args, json).await,
        Command::History(args) => history::run(args, json).await,
        Command::Dlq(args) => dlq::run(args, json).await,
        Command::Status(args) => Box::pin(status::run(args, json)).await,
        Command::Worker(args) => Box::pin(worker::run(args, json)).await,
        Command::Schema => {
            print!("{}", orderstatus::schema::status_message_schema());
            Ok(())
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "orderstatus",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if json && !failure.is_reported() {
                // Scripts read standard output; the error goes there too, as JSON.
                println!("{}", serde_json::json!({"error": failure.message()}));
            }
            eprintln!("error: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
