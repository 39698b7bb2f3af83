//! Logging: JSON lines in Lambda (CloudWatch parses them), compact text for people.
//!
//! Every message gets exactly one outcome line naming platform, account, order, outcome and
//! reason. Secrets never reach a log: credentials are [`crate::config::SecretString`]s, which
//! print as `[redacted]`, and URLs are logged without their query.
//!
//! In Lambda every line of an invocation also carries `function_request_id`, `xray_trace_id`
//! (when there is one) and `cold_start` at the top level, the names Powertools' loggers use, so
//! log queries written for those work here: they are the fields of the [`INVOCATION_SPAN`] the
//! runtime opens around each invocation, flattened into each line by [`JsonLines`].

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The span around one Lambda invocation; its fields are written into every line logged in it.
pub const INVOCATION_SPAN: &str = "invocation";

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
            .fmt_fields(JsonFields::new())
            .event_format(JsonLines)
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

/// One JSON object per line: `timestamp`, `level`, the invocation's fields, the event's fields
/// (`message` among them) and `target`, all at the top level.
pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        let mut line = Map::new();
        line.insert(
            "timestamp".into(),
            chrono::Utc::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .into(),
        );
        line.insert("level".into(), metadata.level().as_str().into());
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                if span.name() != INVOCATION_SPAN {
                    continue;
                }
                let extensions = span.extensions();
                // `JsonFields` stored the span's fields as a JSON object when it was opened.
                if let Some(fields) = extensions.get::<FormattedFields<N>>()
                    && let Ok(Value::Object(fields)) = serde_json::from_str(fields.as_str())
                {
                    line.extend(fields);
                }
            }
        }
        event.record(&mut FieldsInto(&mut line));
        // The module the line comes from; an event field of that name would be lost under it,
        // so events name what they are about otherwise (`unit`, `order`).
        line.insert("target".into(), metadata.target().into());
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// Collects an event's fields into a JSON object.
struct FieldsInto<'a>(&'a mut Map<String, Value>);

impl Visit for FieldsInto<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), value.to_string().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn lines(captured: &Captured) -> Vec<Value> {
        String::from_utf8(captured.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
            .collect()
    }

    #[test]
    fn lines_in_an_invocation_carry_its_ids_at_the_top_level() {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(JsonFields::new())
            .event_format(JsonLines)
            .with_writer(captured.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(order = "A-1", "before");
            let span = tracing::info_span!(
                INVOCATION_SPAN,
                function_request_id = "req-7",
                xray_trace_id = "Root=1-abc",
                cold_start = true
            );
            span.in_scope(|| {
                tracing::warn!(
                    order = "A-2",
                    attempts = 3u64,
                    ok = false,
                    "message \"outcome\""
                );
            });
        });
        let lines = lines(&captured);
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].get("function_request_id").is_none(),
            "outside: no ids"
        );
        assert_eq!(lines[0]["message"], "before");
        let inside = &lines[1];
        assert_eq!(inside["function_request_id"], "req-7");
        assert_eq!(inside["xray_trace_id"], "Root=1-abc");
        assert_eq!(inside["cold_start"], true);
        assert_eq!(inside["level"], "WARN");
        assert_eq!(inside["message"], "message \"outcome\"");
        assert_eq!(inside["order"], "A-2");
        assert_eq!(inside["attempts"], 3);
        assert_eq!(inside["ok"], false);
        assert!(
            inside["target"]
                .as_str()
                .unwrap()
                .starts_with("orderstatus")
        );
        assert!(inside["timestamp"].as_str().unwrap().ends_with('Z'));
    }
}
