//! Runs a function binary under the Runtime API stand-in and measures it the way the
//! performance budget is stated: cold start (spawn to first `/next`), each invocation, and
//! peak resident memory. Prints one JSON report to stdout.

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
    /// Deadline given to init and to each invocation.
    #[arg(long, default_value_t = 300)]
    invoke_timeout_secs: u64,
}

#[derive(Serialize)]
struct Report {
    init_ms: f64,
    invocations: Vec<InvocationReport>,
    peak_rss_kb: u64,
}

#[derive(Serialize)]
struct InvocationReport {
    event: String,
    ms: f64,
    ok: bool,
    response_bytes: usize,
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

    let mut invocations = Vec::new();
    for path in &args.events {
        let event = read_event(path)?;
        let started = Instant::now();
        let outcome = unless_exited(&mut child, api.invoke(event, timeout)).await??;
        let ms = millis(started.elapsed());
        let (ok, body) = match outcome {
            Invocation::Response(body) => (true, body),
            Invocation::Error(body) => {
                eprintln!("lambda-runtime-api: {} failed: {body}", path.display());
                (false, body)
            }
        };
        invocations.push(InvocationReport {
            event: path.display().to_string(),
            ms,
            ok,
            response_bytes: serde_json::to_vec(&body)?.len(),
        });
    }

    let peak_rss_kb = peak_rss_kb(&child)?;
    child.kill().await.context("stopping the function")?;
    api.stop().await;
    Ok(Report {
        init_ms,
        invocations,
        peak_rss_kb,
    })
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
