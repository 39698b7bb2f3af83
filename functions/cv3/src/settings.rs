//! The CV3 account secret's own fields (besides `base_url`, `time_zone`, `carriers`, …).
//!
//! ```json
//! {"base_url": "https://service.commercev3.com/index.php",
//!  "user": "api-user", "pass": "…", "service_id": "…",
//!  "time_zone": "America/New_York",
//!  "templates": {"delivered": "Delivered {date}"},
//!  "tracking_notification": true}
//! ```

use std::collections::HashMap;

use orderstatus::config::SecretString;
use orderstatus::message::OrderStatus;
use orderstatus::xml::unsafe_char;
use serde::Deserialize;

use crate::mapping::PLACEHOLDERS;

#[derive(Debug, Deserialize)]
pub struct Cv3Settings {
    /// The store's API user.
    pub user: String,
    /// The API password; CV3 rotates it, so a refused login is reported with reason `auth`.
    pub pass: SecretString,
    pub service_id: SecretString,
    /// Status text per canonical status, overriding the CMS defaults; placeholders
    /// `{date}`, `{reason}`, `{detail}`, `{order_id}`.
    #[serde(default)]
    pub templates: HashMap<OrderStatus, String>,
    /// Ask CV3 to e-mail the shopper the first time a tracking set is uploaded.
    #[serde(default = "enabled")]
    pub tracking_notification: bool,
    /// The SOAPAction header; the WSDL's value by default.
    #[serde(default)]
    pub soap_action: Option<String>,
}

fn enabled() -> bool {
    true
}

/// Refuses templates with placeholders the mapping does not know, when the secret is loaded.
pub fn check(settings: &Cv3Settings) -> Result<(), String> {
    // These go into every document of the account: one character XML cannot carry would make
    // every call fail, so the secret is refused instead (naming the field, never the value).
    let values = [
        ("user".to_owned(), settings.user.as_str()),
        ("pass".to_owned(), settings.pass.expose()),
        ("service_id".to_owned(), settings.service_id.expose()),
    ];
    let templates = settings
        .templates
        .iter()
        .map(|(status, template)| (format!("templates.{status}"), template.as_str()));
    for (name, value) in values.into_iter().chain(templates) {
        if let Some(problem) = unsafe_char(value) {
            return Err(format!("{name}: {problem}"));
        }
    }
    for (status, template) in &settings.templates {
        let mut rest = template.as_str();
        while let Some(start) = rest.find('{') {
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| format!("templates.{status}: unclosed '{{' in {template:?}"))?;
            let name = &rest[start..start + end + 1];
            if !PLACEHOLDERS.contains(&name) {
                return Err(format!(
                    "templates.{status}: unknown placeholder {name} (use {})",
                    PLACEHOLDERS.join(", ")
                ));
            }
            rest = &rest[start + end + 1..];
        }
    }
    Ok(())
}
