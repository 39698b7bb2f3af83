//! The soak's processes: per platform, local workers (`orderstatus worker`) and the compiled
//! function binary under a Runtime API stand-in, fed by scheduled `drain` invocations. Each
//! runs in a slot that restarts it at once when the soak kills it (SIGKILL) and stops it for
//! good at the end. Every process writes its output to its own file, kept for the checks.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use orderstatus_sandboxes::runtime_api::{Invocation, RuntimeApi};
use serde_json::json;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// What a slot runs.
#[derive(Debug, Clone)]
pub enum Program {
    /// `orderstatus worker --platform <platform>`, polling on.
    Worker,
    /// `orderstatus-<platform>` under the Runtime API, invoked with `{"action":"drain"}`.
    Function,
}

/// One process of the soak, restarted when killed.
pub struct Slot {
    pub name: String,
    pub platform: usize,
    pub log: PathBuf,
    kill: mpsc::UnboundedSender<()>,
    /// Exits nobody asked for (a crash) and drains the function failed: each is reported,
    /// and a process that exited is restarted.
    pub crashes: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Slot {
    /// SIGKILLs the slot's process; the slot starts a new one at once.
    pub fn kill(&self) {
        let _ = self.kill.send(());
    }
}

/// Everything a slot needs to start its process.
#[derive(Debug, Clone)]
pub struct Launch {
    pub bin_dir: PathBuf,
    pub platform: &'static str,
    pub env: Vec<(String, String)>,
}

/// All slots, stopped together.
pub struct Fleet {
    pub slots: Vec<Slot>,
    stop: watch::Sender<bool>,
}

impl Fleet {
    pub fn new() -> Self {
        Self {
            slots: Vec::new(),
            stop: watch::channel(false).0,
        }
    }

    pub fn add(&mut self, platform: usize, program: Program, launch: Launch, log_dir: &Path) {
        let name = match program {
            Program::Worker => format!(
                "{}-worker-{}",
                launch.platform,
                self.slots
                    .iter()
                    .filter(|s| s.platform == platform && s.name.contains("-worker-"))
                    .count()
                    + 1
            ),
            Program::Function => format!("{}-function", launch.platform),
        };
        let log = log_dir.join(format!("{name}.log"));
        let (kill, kills) = mpsc::unbounded_channel();
        let crashes = Arc::new(AtomicUsize::new(0));
        let stop = self.stop.subscribe();
        let task = match program {
            Program::Worker => tokio::spawn(run_worker(
                launch,
                log.clone(),
                kills,
                stop,
                Arc::clone(&crashes),
            )),
            Program::Function => tokio::spawn(run_function(
                launch,
                log.clone(),
                kills,
                stop,
                Arc::clone(&crashes),
            )),
        };
        self.slots.push(Slot {
            name,
            platform,
            log,
            kill,
            crashes,
            task,
        });
    }

    /// Kills every process for good and waits for the slots to end.
    pub async fn stop(self) -> Vec<Slot> {
        let _ = self.stop.send(true);
        let mut slots = Vec::new();
        for mut slot in self.slots {
            let _ = (&mut slot.task).await;
            slots.push(slot);
        }
        slots
    }
}

impl Default for Fleet {
    fn default() -> Self {
        Self::new()
    }
}

fn log_file(path: &Path) -> File {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn spawn(program: &Path, args: &[&str], env: &[(String, String)], log: &Path) -> Child {
    let out = log_file(log);
    let err = out.try_clone().expect("log file handle");
    let mut command = Command::new(program);
    // SAFETY: prctl is async-signal-safe; the closure runs in the child before exec and
    // touches nothing else. The child dies with the soak even if the soak is killed.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    command
        .args(args)
        .envs(env.iter().cloned())
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", program.display()))
}

/// Why a slot's wait ended.
enum Woken {
    Exited,
    Killed,
    Stopped,
}

async fn wait(
    child: &mut Child,
    kills: &mut mpsc::UnboundedReceiver<()>,
    stop: &mut watch::Receiver<bool>,
) -> Woken {
    tokio::select! {
        _ = child.wait() => Woken::Exited,
        _ = kills.recv() => Woken::Killed,
        _ = stop.wait_for(|stop| *stop) => Woken::Stopped,
    }
}

async fn end(child: &mut Child) {
    let _ = child.start_kill();
    let _ = child.wait().await;
}

async fn run_worker(
    launch: Launch,
    log: PathBuf,
    mut kills: mpsc::UnboundedReceiver<()>,
    mut stop: watch::Receiver<bool>,
    crashes: Arc<AtomicUsize>,
) {
    let program = launch.bin_dir.join("orderstatus");
    let args = [
        "worker",
        "--platform",
        launch.platform,
        "--wait-seconds",
        "1",
    ];
    loop {
        let mut child = spawn(&program, &args, &launch.env, &log);
        match wait(&mut child, &mut kills, &mut stop).await {
            Woken::Exited => {
                crashes.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Woken::Killed => end(&mut child).await,
            Woken::Stopped => return end(&mut child).await,
        }
    }
}

/// How long a drain may run before the stand-in gives up on it (Lambda's own limit).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(900);

async fn run_function(
    launch: Launch,
    log: PathBuf,
    mut kills: mpsc::UnboundedReceiver<()>,
    mut stop: watch::Receiver<bool>,
    crashes: Arc<AtomicUsize>,
) {
    let binary = format!("orderstatus-{}", launch.platform);
    let program = launch.bin_dir.join(&binary);
    loop {
        let api = RuntimeApi::start().await.expect("runtime api");
        let mut env = launch.env.clone();
        env.extend(api.lambda_env(&binary));
        let mut child = spawn(&program, &[], &env, &log);
        let woken = tokio::select! {
            woken = wait(&mut child, &mut kills, &mut stop) => woken,
            woken = invoke_drains(&api, &crashes) => woken,
        };
        end(&mut child).await;
        api.stop().await;
        match woken {
            Woken::Exited => {
                crashes.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Woken::Killed => {}
            Woken::Stopped => return,
        }
    }
}

/// Scheduled `drain` invocations one after another, as a frequent schedule would make them.
/// An invocation the function answers with an error counts as unplanned; one it never
/// answers ends the process (restarted like a crash).
async fn invoke_drains(api: &RuntimeApi, unplanned: &AtomicUsize) -> Woken {
    if api.wait_ready(Duration::from_secs(60)).await.is_err() {
        return Woken::Exited;
    }
    loop {
        let drain = json!({"action": "drain", "max_messages": 200});
        match api.invoke(drain, DRAIN_TIMEOUT).await {
            Ok(Invocation::Response(_)) => {}
            Ok(Invocation::Error(_)) => {
                unplanned.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => return Woken::Exited,
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
