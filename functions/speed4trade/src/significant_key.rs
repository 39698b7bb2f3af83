//! How Speed4Trade finds an order: the `significant_key` attribute of each `<order>` and the
//! fields it needs (seed 002's eight documented keys).

use serde::{Deserialize, Serialize};

/// The documented keys. The account chooses one; every order of the account is addressed by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignificantKey {
    OrderNumber,
    #[default]
    OrderNumberAndPrefix,
    #[serde(rename = "external_order_number_1")]
    ExternalOrderNumber1,
    #[serde(rename = "external_order_number_2")]
    ExternalOrderNumber2,
    #[serde(rename = "marketplace_order_id_1")]
    MarketplaceOrderId1,
    #[serde(rename = "marketplace_order_id_2")]
    MarketplaceOrderId2,
    #[serde(rename = "transaction_id_1")]
    TransactionId1,
    #[serde(rename = "transaction_id_2")]
    TransactionId2,
}

impl SignificantKey {
    pub const ALL: [SignificantKey; 8] = [
        Self::OrderNumber,
        Self::OrderNumberAndPrefix,
        Self::ExternalOrderNumber1,
        Self::ExternalOrderNumber2,
        Self::MarketplaceOrderId1,
        Self::MarketplaceOrderId2,
        Self::TransactionId1,
        Self::TransactionId2,
    ];

    /// The attribute value, as the seed spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OrderNumber => "order_number",
            Self::OrderNumberAndPrefix => "order_number_and_prefix",
            Self::ExternalOrderNumber1 => "external_order_number_1",
            Self::ExternalOrderNumber2 => "external_order_number_2",
            Self::MarketplaceOrderId1 => "marketplace_order_id_1",
            Self::MarketplaceOrderId2 => "marketplace_order_id_2",
            Self::TransactionId1 => "transaction_id_1",
            Self::TransactionId2 => "transaction_id_2",
        }
    }

    /// The element that carries the order's id (`order.id` of the message) under this key. For
    /// the two order-number keys it is `order_number`, an integer in the seed's field table.
    pub const fn id_element(self) -> &'static str {
        match self {
            Self::OrderNumber | Self::OrderNumberAndPrefix => "order_number",
            other => other.as_str(),
        }
    }

    /// Whether the key also needs `order_number_prefix` (the message's `order.number_prefix`).
    pub const fn needs_prefix(self) -> bool {
        matches!(self, Self::OrderNumberAndPrefix)
    }

    /// Whether the id must be a whole number (`order_number` is an integer in the seed).
    pub const fn needs_whole_number(self) -> bool {
        matches!(self, Self::OrderNumber | Self::OrderNumberAndPrefix)
    }
}

impl std::fmt::Display for SignificantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_from_its_seed_spelling() {
        for key in SignificantKey::ALL {
            let json = format!("\"{}\"", key.as_str());
            let parsed: SignificantKey = serde_json::from_str(&json).unwrap();
            assert_eq!(parsed, key);
        }
        assert!(serde_json::from_str::<SignificantKey>("\"order_id\"").is_err());
        assert_eq!(
            SignificantKey::default(),
            SignificantKey::OrderNumberAndPrefix
        );
    }
}
