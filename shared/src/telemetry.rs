//! Logging: JSON lines in Lambda (CloudWatch parses them), compact text for people.
//!
//! Every message gets exactly one outcome line naming platform, account, order, outcome and
//! reason. Secrets never reach a log: credentials are [`crate::config::SecretString`]s, which
//! print as `[redacted]`, and URLs are logged without their query.

use tracing_subscriber::EnvFilter;

use crate::batch::MessageReport;

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

/// The one log line per message outcome.
pub fn log_outcome(platform: &str, message: &MessageReport) {
    let account = message.account.as_deref().unwrap_or("-");
    let producer_id = message.producer_id.as_deref().unwrap_or("-");
    let order = message.order_id.as_deref().unwrap_or("-");
    let outcome = message.outcome.name();
    let reason = message.outcome.reason().unwrap_or("");
    let detail = message.outcome.detail().unwrap_or("");
    match &message.outcome {
        crate::batch::Outcome::Invalid { .. } | crate::batch::Outcome::Rejected { .. } => {
            tracing::warn!(platform, account, order, message_id = %message.message_id, producer_id, outcome, reason, detail, dead_lettered = message.dead_lettered, "message outcome")
        }
        crate::batch::Outcome::Transient { .. } => {
            tracing::warn!(platform, account, order, message_id = %message.message_id, producer_id, outcome, reason, detail, "message outcome")
        }
        _ => {
            tracing::info!(platform, account, order, message_id = %message.message_id, producer_id, outcome, reason, detail, "message outcome")
        }
    }
}
