//! OMS API calls as data: a signed URL and a JSON body, built by pure functions of the
//! account, the items and the time, so that a call can be shown (`render`) without being sent.
//!
//! ```text
//! POST {base_url}/oms-api/?Action=UpdateItemsStatus&ServiceName=OMS&Timestamp=…&Version=1.0&Signature=…
//! {"Request":{"Items":[{"id_sales_order_item":"22","item_status":"canceled",…}]}}
//! ```

use chrono::{DateTime, Utc};
use orderstatus::config::Account;
use serde::Serialize;
use serde::ser::Serializer;
use url::Url;

use crate::mapping::ItemUpdate;
use crate::settings::SellerCenterSettings;
use crate::signature::signed_query;

/// The OMS API version every call names.
pub const API_VERSION: &str = "1.0";
/// Where the OMS API lives under the venture's Seller Center API host (seed 004's FAQ).
pub const OMS_PATH: &str = "oms-api/";

/// The OMS API actions this function calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OmsAction {
    /// Sets the status of up to 4,000 order items.
    UpdateItemsStatus,
    /// Sets other item fields; here the `status_detail`.
    UpdateItemsInformation,
}

impl OmsAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpdateItemsStatus => "UpdateItemsStatus",
            Self::UpdateItemsInformation => "UpdateItemsInformation",
        }
    }
}

/// One call, ready to send.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    pub action: OmsAction,
    /// The OMS endpoint with the signed query.
    pub url: Url,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// The OMS API endpoint of an account: `{base_url}/oms-api/`, unless `base_url` already ends
/// there.
pub fn endpoint(base_url: &Url) -> Url {
    let path = base_url.path().trim_end_matches('/');
    let mut url = base_url.clone();
    url.set_query(None);
    if path.ends_with("/oms-api") {
        url.set_path(&format!("{path}/"));
    } else {
        url.set_path(&format!("{path}/{OMS_PATH}"));
    }
    url
}

/// The OMS timestamp: ISO 8601 in UTC with an explicit offset, as the API documents it.
pub fn timestamp_text(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// The account's endpoint with `action` signed at `timestamp`.
pub fn signed_url(
    account: &Account<SellerCenterSettings>,
    action: OmsAction,
    timestamp: DateTime<Utc>,
) -> Url {
    let settings = &account.settings;
    let timestamp = timestamp_text(timestamp);
    let params = [
        ("Action", action.as_str()),
        ("ServiceName", settings.service_name.as_str()),
        ("Timestamp", timestamp.as_str()),
        ("Version", API_VERSION),
    ];
    let mut url = endpoint(&account.base_url);
    url.set_query(Some(&signed_query(&params, settings.api_key.expose())));
    url
}

/// `{"Request":{"Items":[…]}}` around any list of items.
#[derive(Serialize)]
struct Envelope<T: Serialize> {
    #[serde(rename = "Request")]
    request: Items<T>,
}

#[derive(Serialize)]
struct Items<T: Serialize> {
    #[serde(rename = "Items")]
    items: T,
}

fn envelope_bytes<T: Serialize>(items: T, capacity: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(capacity);
    // Plain strings and enums into a Vec: serialising cannot fail.
    let _ = serde_json::to_writer(
        &mut body,
        &Envelope {
            request: Items { items },
        },
    );
    body
}

/// The status items of a batch, borrowed from the updates (no copy of any item).
struct StatusItems<'a>(&'a [&'a ItemUpdate]);

impl Serialize for StatusItems<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|update| &update.item))
    }
}

/// The `UpdateItemsStatus` body of a batch.
pub fn status_body(batch: &[&ItemUpdate]) -> Vec<u8> {
    envelope_bytes(StatusItems(batch), 64 + batch.len() * 300)
}

/// One item of `UpdateItemsInformation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DetailItem<'a> {
    pub id_sales_order_item: &'a str,
    pub status_detail: &'a str,
}

impl<'a> DetailItem<'a> {
    /// The detail item of an update, if it sets a status detail.
    pub fn of(update: &'a ItemUpdate) -> Option<Self> {
        Some(Self {
            id_sales_order_item: &update.item.id_sales_order_item,
            status_detail: update.status_detail.as_deref()?,
        })
    }
}

/// The `UpdateItemsInformation` body setting each item's status detail.
pub fn information_body(items: &[DetailItem<'_>]) -> Vec<u8> {
    envelope_bytes(items, 64 + items.len() * 80)
}

/// The `UpdateItemsStatus` call of a batch, signed at `timestamp`.
pub fn prepare_status(
    account: &Account<SellerCenterSettings>,
    batch: &[&ItemUpdate],
    timestamp: DateTime<Utc>,
) -> PreparedRequest {
    PreparedRequest {
        action: OmsAction::UpdateItemsStatus,
        url: signed_url(account, OmsAction::UpdateItemsStatus, timestamp),
        body: status_body(batch),
    }
}

/// The `UpdateItemsInformation` call for the updates of a batch that set a status detail, or
/// `None` when none does.
pub fn prepare_information(
    account: &Account<SellerCenterSettings>,
    batch: &[&ItemUpdate],
    timestamp: DateTime<Utc>,
) -> Option<PreparedRequest> {
    let items: Vec<DetailItem<'_>> = batch.iter().filter_map(|u| DetailItem::of(u)).collect();
    if items.is_empty() {
        return None;
    }
    Some(PreparedRequest {
        action: OmsAction::UpdateItemsInformation,
        url: signed_url(account, OmsAction::UpdateItemsInformation, timestamp),
        body: information_body(&items),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oms_endpoint_is_under_the_base_url() {
        let cases = [
            ("https://sc.example.com", "https://sc.example.com/oms-api/"),
            ("https://sc.example.com/", "https://sc.example.com/oms-api/"),
            (
                "https://sc.example.com/staging",
                "https://sc.example.com/staging/oms-api/",
            ),
            (
                "https://sc.example.com/oms-api",
                "https://sc.example.com/oms-api/",
            ),
            (
                "http://127.0.0.1:9/oms-api/?x=1",
                "http://127.0.0.1:9/oms-api/",
            ),
        ];
        for (base, expected) in cases {
            assert_eq!(endpoint(&Url::parse(base).unwrap()).as_str(), expected);
        }
    }

    #[test]
    fn timestamps_are_utc_with_an_offset() {
        let at = "2015-11-12T12:32:57+01:00"
            .parse::<DateTime<chrono::FixedOffset>>()
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp_text(at), "2015-11-12T11:32:57+00:00");
    }
}
