//! Runs the CloudSuite REST API sandbox as a process, for the local demo.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use orderstatus_sandboxes::cloudsuite::{CloudSuiteConfig, CloudSuiteSandbox, Order};
use orderstatus_sandboxes::harness::run_until_signalled;

/// A CloudSuite REST API sandbox (with its OAuth2 token endpoint) on 127.0.0.1, steered
/// through /_sandbox/ endpoints.
#[derive(Parser)]
#[command(name = "cloudsuite-sandbox")]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "CLOUDSUITE_SANDBOX_PORT", default_value_t = 0)]
    port: u16,
    /// The OAuth2 client that may get tokens.
    #[arg(long, default_value = "sandbox-client")]
    client_id: String,
    /// The client's secret.
    #[arg(
        long,
        env = "CLOUDSUITE_SANDBOX_CLIENT_SECRET",
        default_value = "sandbox-client-secret",
        hide_env_values = true
    )]
    client_secret: String,
    /// How long an issued token stays live, in seconds.
    #[arg(long, default_value_t = 300)]
    token_lifetime_secs: u64,
    /// A JSON array of orders to hold from the start (e.g. tests/fixtures/cloudsuite/orders.json).
    #[arg(long)]
    orders: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Read before starting, so a bad file stops the process before it announces a port.
    let orders = match &args.orders {
        Some(path) => read_orders(path)?,
        None => Vec::new(),
    };
    let config = CloudSuiteConfig {
        client_id: args.client_id,
        client_secret: args.client_secret,
        token_lifetime: Duration::from_secs(args.token_lifetime_secs),
        ..CloudSuiteConfig::default()
    };
    run_until_signalled("cloudsuite-sandbox", async {
        let sandbox = CloudSuiteSandbox::start_on(config, args.port).await?;
        for order in orders {
            sandbox.add_order(order);
        }
        Ok(sandbox)
    })
    .await
}

fn read_orders(path: &PathBuf) -> anyhow::Result<Vec<Order>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let orders: Vec<Order> = serde_json::from_str(&text)
        .with_context(|| format!("reading orders from {}", path.display()))?;
    for order in &orders {
        order.check().map_err(anyhow::Error::msg)?;
    }
    Ok(orders)
}
