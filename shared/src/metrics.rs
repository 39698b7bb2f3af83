//! Metrics per invocation: what each account's messages came to, how the platform and the ledger
//! answered, written as CloudWatch Embedded Metric Format (EMF) lines.
//!
//! No `PutMetricData` and no extra request: Lambda's log agent turns each EMF line into metrics
//! (namespace `OrderStatus`). One line per account of the batch with the dimension sets
//! `Platform` and `Platform, Account`, and one with `Platform` alone for messages whose account is
//! not configured, so the `Account` dimension only ever holds configured accounts (bounded
//! cardinality; order ids never become dimensions).
//!
//! The figures are gathered where the work happens without threading a recorder through every
//! call: the batch handler runs each unit's ledger and platform work inside [`Probe::scope`], and
//! the ledger ([`ledger_request`]) and the HTTP client ([`platform_attempt`]) add to the probe
//! of the task-local scope, if any (the CLI and the scheduled actions run without one).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::batch::Outcome;

/// The CloudWatch namespace of every metric the product writes.
pub const NAMESPACE: &str = "OrderStatus";

/// At most this many values of one metric in one line (EMF's limit is 100). Beyond it the
/// values are thinned evenly, so percentiles still describe the whole invocation.
const MAX_VALUES: usize = 100;

/// Every metric an invocation's line may declare: the template's dashboard and alarms may read
/// these only (tests/infra checks them against this list).
pub const METRIC_NAMES: [&str; 17] = [
    "Messages",
    "Uploaded",
    "Duplicate",
    "Stale",
    "NotApplicable",
    "Invalid",
    "Rejected",
    "Transient",
    "DeadLettered",
    "PlatformCalls",
    "PlatformRetries",
    "PlatformThrottles",
    "LedgerRequests",
    "PlatformLatency",
    "UnitsPerCall",
    "LedgerLatency",
    "OldestMessageAge",
];

/// The outcome counts, in the order of their metrics.
const OUTCOMES: [(&str, &str); 7] = [
    ("uploaded", "Uploaded"),
    ("duplicate", "Duplicate"),
    ("stale", "Stale"),
    ("not_applicable", "NotApplicable"),
    ("invalid", "Invalid"),
    ("rejected", "Rejected"),
    ("transient", "Transient"),
];

tokio::task_local! {
    static CURRENT: Arc<Probe>;
    static INVOCATION: InvocationIds;
}

/// The Lambda invocation's ids, written beside the metrics (searchable, not dimensions).
#[derive(Debug, Clone, Default)]
pub struct InvocationIds {
    pub function_request_id: String,
    pub xray_trace_id: Option<String>,
}

impl InvocationIds {
    /// Runs `work` (the invocation) with these ids for the metrics lines written in it.
    pub fn scope<F: Future>(self, work: F) -> impl Future<Output = F::Output> {
        INVOCATION.scope(self, work)
    }
}

/// Writes a batch's metrics lines on standard output, with the ids of the invocation in
/// progress, if any. One `write` for all of them, so that no log line of another thread lands
/// inside one (the log agent reads each line as a JSON document).
pub fn write_lines(platform: &str, figures: &[(Option<String>, Figures)]) {
    use std::io::Write;
    let write = |context: LineContext<'_>| {
        let lines = emf_lines(platform, figures, crate::ledger::now_ms(), context);
        if lines.is_empty() {
            return;
        }
        let mut text = lines.join("\n");
        text.push('\n');
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    };
    let written = INVOCATION.try_with(|ids| {
        write(LineContext {
            function_request_id: Some(&ids.function_request_id),
            xray_trace_id: ids.xray_trace_id.as_deref(),
        })
    });
    if written.is_err() {
        write(LineContext::default());
    }
}

/// Where one account's figures are gathered during an invocation.
#[derive(Debug, Default)]
pub struct Probe {
    figures: Mutex<Figures>,
}

/// One account's figures in one invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub messages: u64,
    /// Messages by outcome name ([`Outcome::name`]).
    pub outcomes: BTreeMap<&'static str, u64>,
    pub dead_lettered: u64,
    /// HTTP requests to the platform, every attempt counted.
    pub platform_calls: u64,
    pub platform_latency_ms: Samples,
    /// Attempts after the first of a request.
    pub platform_retries: u64,
    /// Answers 429 Too Many Requests.
    pub platform_throttles: u64,
    /// Units per upload call of the platform (a batch platform's request, or one unit).
    pub units_per_call: Samples,
    pub ledger_requests: u64,
    pub ledger_latency_ms: Samples,
    /// Age of the oldest message (from SQS's `SentTimestamp`) when the batch arrived.
    pub oldest_message_age_ms: Option<i64>,
}

/// Up to [`MAX_VALUES`] values of a metric, thinned evenly once there are more: value `i` (in
/// arrival order) is kept when `i` is a multiple of `stride`.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    values: Vec<f64>,
    seen: u64,
    stride: u64,
}

impl Default for Samples {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            seen: 0,
            stride: 1,
        }
    }
}

impl Samples {
    pub fn add(&mut self, value: f64) {
        if self.seen.is_multiple_of(self.stride) {
            self.values.push(value);
            if self.values.len() > MAX_VALUES {
                let mut index = 0;
                self.values.retain(|_| {
                    index += 1;
                    index % 2 == 1
                });
                self.stride *= 2;
            }
        }
        self.seen += 1;
    }

    /// The values kept.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// How many values were added.
    pub fn count(&self) -> u64 {
        self.seen
    }
}

impl Probe {
    /// Runs `work` with this probe as the task's current one: the ledger requests and platform
    /// calls it makes are counted here.
    pub fn scope<F: Future>(self: &Arc<Self>, work: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(Arc::clone(self), work)
    }

    pub fn add(&self, change: impl FnOnce(&mut Figures)) {
        // A panic while holding the lock only loses figures; never fail the batch for them.
        let mut figures = self.figures.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut figures);
    }

    /// Counts one message's outcome, and the age it had when the batch arrived.
    pub fn count_message(&self, outcome: &Outcome, dead_lettered: bool, age_ms: Option<i64>) {
        self.add(|f| {
            f.messages += 1;
            *f.outcomes.entry(outcome.name()).or_default() += 1;
            if dead_lettered {
                f.dead_lettered += 1;
            }
            if let Some(age) = age_ms {
                f.oldest_message_age_ms = Some(f.oldest_message_age_ms.map_or(age, |a| a.max(age)));
            }
        });
    }

    pub fn figures(&self) -> Figures {
        self.figures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Adds to the current task's probe, if there is one.
fn add_to_current(change: impl FnOnce(&mut Figures)) {
    let _ = CURRENT.try_with(|probe| probe.add(change));
}

/// Runs one ledger request, counted with its latency in the current probe.
pub async fn ledger_request<T>(request: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let answer = request.await;
    let elapsed = started.elapsed();
    add_to_current(|f| {
        f.ledger_requests += 1;
        f.ledger_latency_ms.add(millis(elapsed));
    });
    answer
}

/// Counts one HTTP attempt to the platform in the current probe: its latency, whether it was a
/// retry, whether the platform answered 429.
pub fn platform_attempt(attempt: u32, elapsed: Duration, status: Option<u16>) {
    add_to_current(|f| {
        f.platform_calls += 1;
        f.platform_latency_ms.add(millis(elapsed));
        if attempt > 1 {
            f.platform_retries += 1;
        }
        if status == Some(429) {
            f.platform_throttles += 1;
        }
    });
}

fn millis(duration: Duration) -> f64 {
    // Microsecond resolution is plenty and keeps the lines short.
    duration.as_micros() as f64 / 1000.0
}

/// The figures of one invocation, per account.
#[derive(Debug, Default)]
pub struct InvocationMetrics {
    /// Configured accounts, by name.
    accounts: Mutex<BTreeMap<String, Arc<Probe>>>,
    /// Messages whose account is unknown, missing or could not be read.
    unattributed: Arc<Probe>,
}

impl InvocationMetrics {
    /// The probe of a configured account (made on first use).
    pub fn account(&self, name: &str) -> Arc<Probe> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(probe) = accounts.get(name) {
            return Arc::clone(probe);
        }
        let probe = Arc::new(Probe::default());
        accounts.insert(name.to_owned(), Arc::clone(&probe));
        probe
    }

    /// The probe of messages without a configured account.
    pub fn unattributed(&self) -> &Arc<Probe> {
        &self.unattributed
    }

    /// The figures per account (`None`: messages without a configured account), skipping
    /// accounts with nothing to report.
    pub fn figures(&self) -> Vec<(Option<String>, Figures)> {
        let accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        accounts
            .iter()
            .map(|(name, probe)| (Some(name.clone()), probe.figures()))
            .chain(std::iter::once((None, self.unattributed.figures())))
            .filter(|(_, figures)| *figures != Figures::default())
            .collect()
    }
}

/// Request-scoped properties written beside the metrics (searchable, not dimensions).
#[derive(Debug, Clone, Copy, Default)]
pub struct LineContext<'a> {
    pub function_request_id: Option<&'a str>,
    pub xray_trace_id: Option<&'a str>,
}

/// The EMF lines of one invocation: one per account with figures.
pub fn emf_lines(
    platform: &str,
    figures: &[(Option<String>, Figures)],
    timestamp_ms: i64,
    context: LineContext<'_>,
) -> Vec<String> {
    figures
        .iter()
        .map(|(account, figures)| {
            emf_line(platform, account.as_deref(), figures, timestamp_ms, context)
        })
        .collect()
}

/// One EMF line; see the module's docs for its dimensions.
pub fn emf_line(
    platform: &str,
    account: Option<&str>,
    figures: &Figures,
    timestamp_ms: i64,
    context: LineContext<'_>,
) -> String {
    let mut definitions = Vec::new();
    let mut line = Map::new();
    let mut put = |name: &'static str, unit: &'static str, value: Value| {
        definitions.push(json!({"Name": name, "Unit": unit}));
        line.insert(name.to_owned(), value);
    };
    put("Messages", "Count", figures.messages.into());
    for (outcome, metric) in OUTCOMES {
        let count = figures.outcomes.get(outcome).copied().unwrap_or_default();
        put(metric, "Count", count.into());
    }
    put("DeadLettered", "Count", figures.dead_lettered.into());
    put("PlatformCalls", "Count", figures.platform_calls.into());
    put("PlatformRetries", "Count", figures.platform_retries.into());
    put(
        "PlatformThrottles",
        "Count",
        figures.platform_throttles.into(),
    );
    put("LedgerRequests", "Count", figures.ledger_requests.into());
    // A metric without values has no line entry: EMF refuses empty arrays.
    for (name, unit, samples) in [
        (
            "PlatformLatency",
            "Milliseconds",
            &figures.platform_latency_ms,
        ),
        ("UnitsPerCall", "Count", &figures.units_per_call),
        ("LedgerLatency", "Milliseconds", &figures.ledger_latency_ms),
    ] {
        if !samples.values().is_empty() {
            put(name, unit, samples.values().into());
        }
    }
    if let Some(age) = figures.oldest_message_age_ms {
        put(
            "OldestMessageAge",
            "Seconds",
            (age.max(0) as f64 / 1000.0).into(),
        );
    }
    let dimensions = match account {
        Some(_) => json!([["Platform"], ["Platform", "Account"]]),
        None => json!([["Platform"]]),
    };
    line.insert("Platform".to_owned(), platform.into());
    if let Some(account) = account {
        line.insert("Account".to_owned(), account.into());
    }
    if let Some(id) = context.function_request_id {
        line.insert("function_request_id".to_owned(), id.into());
    }
    if let Some(id) = context.xray_trace_id {
        line.insert("xray_trace_id".to_owned(), id.into());
    }
    line.insert(
        "_aws".to_owned(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": dimensions,
                "Metrics": definitions,
            }],
        }),
    );
    Value::Object(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_keep_at_most_a_hundred_values_spread_evenly() {
        let mut samples = Samples::default();
        for i in 0..1000 {
            samples.add(i as f64);
        }
        assert_eq!(samples.count(), 1000);
        assert!(samples.values().len() <= MAX_VALUES);
        assert!(samples.values().len() > MAX_VALUES / 2);
        // Evenly: the kept values are the multiples of one stride, from the first to the last.
        let stride = samples.values()[1] - samples.values()[0];
        assert!(samples.values().windows(2).all(|w| w[1] - w[0] == stride));
        assert_eq!(samples.values()[0], 0.0);
        assert!(*samples.values().last().unwrap() > 1000.0 - stride - 1.0);
    }

    #[test]
    fn an_account_line_has_both_dimension_sets_and_every_count() {
        let mut figures = Figures {
            messages: 3,
            dead_lettered: 1,
            platform_calls: 2,
            platform_retries: 1,
            platform_throttles: 1,
            ledger_requests: 4,
            oldest_message_age_ms: Some(2500),
            ..Figures::default()
        };
        figures.outcomes.insert("uploaded", 2);
        figures.outcomes.insert("rejected", 1);
        figures.platform_latency_ms.add(12.5);
        let context = LineContext {
            function_request_id: Some("req-1"),
            xray_trace_id: None,
        };
        let line: Value =
            serde_json::from_str(&emf_line("cv3", Some("shop"), &figures, 1_700, context)).unwrap();
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "OrderStatus");
        assert_eq!(
            directive["Dimensions"],
            json!([["Platform"], ["Platform", "Account"]])
        );
        assert_eq!(line["_aws"]["Timestamp"], 1_700);
        assert_eq!(
            (line["Platform"].as_str(), line["Account"].as_str()),
            (Some("cv3"), Some("shop"))
        );
        assert_eq!(line["function_request_id"], "req-1");
        assert!(line.get("xray_trace_id").is_none());
        for (name, value) in [
            ("Messages", json!(3)),
            ("Uploaded", json!(2)),
            ("Rejected", json!(1)),
            ("Duplicate", json!(0)),
            ("Transient", json!(0)),
            ("DeadLettered", json!(1)),
            ("PlatformCalls", json!(2)),
            ("PlatformRetries", json!(1)),
            ("PlatformThrottles", json!(1)),
            ("LedgerRequests", json!(4)),
            ("PlatformLatency", json!([12.5])),
            ("OldestMessageAge", json!(2.5)),
        ] {
            assert_eq!(line[name], value, "{name}");
        }
        // Every metric is declared once, and every declared metric has its value.
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 15, "13 counts, one latency, the age");
        assert!(names.iter().all(|n| line.get(*n).is_some()), "{names:?}");
        assert!(!names.contains(&"LedgerLatency"), "no values, no metric");
    }

    #[test]
    fn a_line_with_every_figure_declares_exactly_the_listed_metrics() {
        let mut figures = Figures {
            oldest_message_age_ms: Some(1),
            ..Figures::default()
        };
        figures.platform_latency_ms.add(1.0);
        figures.units_per_call.add(1.0);
        figures.ledger_latency_ms.add(1.0);
        let line: Value =
            serde_json::from_str(&emf_line("cv3", None, &figures, 0, LineContext::default()))
                .unwrap();
        let declared: Vec<&str> = line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(declared, METRIC_NAMES);
    }

    #[test]
    fn messages_without_an_account_have_the_platform_dimension_only() {
        let metrics = InvocationMetrics::default();
        metrics
            .unattributed()
            .count_message(&Outcome::Duplicate, false, Some(10));
        let lines = emf_lines("cv3", &metrics.figures(), 0, LineContext::default());
        assert_eq!(lines.len(), 1, "no line for accounts without figures");
        let line: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Platform"]])
        );
        assert!(line.get("Account").is_none());
        assert_eq!(line["Duplicate"], 1);
    }

    #[tokio::test]
    async fn work_in_a_scope_is_counted_in_its_probe_only() {
        let metrics = InvocationMetrics::default();
        let (a, b) = (metrics.account("a"), metrics.account("b"));
        let work_a = a.scope(async {
            ledger_request(async {}).await;
            platform_attempt(2, Duration::from_millis(3), Some(429));
        });
        let work_b = b.scope(ledger_request(async {}));
        futures::join!(work_a, work_b);
        // Outside any scope nothing is counted, and nothing fails.
        ledger_request(async {}).await;
        let a = a.figures();
        assert_eq!((a.ledger_requests, a.platform_calls), (1, 1));
        assert_eq!((a.platform_retries, a.platform_throttles), (1, 1));
        assert_eq!(a.platform_latency_ms.values(), &[3.0]);
        assert_eq!(b.figures().ledger_requests, 1);
        assert_eq!(b.figures().platform_calls, 0);
    }
}
