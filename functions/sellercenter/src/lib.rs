//! Rocket Internet Seller Center: item statuses uploaded through the OMS API, and the
//! status-detail options Seller Center asks the OMS for.
//!
//! `mapping` turns a canonical message into one update per order item, `request` writes a
//! batch as one signed OMS call (`signature` signs), `response` reads Seller Center's answer,
//! `client` ties them into the shared [`orderstatus::platform::Platform`] trait, and
//! `status_details` answers Seller Center's `getStatusDetailOptionList` calls.

pub mod client;
pub mod item_status;
pub mod mapping;
pub mod request;
pub mod response;
pub mod settings;
pub mod signature;
pub mod status_details;

pub use client::SellerCenter;
pub use settings::SellerCenterSettings;

use orderstatus::http::ClientSettings;
use orderstatus::platform::Platform;

/// The Seller Center platform with the HTTP client the Lambda function uses.
pub fn platform(settings: impl Into<ClientSettings>) -> Result<SellerCenter, String> {
    Ok(SellerCenter::new(
        settings.into().client(SellerCenter::REQUEST_LIMITS)?,
    ))
}
