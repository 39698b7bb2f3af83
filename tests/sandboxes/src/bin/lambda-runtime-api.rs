//! Runs a function binary under the Runtime API stand-in and measures it the way the
//! performance budget is stated: cold start (spawn to first `/next`), each invocation, and
//! peak resident memory. Prints one JSON report to stdout.
//!
//! It also reads the function process's own counters around every invocation (Linux `/proc`):
//! its CPU time (utime + stime, in clock ticks, cumulative) and its resident and peak resident
//! memory, so that a benchmark can state the CPU a phase of invocations used, the function
//! process only (not this stand-in), by the difference of two readings.

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use clap::Parser;
use orderstatus_sandboxes::runtime_api::{Invocation, RuntimeApi};
use serde::Serialize;
use serde_json::Value;
use tokio::process::{Child, Command};

/// Runs a Lambda function binary locally and reports init time, invocation times and peak RSS.
#[derive(Parser)]
#[command(name = "lambda-runtime-api")]
struct Args {
    /// The function binary to run.
    #[arg(long)]
    exec: PathBuf,
    /// Extra environment for the function, as K=V; repeatable.
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env_pair)]
    env: Vec<(String, String)>,
    /// A JSON event file to invoke the function with; repeatable, invoked in order.
    #[arg(long = "event", value_name = "FILE")]
    events: Vec<PathBuf>,
    /// A file of JSON events, one a line, invoked in order after the --event files; for
    /// benchmarks that send hundreds of events to one process.
    #[arg(long = "events-from", value_name = "FILE")]
    events_from: Option<PathBuf>,
    /// An http://127.0.0.1:PORT/PATH URL read when the function is ready and after every
    /// invocation, its answer kept in the report (e.g. moto's request counters), so that a
    /// benchmark can tell the requests of each invocation apart.
    #[arg(long = "probe-url", value_name = "URL")]
    probe_url: Option<String>,
    /// Deadline given to init and to each invocation.
    #[arg(long, default_value_t = 300)]
    invoke_timeout_secs: u64,
}

#[derive(Serialize)]
struct Report {
    init_ms: f64,
    invocations: Vec<InvocationReport>,
    peak_rss_kb: u64,
    /// The function's counters when it was ready (first `/next`).
    ready: Counters,
    /// Clock ticks a second (the unit of `cpu_ticks`).
    clock_ticks_per_s: u64,
    /// The probe URL's answer when the function was ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    ready_probe: Option<Value>,
}

/// The function process's own counters at one moment (Linux `/proc`; zero elsewhere).
#[derive(Serialize, Default, Clone, Copy)]
struct Counters {
    /// utime + stime so far, in clock ticks (10 ms on most Linux systems).
    cpu_ticks: u64,
    /// Of which in the kernel (stime).
    system_ticks: u64,
    /// Resident set now (VmRSS) and its high-water mark so far (VmHWM), in kB.
    rss_kb: u64,
    hwm_kb: u64,
}

#[derive(Serialize)]
struct InvocationReport {
    event: String,
    ms: f64,
    ok: bool,
    response_bytes: usize,
    /// The function's counters when its response arrived.
    after: Counters,
    /// The probe URL's answer after the invocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    probe: Option<Value>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(report) => {
            println!(
                "{}",
                serde_json::to_string(&report).expect("a report serialises")
            );
            if report.invocations.iter().all(|invocation| invocation.ok) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("lambda-runtime-api: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<Report> {
    let api = RuntimeApi::start().await?;
    let timeout = Duration::from_secs(args.invoke_timeout_secs);

    let spawned = Instant::now();
    // The inherited environment is the base; the Lambda variables must win over it so the
    // function talks to this API, and explicit --env pairs win over both.
    let mut child = Command::new(&args.exec)
        .envs(api.lambda_env("bench"))
        .envs(args.env)
        .stdin(Stdio::null())
        // Our stdout carries only the report; the function's output goes to stderr.
        .stdout(std::io::stderr())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("spawning {}", args.exec.display()))?;
    let ready = unless_exited(&mut child, api.wait_ready(timeout)).await??;
    let init_ms = millis(ready - spawned);
    let pid = child.id().context("the function has already exited")?;
    let ready = counters(pid);
    let ready_probe = probe(args.probe_url.as_deref()).await?;

    let mut events: Vec<(String, Value)> = Vec::new();
    for path in &args.events {
        events.push((path.display().to_string(), read_event(path)?));
    }
    if let Some(path) = &args.events_from {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let event = serde_json::from_str(line)
                .with_context(|| format!("{} line {} is not JSON", path.display(), n + 1))?;
            events.push((format!("{}:{}", path.display(), n + 1), event));
        }
        drop(text);
    }

    let mut invocations = Vec::new();
    for (name, event) in events {
        let started = Instant::now();
        let outcome = unless_exited(&mut child, api.invoke(event, timeout)).await??;
        let ms = millis(started.elapsed());
        let (ok, body) = match outcome {
            Invocation::Response(body) => (true, body),
            Invocation::Error(body) => {
                eprintln!("lambda-runtime-api: {name} failed: {body}");
                (false, body)
            }
        };
        let after = counters(pid);
        invocations.push(InvocationReport {
            event: name,
            ms,
            ok,
            response_bytes: serde_json::to_vec(&body)?.len(),
            after,
            probe: probe(args.probe_url.as_deref()).await?,
        });
    }

    let peak_rss_kb = peak_rss_kb(&child)?;
    child.kill().await.context("stopping the function")?;
    api.stop().await;
    Ok(Report {
        init_ms,
        invocations,
        peak_rss_kb,
        ready,
        clock_ticks_per_s: clock_ticks_per_s(),
        ready_probe,
    })
}

/// GET `url` (plain HTTP on 127.0.0.1 only) and its body as JSON, or as a string when it is
/// not JSON.
async fn probe(url: Option<&str>) -> anyhow::Result<Option<Value>> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let Some(url) = url else {
        return Ok(None);
    };
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .with_context(|| format!("--probe-url {url}: only http://127.0.0.1:PORT/PATH"))?;
    let (port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let port: u16 = port.parse().context("--probe-url: port")?;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let request =
        format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .context("--probe-url: no answer within 30 s")??;
    let answer = String::from_utf8_lossy(&answer);
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok(Some(
        serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned())),
    ))
}

/// The process's CPU time and memory now, from `/proc/<pid>/stat` and `/proc/<pid>/status`.
fn counters(pid: u32) -> Counters {
    let (cpu_ticks, system_ticks) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The command name (field 2) may hold spaces: count fields after its ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            // fields[0] is field 3 (state), so utime (14) and stime (15) are [11] and [12].
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime, stime))
        })
        .unwrap_or((0, 0));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Counters {
        cpu_ticks,
        system_ticks,
        rss_kb: kb("VmRSS:"),
        hwm_kb: kb("VmHWM:"),
    }
}

/// `getconf CLK_TCK`: 100 on every Linux this runs on (USER_HZ is fixed for /proc).
fn clock_ticks_per_s() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100)
}

/// Awaits `work`, failing fast if the function exits: otherwise a crashed function would
/// only show up as a timeout minutes later.
async fn unless_exited<T>(child: &mut Child, work: impl Future<Output = T>) -> anyhow::Result<T> {
    tokio::select! {
        result = work => Ok(result),
        status = child.wait() => Err(anyhow!("the function exited early ({})", status?)),
    }
}

// Small local files: blocking reads are simpler than async ones and cost nothing measurable.
fn read_event(path: &Path) -> anyhow::Result<Value> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not JSON", path.display()))
}

/// The kernel's high-water mark of the process's resident set, in kB.
fn peak_rss_kb(child: &Child) -> anyhow::Result<u64> {
    let pid = child.id().context("the function has already exited")?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/<pid>/status")
}

fn parse_env_pair(pair: &str) -> Result<(String, String), String> {
    pair.split_once('=')
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("expected K=V, got {pair:?}"))
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
