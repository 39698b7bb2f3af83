//! Carrier names, normalised once for every platform.
//!
//! Sources write carriers every which way ("ups ground", "Federal Express", "dhl_express");
//! platforms want one spelling. A built-in alias table covers the common carriers and an
//! account's own table (from its secret) overrides it. Platform-specific codes are mapped from
//! the normalised name by configuration, not by code.

use std::collections::HashMap;

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

/// Normalises carrier names with the built-in table and an account's overrides.
#[derive(Debug, Clone, Default)]
pub struct CarrierNames {
    overrides: HashMap<String, String>,
}

impl CarrierNames {
    /// `overrides` maps a source spelling (any case) to the name to upload.
    pub fn new(overrides: &HashMap<String, String>) -> Self {
        Self {
            overrides: overrides
                .iter()
                .map(|(from, to)| (squash(from), to.clone()))
                .collect(),
        }
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
}
