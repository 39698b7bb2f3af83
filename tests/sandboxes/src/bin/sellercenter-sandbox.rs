//! Runs the Seller Center OMS API sandbox as a process, for the local demo.

use clap::Parser;
use orderstatus_sandboxes::harness::run_until_signalled;
use orderstatus_sandboxes::sellercenter::{SellerCenterConfig, SellerCenterSandbox};

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
    run_until_signalled(
        "sellercenter-sandbox",
        SellerCenterSandbox::start_on(config, args.port),
    )
    .await
}
