//! Runs the Seller Center OMS API sandbox as a process, for the local demo.

use std::io::Write as _;

use clap::Parser;
use orderstatus_sandboxes::sellercenter::{SellerCenterConfig, SellerCenterSandbox};
use tokio::signal::unix::{SignalKind, signal};

/// A Seller Center OMS API sandbox on 127.0.0.1, steered through /_sandbox/ endpoints.
#[derive(Parser)]
#[command(name = "sellercenter-sandbox")]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "SELLERCENTER_SANDBOX_PORT", default_value_t = 0)]
    port: u16,
    /// The key calls must be signed with.
    #[arg(
        long,
        env = "SELLERCENTER_SANDBOX_API_KEY",
        default_value = "sandbox-api-key",
        hide_env_values = true
    )]
    api_key: String,
    /// The ServiceName calls must carry.
    #[arg(long, env = "SELLERCENTER_SANDBOX_SERVICE_NAME", default_value = "OMS")]
    service_name: String,
    /// Most items one call may carry.
    #[arg(long, default_value_t = 4000)]
    max_items_per_call: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = SellerCenterConfig {
        service_name: args.service_name,
        api_key: args.api_key,
        max_items_per_call: args.max_items_per_call,
        ..SellerCenterConfig::default()
    };
    // Handlers go in before the announcement: a script that signals as soon as it reads the
    // line must get a clean exit, not the default action that kills the process.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let sandbox = SellerCenterSandbox::start_on(config, args.port).await?;
    // Scripts read this line to learn the port, so it must reach them before we block.
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "sellercenter-sandbox listening on {}",
        sandbox.base_url()
    )?;
    stdout.flush()?;
    drop(stdout);

    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    sandbox.stop().await;
    Ok(())
}
