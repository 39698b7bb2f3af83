//! The `orderstatus-sellercenter-status-details` Lambda function, behind a function URL:
//! answers Seller Center's `getStatusDetailOptionList` calls with each account's options.

use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use lambda_runtime::{LambdaEvent, service_fn};
use orderstatus::config::{SecretsEnv, env_seconds};
use orderstatus::telemetry::{LogFormat, init};
use orderstatus_sellercenter::status_details::{DEFAULT_WINDOW, StatusDetailsEndpoint};

// One thread: a Lambda function gets a share of one CPU (a fourteenth at 128 MB), where the
// multi-threaded scheduler's hand-offs between its workers cost CPU and memory (docs/cost.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init(LogFormat::Json);
    let lookup = |name: &str| std::env::var(name).ok();
    let secrets = SecretsEnv::from_lookup(lookup).map_err(|e| e.to_string())?;
    let window = env_seconds(lookup, "TIMESTAMP_WINDOW_SECONDS", DEFAULT_WINDOW.as_secs())
        .map_err(|e| e.to_string())?;
    let config = orderstatus::aws::load_sdk_config().await;
    let endpoint = StatusDetailsEndpoint::new(
        aws_sdk_secretsmanager::Client::new(&config),
        &secrets,
        window,
    );
    let endpoint = &endpoint;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<LambdaFunctionUrlRequest>| async move {
            // Boxed: the AWS SDK's nested futures are too deep to lay out inline.
            let response =
                Box::pin(endpoint.handle_function_url(&event.payload, chrono::Utc::now())).await;
            Ok::<_, lambda_runtime::Error>(response)
        },
    ))
    .await
}
