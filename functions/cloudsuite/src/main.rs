//! The `orderstatus-cloudsuite` Lambda function: SQS batches of canonical messages → CloudSuite's
//! REST API.

use orderstatus::runtime::{PLATFORM_TIMEOUT, serve};
use orderstatus::telemetry::{LogFormat, init};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init(LogFormat::Json);
    serve(|env| orderstatus_cloudsuite::platform(env.client_settings(PLATFORM_TIMEOUT))).await
}
