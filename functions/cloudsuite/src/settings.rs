//! The CloudSuite account secret's own fields (besides `base_url`, `time_zone`, `carriers`,
//! `concurrency`, …).
//!
//! ```json
//! {"base_url": "https://api.cloudsuite.io",
//!  "token_url": "https://id.cloudsuite.io/realms/CloudSuite/protocol/openid-connect/token",
//!  "client_id": "…", "client_secret": "…",
//!  "shop": "1", "user": "10", "webshop": "1",
//!  "desadv": true, "time_zone": "Europe/Amsterdam",
//!  "timeline": {"returned": "Retour ontvangen"},
//!  "carriers": {"postnl standaard": "PostNL"}}
//! ```

use std::collections::BTreeMap;

use orderstatus::config::{SecretString, check_base_url, url_field};
use orderstatus::message::OrderStatus;
use orderstatus::oauth2::{Grant, TokenRequest};
use serde::Deserialize;
use url::Url;

/// The statuses CloudSuite has no field for, shown to the customer on the order's custom
/// status timeline when the account gives a text for them.
pub const TIMELINE_STATUSES: [OrderStatus; 4] = [
    OrderStatus::Returned,
    OrderStatus::FailedDelivery,
    OrderStatus::ReturnShippedByCustomer,
    OrderStatus::Backordered,
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudSuiteSettings {
    /// The OpenID Connect token endpoint (LIVE or TEST realm).
    #[serde(deserialize_with = "url_field")]
    pub token_url: Url,
    /// The user name CloudSuite supplied.
    pub client_id: String,
    /// The password CloudSuite supplied.
    pub client_secret: SecretString,
    #[serde(default = "default_scope")]
    pub scope: String,
    /// `shop` of the DESADV and custom-status calls.
    pub shop: String,
    /// `user` of the DESADV call.
    pub user: String,
    /// Narrows the lookup by reference when one reference exists in several webshops.
    #[serde(default)]
    pub webshop: Option<String>,
    /// Send each shipped package as a DESADV delivery (the order's ERP number and line numbers
    /// must be in CloudSuite first).
    #[serde(default)]
    pub desadv: bool,
    #[serde(default)]
    pub desadv_format: DesadvFormat,
    /// The customer-facing text per timeline status (`returned`, `failed_delivery`,
    /// `return_shipped_by_customer`, `backordered`); a status without one is not applicable.
    #[serde(default)]
    pub timeline: BTreeMap<OrderStatus, String>,
    /// The language of the timeline texts.
    #[serde(default = "default_language")]
    pub timeline_language: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DesadvFormat {
    /// `<Desadv>…</Desadv>` (the endpoint is `des_adv_xml`).
    #[default]
    Xml,
    /// The same tree as JSON.
    Json,
}

fn default_scope() -> String {
    "openid".to_owned()
}

fn default_language() -> String {
    "nl_NL".to_owned()
}

impl CloudSuiteSettings {
    /// How the account obtains its tokens: client credentials in the form body, as CloudSuite
    /// asks ("Send client credentials in body").
    pub fn token_request(&self, account: &str) -> TokenRequest {
        TokenRequest {
            account: account.to_owned(),
            token_url: self.token_url.clone(),
            grant: Grant::ClientCredentials {
                client_id: self.client_id.clone(),
                client_secret: self.client_secret.clone(),
                scope: Some(self.scope.clone()),
            },
        }
    }
}

/// Refuses, when the secret is loaded, what would make every call of the account fail.
pub fn check(settings: &CloudSuiteSettings) -> Result<(), String> {
    for (name, value) in [
        ("client_id", settings.client_id.as_str()),
        ("shop", settings.shop.as_str()),
        ("user", settings.user.as_str()),
    ] {
        if value.trim().is_empty() {
            return Err(format!("{name}: empty"));
        }
    }
    // https, or http on a loopback host (a local sandbox): never a secret over the network
    // in the clear.
    check_base_url(settings.token_url.as_str(), true).map_err(|p| format!("token_url: {p}"))?;
    for status in settings.timeline.keys() {
        if !TIMELINE_STATUSES.contains(status) {
            return Err(format!(
                "timeline.{status}: CloudSuite has a field for this status; the timeline takes \
                 only {}",
                TIMELINE_STATUSES.map(|s| s.as_str()).join(", ")
            ));
        }
    }
    for (status, text) in &settings.timeline {
        if text.trim().is_empty() {
            return Err(format!("timeline.{status}: empty"));
        }
    }
    Ok(())
}
