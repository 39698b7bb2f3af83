//! Lambda entry: build everything once per container, then serve invocations.
//!
//! A function's `main` is three lines: set up logging, build its platform client, and call
//! [`serve`]. Start-up makes no network call: the SDK fetches credentials and the account
//! secrets on first use, and the queue's visibility timeout is checked against the lease on
//! the first batch.

use std::time::Duration;

use lambda_runtime::{LambdaEvent, service_fn};
use tracing::Instrument;

use crate::batch::{BatchHandler, DeadLetterQueue, HandlerParts};
use crate::config::{AccountStore, BatchLimits, ConfigError, FunctionEnv};
use crate::ledger::{Ledger, now_ms};
use crate::metrics::InvocationIds;
use crate::platform::Platform;
use crate::scheduled::{Invocation, InvocationResponse, ScheduledWork};
use crate::sqs::{SourceQueue, queue_fitting_lease};
use crate::telemetry;

/// The AWS clients a handler uses, built from one SDK configuration.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl AwsClients {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
        }
    }
}

/// Builds a platform's handler from the environment and the clients.
pub fn build_handler<P: Platform>(
    platform: P,
    env: &FunctionEnv,
    clients: &AwsClients,
) -> BatchHandler<P> {
    let limits = BatchLimits::of::<P>();
    let parts = HandlerParts {
        accounts: AccountStore::new(
            clients.secrets.clone(),
            P::NAME,
            &env.secrets,
            limits,
            crate::platform::check_account::<P>,
        ),
        ledger: Ledger::new(clients.dynamodb.clone(), &env.ledger_table, env.retention),
        dead_letters: DeadLetterQueue::new(
            clients.sqs.clone(),
            &env.dead_letter_queue_url,
            P::NAME.as_str(),
        ),
        lease: env.lease,
        source_queue: env
            .queue_url
            .as_ref()
            .map(|url| SourceQueue::new(clients.sqs.clone(), url)),
    };
    BatchHandler::new(platform, parts)
}

/// The parts of scheduled work (drain, redrive, sweep) from the environment and the clients.
pub fn build_scheduled_work(env: &FunctionEnv, clients: &AwsClients) -> ScheduledWork {
    ScheduledWork {
        sqs: clients.sqs.clone(),
        ledger: Ledger::new(clients.dynamodb.clone(), &env.ledger_table, env.retention),
        queue_url: env.queue_url.clone(),
        dead_letter_queue_url: env.dead_letter_queue_url.clone(),
    }
}

/// Handles one invocation: an SQS batch, or a scheduled action.
pub async fn invoke<P: Platform>(
    handler: &BatchHandler<P>,
    scheduled: &ScheduledWork,
    invocation: &Invocation,
    deadline_ms: Option<i64>,
) -> Result<InvocationResponse, lambda_runtime::Error> {
    match invocation {
        Invocation::Sqs(event) => {
            // Boxed: the handler's future is large, see `BatchHandler::handle`.
            let report = Box::pin(handler.handle(event, deadline_ms)).await;
            Ok(InvocationResponse::Sqs(report.response))
        }
        Invocation::Scheduled(input) => {
            let summary = Box::pin(scheduled.run(handler, input, deadline_ms)).await?;
            tracing::info!(summary = %serde_json::to_string(&summary).unwrap_or_default(), "scheduled work done");
            Ok(InvocationResponse::Scheduled(summary))
        }
    }
}

/// Makes every allocation over 128 KiB a mapping of its own, given back to the kernel when
/// freed. glibc otherwise raises its mmap threshold to the size of the largest block freed so
/// far (up to 32 MiB), so after a first large batch the next event's buffer (megabytes) is
/// carved from the heap beside what that batch left, and the function's peak memory grows by
/// it: CV3, a 10,000-record event then its redelivery, 47.2 MB without, 41.7 MB with
/// (docs/cost.md). Costs a `mmap`/`munmap` per such block: a few per large invocation.
fn keep_large_allocations_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's parameters (it takes the allocator's lock);
    // called once, at the function's start. Setting the mmap threshold turns glibc's dynamic
    // adjustment off; the trim threshold is set with it, at its default, for the same reason.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
    }
}

/// Per-attempt timeout of platform HTTP requests inside Lambda.
pub const PLATFORM_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs the Lambda runtime loop with a handler built by `make_platform`.
pub async fn serve<P: Platform>(
    make_platform: impl FnOnce(&FunctionEnv) -> Result<P, String>,
) -> Result<(), lambda_runtime::Error> {
    keep_large_allocations_mapped();
    let env = FunctionEnv::from_env().map_err(|e: ConfigError| e.to_string())?;
    let platform = make_platform(&env)?;
    let config = crate::aws::load_sdk_config().await;
    let clients = AwsClients::new(&config);
    // Every batch, from SQS or from a scheduled drain, writes its metrics lines.
    let handler = build_handler(platform, &env, &clients).writing_metrics();
    let scheduled = build_scheduled_work(&env, &clients);
    let lease_check = LeaseCheck::new(&env, &clients);
    let (handler, scheduled, lease_check) = (&handler, &scheduled, &lease_check);
    let cold = std::sync::atomic::AtomicBool::new(true);
    let cold = &cold;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Invocation>| async move {
            let deadline_ms = i64::try_from(event.context.deadline).ok();
            let ids = InvocationIds {
                function_request_id: event.context.request_id.clone(),
                xray_trace_id: event.context.xray_trace_id.clone(),
            };
            // Every log line of the invocation carries these, under the names Powertools'
            // loggers use, so the queries people already have keep working.
            let span = tracing::info_span!(
                telemetry::INVOCATION_SPAN,
                function_request_id = %event.context.request_id,
                xray_trace_id = event.context.xray_trace_id.as_deref(),
                cold_start = cold.swap(false, std::sync::atomic::Ordering::Relaxed),
            );
            let invocation = async {
                if let Invocation::Sqs(_) = &event.payload {
                    // Boxed, like the handler: the SDK's futures nest deep enough to strain
                    // the compiler's layout recursion in every function binary.
                    Box::pin(lease_check.ensure(handler, deadline_ms)).await?;
                }
                invoke(handler, scheduled, &event.payload, deadline_ms).await
            }
            .instrument(span);
            ids.scope(invocation).await
        },
    ))
    .await
}

/// The function's refusal to run with a lease longer than its queue's visibility timeout
/// ([`queue_fitting_lease`]). Checked on the first SQS batch rather than at start-up, which makes
/// no network call; a pass is remembered for the container, a refusal is checked again on the
/// next batch (the operator may have fixed the queue meanwhile).
struct LeaseCheck {
    sqs: aws_sdk_sqs::Client,
    queue_url: Option<String>,
    passed: tokio::sync::OnceCell<()>,
}

impl LeaseCheck {
    fn new(env: &FunctionEnv, clients: &AwsClients) -> Self {
        Self {
            sqs: clients.sqs.clone(),
            queue_url: env.queue_url.clone(),
            passed: tokio::sync::OnceCell::new(),
        }
    }

    async fn ensure<P: Platform>(
        &self,
        handler: &BatchHandler<P>,
        deadline_ms: Option<i64>,
    ) -> Result<(), lambda_runtime::Error> {
        let Some(queue_url) = &self.queue_url else {
            return Ok(());
        };
        self.passed
            .get_or_try_init(|| async {
                let lease = handler.lease_for(now_ms(), deadline_ms);
                queue_fitting_lease(&self.sqs, queue_url, lease)
                    .await
                    .map(drop)
                    .inspect_err(|error| {
                        tracing::error!(%error, "refusing to take leases the queue cannot honour");
                    })
            })
            .await
            .map(|_| ())
            .map_err(lambda_runtime::Error::from)
    }
}
