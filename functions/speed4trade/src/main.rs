//! The `orderstatus-speed4trade` Lambda function: SQS batches of canonical messages → Speed4Trade.

use orderstatus::runtime::{PLATFORM_TIMEOUT, serve};
use orderstatus::telemetry::{LogFormat, init};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init(LogFormat::Json);
    serve(|env| orderstatus_speed4trade::platform(env.client_settings(PLATFORM_TIMEOUT))).await
}
