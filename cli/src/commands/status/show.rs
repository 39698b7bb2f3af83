//! The report for people: a line on the ledger read, a table of queues (one row per
//! platform), a table of accounts, and the notes on unknown figures.

use orderstatus::ledger::TargetEntry;
use orderstatus::sqs::QueueDepth;

use super::notes::Notes;
use super::report::{Known, Letters, Report, ScheduleState};
use crate::output::{table, time};

pub fn print(report: &Report) {
    let mut notes = Notes::default();
    let ledger = &report.ledger;
    let read = match &ledger.latest {
        Ok(latest) if latest.truncated => format!(
            "newest among the {} items read: the table has more",
            thousands(latest.scanned)
        ),
        Ok(latest) => format!("all {} items read", thousands(latest.scanned)),
        Err(unknown) => notes.unknown("the ledger", None, &unknown.reason),
    };
    let stack = report
        .stack
        .as_ref()
        .map_or(String::new(), |s| format!("stack {s}, "));
    println!("{stack}ledger table {} ({read})\n", ledger.table);
    print_queues(report, &mut notes);
    print_accounts(report);
    notes.print();
}

/// One row per platform: its queues and schedules.
fn print_queues(report: &Report, notes: &mut Notes) {
    let rows: Vec<Vec<String>> = report
        .platforms
        .iter()
        .map(|p| {
            let name = p.platform.as_str();
            let [queued, in_flight, delayed] =
                depth_cells(notes, "the queue", name, &p.queue.depth);
            let [dead_letters, _, _] = depth_cells(
                notes,
                "the dead-letter queue",
                name,
                &p.dead_letter_queue.depth,
            );
            vec![
                name.to_owned(),
                queued,
                in_flight,
                delayed,
                notes.cell("the oldest message", name, &p.oldest_age, |a| {
                    duration(a.seconds)
                }),
                dead_letters,
                match &p.letters {
                    Ok(letters) => reasons(letters),
                    Err(_) if p.dead_letter_queue.depth.is_err() => "-".to_owned(),
                    Err(unknown) => notes.unknown("the dead letters", Some(name), &unknown.reason),
                },
                schedules(notes, name, p.schedules.as_deref()),
            ]
        })
        .collect();
    println!(
        "{}\n",
        table(
            &[
                "PLATFORM",
                "QUEUED",
                "IN FLIGHT",
                "DELAYED",
                "OLDEST",
                "DEAD LETTERS",
                "BY REASON",
                "SCHEDULES"
            ],
            &rows
        )
    );
}

/// One row per account: the ledger's newest upload and refusal, the dead letters by reason.
fn print_accounts(report: &Report) {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut without: Vec<&str> = Vec::new();
    for p in &report.platforms {
        let accounts = report.accounts(p);
        if accounts.is_empty() {
            without.push(p.platform.as_str());
        }
        for row in accounts {
            rows.push(vec![
                p.platform.as_str().to_owned(),
                row.account.unwrap_or("(unreadable)").to_owned(),
                row.upload.map_or("-".to_owned(), |e| entry(e, false)),
                row.dead_letters
                    .map_or("-".to_owned(), |by_reason| counts(by_reason.iter())),
                row.refusal.map_or("-".to_owned(), |e| entry(e, true)),
            ]);
        }
    }
    if !rows.is_empty() {
        println!(
            "{}",
            table(
                &[
                    "PLATFORM",
                    "ACCOUNT",
                    "LAST UPLOAD",
                    "DEAD LETTERS",
                    "LAST REFUSAL"
                ],
                &rows
            )
        );
    }
    if !without.is_empty() {
        println!(
            "no account seen for {}: none in the ledger items read, no dead letter",
            without.join(", ")
        );
    }
}

/// Visible, in flight and delayed; an unknown depth is noted once, in the first cell.
fn depth_cells(
    notes: &mut Notes,
    what: &str,
    platform: &str,
    depth: &Known<QueueDepth>,
) -> [String; 3] {
    match depth {
        Ok(d) => [d.visible, d.in_flight, d.delayed].map(|n| n.to_string()),
        Err(unknown) => [
            notes.unknown(what, Some(platform), &unknown.reason),
            "?".to_owned(),
            "?".to_owned(),
        ],
    }
}

/// `2018-09-23T20:00:00Z order 12345 item 7 shipped`, with the reason for a refusal.
fn entry(target: &TargetEntry, with_reason: bool) -> String {
    let e = &target.entry;
    let item = target
        .item_id
        .as_ref()
        .map_or(String::new(), |item| format!(" item {item}"));
    let mut text = format!(
        "{} order {}{item} {}",
        time(e.at_ms),
        target.order_id,
        e.status
    );
    if with_reason && let Some(reason) = &e.reason {
        text.push_str(": ");
        text.push_str(reason);
    }
    text
}

/// `platform 2, schema 1`, or `-`; a partial count says how many were read.
fn reasons(letters: &Letters) -> String {
    let mut text = counts(letters.by_reason.iter());
    if letters.partial {
        text.push_str(&format!(" (partial: {} read)", letters.read));
    }
    text
}

fn counts<'a>(counts: impl Iterator<Item = (&'a String, &'a usize)>) -> String {
    let parts: Vec<String> = counts.map(|(what, n)| format!("{what} {n}")).collect();
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join(", ")
    }
}

/// `drain on, redrive off, sweep on`; `not deployed` when none is; `-` without `--stack`.
fn schedules(
    notes: &mut Notes,
    platform: &str,
    schedules: Option<&[(&'static str, Known<ScheduleState>)]>,
) -> String {
    let Some(schedules) = schedules else {
        return "-".to_owned();
    };
    if schedules
        .iter()
        .all(|(_, state)| state == &Ok(ScheduleState::NotDeployed))
    {
        return "not deployed".to_owned();
    }
    let parts: Vec<String> = schedules
        .iter()
        .map(|(name, state)| {
            let shown = notes.cell(&format!("the {name} schedule"), platform, state, |s| {
                match s {
                    ScheduleState::Enabled => "on",
                    ScheduleState::Disabled => "off",
                    ScheduleState::NotDeployed => "not deployed",
                }
                .to_owned()
            });
            format!("{name} {shown}")
        })
        .collect();
    parts.join(", ")
}

/// `45 s`, `2 min 5 s`, `3 h 4 min`, `2 d 3 h`.
fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        3600..86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

/// `2,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_counts_read_short() {
        assert_eq!(duration(44.6), "45 s");
        assert_eq!(duration(125.0), "2 min 5 s");
        assert_eq!(duration(3.0 * 3600.0 + 240.0), "3 h 4 min");
        assert_eq!(duration(2.0 * 86_400.0 + 3.0 * 3600.0), "2 d 3 h");
        assert_eq!(thousands(2000), "2,000");
        assert_eq!(thousands(12), "12");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
