//! The Speed4Trade account secret's own fields (besides `base_url`, `time_zone`, `carriers`,
//! `batch_size`, …).
//!
//! ```json
//! {"base_url": "https://connect.example-merchant.de/webservice/ConnectService",
//!  "username": "erp-upload", "password": "…", "mandator_id": 1,
//!  "soap_namespace": "http://webservice.connect.speed4trade.com/",
//!  "significant_key": "order_number_and_prefix",
//!  "carriers": {"DHL": {"identifier": "DHL", "external_id": "dhl_ext"}},
//!  "payment_status_identifier": "paid",
//!  "time_zone": "Europe/Berlin", "batch_size": 100}
//! ```

use orderstatus::config::SecretString;
use orderstatus::xml::unsafe_char;
use serde::Deserialize;

use crate::significant_key::SignificantKey;

/// The operation's namespace when the account does not name its WSDL's `targetNamespace`.
/// Speed4Trade publishes one WSDL per installation; this default is inferred, not documented.
pub const DEFAULT_SOAP_NAMESPACE: &str = "http://webservice.connect.speed4trade.com/";

/// The payment status sent with PAID when the account names none (seed 002's variant 2).
pub const DEFAULT_PAYMENT_STATUS_IDENTIFIER: &str = "paid";

#[derive(Debug, Deserialize)]
pub struct Speed4TradeSettings {
    /// HTTP Basic auth user of the installation's web service.
    pub username: String,
    pub password: SecretString,
    /// The client (mandator) whose orders these are, unless a message names its own.
    pub mandator_id: u64,
    /// The WSDL's `targetNamespace` (per installation).
    #[serde(default)]
    pub soap_namespace: Option<String>,
    /// The SOAPAction header; empty by default (the endpoint URL names the service).
    #[serde(default)]
    pub soap_action: Option<String>,
    /// How orders are addressed (default `order_number_and_prefix`).
    #[serde(default)]
    pub significant_key: SignificantKey,
    /// The payment status sent with PAID, by name (default `paid`) …
    #[serde(default)]
    pub payment_status_identifier: Option<String>,
    /// … or by Speed4Trade's numeric id.
    #[serde(default)]
    pub payment_status_id: Option<u64>,
}

/// How a PAID update names its payment status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum PaymentStatus {
    Identifier(String),
    Id(u64),
}

impl Speed4TradeSettings {
    pub fn soap_namespace(&self) -> &str {
        self.soap_namespace
            .as_deref()
            .unwrap_or(DEFAULT_SOAP_NAMESPACE)
    }

    pub fn soap_action(&self) -> &str {
        self.soap_action.as_deref().unwrap_or("")
    }

    pub fn payment_status(&self) -> PaymentStatus {
        match (&self.payment_status_id, &self.payment_status_identifier) {
            (Some(id), _) => PaymentStatus::Id(*id),
            (None, Some(identifier)) => PaymentStatus::Identifier(identifier.clone()),
            (None, None) => PaymentStatus::Identifier(DEFAULT_PAYMENT_STATUS_IDENTIFIER.to_owned()),
        }
    }
}

/// Refuses settings Speed4Trade could not use, when the secret is loaded (naming the field,
/// never a secret's value).
pub fn check(settings: &Speed4TradeSettings) -> Result<(), String> {
    if settings.username.trim().is_empty() {
        return Err("username: empty".to_owned());
    }
    // HTTP Basic auth joins user and password with a colon: a colon in the user breaks it.
    if settings.username.contains(':') {
        return Err("username: contains ':', which HTTP Basic auth cannot carry".to_owned());
    }
    if settings.password.expose().is_empty() {
        return Err("password: empty".to_owned());
    }
    if settings.payment_status_id.is_some() && settings.payment_status_identifier.is_some() {
        return Err(
            "payment_status_identifier and payment_status_id: set one of them, not both".to_owned(),
        );
    }
    if settings
        .soap_namespace
        .as_deref()
        .is_some_and(|ns| ns.trim().is_empty())
    {
        return Err("soap_namespace: empty (leave it out for the default)".to_owned());
    }
    // These go into every call of the account: one character XML cannot carry would make every
    // call fail, so the secret is refused instead.
    let written = [
        ("soap_namespace", settings.soap_namespace.as_deref()),
        ("soap_action", settings.soap_action.as_deref()),
        (
            "payment_status_identifier",
            settings.payment_status_identifier.as_deref(),
        ),
    ];
    for (name, value) in written {
        if let Some(problem) = value.and_then(unsafe_char) {
            return Err(format!("{name}: {problem}"));
        }
    }
    // Both are URIs. A line break or tab (pasted into the secret, say) would not reach the
    // server as written: an XML parser reads it in the namespace attribute as a space, and an
    // HTTP header cannot carry a line break.
    for (name, value) in [
        ("soap_namespace", settings.soap_namespace.as_deref()),
        ("soap_action", settings.soap_action.as_deref()),
    ] {
        if value.is_some_and(|v| v.chars().any(char::is_whitespace)) {
            return Err(format!("{name}: contains white space, which a URI cannot"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: &str) -> Result<Speed4TradeSettings, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn defaults_are_the_seeds() {
        let plain = settings(r#"{"username":"u","password":"p","mandator_id":1}"#).unwrap();
        assert_eq!(plain.significant_key, SignificantKey::OrderNumberAndPrefix);
        assert_eq!(plain.soap_namespace(), DEFAULT_SOAP_NAMESPACE);
        assert_eq!(
            plain.payment_status(),
            PaymentStatus::Identifier("paid".into())
        );
        assert!(check(&plain).is_ok());
        let by_id =
            settings(r#"{"username":"u","password":"p","mandator_id":1,"payment_status_id":3}"#)
                .unwrap();
        assert_eq!(by_id.payment_status(), PaymentStatus::Id(3));
    }

    #[test]
    fn unusable_settings_are_refused_naming_the_field() {
        let both = settings(
            r#"{"username":"u","password":"p","mandator_id":1,"payment_status_id":3,"payment_status_identifier":"paid"}"#,
        )
        .unwrap();
        assert!(check(&both).unwrap_err().contains("not both"));
        let colon = settings(r#"{"username":"a:b","password":"p","mandator_id":1}"#).unwrap();
        assert!(check(&colon).unwrap_err().starts_with("username"));
        let control = settings(
            r#"{"username":"u","password":"p","mandator_id":1,"soap_namespace":"urn:\u0001"}"#,
        )
        .unwrap();
        assert!(check(&control).unwrap_err().starts_with("soap_namespace"));
        // Found by fuzzing (speed4trade_soap): a line break in the namespace was written as is
        // and read by the server's XML parser as a space.
        for field in ["soap_namespace", "soap_action"] {
            for value in ["urn:a\\r\\nb", "urn:a\\tb", "urn:a b"] {
                let spaced = settings(&format!(
                    r#"{{"username":"u","password":"p","mandator_id":1,"{field}":"{value}"}}"#
                ))
                .unwrap();
                let error = check(&spaced).unwrap_err();
                assert!(
                    error.starts_with(field) && error.contains("white space"),
                    "{error}"
                );
            }
        }
        let key =
            settings(r#"{"username":"u","password":"p","mandator_id":1,"significant_key":"x"}"#);
        assert!(
            key.unwrap_err()
                .to_string()
                .contains("order_number_and_prefix")
        );
        assert!(settings(r#"{"username":"u","password":"p"}"#).is_err());
    }

    #[test]
    fn the_password_is_redacted_in_debug_output() {
        let shown = format!(
            "{:?}",
            settings(r#"{"username":"u","password":"hunter2","mandator_id":1}"#).unwrap()
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
