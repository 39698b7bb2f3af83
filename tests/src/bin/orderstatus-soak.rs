//! `orderstatus-soak`: the soak run's driver (`scripts/soak` starts moto and runs it).
//!
//! Starts every platform's sandbox and moto resources, several copies of every platform's
//! function (local workers and the compiled binary under the Runtime API, fed by `drain`),
//! sends a seeded workload, kills processes and injects platform faults while it is worked,
//! redrives what is retryable, and prints the checks' table and a verdict. Exits 1 when a
//! check fails, 2 when the run could not be made.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use orderstatus::message::PlatformName;
use orderstatus_tests::bad_input::sqs_takes;
use orderstatus_tests::soak::checks::check;
use orderstatus_tests::soak::processes::{Fleet, Launch, Program};
use orderstatus_tests::soak::report::{Report, Row};
use orderstatus_tests::soak::workload::{Kind, PlatformWorkload, plan};
use orderstatus_tests::soak::{SoakFault, SoakPlatform, queues, start};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Parser)]
#[command(about = "The soak run: the guarantees under kills, redeliveries and platform faults")]
struct Args {
    /// The workload's seed (printed; give it again to repeat a run). Default: from the clock.
    #[arg(long)]
    seed: Option<u64>,
    /// Canonical messages in all, spread over the platforms.
    #[arg(long, default_value_t = 10_000)]
    messages: usize,
    /// SIGKILLs of random workers and function processes while the queues are worked.
    #[arg(long, default_value_t = 20)]
    kills: usize,
    /// Platform faults injected while the queues are worked; default one per 200 messages.
    #[arg(long)]
    faults: Option<usize>,
    /// Local workers per platform (besides the function binary fed by `drain`).
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Only these platforms (comma-separated); default every platform.
    #[arg(long, value_delimiter = ',')]
    platforms: Vec<String>,
    /// Where the processes' logs go.
    #[arg(long, default_value = ".dev/soak")]
    out: PathBuf,
    /// Where the `orderstatus` and `orderstatus-<platform>` binaries are; default beside
    /// this one.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Give up when the queues have not drained after this long.
    #[arg(long, default_value_t = 1800)]
    timeout_seconds: u64,
    /// The queues' visibility timeout (and so the ledger lease).
    #[arg(long, default_value_t = 10)]
    visibility_seconds: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(report) => {
            print!("{}", report.render());
            if report.failures().is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(error) => {
            eprintln!("soak: {error}");
            ExitCode::from(2)
        }
    }
}

/// One platform in the run.
struct Part {
    platform: Box<dyn SoakPlatform>,
    workload: PlatformWorkload,
    faults: usize,
    /// Units the sandbox had accepted at each kill of this platform's processes.
    kills: Vec<usize>,
}

async fn run(args: Args) -> Result<Report, String> {
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs())
    });
    let names = platforms(&args.platforms)?;
    let bin_dir = match &args.bin_dir {
        Some(dir) => dir.clone(),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .parent()
            .map(Path::to_path_buf)
            .ok_or("no directory for the binaries")?,
    };
    let log_dir = args.out.join(format!("seed-{seed}"));
    if log_dir.exists() {
        std::fs::remove_dir_all(&log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
    }
    std::fs::create_dir_all(&log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
    let fault_count = args.faults.unwrap_or((args.messages / 200).max(3));
    println!(
        "soak: seed {seed}, {} messages over {}, {} kills, {fault_count} faults, {} workers \
         + 1 function per platform; logs in {}",
        args.messages,
        names
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        args.kills,
        args.workers,
        log_dir.display()
    );

    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let bad = bad_bodies();
    let visibility = Duration::from_secs(args.visibility_seconds);
    let mut parts = Vec::new();
    for name in &names {
        let platform = start(*name, visibility).await;
        let share = args.messages / names.len();
        let workload = plan(platform.as_ref(), &mut rng, share, &bad);
        parts.push(Part {
            platform,
            workload,
            faults: 0,
            kills: Vec::new(),
        });
    }
    let total: usize = parts.iter().map(|p| p.workload.sends.len()).sum();

    let dynamodb_before = dynamodb_requests(&parts[0]).await;
    let mut fleet = Fleet::new();
    for (index, part) in parts.iter().enumerate() {
        let launch = Launch {
            bin_dir: bin_dir.clone(),
            platform: part.platform.name().as_str(),
            env: part.platform.stack().function_env_vars(),
        };
        for _ in 0..args.workers {
            fleet.add(index, Program::Worker, launch.clone(), &log_dir);
        }
        fleet.add(index, Program::Function, launch, &log_dir);
    }

    let parts = Arc::new(tokio::sync::Mutex::new(parts));
    let sent = Arc::new(AtomicUsize::new(0));
    let sending = tokio::spawn(send_everything(Arc::clone(&parts), Arc::clone(&sent)));
    let deadline = started + Duration::from_secs(args.timeout_seconds);
    let drained = chaos(
        &parts,
        &fleet,
        &mut rng,
        (&sent, total),
        args.kills,
        fault_count,
        deadline,
    )
    .await;
    sending
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("sending: {e}"))?;
    let mut parts = Arc::try_unwrap(parts)
        .map_err(|_| "the workload is still shared")?
        .into_inner();
    for part in &parts {
        part.platform.clear_faults();
    }
    // What ran out of retries on the way (transient, too many receives) goes back once.
    for part in &parts {
        redrive(&bin_dir, part.platform.as_ref(), &log_dir).await?;
    }
    let drained = drained && wait_drained(&parts, deadline).await;
    let slots = fleet.stop().await;
    let wall = started.elapsed();

    let secrets: Vec<String> = parts.iter().flat_map(|p| p.platform.secrets()).collect();
    let mut report = Report {
        seed,
        drained,
        wall_seconds: wall.as_secs_f64(),
        messages: total,
        unplanned_exits: slots
            .iter()
            .map(|s| s.crashes.load(Ordering::Relaxed))
            .sum(),
        dynamodb_requests: dynamodb_requests(&parts[0])
            .await
            .zip(dynamodb_before)
            .map(|(after, before)| after.saturating_sub(before)),
        ..Report::default()
    };
    for slot in &slots {
        scan_log(&slot.log, &secrets, &mut report);
    }
    for part in &mut parts {
        report.rows.push(row(part).await?);
    }
    std::fs::write(log_dir.join("report.txt"), report.render())
        .map_err(|e| format!("report: {e}"))?;
    Ok(report)
}

fn platforms(wanted: &[String]) -> Result<Vec<PlatformName>, String> {
    if wanted.is_empty() {
        return Ok(PlatformName::ALL.to_vec());
    }
    wanted
        .iter()
        .map(|name| {
            PlatformName::parse(name).ok_or_else(|| {
                format!(
                    "unknown platform {name:?} (platforms: {})",
                    PlatformName::NAMES.join(", ")
                )
            })
        })
        .collect()
}

/// The bad-input corpus's bodies that SQS carries whole: its characters, and small enough
/// to reach the dead-letter queue untruncated (the dead-letter check compares bodies).
fn bad_bodies() -> Vec<String> {
    orderstatus_tests::bad_input::bad_bodies()
        .into_iter()
        .map(|bad| bad.text)
        .filter(|body| sqs_takes(body) && body.len() < 200 * 1024)
        .collect()
}

/// How many messages a platform's queue may hold before more are sent: moto's SQS reads a
/// whole queue on every receive, so a backlog of thousands slows every consumer down.
const BACKLOG: usize = 150;

/// Sends every platform's bodies, the platforms side by side, 50 at a time each, keeping each
/// queue's backlog under [`BACKLOG`].
async fn send_everything(
    parts: Arc<tokio::sync::Mutex<Vec<Part>>>,
    sent: Arc<AtomicUsize>,
) -> Result<(), String> {
    let work: Vec<(usize, Vec<String>)> = {
        let parts = parts.lock().await;
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.workload.sends.iter().map(|s| s.body.clone()).collect()))
            .collect()
    };
    let mut cursor = vec![0; work.len()];
    loop {
        let mut sent_any = false;
        for (i, bodies) in &work {
            let from = cursor[*i];
            if from >= bodies.len() {
                continue;
            }
            let to = (from + 50).min(bodies.len());
            let parts = parts.lock().await;
            let stack = parts[*i].platform.stack();
            if stack.depth(&stack.queue_url).await > BACKLOG {
                continue;
            }
            queues::send_all(stack, &bodies[from..to]).await?;
            drop(parts);
            sent.fetch_add(to - from, Ordering::Relaxed);
            cursor[*i] = to;
            sent_any = true;
        }
        if cursor
            .iter()
            .zip(&work)
            .all(|(at, (_, bodies))| *at >= bodies.len())
        {
            return Ok(());
        }
        if !sent_any {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Messages still queued or in flight, over every platform.
async fn depth(parts: &[Part]) -> usize {
    let mut depth = 0;
    for part in parts {
        let stack = part.platform.stack();
        depth += stack.depth(&stack.queue_url).await;
    }
    depth
}

/// Kills and faults at random moments of the work (by progress, so each lands while there is
/// work), until the queues are drained; false if they were not by `deadline`.
async fn chaos(
    parts: &tokio::sync::Mutex<Vec<Part>>,
    fleet: &Fleet,
    rng: &mut StdRng,
    (sent, total): (&AtomicUsize, usize),
    kills: usize,
    faults: usize,
    deadline: Instant,
) -> bool {
    let mut moments = |count: usize| {
        let mut at: Vec<f64> = (0..count).map(|_| rng.random_range(0.02..0.9)).collect();
        at.sort_by(f64::total_cmp);
        at.reverse();
        at
    };
    let mut kill_at = moments(kills);
    let mut fault_at = moments(faults);
    let mut quiet = 0;
    let mut last_print = Instant::now();
    let mut low_water = total;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let parts_now = parts.lock().await;
        let waiting = depth(&parts_now).await;
        drop(parts_now);
        let unsent = total.saturating_sub(sent.load(Ordering::Relaxed));
        // Bodies not yet sent count as waiting: progress only grows as work is done.
        low_water = low_water.min(waiting + unsent);
        let progress = 1.0 - low_water as f64 / total.max(1) as f64;
        while kill_at.last().is_some_and(|&at| at <= progress) {
            kill_at.pop();
            let slot = &fleet.slots[rng.random_range(0..fleet.slots.len())];
            let mut parts_now = parts.lock().await;
            let part = &mut parts_now[slot.platform];
            let accepted = part.platform.accepted().len();
            part.kills.push(accepted);
            slot.kill();
            println!("soak: {:>3.0} % kill {}", progress * 100.0, slot.name);
        }
        while fault_at.last().is_some_and(|&at| at <= progress) {
            fault_at.pop();
            let mut parts_now = parts.lock().await;
            let which = rng.random_range(0..parts_now.len());
            let part = &mut parts_now[which];
            let offered = part.platform.faults();
            let fault: SoakFault = offered[rng.random_range(0..offered.len())];
            part.platform.inject(fault);
            part.faults += 1;
            println!(
                "soak: {:>3.0} % fault {} on {}",
                progress * 100.0,
                fault.name(),
                part.platform.name().as_str()
            );
        }
        if last_print.elapsed() > Duration::from_secs(10) {
            println!(
                "soak: {:>3.0} % done, {waiting} queued or in flight",
                progress * 100.0
            );
            last_print = Instant::now();
        }
        quiet = if waiting == 0 && unsent == 0 && kill_at.is_empty() {
            quiet + 1
        } else {
            0
        };
        if quiet >= 8 {
            return true;
        }
    }
    false
}

async fn wait_drained(parts: &[Part], deadline: Instant) -> bool {
    let mut quiet = 0;
    while Instant::now() < deadline {
        quiet = if depth(parts).await == 0 {
            quiet + 1
        } else {
            0
        };
        if quiet >= 8 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

/// `orderstatus dlq redrive --retryable`, as an operator would run it.
async fn redrive(
    bin_dir: &Path,
    platform: &dyn SoakPlatform,
    log_dir: &Path,
) -> Result<(), String> {
    let name = platform.name().as_str();
    let output = tokio::process::Command::new(bin_dir.join("orderstatus"))
        .args([
            "dlq",
            "redrive",
            "--platform",
            name,
            "--retryable",
            "--max",
            "100000",
        ])
        .envs(platform.stack().function_env_vars())
        .output()
        .await
        .map_err(|e| format!("orderstatus dlq redrive: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(log_dir.join(format!("{name}-redrive.log")), &text)
        .map_err(|e| format!("redrive log: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "orderstatus dlq redrive --platform {name} failed: {text}"
        ));
    }
    let moved = text.lines().last().unwrap_or_default();
    println!("soak: redrive {name}: {moved}");
    Ok(())
}

/// Lines that show a secret or a panic. The secret itself is never printed.
fn scan_log(path: &Path, secrets: &[String], report: &mut Report) {
    let Ok(text) = std::fs::read(path) else {
        return;
    };
    let text = String::from_utf8_lossy(&text);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    for (number, line) in text.lines().enumerate() {
        if secrets.iter().any(|s| line.contains(s.as_str())) {
            report
                .secrets_found
                .push(format!("{name}:{}: a secret value", number + 1));
        }
        if line.contains("panicked at") {
            report.panics.push(format!("{name}:{}: {line}", number + 1));
        }
    }
}

/// DynamoDB requests the serialised moto server counted, when it counts them.
async fn dynamodb_requests(part: &Part) -> Option<usize> {
    let url = format!(
        "{}/orderstatus/dynamodb-requests",
        part.platform.stack().endpoint
    );
    let body = reqwest::get(url).await.ok()?.text().await.ok()?;
    body.trim().parse().ok()
}

async fn row(part: &mut Part) -> Result<Row, String> {
    let accepted = part.platform.accepted();
    let expected: HashSet<&str> = part.workload.expected_dead_letters().into_iter().collect();
    let good: HashMap<&str, (usize, usize)> = part
        .workload
        .sends
        .iter()
        .filter(|s| !expected.contains(s.body.as_str()))
        .filter_map(|s| match s.kind {
            Kind::Event { life, event } | Kind::Redelivery { life, event } => {
                Some((s.body.as_str(), (life, event)))
            }
            Kind::Bad => None,
        })
        .collect();
    let letters = queues::dead_letters(part.platform.stack()).await?;
    let found: HashSet<&str> = letters.iter().map(|l| l.body.as_str()).collect();
    // A good event the platform itself refused (its state machine, say, not taking a status
    // whose older event is still on its way) is the platform's refusal, by its own rules.
    let refused_by_platform: HashSet<(usize, usize)> = letters
        .iter()
        .filter(|l| l.reason == "platform")
        .filter_map(|l| good.get(l.body.as_str()).copied())
        .collect();
    let findings = check(
        &part.workload.lives,
        &refused_by_platform,
        &accepted,
        &part.kills,
    );
    let mut letters_wrong = Vec::new();
    for letter in &letters {
        if letter.reason == "platform" && good.contains_key(letter.body.as_str()) {
            continue;
        }
        if good.contains_key(letter.body.as_str()) {
            letters_wrong.push(format!("good message ({}): {}", letter.reason, letter.body));
        } else if letter.reason.is_empty() {
            letters_wrong.push(format!("no reason: {}", letter.body));
        } else if !expected.contains(letter.body.as_str()) {
            letters_wrong.push(format!("never sent: {}", letter.body));
        }
    }
    let letters_missing = expected
        .iter()
        .filter(|body| !found.contains(*body))
        .map(|body| (*body).to_owned())
        .collect();
    let count = |f: fn(&Kind) -> bool| part.workload.count(f);
    Ok(Row {
        platform: part.platform.name().as_str(),
        orders: part.workload.lives.len(),
        events: count(|k| matches!(k, Kind::Event { .. })),
        redelivered: count(|k| matches!(k, Kind::Redelivery { .. })),
        bad: count(|k| matches!(k, Kind::Bad)),
        accepted: accepted.len(),
        requests: part.platform.requests(),
        findings,
        refused_by_platform: refused_by_platform.len(),
        letters_expected: expected.len(),
        letters_found: expected.iter().filter(|body| found.contains(*body)).count(),
        letters_missing,
        letters_wrong,
        faults: part.faults,
        kills: part.kills.len(),
    })
}
