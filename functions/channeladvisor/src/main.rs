//! The `orderstatus-channeladvisor` Lambda function: SQS batches of canonical messages → ChannelAdvisor's
//! REST API.

use orderstatus::runtime::{PLATFORM_TIMEOUT, serve};
use orderstatus::telemetry::{LogFormat, init};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init(LogFormat::Json);
    serve(|env| orderstatus_channeladvisor::platform(env.client_settings(PLATFORM_TIMEOUT))).await
}
