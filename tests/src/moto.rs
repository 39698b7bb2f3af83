//! Finds or starts moto server.
//!
//! `scripts/test` starts one moto for the whole run and exports its URL as
//! `ORDERSTATUS_TEST_MOTO`. Run alone (`cargo test`), a test binary starts its own moto from
//! the project's `.venv` on a free port, from a thread that lives as long as the test process,
//! and the server is told to die with it.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static ENDPOINT: OnceLock<Result<String, String>> = OnceLock::new();

/// The moto endpoint URL, starting moto on first use if the test script did not.
pub fn endpoint() -> String {
    ENDPOINT
        .get_or_init(|| match std::env::var("ORDERSTATUS_TEST_MOTO") {
            Ok(url) if !url.is_empty() => Ok(url),
            _ => start_own(),
        })
        .clone()
        .unwrap_or_else(|e| panic!("moto server: {e}"))
}

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn start_own() -> Result<String, String> {
    let python = repository_root().join(".venv/bin/python");
    let script = repository_root().join("scripts/moto_server.py");
    if !python.exists() {
        return Err(format!(
            "{} is missing: run scripts/test (or scripts/dev up) once to create the virtual environment",
            python.display()
        ));
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut command = Command::new(python);
        command
            .arg(script)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe; it only asks the kernel to end moto when the
        // thread that started it (this one, alive until the process exits) is gone.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = command.spawn();
        let _ = sender.send(child.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        if let Ok(mut child) = child {
            let _ = child.wait();
        }
    });
    receiver.recv().map_err(|e| e.to_string())??;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(format!("http://127.0.0.1:{port}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("moto did not answer on port {port} within 30 s"))
}

/// Calls a moto service the tests have no SDK crate for (CloudWatch, EventBridge Scheduler) in
/// its JSON protocol. Moto checks no signature; the `Authorization` header only tells it which
/// service a request is for (`signing_name`: `monitoring`, `scheduler`). Panics unless the
/// answer is a success.
pub async fn call_json(
    signing_name: &str,
    method: reqwest::Method,
    path: &str,
    target: Option<&str>,
    body: &serde_json::Value,
) -> serde_json::Value {
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{signing_name}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let content_type = if target.is_some() {
        "application/x-amz-json-1.0"
    } else {
        "application/json"
    };
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", endpoint()))
        .header("authorization", authorization)
        .header("content-type", content_type)
        .body(body.to_string());
    if let Some(target) = target {
        request = request.header("x-amz-target", target);
    }
    let response = request.send().await.expect("call moto");
    let status = response.status();
    let text = response.text().await.expect("moto's answer");
    assert!(status.is_success(), "moto answered {status}: {text}");
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}
