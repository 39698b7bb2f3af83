//! The soak's table and verdict line.

use std::fmt::Write as _;

use super::checks::Findings;

/// One platform's line of the table.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub platform: &'static str,
    pub orders: usize,
    pub events: usize,
    pub redelivered: usize,
    pub bad: usize,
    pub accepted: usize,
    pub requests: usize,
    pub findings: Findings,
    /// Good events the platform refused by its own rules (dead-lettered with reason
    /// `platform`), such as a status that overtook the one its state machine needs first.
    pub refused_by_platform: usize,
    /// Dead letters expected (bad bodies and refused lives' events, distinct) and how many of
    /// them were found (the platform's other refusals are `refused_by_platform`).
    pub letters_expected: usize,
    pub letters_found: usize,
    /// Expected bodies not in the dead-letter queue.
    pub letters_missing: Vec<String>,
    /// Letters that should not be there: good messages, or letters without a reason.
    pub letters_wrong: Vec<String>,
    pub faults: usize,
    pub kills: usize,
}

impl Row {
    pub fn passed(&self) -> bool {
        self.findings.passed() && self.letters_missing.is_empty() && self.letters_wrong.is_empty()
    }
}

/// Everything the run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub seed: u64,
    pub rows: Vec<Row>,
    pub secrets_found: Vec<String>,
    pub panics: Vec<String>,
    /// Process exits and function errors nobody caused.
    pub unplanned_exits: usize,
    pub drained: bool,
    pub wall_seconds: f64,
    pub messages: usize,
    pub dynamodb_requests: Option<usize>,
}

impl Report {
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        let sum = |f: &dyn Fn(&Row) -> usize| self.rows.iter().map(f).sum::<usize>();
        let counts = [
            ("lost", sum(&|r| r.findings.lost.len())),
            ("double uploads", sum(&|r| r.findings.double.len())),
            ("regressions", sum(&|r| r.findings.regressions.len())),
            ("unexpected uploads", sum(&|r| r.findings.unexpected.len())),
            ("dead letters missing", sum(&|r| r.letters_missing.len())),
            ("wrong dead letters", sum(&|r| r.letters_wrong.len())),
            ("secrets in logs", self.secrets_found.len()),
            ("panics", self.panics.len()),
        ];
        for (name, count) in counts {
            if count > 0 {
                failures.push(format!("{name} {count}"));
            }
        }
        if !self.drained {
            failures.push("the queues did not drain in time".into());
        }
        failures
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let header = [
            "platform",
            "orders",
            "events",
            "redeliv.",
            "bad",
            "accepted",
            "lost",
            "double",
            "crash win.",
            "regress.",
            "dead letters",
            "refused",
            "faults",
            "kills",
        ];
        let mut lines = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
        for row in &self.rows {
            let f = &row.findings;
            lines.push(vec![
                row.platform.to_owned(),
                row.orders.to_string(),
                row.events.to_string(),
                row.redelivered.to_string(),
                row.bad.to_string(),
                row.accepted.to_string(),
                f.lost.len().to_string(),
                f.double.len().to_string(),
                format!("{} ({} kills)", f.crash_window, f.kills_in_window),
                f.regressions.len().to_string(),
                format!(
                    "{}/{}{}",
                    row.letters_found,
                    row.letters_expected,
                    if row.letters_wrong.is_empty() {
                        String::new()
                    } else {
                        format!(" ({} wrong)", row.letters_wrong.len())
                    }
                ),
                row.refused_by_platform.to_string(),
                row.faults.to_string(),
                row.kills.to_string(),
            ]);
        }
        let widths: Vec<usize> = (0..header.len())
            .map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0))
            .collect();
        for line in &lines {
            let cells: Vec<String> = line
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(c, (cell, w))| {
                    if c == 0 {
                        format!("{cell:<w$}")
                    } else {
                        format!("{cell:>w$}")
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", cells.join("  "));
        }
        let requests: usize = self.rows.iter().map(|r| r.requests).sum();
        let per = |n: usize| n as f64 / self.messages.max(1) as f64;
        let _ = writeln!(
            out,
            "secrets in logs: {}   panics: {}   unplanned exits: {}",
            self.secrets_found.len(),
            self.panics.len(),
            self.unplanned_exits
        );
        let _ = writeln!(
            out,
            "{} messages in {:.0} s ({:.1} messages/s); per message: {} DynamoDB requests, \
             {:.2} platform requests",
            self.messages,
            self.wall_seconds,
            self.messages as f64 / self.wall_seconds.max(0.001),
            self.dynamodb_requests
                .map_or("n/a".into(), |n| format!("{:.2}", per(n))),
            per(requests),
        );
        for row in &self.rows {
            let f = &row.findings;
            let examples = f
                .lost
                .iter()
                .map(|e| format!("lost {e}"))
                .chain(f.double.iter().map(|e| format!("double {e}")))
                .chain(f.regressions.iter().map(|e| format!("regression {e}")))
                .chain(f.unexpected.iter().map(|e| format!("unexpected {e}")))
                .chain(
                    row.letters_missing
                        .iter()
                        .map(|e| format!("not dead-lettered {e}")),
                )
                .chain(
                    row.letters_wrong
                        .iter()
                        .map(|e| format!("wrong dead letter {e}")),
                );
            for example in examples.take(5) {
                let _ = writeln!(out, "  {}: {}", row.platform, shorten(&example, 300));
            }
        }
        for found in self.secrets_found.iter().chain(&self.panics).take(10) {
            let _ = writeln!(out, "  {}", shorten(found, 300));
        }
        let failures = self.failures();
        if failures.is_empty() {
            let _ = writeln!(out, "verdict: PASS (seed {})", self.seed);
        } else {
            let _ = writeln!(
                out,
                "verdict: FAIL: {} (seed {})",
                failures.join(", "),
                self.seed
            );
        }
        out
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
