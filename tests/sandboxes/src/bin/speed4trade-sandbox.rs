//! Runs the Speed4Trade sandbox as a process, for the local demo.

use clap::Parser;
use orderstatus_sandboxes::harness::run_until_signalled;
use orderstatus_sandboxes::speed4trade::{
    DEFAULT_SOAP_NAMESPACE, Speed4TradeConfig, Speed4TradeSandbox,
};

/// A Speed4Trade CONNECT SOAP sandbox on 127.0.0.1, steered through /_sandbox/ endpoints.
#[derive(Parser)]
#[command(name = "speed4trade-sandbox")]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "SPEED4TRADE_SANDBOX_PORT", default_value_t = 0)]
    port: u16,
    #[arg(
        long,
        env = "SPEED4TRADE_SANDBOX_USERNAME",
        default_value = "sandbox-user"
    )]
    username: String,
    #[arg(
        long,
        env = "SPEED4TRADE_SANDBOX_PASSWORD",
        default_value = "sandbox-pass"
    )]
    password: String,
    #[arg(long, env = "SPEED4TRADE_SANDBOX_NAMESPACE", default_value = DEFAULT_SOAP_NAMESPACE)]
    soap_namespace: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = Speed4TradeConfig {
        username: args.username,
        password: args.password,
        soap_namespace: args.soap_namespace,
    };
    run_until_signalled(
        "speed4trade-sandbox",
        Speed4TradeSandbox::start_on(config, args.port),
    )
    .await
}
