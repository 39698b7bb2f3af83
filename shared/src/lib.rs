//! The shared core of the order-status uploader: everything two platform functions both need.
//!
//! Data flows one way through these modules:
//! [`envelope`] → [`validate`] ([`message`]) → platform mapping ([`platform`], helped by
//! [`carriers`] and [`dates`]) → [`ledger`] claim → platform call ([`http`]) → ledger commit →
//! [`batch`] response; [`answer`] judges every platform's HTTP answer the same way.
//! [`soap`] and [`xml`] write and read the SOAP platforms' calls (CV3, Speed4Trade).
//! [`config`] loads account settings, [`runtime`] and [`worker`] drive the handler under Lambda
//! and locally, [`telemetry`] logs one line per message and [`metrics`] one line of figures
//! per account and invocation.
//! [`dead_letters`] reads and redrives a dead-letter queue (the CLI and the scheduled redrive);
//! [`scheduled`] answers the scheduled inputs (`drain`, `redrive`, `sweep`) besides SQS events.

pub mod answer;
pub mod aws;
pub mod batch;
pub mod carriers;
pub mod config;
pub mod dates;
pub mod dead_letters;
pub mod envelope;
pub mod http;
pub mod ledger;
pub mod limits;
pub mod message;
pub mod metrics;
pub mod oauth2;
pub mod platform;
pub mod runtime;
pub mod scheduled;
pub mod schema;
pub mod soap;
pub mod sqs;
pub mod strict;
pub mod telemetry;
pub mod validate;
pub mod worker;
pub mod xml;
