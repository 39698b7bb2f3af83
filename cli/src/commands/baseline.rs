//! `orderstatus baseline`: mark existing orders as already uploaded, so that a first run does
//! not send the whole history (seed 000's warning). Each message goes through the platform's
//! own mapping, so its fingerprint is the one the function computes: the same message later is
//! a duplicate, a newer one uploads. Safe to rerun: targets with a record are left alone.

use std::time::Instant;

use clap::Args;
use orderstatus::ledger::{
    BaselineCounts, BaselineEntry, BaselineOptions, LedgerKey, Position, newest_per_target, now_ms,
};
use orderstatus::message::PlatformName;
use orderstatus::platform::Platform;
use serde_json::json;

use crate::account::{self, AccountArgs};
use crate::dispatch::{PlatformCommand, dispatch};
use crate::failure::{self, Failure};
use crate::input::{self, Expect, InputArgs, Messages, Problem};
use crate::output::print_json;
use crate::settings::{LEDGER_TABLE, Settings, ledger};
use crate::{platform_parser, progress};

#[derive(Args)]
pub struct BaselineArgs {
    /// The platform whose uploads to mark.
    #[arg(long, value_parser = platform_parser())]
    platform: PlatformName,
    #[command(flatten)]
    account: AccountArgs,
    /// The ledger table; default $LEDGER_TABLE.
    #[arg(long)]
    table: Option<String>,
    /// Read which targets exist and count what would be written; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Rounds of 100 targets in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Stop after this many rounds of 100 targets; a rerun continues where it stopped.
    #[arg(long)]
    max_rounds: Option<usize>,
    #[command(flatten)]
    input: InputArgs,
}

pub async fn run(args: BaselineArgs, json: bool) -> Result<(), Failure> {
    let started = Instant::now();
    let expect = Expect {
        platform: args.platform,
        account: Some(&args.account.account),
    };
    let messages = input::read(&args.input, expect)?;
    let rows = messages.valid.len() + messages.problems.len();
    let settings = Settings::new(args.platform)
        .with(LEDGER_TABLE, args.table.as_ref())
        .with(
            ("SECRETS_PREFIX", "--secrets-prefix"),
            args.account.secrets_prefix.as_ref(),
        );
    let plan = Plan {
        args: &args,
        settings: &settings,
        messages,
    };
    let (entries, mut problems) = dispatch(args.platform, plan).await?;
    let entries = newest_per_target(entries);

    let (ledger, table, requests) = ledger(&settings).await?;
    let options = BaselineOptions {
        dry_run: args.dry_run,
        concurrency: usize::from(args.concurrency),
        max_rounds: args.max_rounds,
    };
    let bar = progress::bar(entries.len(), "baseline", json);
    let counts = ledger
        .baseline(&entries, now_ms(), &options, |round| {
            bar.inc((round.existing + round.written) as u64);
        })
        .await
        .map_err(|e| failure::aws(&format!("ledger table {table:?}"), &e.0))?;
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let finished = counts.existing + counts.written == entries.len();
    problems.sort_by_key(|p| p.line);
    report(&Report {
        rows,
        targets: entries.len(),
        counts: &counts,
        problems: &problems,
        requests: requests.snapshot(),
        elapsed,
        dry_run: args.dry_run,
        finished,
        json,
    });
    if !problems.is_empty() {
        return Err(Failure::Reported(format!(
            "{} message(s) not baselined (see the lines above)",
            problems.len()
        )));
    }
    if !finished {
        return Err(Failure::Reported(format!(
            "stopped after {} round(s) (--max-rounds): {} target(s) left; run the same command again to finish",
            counts.rounds,
            entries.len() - counts.existing - counts.written
        )));
    }
    Ok(())
}

struct Plan<'a> {
    args: &'a BaselineArgs,
    settings: &'a Settings,
    messages: Messages,
}

impl PlatformCommand for Plan<'_> {
    type Output = (Vec<BaselineEntry>, Vec<Problem>);

    /// Maps every message to its ledger entries, exactly as the function maps it.
    async fn run<P: Platform>(self, platform: P) -> Result<Self::Output, Failure> {
        let account = account::load::<P>(&self.args.account, self.settings).await?;
        let mut problems = self.messages.problems;
        let mut entries = Vec::with_capacity(self.messages.valid.len());
        for valid in &self.messages.valid {
            let message = &valid.message;
            match platform.map(message, &account) {
                Ok(units) => {
                    let position = Position::new(message.occurred_at, message.sequence);
                    entries.extend(units.into_iter().map(|unit| BaselineEntry {
                        key: LedgerKey::new(P::NAME, &account.name, unit.target),
                        fingerprint: unit.fingerprint,
                        position: position.clone(),
                        status: unit.status.as_str().to_owned(),
                        tracking: unit.tracking,
                        message_id: message.id.clone(),
                    }));
                }
                Err(invalid) => problems.push(Problem {
                    line: valid.line,
                    field: invalid.field,
                    problem: invalid.problem,
                }),
            }
        }
        Ok((entries, problems))
    }
}

struct Report<'a> {
    rows: usize,
    targets: usize,
    counts: &'a BaselineCounts,
    problems: &'a [Problem],
    requests: std::collections::BTreeMap<String, usize>,
    elapsed: f64,
    dry_run: bool,
    finished: bool,
    json: bool,
}

fn report(r: &Report<'_>) {
    let rate = r.rows as f64 / r.elapsed.max(0.001);
    if r.json {
        print_json(&json!({
            "dry_run": r.dry_run,
            "rows": r.rows,
            "invalid": r.problems,
            "targets": r.targets,
            "existing": r.counts.existing,
            "written": r.counts.written,
            "rounds": r.counts.rounds,
            "finished": r.finished,
            "dynamodb_requests": r.requests,
            "seconds": (r.elapsed * 1000.0).round() / 1000.0,
            "rows_per_second": rate.round(),
        }));
        return;
    }
    for problem in r.problems {
        eprintln!("{problem}");
    }
    let verb = if r.dry_run { "would write" } else { "written" };
    let requests: Vec<String> = r.requests.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!(
        "{} row(s), {} invalid, {} target(s): {} {verb}, {} already in the ledger (left as they were)",
        r.rows,
        r.problems.len(),
        r.targets,
        r.counts.written,
        r.counts.existing,
    );
    println!(
        "{:.1} s, {rate:.0} rows/s; DynamoDB requests: {}",
        r.elapsed,
        if requests.is_empty() {
            "none".to_owned()
        } else {
            requests.join(", ")
        }
    );
}
