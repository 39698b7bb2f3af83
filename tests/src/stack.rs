//! Per-test AWS resources in moto: a ledger table, a queue with its dead-letter queue, and an
//! account secret, all with unique names so that tests run in parallel without meeting.

use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_sqs::config::Credentials;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use orderstatus::aws::RequestCounter;
use orderstatus::batch::{ATTR_ERROR, ATTR_OUTCOME, ATTR_REASON, ATTR_SOURCE_MESSAGE_ID};
use orderstatus::config::{FunctionEnv, SecretsEnv};
use orderstatus::platform::Platform;
use orderstatus::runtime::{AwsClients, build_handler};
use orderstatus::worker::{WorkerOptions, WorkerSummary};

/// A dead letter as an operator reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetterView {
    pub outcome: String,
    pub reason: String,
    pub error: String,
    /// The SQS message id of the message the letter stands for.
    pub source_message_id: String,
    pub body: String,
}

impl DeadLetterView {
    fn of(m: &aws_sdk_sqs::types::Message) -> DeadLetterView {
        let attribute = |name: &str| {
            m.message_attributes()
                .and_then(|a| a.get(name))
                .and_then(|v| v.string_value())
                .unwrap_or_default()
                .to_owned()
        };
        DeadLetterView {
            outcome: attribute(ATTR_OUTCOME),
            reason: attribute(ATTR_REASON),
            error: attribute(ATTR_ERROR),
            source_message_id: attribute(ATTR_SOURCE_MESSAGE_ID),
            body: m.body().unwrap_or_default().to_owned(),
        }
    }
}

/// AWS clients against moto, with DynamoDB requests counted.
pub struct TestStack {
    pub endpoint: String,
    pub config: SdkConfig,
    pub clients: AwsClients,
    pub dynamodb_requests: RequestCounter,
    pub table: String,
    pub queue_url: String,
    pub dead_letter_queue_url: String,
    pub secrets_prefix: String,
    /// The ledger lease the functions get: 60 s, or the queue's visibility timeout if that is
    /// shorter (the worker refuses a lease the queue cannot honour).
    pub lease: Duration,
}

/// The SDK configuration tests use: moto's endpoint, a fixed region, dummy credentials.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "orderstatus-tests",
        ))
        .load()
        .await
}

impl TestStack {
    /// Creates fresh resources. `visibility` is the queue's visibility timeout, which is how
    /// long a failed message waits before SQS hands it out again.
    pub async fn new(visibility: Duration) -> TestStack {
        let endpoint = crate::moto::endpoint();
        let config = sdk_config(&endpoint).await;
        let dynamodb_requests = RequestCounter::default();
        let dynamodb = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&config)
                .interceptor(dynamodb_requests.clone())
                .build(),
        );
        let clients = AwsClients {
            dynamodb,
            sqs: aws_sdk_sqs::Client::new(&config),
            secrets: aws_sdk_secretsmanager::Client::new(&config),
        };
        let id = uuid::Uuid::new_v4().simple().to_string();
        let id = &id[..12];
        let table = format!("ledger-{id}");
        create_table(&clients.dynamodb, &table).await;
        let dead_letter_queue_url =
            create_queue(&clients.sqs, &format!("dlq-{id}"), None, visibility).await;
        let dlq_arn = queue_arn(&clients.sqs, &dead_letter_queue_url).await;
        let queue_url = create_queue(
            &clients.sqs,
            &format!("queue-{id}"),
            Some(&dlq_arn),
            visibility,
        )
        .await;
        dynamodb_requests.reset();
        TestStack {
            endpoint,
            config,
            clients,
            dynamodb_requests,
            table,
            queue_url,
            dead_letter_queue_url,
            secrets_prefix: format!("test-{id}/"),
            lease: visibility.min(Duration::from_secs(60)),
        }
    }

    /// The environment a function would read.
    pub fn function_env(&self) -> FunctionEnv {
        FunctionEnv {
            ledger_table: self.table.clone(),
            queue_url: Some(self.queue_url.clone()),
            dead_letter_queue_url: self.dead_letter_queue_url.clone(),
            secrets: SecretsEnv {
                prefix: self.secrets_prefix.clone(),
                allow_insecure_http: true,
            },
            lease: self.lease,
            retention: Duration::from_secs(30 * 24 * 3600),
            copies: 1,
        }
    }

    /// The same environment as variables, for a function binary.
    pub fn function_env_vars(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL".into(), self.endpoint.clone()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), "test".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
            ("LEDGER_TABLE".into(), self.table.clone()),
            ("QUEUE_URL".into(), self.queue_url.clone()),
            (
                "DEAD_LETTER_QUEUE_URL".into(),
                self.dead_letter_queue_url.clone(),
            ),
            ("SECRETS_PREFIX".into(), self.secrets_prefix.clone()),
            ("ALLOW_INSECURE_HTTP".into(), "true".into()),
            ("LEASE_SECONDS".into(), self.lease.as_secs().to_string()),
        ]
    }

    /// Creates (or replaces) the secret of `platform/account`.
    pub async fn put_secret(&self, platform: &str, account: &str, value: &serde_json::Value) {
        let name = format!("{}{platform}/{account}", self.secrets_prefix);
        let created = self
            .clients
            .secrets
            .create_secret()
            .name(&name)
            .secret_string(value.to_string())
            .send()
            .await;
        if created.is_err() {
            self.clients
                .secrets
                .put_secret_value()
                .secret_id(&name)
                .secret_string(value.to_string())
                .send()
                .await
                .expect("put secret value");
        }
    }

    /// Sends each body to the queue; returns the SQS message ids in order.
    pub async fn send(&self, bodies: &[String]) -> Vec<String> {
        let mut ids = Vec::new();
        for body in bodies {
            let output = self
                .clients
                .sqs
                .send_message()
                .queue_url(&self.queue_url)
                .message_body(body)
                .send()
                .await
                .expect("send message");
            ids.push(output.message_id().unwrap_or_default().to_owned());
        }
        ids
    }

    /// Receives up to `max` visible messages with all attributes.
    pub async fn receive(&self, queue_url: &str, max: i32) -> Vec<aws_sdk_sqs::types::Message> {
        self.clients
            .sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(max.min(10))
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default()
    }

    /// Every message on the dead-letter queue (read without deleting, bounded).
    pub async fn dead_letters(&self) -> Vec<aws_sdk_sqs::types::Message> {
        let mut all = Vec::new();
        for _ in 0..20 {
            let output = self
                .clients
                .sqs
                .receive_message()
                .queue_url(&self.dead_letter_queue_url)
                .max_number_of_messages(10)
                .visibility_timeout(30)
                .message_attribute_names("All")
                .send()
                .await
                .expect("receive dead letters");
            let got = output.messages.unwrap_or_default();
            if got.is_empty() {
                break;
            }
            all.extend(got);
        }
        all
    }

    /// Visible plus in-flight messages on a queue.
    pub async fn depth(&self, queue_url: &str) -> usize {
        let output = self
            .clients
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes");
        let attributes = output.attributes().cloned().unwrap_or_default();
        [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .filter_map(|name| attributes.get(name)?.parse::<usize>().ok())
        .sum()
    }

    /// Ledger writes (`UpdateItem` requests) since the counter was last reset.
    pub fn ledger_writes(&self) -> usize {
        self.dynamodb_requests
            .snapshot()
            .get("UpdateItem")
            .copied()
            .unwrap_or(0)
    }

    /// How many items the ledger table holds (a consistent count, all pages).
    pub async fn ledger_count(&self) -> usize {
        let mut count = 0;
        let mut start = None;
        loop {
            let output = self
                .clients
                .dynamodb
                .scan()
                .table_name(&self.table)
                .select(aws_sdk_dynamodb::types::Select::Count)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan ledger");
            count += output.count() as usize;
            match output.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return count,
            }
        }
    }

    /// Runs the local worker with `platform` over the queue until it is empty, in batches of
    /// up to 10 messages (Lambda's default), at most `max_batches` of them.
    pub async fn work<P: Platform>(&self, platform: P, max_batches: usize) -> WorkerSummary {
        self.try_work(platform, &self.function_env(), max_batches)
            .await
            .expect("worker run")
    }

    /// [`work`](Self::work) with a function environment of the test's own; the worker's
    /// refusal to start, if it refuses.
    pub async fn try_work<P: Platform>(
        &self,
        platform: P,
        env: &FunctionEnv,
        max_batches: usize,
    ) -> Result<WorkerSummary, String> {
        let handler = build_handler(platform, env, &self.clients);
        let options = WorkerOptions {
            queue_url: self.queue_url.clone(),
            batch_size: 10,
            wait: Duration::from_secs(1),
            until_empty: true,
            max_batches: Some(max_batches),
        };
        Box::pin(orderstatus::worker::run(
            &handler,
            &self.clients.sqs,
            &options,
            std::future::pending(),
        ))
        .await
    }

    /// Every dead letter's `orderstatus.*` attributes (without the prefix) and body.
    pub async fn dead_letter_attributes(&self) -> Vec<DeadLetterView> {
        self.dead_letters()
            .await
            .iter()
            .map(DeadLetterView::of)
            .collect()
    }

    /// Every dead letter, as [`dead_letter_attributes`](Self::dead_letter_attributes) shows
    /// it, taken off the queue: for more letters than a read without deleting reaches.
    pub async fn take_dead_letter_attributes(&self) -> Vec<DeadLetterView> {
        let mut all = Vec::new();
        for _ in 0..1000 {
            let got = self.receive(&self.dead_letter_queue_url, 10).await;
            if got.is_empty() {
                return all;
            }
            let entries = got.iter().enumerate().map(|(i, m)| {
                aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .build()
                    .unwrap()
            });
            self.clients
                .sqs
                .delete_message_batch()
                .queue_url(&self.dead_letter_queue_url)
                .set_entries(Some(entries.collect()))
                .send()
                .await
                .expect("delete dead letters");
            all.extend(got.iter().map(DeadLetterView::of));
        }
        panic!("the dead-letter queue never emptied")
    }

    pub async fn queue_arn(&self) -> String {
        queue_arn(&self.clients.sqs, &self.queue_url).await
    }
}

async fn create_table(client: &aws_sdk_dynamodb::Client, table: &str) {
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .expect("key schema")
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute definition")
    };
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .send()
        .await
        .expect("create table");
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("expires_at")
                .build()
                .expect("ttl"),
        )
        .send()
        .await
        .expect("enable ttl");
}

async fn create_queue(
    client: &aws_sdk_sqs::Client,
    name: &str,
    dead_letter_arn: Option<&str>,
    visibility: Duration,
) -> String {
    let mut request = client.create_queue().queue_name(name).attributes(
        QueueAttributeName::VisibilityTimeout,
        visibility.as_secs().to_string(),
    );
    if let Some(arn) = dead_letter_arn {
        request = request.attributes(
            QueueAttributeName::RedrivePolicy,
            serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": 3}).to_string(),
        );
    }
    request
        .send()
        .await
        .expect("create queue")
        .queue_url()
        .unwrap_or_default()
        .to_owned()
}

async fn queue_arn(client: &aws_sdk_sqs::Client, url: &str) -> String {
    client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue arn")
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .unwrap_or_default()
}

/// Each message's outcome, in the order the worker reports them.
pub fn outcome_names(summary: &WorkerSummary) -> Vec<&'static str> {
    summary.messages.iter().map(|m| m.outcome.name()).collect()
}

/// Each message's (order, outcome), sorted: for batches whose order of reports may vary.
pub fn outcomes_by_order(summary: &WorkerSummary) -> Vec<(String, &'static str)> {
    let mut by_order: Vec<(String, &'static str)> = summary
        .messages
        .iter()
        .map(|m| (m.order_id.clone().unwrap_or_default(), m.outcome.name()))
        .collect();
    by_order.sort();
    by_order
}
