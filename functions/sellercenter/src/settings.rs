//! The Seller Center account secret's own fields (besides `base_url`, `time_zone`, `carriers`,
//! `batch_size`, …).
//!
//! ```json
//! {"base_url": "https://sellercenter-api.venture.com",
//!  "api_key": "…", "service_name": "OMS",
//!  "time_zone": "Africa/Lagos",
//!  "status_details": {"returned": ["Initiated", "Returned to Seller"]}}
//! ```

use std::collections::BTreeMap;

use orderstatus::config::SecretString;
use serde::{Deserialize, Deserializer};

use crate::item_status::ItemStatus;

/// The status details of seed 004 ("Order Processing – More Detailed Status"), the options an
/// account has unless its secret says otherwise.
pub const SEED_RETURNED_DETAILS: [&str; 7] = [
    "Initiated",
    "With 3PL on way to Venture",
    "With Venture awaiting processing",
    "With Venture awaiting return to Seller",
    "Return Refused",
    "With 3PL on way to Seller",
    "Returned to Seller",
];
pub const SEED_FAILED_DELIVERY_DETAILS: [&str; 4] = [
    "With 3PL on way to Venture",
    "Returned to Seller",
    "With 3PL on way to Seller",
    "With Venture",
];

/// Status-detail options per item status.
pub type StatusDetails = BTreeMap<ItemStatus, Vec<String>>;

#[derive(Debug, Deserialize)]
pub struct SellerCenterSettings {
    /// The OMS API key from the venture's System Credentials; signs every request.
    pub api_key: SecretString,
    /// The client system's name in Seller Center's System Credentials.
    #[serde(default = "default_service_name")]
    pub service_name: String,
    /// Options per item status. A status named here replaces the seed's list for it (an empty
    /// list removes it); statuses not named keep the seed's list.
    #[serde(
        default = "seed_status_details",
        deserialize_with = "over_seed_status_details"
    )]
    pub status_details: StatusDetails,
}

fn default_service_name() -> String {
    "OMS".to_owned()
}

/// The seed's options: `returned` and `failed_delivery`.
pub fn seed_status_details() -> StatusDetails {
    let list = |options: &[&str]| options.iter().map(|o| (*o).to_owned()).collect();
    BTreeMap::from([
        (ItemStatus::Returned, list(&SEED_RETURNED_DETAILS)),
        (
            ItemStatus::FailedDelivery,
            list(&SEED_FAILED_DELIVERY_DETAILS),
        ),
    ])
}

fn over_seed_status_details<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<StatusDetails, D::Error> {
    let given = StatusDetails::deserialize(deserializer)?;
    let mut details = seed_status_details();
    details.extend(given);
    details.retain(|_, options| !options.is_empty());
    Ok(details)
}

impl SellerCenterSettings {
    /// The options of `status`; empty when it has none.
    pub fn status_detail_options(&self, status: ItemStatus) -> &[String] {
        self.status_details
            .get(&status)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// Refuses settings Seller Center could not use, when the secret is loaded.
pub fn check(settings: &SellerCenterSettings) -> Result<(), String> {
    if settings.api_key.expose().trim().is_empty() {
        return Err("api_key: empty".to_owned());
    }
    if settings.service_name.trim().is_empty() {
        return Err("service_name: empty (leave it out for \"OMS\")".to_owned());
    }
    for (status, options) in &settings.status_details {
        for (i, option) in options.iter().enumerate() {
            if option.trim().is_empty() || option.trim() != option {
                return Err(format!(
                    "status_details.{status}[{i}]: {option:?} is empty or has surrounding spaces"
                ));
            }
            if options[..i].contains(option) {
                return Err(format!(
                    "status_details.{status}[{i}]: {option:?} is listed twice"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: &str) -> Result<SellerCenterSettings, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn the_seed_lists_are_the_default_and_an_account_replaces_them_per_status() {
        let plain = settings(r#"{"api_key":"k"}"#).unwrap();
        assert_eq!(plain.service_name, "OMS");
        assert_eq!(plain.status_detail_options(ItemStatus::Returned).len(), 7);
        assert_eq!(
            plain.status_detail_options(ItemStatus::FailedDelivery),
            SEED_FAILED_DELIVERY_DETAILS
        );
        assert!(plain.status_detail_options(ItemStatus::Shipped).is_empty());

        let custom = settings(
            r#"{"api_key":"k","status_details":{"shipped":["At hub"],"failed_delivery":[]}}"#,
        )
        .unwrap();
        assert_eq!(
            custom.status_detail_options(ItemStatus::Shipped),
            ["At hub".to_owned()]
        );
        assert!(
            custom
                .status_detail_options(ItemStatus::FailedDelivery)
                .is_empty()
        );
        assert_eq!(custom.status_detail_options(ItemStatus::Returned).len(), 7);
        assert!(check(&custom).is_ok());
    }

    #[test]
    fn unusable_settings_are_refused_naming_the_field() {
        let unknown = settings(r#"{"api_key":"k","status_details":{"lost":["x"]}}"#);
        assert!(unknown.unwrap_err().to_string().contains("lost"));
        let twice = settings(r#"{"api_key":"k","status_details":{"shipped":["a","a"]}}"#).unwrap();
        assert_eq!(
            check(&twice).unwrap_err(),
            "status_details.shipped[1]: \"a\" is listed twice"
        );
        let blank = settings(r#"{"api_key":" "}"#).unwrap();
        assert_eq!(check(&blank).unwrap_err(), "api_key: empty");
    }

    #[test]
    fn the_api_key_is_redacted_in_debug_output() {
        let shown = format!("{:?}", settings(r#"{"api_key":"hunter2"}"#).unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
