//! The account a command works for: from a file holding the account's secret JSON (`--config`,
//! offline), or from Secrets Manager as the function reads it. Both go through the shared
//! parsing and checks, so a file accepted here is a secret the function accepts.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use orderstatus::config::{Account, AccountStore, BatchLimits, ConfigError};
use orderstatus::platform::Platform;

use crate::failure::Failure;
use crate::settings::{Settings, sdk_config};

#[derive(Args)]
pub struct AccountArgs {
    /// The account (the secret `<prefix><platform>/<account>`); messages naming none get it.
    #[arg(long, default_value = "default")]
    pub account: String,
    /// The account's settings as a JSON file (the secret's content): no Secrets Manager, and
    /// for `render` no AWS at all.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Prefix of the account secrets; default $SECRETS_PREFIX, then orderstatus/.
    #[arg(long)]
    pub secrets_prefix: Option<String>,
}

fn limits<P: Platform>() -> BatchLimits {
    BatchLimits::of::<P>()
}

/// Loads the account from `--config` or its secret.
pub async fn load<P: Platform>(
    args: &AccountArgs,
    settings: &Settings,
) -> Result<Arc<Account<P::Settings>>, Failure> {
    if let Some(path) = &args.config {
        let source = path.display().to_string();
        let json = std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("cannot read --config {source}: {e}")))?;
        let account = Account::<P::Settings>::from_json(
            &args.account,
            &source,
            &json,
            limits::<P>(),
            settings.allow_insecure_http()?,
        )?;
        orderstatus::platform::check_account::<P>(&account).map_err(|problem| {
            ConfigError::BadSecret {
                secret: source,
                problem,
            }
        })?;
        return Ok(Arc::new(account));
    }
    let env = settings.secrets_env()?;
    let config = sdk_config().await;
    let store = AccountStore::new(
        aws_sdk_secretsmanager::Client::new(&config),
        P::NAME,
        &env,
        limits::<P>(),
        orderstatus::platform::check_account::<P>,
    );
    store.get(&args.account).await.map_err(|error| match error {
        ConfigError::UnknownAccount { .. } => {
            Failure::Usage(format!("{error}, or pass --config FILE with its JSON"))
        }
        other => other.into(),
    })
}
