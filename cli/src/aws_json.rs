//! Signed JSON requests to the two AWS services `orderstatus status` reads besides SQS and
//! DynamoDB: CloudWatch (a queue's oldest message's age) and EventBridge Scheduler (whether
//! the schedules are on). Each is one read-only call, so their SDK crates are not worth their
//! build time (measured on a clean `cargo build -p orderstatus-cli`: aws-sdk-cloudwatch and the
//! CBOR stack it brings, 66 s of compile time; aws-sdk-scheduler 12 s), and the CloudWatch
//! SDK speaks a CBOR protocol that moto cannot read, so it could not be tested locally. The
//! requests are signed with aws-sigv4 and the SDK configuration's credentials, which the
//! SDK builds anyway; the services' JSON protocols are the ones their APIs document.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::Value;
use tokio::sync::OnceCell;

/// How long one call may take: these figures are extras, never worth a hung command.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where a service is and how it signs.
pub struct Service {
    /// The SigV4 signing name.
    pub signing_name: &'static str,
    /// `https://<prefix>.<region>.amazonaws.com`.
    endpoint_prefix: &'static str,
    /// The service's own endpoint variable, as the SDK reads it.
    endpoint_variable: &'static str,
}

pub const CLOUDWATCH: Service = Service {
    signing_name: "monitoring",
    endpoint_prefix: "monitoring",
    endpoint_variable: "AWS_ENDPOINT_URL_CLOUDWATCH",
};

pub const SCHEDULER: Service = Service {
    signing_name: "scheduler",
    endpoint_prefix: "scheduler",
    endpoint_variable: "AWS_ENDPOINT_URL_SCHEDULER",
};

/// Why a call gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The service answered with an error: its code (`ResourceNotFoundException`,
    /// `AccessDeniedException`, …) and message.
    Service { code: String, message: String },
    /// No answer: no credentials or region, the network, an unreadable body.
    Transport(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Service { code, message } if message.is_empty() => f.write_str(code),
            Self::Service { code, message } => write!(f, "{code}: {message}"),
            Self::Transport(text) => f.write_str(text),
        }
    }
}

/// A client for signed JSON calls, with the SDK configuration's region, endpoint and
/// credentials (resolved once, on the first call).
pub struct AwsJson {
    sdk: SdkConfig,
    http: Result<reqwest::Client, String>,
    credentials: OnceCell<Result<Credentials, String>>,
}

impl AwsJson {
    pub fn new(sdk: &SdkConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("orderstatus/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"));
        Self {
            sdk: sdk.clone(),
            http,
            credentials: OnceCell::new(),
        }
    }

    /// Sends `body` to `path` (with its query) of `service` and reads the JSON answer (`null`
    /// for an empty body).
    pub async fn call(
        &self,
        service: &Service,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Value, CallError> {
        let region = self
            .sdk
            .region()
            .map(ToString::to_string)
            .ok_or_else(|| CallError::Transport("no AWS region: set AWS_REGION".into()))?;
        let url = format!(
            "{}{path}",
            endpoint(service, &region, self.sdk.endpoint_url())
        );
        let credentials = self.credentials().await?;
        let identity: Identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name(service.signing_name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| CallError::Transport(format!("cannot sign: {e}")))?
            .into();
        let signable = SignableRequest::new(
            method,
            url.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| CallError::Transport(format!("cannot sign: {e}")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| CallError::Transport(format!("cannot sign: {e}")))?
            .into_parts();
        let http = self
            .http
            .as_ref()
            .map_err(|e| CallError::Transport(e.clone()))?;
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| CallError::Transport(e.to_string()))?;
        let mut request = http.request(method, &url).body(body.to_vec());
        for (name, value) in headers.iter().copied().chain(instructions.headers()) {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| CallError::Transport(format!("cannot reach {url}: {e}")))?;
        let status = response.status();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response
            .text()
            .await
            .map_err(|e| CallError::Transport(format!("cannot read the answer of {url}: {e}")))?;
        let value: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| {
                CallError::Transport(format!("{url} answered {status} with no JSON ({e})"))
            })?
        };
        if status.is_success() {
            return Ok(value);
        }
        Err(service_error(
            status.as_u16(),
            error_type.as_deref(),
            &value,
        ))
    }

    async fn credentials(&self) -> Result<Credentials, CallError> {
        let resolved = self
            .credentials
            .get_or_init(|| async {
                let provider = self.sdk.credentials_provider().ok_or_else(|| {
                    "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                        .to_owned()
                })?;
                provider
                    .provide_credentials()
                    .await
                    .map_err(|e| format!("no AWS credentials: {e}"))
            })
            .await;
        resolved.clone().map_err(CallError::Transport)
    }
}

/// The service's endpoint: its own variable (`AWS_ENDPOINT_URL_CLOUDWATCH`), else the
/// configuration's (`AWS_ENDPOINT_URL`, e.g. moto), else AWS's for the region. FIPS and
/// dual-stack endpoints are not chosen here: set the service's variable for them.
fn endpoint(service: &Service, region: &str, configured: Option<&str>) -> String {
    let own = std::env::var(service.endpoint_variable)
        .ok()
        .filter(|v| !v.is_empty());
    match own.as_deref().or(configured) {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let suffix = if region.starts_with("cn-") {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            format!("https://{}.{region}.{suffix}", service.endpoint_prefix)
        }
    }
}

/// The error code and message of an AWS JSON error answer: the code from the
/// `x-amzn-errortype` header (REST JSON) or `__type` (JSON 1.0), either possibly qualified
/// (`…#Code`, `Code:http://…`).
fn service_error(status: u16, header: Option<&str>, body: &Value) -> CallError {
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    let raw = header
        .or_else(|| text("__type"))
        .or_else(|| text("code"))
        .or_else(|| text("Code"))
        .unwrap_or("");
    let code = raw.split(':').next().unwrap_or(raw);
    let code = code.rsplit('#').next().unwrap_or(code);
    let code = if code.is_empty() {
        format!("HTTP {status}")
    } else {
        code.to_owned()
    };
    let message = text("message").or_else(|| text("Message")).unwrap_or("");
    CallError::Service {
        code,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_read_from_either_json_protocol() {
        let body = serde_json::json!({
            "__type": "com.amazonaws.cloudwatch#InvalidParameterValueException",
            "message": "bad"
        });
        assert_eq!(
            service_error(400, None, &body).to_string(),
            "InvalidParameterValueException: bad"
        );
        let body = serde_json::json!({"Message": "Schedule x does not exist."});
        assert_eq!(
            service_error(
                404,
                Some("ResourceNotFoundException:http://internal.amazon.com/"),
                &body
            ),
            CallError::Service {
                code: "ResourceNotFoundException".into(),
                message: "Schedule x does not exist.".into()
            }
        );
        assert_eq!(
            service_error(503, None, &Value::Null).to_string(),
            "HTTP 503"
        );
    }

    #[test]
    fn endpoints_are_configured_or_the_regions() {
        assert_eq!(
            endpoint(&CLOUDWATCH, "eu-west-1", Some("http://127.0.0.1:5000/")),
            "http://127.0.0.1:5000"
        );
        assert_eq!(
            endpoint(&SCHEDULER, "eu-west-1", None),
            "https://scheduler.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            endpoint(&CLOUDWATCH, "cn-north-1", None),
            "https://monitoring.cn-north-1.amazonaws.com.cn"
        );
    }
}
