//! CloudSuite (CloudSuite BV's commerce suite): order state, ERP order number, shipment state,
//! DESADV deliveries and the custom status timeline, over its REST API with OAuth2
//! client-credentials tokens, one order per call.
//!
//! `mapping` turns a canonical message into units (the order, or one per shipped package),
//! `request` writes each call, `response` reads CloudSuite's Django REST Framework answers, and
//! `client` ties them into the shared [`orderstatus::platform::Platform`] trait, with the
//! shared token source and the reference lookup.

pub mod client;
pub mod mapping;
pub mod request;
pub mod response;
pub mod settings;

pub use client::CloudSuite;
pub use settings::CloudSuiteSettings;

use orderstatus::http::ClientSettings;
use orderstatus::platform::Platform;

/// The CloudSuite platform with the HTTP client the Lambda function uses.
pub fn platform(settings: impl Into<ClientSettings>) -> Result<CloudSuite, String> {
    Ok(CloudSuite::new(
        settings.into().client(CloudSuite::REQUEST_LIMITS)?,
    ))
}
