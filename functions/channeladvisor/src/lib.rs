//! ChannelAdvisor (Rithum): shipments with tracking, exports (acknowledgements) and
//! cancelations over its REST API v1, with OAuth2 refresh-token access tokens, within its
//! request limits across every copy of the function.
//!
//! `mapping` turns a canonical message into units (one per shipped package, the order, or one
//! per canceled item), `request` writes each call, `response` reads ChannelAdvisor's answers,
//! and `client` ties them into the shared [`orderstatus::platform::Platform`] trait.

pub mod client;
pub mod mapping;
pub mod request;
pub mod response;
pub mod settings;

pub use client::ChannelAdvisor;
pub use settings::ChannelAdvisorSettings;

use orderstatus::http::ClientSettings;
use orderstatus::platform::Platform;

/// The ChannelAdvisor platform with the HTTP client the Lambda function uses.
pub fn platform(settings: impl Into<ClientSettings>) -> Result<ChannelAdvisor, String> {
    Ok(ChannelAdvisor::new(
        settings.into().client(ChannelAdvisor::REQUEST_LIMITS)?,
    ))
}
