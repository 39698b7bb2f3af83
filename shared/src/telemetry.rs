//! Logging: JSON lines in Lambda (CloudWatch parses them), compact text for people.
//!
//! Every message gets exactly one outcome line naming platform, account, order, outcome and
//! reason. Secrets never reach a log: credentials are [`crate::config::SecretString`]s, which
//! print as `[redacted]`, and URLs are logged without their query.

use tracing_subscriber::EnvFilter;

use crate::batch::{MessageReport, Outcome};

/// Output format of the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// Installs the global subscriber; `RUST_LOG` overrides the `info` default. Safe to call twice.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_ansi(false)
            .try_init(),
        LogFormat::Text => builder.compact().with_target(false).try_init(),
    };
}

/// The one log line per message outcome: a warning when the message failed or went to the
/// dead-letter queue, information otherwise.
pub fn log_outcome(platform: &str, message: &MessageReport) {
    macro_rules! outcome_line {
        ($level:expr) => {
            tracing::event!(
                $level,
                platform,
                account = message.account.as_deref().unwrap_or("-"),
                order = message.order_id.as_deref().unwrap_or("-"),
                message_id = %message.message_id,
                producer_id = message.producer_id.as_deref().unwrap_or("-"),
                outcome = message.outcome.name(),
                reason = message.outcome.reason().unwrap_or(""),
                detail = message.outcome.detail().unwrap_or(""),
                dead_lettered = message.dead_lettered,
                "message outcome"
            )
        };
    }
    match message.outcome {
        Outcome::Invalid { .. } | Outcome::Rejected { .. } | Outcome::Transient { .. } => {
            outcome_line!(tracing::Level::WARN)
        }
        _ => outcome_line!(tracing::Level::INFO),
    }
}
