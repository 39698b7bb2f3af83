//! The status-detail endpoint: Seller Center calls the OMS's `getStatusDetailOptionList` to
//! learn which status details exist for each item status, and signs the call the way the OMS
//! signs its own (`signature`), with a `Timestamp` that must be recent.
//!
//! `GET|POST /` (account `default`) or `/<account>`, with the query
//! `Action=getStatusDetailOptionList&Timestamp=…&Version=1.0&…&Signature=…`. Answers, as JSON
//! in Seller Center's own envelopes:
//!
//! | status | when |
//! |---|---|
//! | 200 | signed with the account's `api_key`, timestamp inside the window: the options |
//! | 400 | signed, but another `Action`, a `Version` other than `1.0`, or a repeated parameter |
//! | 401 | `Signature` or `Timestamp` missing, unreadable, or the signature does not match |
//! | 403 | the account has no secret, or the (correctly signed) timestamp is outside the window |
//! | 404 | a path that names no account |
//! | 405 | a method other than GET or POST |
//! | 503 | the account's secret could not be read now (try again) |

use std::time::Duration;

use aws_lambda_events::event::lambda_function_urls::{
    LambdaFunctionUrlRequest, LambdaFunctionUrlResponse,
};
use chrono::{DateTime, Utc};
use http::HeaderValue;
use http::header::CONTENT_TYPE;
use orderstatus::config::{AccountStore, BatchLimits, ConfigError, SecretsEnv};
use orderstatus::message::PlatformName;
use serde_json::{Value, json};

use crate::SellerCenter;
use crate::item_status::ItemStatus;
use crate::request::timestamp_text;
use crate::settings::SellerCenterSettings;
use crate::signature::{SIGNATURE, verify};

/// The one action this endpoint serves.
pub const ACTION: &str = "getStatusDetailOptionList";

/// How far a call's `Timestamp` may be from now, either way, unless configured.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);

/// The part of an HTTP request the endpoint reads.
#[derive(Debug, Clone, Copy)]
pub struct EndpointRequest<'a> {
    pub method: &'a str,
    /// `/` for the `default` account, `/<account>` for another.
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
}

/// The HTTP answer: a status and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointResponse {
    pub status: u16,
    pub body: Value,
}

/// The endpoint, built once per container.
pub struct StatusDetailsEndpoint {
    accounts: AccountStore<SellerCenterSettings>,
    window: Duration,
}

/// A refused call: HTTP status, the OMS error number and its text.
struct Refusal {
    status: u16,
    code: u32,
    message: String,
}

fn refuse(status: u16, code: u32, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        code,
        message: message.into(),
    }
}

impl StatusDetailsEndpoint {
    pub fn new(
        secrets: aws_sdk_secretsmanager::Client,
        env: &SecretsEnv,
        window: Duration,
    ) -> Self {
        let limits = BatchLimits::of::<SellerCenter>();
        Self {
            accounts: AccountStore::new(
                secrets,
                PlatformName::Sellercenter,
                env,
                limits,
                orderstatus::platform::check_account::<SellerCenter>,
            ),
            window,
        }
    }

    /// Answers one call at time `now`.
    pub async fn handle(
        &self,
        request: EndpointRequest<'_>,
        now: DateTime<Utc>,
    ) -> EndpointResponse {
        let account = account_in_path(request.path);
        let answer = self.answer(request, account, now).await;
        let (status, outcome) = match &answer {
            Ok(_) => (200, "options served".to_owned()),
            Err(refusal) => (refusal.status, refusal.message.clone()),
        };
        // The key and the signature stay out of the log; the account and the verdict go in.
        tracing::info!(
            account = account.unwrap_or("?"),
            status,
            outcome = %outcome,
            "getStatusDetailOptionList"
        );
        match answer {
            Ok(body) => EndpointResponse { status: 200, body },
            Err(refusal) => EndpointResponse {
                status: refusal.status,
                body: error_body(&refusal),
            },
        }
    }

    async fn answer(
        &self,
        request: EndpointRequest<'_>,
        account: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Value, Refusal> {
        if !matches!(request.method, "GET" | "POST") {
            return Err(refuse(
                405,
                5,
                format!(
                    "E005: method {} not allowed; use GET or POST",
                    request.method
                ),
            ));
        }
        let account = account.ok_or_else(|| {
            refuse(
                404,
                8,
                "E008: unknown path; call / for the default account or /<account>",
            )
        })?;
        let params: Vec<(String, String)> = url::form_urlencoded::parse(request.query.as_bytes())
            .into_owned()
            .collect();
        let param = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let signature = param(SIGNATURE)
            .ok_or_else(|| refuse(401, 1, "E001: Missing Mandatory Parameter: Signature"))?;
        let timestamp = param("Timestamp")
            .ok_or_else(|| refuse(401, 1, "E001: Missing Mandatory Parameter: Timestamp"))?;
        let settings = match self.accounts.get(account).await {
            Ok(account) => account,
            Err(ConfigError::UnknownAccount { .. }) => {
                return Err(refuse(
                    403,
                    9,
                    format!("E009: Access Denied: no account {account:?}"),
                ));
            }
            Err(e) if e.is_transient() => {
                tracing::warn!(account, error = %e, "account secret unavailable");
                return Err(refuse(503, 6, "E006: Internal Error: try again later"));
            }
            Err(e) => {
                // The problem names a field of the secret: for the operator's log, not the caller.
                tracing::error!(account, error = %e, "account secret unusable");
                return Err(refuse(
                    503,
                    6,
                    "E006: Internal Error: the account is misconfigured",
                ));
            }
        };
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        if !verify(&pairs, settings.settings.api_key.expose(), signature) {
            return Err(refuse(401, 7, "E007: Login failed. Signature mismatching"));
        }
        let signed_at = parse_timestamp(timestamp)
            .ok_or_else(|| refuse(401, 4, "E004: Invalid Timestamp format"))?;
        let skew = (now - signed_at).num_seconds().unsigned_abs();
        if skew > self.window.as_secs() {
            return Err(refuse(403, 3, "E003: Timestamp has expired"));
        }
        if let Some(name) = repeated(&params) {
            return Err(refuse(
                400,
                5,
                format!("E005: Invalid Request Format: {name} given twice"),
            ));
        }
        if !param("Action").is_some_and(|a| a.eq_ignore_ascii_case(ACTION)) {
            return Err(refuse(
                400,
                8,
                format!("E008: Invalid Action; this endpoint serves {ACTION}"),
            ));
        }
        if param("Version").is_some_and(|v| v != "1.0") {
            return Err(refuse(400, 2, "E002: Invalid Version"));
        }
        Ok(options_body(&settings.settings, now))
    }

    /// Answers a Lambda function URL event.
    pub async fn handle_function_url(
        &self,
        event: &LambdaFunctionUrlRequest,
        now: DateTime<Utc>,
    ) -> LambdaFunctionUrlResponse {
        let request = EndpointRequest {
            method: event
                .request_context
                .http
                .method
                .as_deref()
                .unwrap_or("GET"),
            path: event.raw_path.as_deref().unwrap_or("/"),
            query: event.raw_query_string.as_deref().unwrap_or(""),
        };
        let answer = self.handle(request, now).await;
        let mut response = LambdaFunctionUrlResponse::default();
        response.status_code = i64::from(answer.status);
        response
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response.body = Some(answer.body.to_string());
        response
    }
}

/// `/` → `default`; `/<account>` → that account (the characters a message's `account` may
/// hold); anything else → none.
fn account_in_path(path: &str) -> Option<&str> {
    let name = path.trim_matches('/');
    if name.is_empty() {
        return Some("default");
    }
    let valid = name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    valid.then_some(name)
}

fn repeated(params: &[(String, String)]) -> Option<&str> {
    params
        .iter()
        .enumerate()
        .find(|(i, (name, _))| params[..*i].iter().any(|(n, _)| n == name))
        .map(|(_, (name, _))| name.as_str())
}

fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"))
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// The options of every item status, empty lists included, so that Seller Center can drop
/// what the account no longer offers.
pub fn options_body(settings: &SellerCenterSettings, now: DateTime<Utc>) -> Value {
    let options: serde_json::Map<String, Value> = ItemStatus::ALL
        .iter()
        .map(|status| {
            (
                status.as_str().to_owned(),
                json!(settings.status_detail_options(*status)),
            )
        })
        .collect();
    json!({"SuccessResponse": {
        "Head": {"RequestId": "", "RequestAction": ACTION, "ResponseType": "StatusDetailOptions",
                 "Timestamp": timestamp_text(now)},
        "Body": {"StatusDetailOptions": options}
    }})
}

fn error_body(refusal: &Refusal) -> Value {
    json!({"ErrorResponse": {
        "Head": {"RequestAction": ACTION, "ErrorType": "Sender",
                 "ErrorCode": refusal.code.to_string(), "ErrorMessage": refusal.message},
        "Body": ""
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_names_the_account() {
        assert_eq!(account_in_path("/"), Some("default"));
        assert_eq!(account_in_path(""), Some("default"));
        assert_eq!(account_in_path("/jumia-ng"), Some("jumia-ng"));
        assert_eq!(account_in_path("/a/b"), None);
        assert_eq!(account_in_path("/../secret"), None);
    }

    #[test]
    fn timestamps_take_the_usual_iso_forms() {
        let expected: DateTime<Utc> = "2024-05-01T11:55:01Z".parse().unwrap();
        for text in [
            "2024-05-01T11:55:01Z",
            "2024-05-01T13:55:01+02:00",
            "2024-05-01T13:55:01+0200",
        ] {
            assert_eq!(parse_timestamp(text), Some(expected), "{text}");
        }
        assert_eq!(parse_timestamp("2024-05-01 11:55:01"), None);
    }

    #[test]
    fn every_item_status_is_listed_with_its_options() {
        let settings: SellerCenterSettings =
            serde_json::from_str(r#"{"api_key":"k","status_details":{"shipped":["At hub"]}}"#)
                .unwrap();
        let body = options_body(&settings, "2024-05-01T12:00:00Z".parse().unwrap());
        let options = &body["SuccessResponse"]["Body"]["StatusDetailOptions"];
        assert_eq!(options.as_object().unwrap().len(), 6);
        assert_eq!(options["shipped"], json!(["At hub"]));
        assert_eq!(options["delivered"], json!([]));
        assert_eq!(options["failed_delivery"][3], "With Venture");
        assert_eq!(options["returned"].as_array().unwrap().len(), 7);
        assert_eq!(
            body["SuccessResponse"]["Head"]["Timestamp"],
            "2024-05-01T12:00:00+00:00"
        );
    }
}
