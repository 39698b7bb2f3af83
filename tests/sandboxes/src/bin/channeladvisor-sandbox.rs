//! Runs the ChannelAdvisor REST API sandbox as a process, for the local demo.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use orderstatus_sandboxes::channeladvisor::{
    ChannelAdvisorConfig, ChannelAdvisorSandbox, IN_FLIGHT_LIMIT, Order, PER_MINUTE_LIMIT,
};
use orderstatus_sandboxes::harness::run_until_signalled;

/// A ChannelAdvisor REST API sandbox (with its OAuth2 token endpoint and request limits) on
/// 127.0.0.1, steered through /_sandbox/ endpoints.
#[derive(Parser)]
#[command(name = "channeladvisor-sandbox")]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "CHANNELADVISOR_SANDBOX_PORT", default_value_t = 0)]
    port: u16,
    /// The developer application that may get tokens (the Basic user).
    #[arg(long, default_value = "sandbox-application")]
    application_id: String,
    /// The application's shared secret.
    #[arg(
        long,
        env = "CHANNELADVISOR_SANDBOX_SHARED_SECRET",
        default_value = "sandbox-shared-secret",
        hide = true,
        hide_env_values = true
    )]
    shared_secret: String,
    /// The refresh token the account granted the application.
    #[arg(
        long,
        env = "CHANNELADVISOR_SANDBOX_REFRESH_TOKEN",
        default_value = "sandbox-refresh-token",
        hide = true,
        hide_env_values = true
    )]
    refresh_token: String,
    /// How long an issued access token stays live, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_lifetime_secs: u64,
    /// A JSON array of orders to hold from the start (e.g. tests/fixtures/channeladvisor/orders.json).
    #[arg(long)]
    orders: Option<PathBuf>,
    /// API requests in flight at once beyond which the sandbox answers 429.
    #[arg(long, default_value_t = IN_FLIGHT_LIMIT)]
    in_flight_limit: usize,
    /// API requests in any 60 s beyond which the sandbox answers 429.
    #[arg(long, default_value_t = PER_MINUTE_LIMIT)]
    per_minute_limit: u32,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Read before starting, so an unreadable file stops the process before it binds a port.
    let orders = match &args.orders {
        Some(path) => read_orders(path)?,
        None => Vec::new(),
    };
    let config = ChannelAdvisorConfig {
        application_id: args.application_id,
        shared_secret: args.shared_secret,
        refresh_token: args.refresh_token,
        token_lifetime: Duration::from_secs(args.token_lifetime_secs),
        in_flight_limit: args.in_flight_limit,
        per_minute_limit: args.per_minute_limit,
        ..ChannelAdvisorConfig::default()
    };
    run_until_signalled("channeladvisor-sandbox", async {
        let sandbox = ChannelAdvisorSandbox::start_on(config, args.port).await?;
        // Before the announcement: a bad file ends the process without a port to use.
        sandbox.add_orders(orders).map_err(anyhow::Error::msg)?;
        Ok(sandbox)
    })
    .await
}

fn read_orders(path: &Path) -> anyhow::Result<Vec<Order>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("reading orders from {}", path.display()))
}
