//! The HTTP request of each ChannelAdvisor call: method, URL and JSON body, built once per
//! unit and shared by every attempt (the bearer token is added per attempt by the client).

use bytes::Bytes;
use orderstatus::config::Account;
use serde_json::json;
use url::Url;

use crate::mapping::{Call, ChannelAdvisorUpload};
use crate::settings::ChannelAdvisorSettings;

/// One request, ready to send (without its `Authorization` header).
#[derive(Debug, Clone)]
pub struct CallRequest {
    pub url: Url,
    /// Empty for Export (no body).
    pub body: Bytes,
    /// What the call is about, for errors (`order 700001`, `order item 7000011`).
    pub about: String,
}

/// `base_url` + `/v1/` + `resource` (`Orders(700001)`) + `/` + `action`.
fn endpoint(base: &Url, resource: &str, action: &str) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(["v1", resource, action]);
    }
    url.set_query(None);
    url
}

/// The request of one unit's call.
pub fn build(
    account: &Account<ChannelAdvisorSettings>,
    upload: &ChannelAdvisorUpload,
) -> CallRequest {
    let order = format!("Orders({})", upload.order_id);
    let about = format!("order {}", upload.order_id);
    let body =
        |value: serde_json::Value| Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
    match &upload.call {
        Call::Ship(shipment) => CallRequest {
            url: endpoint(&account.base_url, &order, "Ship"),
            body: body(json!({"Value": shipment})),
            about,
        },
        Call::Export => CallRequest {
            url: endpoint(&account.base_url, &order, "Export"),
            body: Bytes::new(),
            about,
        },
        Call::CancelOrder(adjustment) => CallRequest {
            url: endpoint(&account.base_url, &order, "Adjust"),
            body: body(json!(adjustment)),
            about,
        },
        Call::CancelItem {
            item_id,
            adjustment,
        } => CallRequest {
            url: endpoint(
                &account.base_url,
                &format!("OrderItems({item_id})"),
                "Adjust",
            ),
            body: body(json!(adjustment)),
            about: format!("order item {item_id} (order {})", upload.order_id),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_odata_key_readable() {
        let base = Url::parse("https://api.channeladvisor.com").unwrap();
        assert_eq!(
            endpoint(&base, "Orders(700001)", "Ship").as_str(),
            "https://api.channeladvisor.com/v1/Orders(700001)/Ship"
        );
    }
}
