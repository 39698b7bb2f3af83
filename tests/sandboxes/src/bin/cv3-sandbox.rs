//! Runs the CV3 sandbox as a process, for the local demo.

use clap::Parser;
use orderstatus_sandboxes::cv3::{Cv3Credentials, Cv3Sandbox};
use orderstatus_sandboxes::harness::run_until_signalled;

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
    run_until_signalled("cv3-sandbox", Cv3Sandbox::start_on(credentials, args.port)).await
}
