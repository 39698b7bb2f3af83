//! Carrier names, normalised once for every platform.
//!
//! Sources write carriers every which way ("ups ground", "Federal Express", "dhl_express");
//! platforms want one spelling. A built-in alias table covers the common carriers and an
//! account's own table (from its secret) overrides it. Platform-specific codes are mapped from
//! the normalised name by configuration, not by code: an account's `carriers` entry is either a
//! spelling (`"ups ground": "UPS"`) or, keyed by the normalised name, the platform's codes for
//! that carrier (`"DHL": {"identifier": "DHL", "external_id": "dhl_ext"}`).

use std::collections::HashMap;

use serde::{Deserialize, Deserializer};

use crate::message::Package;

/// Built-in aliases, matched against the lower-cased name with spaces, dashes and underscores
/// removed. The first alias that is a prefix of the name wins, so "UPS Ground" is UPS.
const ALIASES: &[(&str, &str)] = &[
    ("unitedparcelservice", "UPS"),
    ("ups", "UPS"),
    ("federalexpress", "FedEx"),
    ("fedex", "FedEx"),
    ("dhl", "DHL"),
    ("unitedstatespostalservice", "USPS"),
    ("usps", "USPS"),
    ("canadapost", "Canada Post"),
    ("royalmail", "Royal Mail"),
    ("ontrac", "OnTrac"),
    ("lasership", "LaserShip"),
    ("gls", "GLS"),
    ("dpd", "DPD"),
    ("hermes", "Hermes"),
    ("evri", "Evri"),
    ("postnl", "PostNL"),
    ("tnt", "TNT"),
    ("amazonlogistics", "Amazon Logistics"),
];

/// Normalises carrier names with the built-in table and an account's overrides, and keeps the
/// account's platform codes per normalised carrier.
#[derive(Debug, Clone, Default)]
pub struct CarrierNames {
    overrides: HashMap<String, String>,
    codes: HashMap<String, CarrierCodes>,
}

/// A platform's own codes for one carrier, from the account's `carriers` table, by name:
/// Speed4Trade's `identifier` and `external_id`, ChannelAdvisor's `carrier` and `class`. Each
/// platform checks the names it reads when the secret is loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CarrierCodes(std::collections::BTreeMap<String, String>);

impl CarrierCodes {
    /// The code named `name` (`"class"`), if the entry has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The names the entry gives codes for.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// One entry of an account's `carriers` table: a spelling to upload, or the platform's codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarrierSetting {
    Name(String),
    Codes(CarrierCodes),
}

impl<'de> Deserialize<'de> for CarrierSetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(name) => Ok(Self::Name(name)),
            object @ serde_json::Value::Object(_) => serde_json::from_value(object)
                .map(Self::Codes)
                .map_err(Error::custom),
            other => Err(Error::custom(format!(
                "expected a carrier name or an object of the platform's codes, got {other}"
            ))),
        }
    }
}

impl CarrierNames {
    /// `overrides` maps a source spelling (any case) to the name to upload.
    pub fn new(overrides: &HashMap<String, String>) -> Self {
        Self {
            overrides: overrides
                .iter()
                .map(|(from, to)| (squash(from), to.clone()))
                .collect(),
            codes: HashMap::new(),
        }
    }

    /// An account's table: spellings become overrides, codes are kept by normalised name.
    pub fn from_settings(settings: &HashMap<String, CarrierSetting>) -> Self {
        let mut overrides = HashMap::new();
        let mut codes = HashMap::new();
        for (key, setting) in settings {
            match setting {
                CarrierSetting::Name(name) => {
                    overrides.insert(key.clone(), name.clone());
                }
                CarrierSetting::Codes(entry) => {
                    codes.insert(squash(key), entry.clone());
                }
            }
        }
        Self {
            codes,
            ..Self::new(&overrides)
        }
    }

    /// The first code the account's table gives that is not one of `known` (the names the
    /// platform reads): the carrier's entry and the code's name.
    pub fn unknown_code(&self, known: &[&str]) -> Option<(&str, &str)> {
        let mut entries: Vec<_> = self.codes.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        entries.into_iter().find_map(|(carrier, codes)| {
            codes
                .names()
                .find(|name| !known.contains(name))
                .map(|name| (carrier.as_str(), name))
        })
    }

    /// The account's codes for a carrier, by its normalised name.
    pub fn codes(&self, normalised: &str) -> Option<&CarrierCodes> {
        self.codes.get(&squash(normalised))
    }

    /// What the ledger keeps as a unit's tracking set: `UPS: 1Z3123134135 ; FedEx: 4563543534`,
    /// the packages with a tracking number, in order (carrier names normalised). One format for
    /// every platform, so that a repeat of the same set is recognised in the history.
    pub fn tracking_summary<'p>(&self, packages: impl Iterator<Item = &'p Package>) -> String {
        packages
            .filter_map(|package| {
                let number = package.tracking_number.as_deref()?.trim();
                Some(match package.carrier.as_deref() {
                    Some(carrier) => format!("{}: {number}", self.normalise(carrier)),
                    None => number.to_owned(),
                })
            })
            .collect::<Vec<_>>()
            .join(" ; ")
    }

    /// The normalised carrier name; unknown carriers keep the source's spelling, trimmed.
    pub fn normalise(&self, name: &str) -> String {
        let key = squash(name);
        if let Some(name) = self.overrides.get(&key) {
            return name.clone();
        }
        ALIASES
            .iter()
            .find(|(alias, _)| key.starts_with(alias))
            .map(|(_, canonical)| (*canonical).to_owned())
            .unwrap_or_else(|| name.trim().to_owned())
    }
}

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_spellings_are_normalised() {
        let names = CarrierNames::default();
        assert_eq!(names.normalise("ups ground"), "UPS");
        assert_eq!(names.normalise("UPS"), "UPS");
        assert_eq!(names.normalise("Federal Express"), "FedEx");
        assert_eq!(names.normalise("FEDEX 2-Day"), "FedEx");
        assert_eq!(names.normalise("dhl_express"), "DHL");
        assert_eq!(names.normalise("U.S.P.S."), "USPS");
        assert_eq!(names.normalise("  Local Courier "), "Local Courier");
    }

    #[test]
    fn account_overrides_win() {
        let overrides = HashMap::from([("UPS Ground".to_owned(), "UPSG".to_owned())]);
        let names = CarrierNames::new(&overrides);
        assert_eq!(names.normalise("ups-ground"), "UPSG");
        assert_eq!(names.normalise("UPS Next Day"), "UPS");
    }

    #[test]
    fn codes_are_kept_by_normalised_name_beside_spellings() {
        let table: HashMap<String, CarrierSetting> = serde_json::from_str(
            r#"{"dhl": {"identifier": "DHL_PAKET", "external_id": "dhl_ext"}, "Local": "Courier"}"#,
        )
        .unwrap();
        let names = CarrierNames::from_settings(&table);
        let dhl = names.codes(&names.normalise("DHL Express")).unwrap();
        assert_eq!(dhl.get("identifier"), Some("DHL_PAKET"));
        assert_eq!(dhl.get("external_id"), Some("dhl_ext"));
        assert_eq!(names.normalise("local"), "Courier");
        assert!(names.codes("UPS").is_none());
        let wrong =
            serde_json::from_str::<HashMap<String, CarrierSetting>>(r#"{"x": {"code": 1}}"#);
        assert!(wrong.unwrap_err().to_string().contains("expected a string"));
        assert_eq!(names.unknown_code(&["identifier", "external_id"]), None);
        assert_eq!(
            names.unknown_code(&["carrier", "class"]),
            Some(("dhl", "external_id"))
        );
        assert_eq!(names.unknown_code(&[]), Some(("dhl", "external_id")));
        let number = serde_json::from_str::<HashMap<String, CarrierSetting>>(r#"{"x": 1}"#);
        assert!(number.unwrap_err().to_string().contains("carrier name"));
    }
}
