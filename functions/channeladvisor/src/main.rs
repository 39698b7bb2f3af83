//! The `orderstatus-channeladvisor` Lambda function: SQS batches of canonical messages → ChannelAdvisor's
//! REST API.

use orderstatus::runtime::{PLATFORM_TIMEOUT, serve};
use orderstatus::telemetry::{LogFormat, init};

// One thread: a Lambda function gets a share of one CPU (a fourteenth at 128 MB), where the
// multi-threaded scheduler's hand-offs between its workers cost CPU and memory (docs/cost.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init(LogFormat::Json);
    serve(|env| orderstatus_channeladvisor::platform(env.client_settings(PLATFORM_TIMEOUT))).await
}
