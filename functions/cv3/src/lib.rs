//! CommerceV3 (CV3): order statuses uploaded through the SOAP `CV3Data` web service.
//!
//! `mapping` turns a canonical message into CV3 entries by the CMS rules (seed 000),
//! `request` writes a batch as one SOAP call, `response` reads CV3's answer, and `client`
//! ties them into the shared [`orderstatus::platform::Platform`] trait.

pub mod client;
pub mod mapping;
pub mod request;
pub mod response;
pub mod settings;

pub use client::Cv3;
pub use settings::Cv3Settings;

use orderstatus::http::ClientSettings;
use orderstatus::platform::Platform;

/// The CV3 platform with the HTTP client the Lambda function uses.
pub fn platform(settings: impl Into<ClientSettings>) -> Result<Cv3, String> {
    Ok(Cv3::new(settings.into().client(Cv3::REQUEST_LIMITS)?))
}
