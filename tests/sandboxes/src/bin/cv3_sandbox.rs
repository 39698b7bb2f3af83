//! Runs the CV3 sandbox as a process, for the local demo.

use std::io::Write as _;

use clap::Parser;
use orderstatus_sandboxes::cv3::{Cv3Credentials, Cv3Sandbox};
use tokio::signal::unix::{SignalKind, signal};

/// A CommerceV3 SOAP sandbox on 127.0.0.1, steered through /_sandbox/ endpoints.
#[derive(Parser)]
#[command(name = "cv3-sandbox")]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "CV3_SANDBOX_PORT", default_value_t = 0)]
    port: u16,
    #[arg(long, env = "CV3_SANDBOX_USER", default_value = "sandbox-user")]
    user: String,
    #[arg(long, env = "CV3_SANDBOX_PASS", default_value = "sandbox-pass")]
    pass: String,
    #[arg(
        long,
        env = "CV3_SANDBOX_SERVICE_ID",
        default_value = "sandbox-service"
    )]
    service_id: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let credentials = Cv3Credentials {
        user: args.user,
        pass: args.pass,
        service_id: args.service_id,
    };
    // Handlers go in before the announcement: a script that signals as soon as it reads the
    // line must get a clean exit, not the default action that kills the process.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let sandbox = Cv3Sandbox::start_on(credentials, args.port).await?;
    // Scripts read this line to learn the port, so it must reach them before we block.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "cv3-sandbox listening on {}", sandbox.base_url())?;
    stdout.flush()?;
    drop(stdout);

    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    sandbox.stop().await;
    Ok(())
}
