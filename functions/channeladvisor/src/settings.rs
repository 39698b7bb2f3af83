//! The ChannelAdvisor account secret's own fields (besides `base_url`, `time_zone`, `carriers`,
//! `concurrency`, …).
//!
//! ```json
//! {"base_url": "https://api.channeladvisor.com",
//!  "token_url": "https://api.channeladvisor.com/oauth2/token",
//!  "application_id": "…", "shared_secret": "…", "refresh_token": "…",
//!  "carriers": {"UPS": {"carrier": "UPS", "class": "GROUND"}},
//!  "cancel_reasons": {"out of stock": "ItemNotAvailable", "default": "BuyerCancelled"},
//!  "profile_id": "12345678", "requests_per_minute": 2000}
//! ```

use std::collections::BTreeMap;

use orderstatus::config::{SecretString, check_base_url, url_field};
use orderstatus::oauth2::{Grant, TokenRequest};
use serde::Deserialize;
use url::Url;

/// ChannelAdvisor's per-profile limit.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 2000;

/// The reason code of a cancelation whose reason the account's table does not name, when the
/// table has no `default` either.
pub const FALLBACK_REASON: &str = "Other";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelAdvisorSettings {
    /// The OAuth2 token endpoint (`https://api.channeladvisor.com/oauth2/token`).
    #[serde(deserialize_with = "url_field")]
    pub token_url: Url,
    /// The developer application's id (the client id).
    pub application_id: String,
    /// The application's shared secret (the client secret).
    pub shared_secret: SecretString,
    /// The refresh token the account granted the application (Developer Console).
    pub refresh_token: SecretString,
    /// Reason codes per canonical `reason` (compared without case), with `default`.
    #[serde(default)]
    pub cancel_reasons: BTreeMap<String, String>,
    /// The account's profile, named in the errors that ask to check its access.
    #[serde(default)]
    pub profile_id: Option<String>,
    /// The profile's limit, all copies of the function together.
    #[serde(default = "default_requests_per_minute")]
    pub requests_per_minute: u32,
}

fn default_requests_per_minute() -> u32 {
    DEFAULT_REQUESTS_PER_MINUTE
}

impl ChannelAdvisorSettings {
    /// The refresh-token grant, the application authenticating with HTTP Basic.
    pub fn token_request(&self, account: &str) -> TokenRequest {
        TokenRequest {
            account: account.to_owned(),
            token_url: self.token_url.clone(),
            grant: Grant::RefreshToken {
                client_id: self.application_id.clone(),
                client_secret: self.shared_secret.clone(),
                refresh_token: self.refresh_token.clone(),
            },
        }
    }

    /// The reason code for a cancelation's `reason`.
    pub fn reason_code(&self, reason: Option<&str>) -> &str {
        let named = reason.and_then(|reason| {
            let reason = reason.trim();
            self.cancel_reasons
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(reason))
        });
        named
            .or_else(|| self.cancel_reasons.get_key_value("default"))
            .map_or(FALLBACK_REASON, |(_, code)| code.as_str())
    }
}

/// Refuses, when the secret is loaded, what would make every call of the account fail.
pub fn check(settings: &ChannelAdvisorSettings) -> Result<(), String> {
    if settings.application_id.trim().is_empty() {
        return Err("application_id: empty".to_owned());
    }
    // HTTP Basic joins id and secret with a colon.
    if settings.application_id.contains(':') {
        return Err("application_id: contains ':', which HTTP Basic auth cannot carry".to_owned());
    }
    if settings.refresh_token.expose().trim().is_empty() {
        return Err("refresh_token: empty".to_owned());
    }
    check_base_url(settings.token_url.as_str(), true).map_err(|p| format!("token_url: {p}"))?;
    if settings.requests_per_minute == 0 {
        return Err("requests_per_minute: must be at least 1".to_owned());
    }
    if let Some((reason, _)) = settings
        .cancel_reasons
        .iter()
        .find(|(_, code)| code.trim().is_empty())
    {
        return Err(format!("cancel_reasons.{reason}: empty"));
    }
    Ok(())
}
