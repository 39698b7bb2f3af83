//! Configuration: the function's environment, and per-account settings from Secrets Manager.
//!
//! Every account of every platform has one JSON secret, `${SECRETS_PREFIX}<platform>/<account>`,
//! holding `base_url`, the credentials and the account's settings. It is read the first time a
//! message for that account arrives (never at start-up, which stays free of network calls) and
//! kept for the life of the container.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::{Mutex, OnceCell};
use url::Url;

use crate::carriers::{CarrierNames, CarrierSetting};
use crate::dates::parse_zone;
use crate::message::PlatformName;

/// A credential. Never printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Why configuration could not be used. Messages name the variable or field and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {name} is not set ({purpose})")]
    MissingEnv {
        name: &'static str,
        purpose: &'static str,
    },
    #[error("environment variable {name}: {problem}")]
    BadEnv { name: &'static str, problem: String },
    #[error("no secret {secret:?}: create it to configure account {account:?}")]
    UnknownAccount { secret: String, account: String },
    #[error("secret {secret:?}: {problem}")]
    BadSecret { secret: String, problem: String },
    #[error("could not read secret {secret:?}: {problem}")]
    Unavailable { secret: String, problem: String },
}

impl ConfigError {
    /// Whether trying again later can help (Secrets Manager throttled or unreachable).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

/// What every function reads from its environment, once per container.
#[derive(Debug, Clone)]
pub struct FunctionEnv {
    pub ledger_table: String,
    pub queue_url: Option<String>,
    pub dead_letter_queue_url: String,
    pub secrets: SecretsEnv,
    /// Longest a ledger claim may be held when no invocation deadline says otherwise.
    pub lease: Duration,
    /// How long ledger records live before DynamoDB's TTL removes them.
    pub retention: Duration,
    /// How many copies of the function may run at once (`FUNCTION_COPIES`, the event source's
    /// maximum concurrency; default 1): each keeps to its share of the platform's limits.
    pub copies: u32,
}

impl FunctionEnv {
    /// The platform client's settings for this function: `timeout` per attempt, and this
    /// function's copies sharing the platform's request limits.
    pub fn client_settings(&self, timeout: Duration) -> crate::http::ClientSettings {
        crate::http::ClientSettings {
            timeout,
            copies: self.copies,
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str, purpose: &'static str| {
            lookup(name)
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError::MissingEnv { name, purpose })
        };
        Ok(Self {
            ledger_table: required("LEDGER_TABLE", "the DynamoDB upload ledger table")?,
            queue_url: lookup("QUEUE_URL").filter(|v| !v.is_empty()),
            dead_letter_queue_url: required(
                "DEAD_LETTER_QUEUE_URL",
                "where invalid and rejected messages go",
            )?,
            secrets: SecretsEnv::from_lookup(&lookup)?,
            lease: env_seconds(&lookup, "LEASE_SECONDS", 300)?,
            retention: env_seconds(
                &lookup,
                "LEDGER_RETENTION_SECONDS",
                DEFAULT_RETENTION_SECONDS,
            )?,
            copies: match lookup("FUNCTION_COPIES").filter(|v| !v.is_empty()) {
                None => 1,
                Some(text) => text
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| ConfigError::BadEnv {
                        name: "FUNCTION_COPIES",
                        problem: format!("{text:?} is not a whole number of at least 1"),
                    })?,
            },
        })
    }
}

/// Where the account secrets are and which base URLs they may name: all that a function
/// reading account secrets needs, also one without a queue or ledger (Seller Center's
/// status-detail endpoint).
#[derive(Debug, Clone)]
pub struct SecretsEnv {
    /// `SECRETS_PREFIX`, default `orderstatus/`.
    pub prefix: String,
    /// `ALLOW_INSECURE_HTTP`: `http://` base URLs on loopback hosts, for local sandboxes.
    pub allow_insecure_http: bool,
}

impl SecretsEnv {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let allow_insecure_http = match lookup("ALLOW_INSECURE_HTTP").as_deref() {
            None | Some("") | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(ConfigError::BadEnv {
                    name: "ALLOW_INSECURE_HTTP",
                    problem: format!("{other:?} is not true or false"),
                });
            }
        };
        Ok(Self {
            prefix: lookup("SECRETS_PREFIX").unwrap_or_else(|| "orderstatus/".to_owned()),
            allow_insecure_http,
        })
    }
}

/// How long ledger records live by default: 400 days, a year of returns and a margin.
pub const DEFAULT_RETENTION_SECONDS: u64 = 400 * 24 * 3600;

/// A whole number of seconds from the environment variable `name`, `default` when unset.
pub fn env_seconds(
    lookup: impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<Duration, ConfigError> {
    match lookup(name).filter(|v| !v.is_empty()) {
        None => Ok(Duration::from_secs(default)),
        Some(v) => v
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| ConfigError::BadEnv {
                name,
                problem: format!("{v:?} is not a whole number of seconds"),
            }),
    }
}

/// The settings every account has, whatever the platform.
#[derive(Deserialize)]
struct CommonSettings<S> {
    base_url: String,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    carriers: HashMap<String, CarrierSetting>,
    #[serde(default)]
    batch_size: Option<usize>,
    #[serde(default)]
    concurrency: Option<usize>,
    #[serde(flatten)]
    platform: S,
}

/// One account of one platform, ready to use.
#[derive(Debug)]
pub struct Account<S> {
    pub name: String,
    pub base_url: Url,
    pub time_zone: Tz,
    pub carriers: CarrierNames,
    /// Units per platform request.
    pub batch_size: usize,
    /// Platform requests in flight at once for this account.
    pub concurrency: usize,
    pub settings: S,
}

/// Limits that come from the platform rather than from the account.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    pub default_size: usize,
    pub max_size: usize,
    /// Requests in flight per account when the secret does not say (`concurrency`).
    pub default_concurrency: usize,
}

impl BatchLimits {
    /// The platform's own limits.
    pub fn of<P: crate::platform::Platform>() -> Self {
        Self {
            default_size: P::DEFAULT_BATCH_SIZE,
            max_size: P::MAX_BATCH_SIZE,
            default_concurrency: P::DEFAULT_CONCURRENCY,
        }
    }
}

impl<S: DeserializeOwned> Account<S> {
    /// Parses an account's secret. `source` names it in errors (the secret name or a file).
    pub fn from_json(
        name: &str,
        source: &str,
        json: &str,
        limits: BatchLimits,
        allow_insecure_http: bool,
    ) -> Result<Self, ConfigError> {
        let bad = |problem: String| ConfigError::BadSecret {
            secret: source.to_owned(),
            problem,
        };
        let deserializer = &mut serde_json::Deserializer::from_str(json);
        let common: CommonSettings<S> = serde_path_to_error::deserialize(deserializer)
            .map_err(|e| bad(format!("{}: {}", e.path(), e.inner())))?;
        let base_url = check_base_url(&common.base_url, allow_insecure_http)
            .map_err(|p| bad(format!("base_url: {p}")))?;
        let time_zone = match &common.time_zone {
            None => Tz::UTC,
            Some(zone) => parse_zone(zone).map_err(|p| bad(format!("time_zone: {p}")))?,
        };
        let batch_size = common.batch_size.unwrap_or(limits.default_size);
        if batch_size == 0 || batch_size > limits.max_size {
            return Err(bad(format!(
                "batch_size: {batch_size} is outside 1..={}",
                limits.max_size
            )));
        }
        let concurrency = common.concurrency.unwrap_or(limits.default_concurrency);
        if !(1..=64).contains(&concurrency) {
            return Err(bad(format!("concurrency: {concurrency} is outside 1..=64")));
        }
        Ok(Self {
            name: name.to_owned(),
            base_url,
            time_zone,
            carriers: CarrierNames::from_settings(&common.carriers),
            batch_size,
            concurrency,
            settings: common.platform,
        })
    }
}

/// A URL field of a platform's settings (`#[serde(deserialize_with = "url_field")]`, e.g. a
/// token endpoint): parsed when the secret is read, its problem named.
pub fn url_field<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    let text = String::deserialize(deserializer)?;
    Url::parse(&text).map_err(|e| serde::de::Error::custom(format!("{text:?} is not a URL ({e})")))
}

/// `https://` only; `http://` on a loopback host when local development allows it.
pub fn check_base_url(text: &str, allow_insecure_http: bool) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_insecure_http && is_loopback(&url) => Ok(url),
        "http" if allow_insecure_http => Err(format!(
            "{text:?}: http:// is allowed only on a loopback host (127.0.0.1, ::1, localhost)"
        )),
        "http" => Err(format!(
            "{text:?}: must be https:// (set ALLOW_INSECURE_HTTP=true for a loopback sandbox)"
        )),
        other => Err(format!("{text:?}: unsupported scheme {other:?}")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// One account's settings, loaded at most once.
type AccountCell<S> = Arc<OnceCell<Arc<Account<S>>>>;

/// Loads account secrets on first use and keeps them for the life of the container.
pub struct AccountStore<S> {
    client: aws_sdk_secretsmanager::Client,
    platform: PlatformName,
    prefix: String,
    limits: BatchLimits,
    allow_insecure_http: bool,
    check: fn(&Account<S>) -> Result<(), String>,
    accounts: Mutex<HashMap<String, AccountCell<S>>>,
}

impl<S: DeserializeOwned + Send + Sync> AccountStore<S> {
    pub fn new(
        client: aws_sdk_secretsmanager::Client,
        platform: PlatformName,
        env: &SecretsEnv,
        limits: BatchLimits,
        check: fn(&Account<S>) -> Result<(), String>,
    ) -> Self {
        Self {
            client,
            platform,
            prefix: env.prefix.clone(),
            limits,
            allow_insecure_http: env.allow_insecure_http,
            check,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    pub fn secret_name(&self, account: &str) -> String {
        format!("{}{}/{}", self.prefix, self.platform, account)
    }

    /// The account's settings, read from Secrets Manager the first time. Failures are not
    /// cached, so a secret created or fixed after a failure is picked up by the next message.
    pub async fn get(&self, account: &str) -> Result<Arc<Account<S>>, ConfigError> {
        let cell = {
            let mut accounts = self.accounts.lock().await;
            accounts.entry(account.to_owned()).or_default().clone()
        };
        let loaded = cell
            .get_or_try_init(|| self.load(account))
            .await
            .map(Arc::clone);
        if loaded.is_err() {
            // Keep no empty cell for a name that did not load: messages naming ever new
            // accounts (garbage, an attack) would otherwise grow the map for the container's
            // whole life.
            let mut accounts = self.accounts.lock().await;
            if accounts
                .get(account)
                .is_some_and(|kept| Arc::ptr_eq(kept, &cell) && !kept.initialized())
            {
                accounts.remove(account);
            }
        }
        loaded
    }

    /// How many account names the store holds a cell for (loaded, or being loaded).
    pub async fn cached_names(&self) -> usize {
        self.accounts.lock().await.len()
    }

    async fn load(&self, account: &str) -> Result<Arc<Account<S>>, ConfigError> {
        let secret = self.secret_name(account);
        let output = self
            .client
            .get_secret_value()
            .secret_id(&secret)
            .send()
            .await
            .map_err(|e| {
                let service_error = e.into_service_error();
                if service_error.is_resource_not_found_exception() {
                    ConfigError::UnknownAccount {
                        secret: secret.clone(),
                        account: account.to_owned(),
                    }
                } else {
                    ConfigError::Unavailable {
                        secret: secret.clone(),
                        problem: crate::aws::error_text(&service_error),
                    }
                }
            })?;
        let json = output
            .secret_string()
            .ok_or_else(|| ConfigError::BadSecret {
                secret: secret.clone(),
                problem: "has no SecretString (store the settings as JSON text)".to_owned(),
            })?;
        let parsed = Account::from_json(
            account,
            &secret,
            json,
            self.limits,
            self.allow_insecure_http,
        )?;
        (self.check)(&parsed).map_err(|problem| ConfigError::BadSecret {
            secret: secret.clone(),
            problem,
        })?;
        Ok(Arc::new(parsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Creds {
        user: String,
        pass: SecretString,
    }

    const LIMITS: BatchLimits = BatchLimits {
        default_size: 100,
        max_size: 500,
        default_concurrency: 1,
    };

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let json = r#"{"base_url":"https://example.com","user":"u","pass":"hunter2"}"#;
        let account: Account<Creds> =
            Account::from_json("default", "s", json, LIMITS, false).unwrap();
        let shown = format!("{account:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(account.settings.pass.expose(), "hunter2");
        assert_eq!(account.settings.user, "u");
        assert_eq!(account.batch_size, 100);
    }

    #[test]
    fn http_is_refused_unless_allowed_and_loopback() {
        assert!(check_base_url("https://example.com/x", false).is_ok());
        assert!(check_base_url("http://127.0.0.1:8080/x", false).is_err());
        assert!(check_base_url("http://127.0.0.1:8080/x", true).is_ok());
        assert!(check_base_url("http://localhost/x", true).is_ok());
        assert!(check_base_url("http://[::1]/x", true).is_ok());
        let err = check_base_url("http://10.0.0.1/x", true).unwrap_err();
        assert!(err.contains("loopback"), "{err}");
        assert!(check_base_url("ftp://example.com", true).is_err());
    }

    #[test]
    fn secret_errors_name_the_field() {
        let json = r#"{"base_url":"https://example.com","user":"u","pass":"p","batch_size":9000}"#;
        let err =
            Account::<Creds>::from_json("a", "orderstatus/cv3/a", json, LIMITS, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret \"orderstatus/cv3/a\": batch_size: 9000 is outside 1..=500"
        );
        let json = r#"{"base_url":"https://example.com","user":"u"}"#;
        let err = Account::<Creds>::from_json("a", "s", json, LIMITS, false).unwrap_err();
        assert!(err.to_string().contains("missing field `pass`"), "{err}");
        let json = r#"{"base_url":"https://example.com","user":"u","pass":"p","time_zone":"X/Y"}"#;
        let err = Account::<Creds>::from_json("a", "s", json, LIMITS, false).unwrap_err();
        assert!(err.to_string().contains("time_zone"), "{err}");
    }

    #[test]
    fn environment_names_what_is_missing() {
        let err = FunctionEnv::from_lookup(|_| None).unwrap_err();
        assert!(err.to_string().contains("LEDGER_TABLE"), "{err}");
        let env = FunctionEnv::from_lookup(|name| match name {
            "LEDGER_TABLE" => Some("t".into()),
            "DEAD_LETTER_QUEUE_URL" => Some("http://q".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(env.secrets.prefix, "orderstatus/");
        assert!(!env.secrets.allow_insecure_http);
        let err = FunctionEnv::from_lookup(|name| match name {
            "LEDGER_TABLE" | "DEAD_LETTER_QUEUE_URL" => Some("x".into()),
            "ALLOW_INSECURE_HTTP" => Some("yes".into()),
            _ => None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("ALLOW_INSECURE_HTTP"), "{err}");
    }
}
