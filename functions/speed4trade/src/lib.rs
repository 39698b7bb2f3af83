//! Speed4Trade CONNECT: order statuses uploaded through the SOAP call `updateOrderStatus`, many
//! orders per call, one report per order (seed 002).
//!
//! `mapping` turns a canonical message into one order update, addressed by the account's
//! `significant_key`; `request` writes a batch as one SOAP call whose string parameter
//! `argRequestData` holds the `<request>` document; `response` reads the `<report>` of each
//! order back; `client` ties them into the shared [`orderstatus::platform::Platform`] trait.

pub mod client;
pub mod mapping;
pub mod request;
pub mod response;
pub mod settings;
pub mod significant_key;

pub use client::Speed4Trade;
pub use settings::Speed4TradeSettings;

use orderstatus::http::ClientSettings;
use orderstatus::platform::Platform;

/// The Speed4Trade platform with the HTTP client the Lambda function uses.
pub fn platform(settings: impl Into<ClientSettings>) -> Result<Speed4Trade, String> {
    Ok(Speed4Trade::new(
        settings.into().client(Speed4Trade::REQUEST_LIMITS)?,
    ))
}
