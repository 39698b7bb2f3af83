//! Test harness: a real AWS API (moto server on 127.0.0.1) with per-test resources, and the
//! plumbing the end-to-end tests share. The platform sandboxes and the Lambda Runtime API
//! stand-in live in the `orderstatus-sandboxes` crate beside this one.

pub mod bad_input;
pub mod channeladvisor;
pub mod cli;
pub mod cloudsuite;
pub mod conformance;
pub mod cv3;
pub mod fake;
pub mod json;
pub mod lambda;
pub mod moto;
pub mod sellercenter;
pub mod soak;
pub mod speed4trade;
pub mod stack;

pub use orderstatus_sandboxes as sandboxes;
