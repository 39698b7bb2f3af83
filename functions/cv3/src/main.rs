//! The `orderstatus-cv3` Lambda function: SQS batches of canonical messages → CV3.

use orderstatus::runtime::{PLATFORM_TIMEOUT, serve};
use orderstatus::telemetry::{LogFormat, init};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init(LogFormat::Json);
    serve(|env| orderstatus_cv3::platform(env.client_settings(PLATFORM_TIMEOUT))).await
}
