//! Where the CLI finds the stack: flags first, then the environment the functions read
//! (`scripts/dev env` writes it), with `<PLATFORM>_NAME` before `NAME` so that one environment
//! serves every platform.

use std::collections::HashMap;
use std::time::Duration;

use orderstatus::aws::RequestCounter;
use orderstatus::config::{
    ConfigError, DEFAULT_RETENTION_SECONDS, FunctionEnv, SecretsEnv, env_seconds,
};
use orderstatus::ledger::Ledger;
use orderstatus::message::PlatformName;

use crate::failure::Failure;

/// The variables the CLI reads, each with the flag that overrides it.
pub const LEDGER_TABLE: (&str, &str) = ("LEDGER_TABLE", "--table");
pub const QUEUE_URL: (&str, &str) = ("QUEUE_URL", "--queue-url");
pub const DEAD_LETTER_QUEUE_URL: (&str, &str) =
    ("DEAD_LETTER_QUEUE_URL", "--dead-letter-queue-url");

/// One platform's view of the configuration.
pub struct Settings {
    platform: PlatformName,
    overrides: HashMap<&'static str, String>,
}

impl Settings {
    pub fn new(platform: PlatformName) -> Self {
        Self {
            platform,
            overrides: HashMap::new(),
        }
    }

    /// Uses a flag's value, when given, instead of the variable `name`.
    pub fn with(mut self, name: (&'static str, &str), value: Option<&String>) -> Self {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            self.overrides.insert(name.0, value.clone());
        }
        self
    }

    /// The flag's value, else `$<PLATFORM>_NAME`, else `$NAME`.
    pub fn get(&self, name: &str) -> Option<String> {
        self.get_prefixed(name)
            .or_else(|| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// The flag's value, else `$<PLATFORM>_NAME`: for commands that read several platforms,
    /// where `$NAME` (one function's variable) cannot say which platform it is for.
    pub fn get_prefixed(&self, name: &str) -> Option<String> {
        if let Some(value) = self.overrides.get(name) {
            return Some(value.clone());
        }
        let prefixed = format!("{}_{name}", self.platform.as_str().to_ascii_uppercase());
        std::env::var(prefixed).ok().filter(|v| !v.is_empty())
    }

    /// A value the command cannot do without; the error names the flag and the variables.
    pub fn require(&self, (name, flag): (&str, &str)) -> Result<String, Failure> {
        self.get(name).ok_or_else(|| {
            Failure::Usage(format!(
                "{} not configured: pass {flag} or set {}_{name} or {name} (for the local stack: eval \"$(scripts/dev env)\")",
                name.to_ascii_lowercase().replace('_', " "),
                self.platform.as_str().to_ascii_uppercase(),
            ))
        })
    }

    /// The environment a function of this platform would see.
    pub fn function_env(&self) -> Result<FunctionEnv, ConfigError> {
        FunctionEnv::from_lookup(|name| self.get(name))
    }

    /// What loading accounts reads (secrets prefix, `ALLOW_INSECURE_HTTP`), for commands
    /// that need no table or queue.
    pub fn secrets_env(&self) -> Result<SecretsEnv, ConfigError> {
        SecretsEnv::from_lookup(|name| self.get(name))
    }

    pub fn allow_insecure_http(&self) -> Result<bool, ConfigError> {
        Ok(self.secrets_env()?.allow_insecure_http)
    }

    /// `LEDGER_RETENTION_SECONDS`, as the functions read it.
    pub fn retention(&self) -> Result<Duration, ConfigError> {
        env_seconds(
            |name| self.get(name),
            "LEDGER_RETENTION_SECONDS",
            DEFAULT_RETENTION_SECONDS,
        )
    }
}

/// The SDK configuration from the standard sources, as the functions load it.
pub async fn sdk_config() -> aws_config::SdkConfig {
    orderstatus::aws::load_sdk_config().await
}

/// The ledger table of `settings`, on a client that counts its requests.
pub async fn ledger(settings: &Settings) -> Result<(Ledger, String, RequestCounter), Failure> {
    let table = settings.require(LEDGER_TABLE)?;
    let config = sdk_config().await;
    let counter = RequestCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(counter.clone())
            .build(),
    );
    let ledger = Ledger::new(client, &table, settings.retention()?);
    Ok((ledger, table, counter))
}
