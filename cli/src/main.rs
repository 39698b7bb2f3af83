//! `orderstatus`: the operator's command-line tool, built on the same shared code as the
//! functions, so that what it shows is what they do.

mod send;
mod worker;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use orderstatus::message::PlatformName;

#[derive(Parser)]
#[command(
    name = "orderstatus",
    version,
    about = "Operate the order-status uploader: local worker, send, schema"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Poll a platform's queue and upload, exactly as the Lambda function does.
    Worker(worker::WorkerArgs),
    /// Validate a file of messages (JSON Lines) and put the valid ones on a platform's queue.
    Send(send::SendArgs),
    /// Print the JSON Schema of the canonical status message.
    Schema,
}

/// Exit codes: 0 done, 1 failures in the input or the run, 2 usage or configuration error.
pub enum Failure {
    Run(String),
    Usage(String),
}

impl From<orderstatus::config::ConfigError> for Failure {
    fn from(error: orderstatus::config::ConfigError) -> Self {
        Self::Usage(error.to_string())
    }
}

pub fn parse_platform(text: &str) -> Result<PlatformName, String> {
    PlatformName::parse(text).ok_or_else(|| {
        let known: Vec<_> = PlatformName::ALL.iter().map(|p| p.as_str()).collect();
        format!("unknown platform {text:?} (one of {})", known.join(", "))
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Worker(args) => Box::pin(worker::run(args)).await,
        Command::Send(args) => send::run(args).await,
        Command::Schema => {
            print!("{}", orderstatus::schema::status_message_schema());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Run(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
