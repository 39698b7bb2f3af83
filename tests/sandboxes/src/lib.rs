//! Local stand-ins for what the functions talk to, so the whole pipeline runs on a laptop:
//! platform sandboxes that enforce each platform's wire format and rules, and an
//! implementation of the AWS Lambda Runtime API that runs a compiled function binary the way
//! Lambda does.

pub mod channeladvisor;
pub mod cloudsuite;
pub mod cv3;
pub mod harness;
pub mod oauth2;
pub mod runtime_api;
pub mod sellercenter;
pub mod speed4trade;

mod server;
mod soap;
mod sync;
mod xml;
