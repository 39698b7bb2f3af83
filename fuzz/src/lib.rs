//! Fuzz targets for every parser that reads input from outside and every request writer.
//!
//! Each target is a function of the fuzzer's bytes that panics when a property fails; the
//! libFuzzer binaries in `fuzz_targets/` (nightly, `scripts/fuzz`) are one-line wrappers, and
//! `tests/replay.rs` runs every input kept under `corpus/` and `regressions/` through the same
//! functions on stable, so a crash found once stays fixed.
//!
//! | target | input | checks |
//! |---|---|---|
//! | `envelope` | an SQS body | parse and identity salvage never panic; an error names a field; an accepted message passes validation again and reads back equal from its own JSON |
//! | `scheduled` | a Lambda payload | the invocation parser never panics and its errors say something; SQS bodies inside go through `envelope` |
//! | `cv3_response` | a CV3 answer, and the same bytes as the decoded `return` document | never panics; a document or garbage, never a fault, from a well-formed envelope; the decoded return is the document |
//! | `sellercenter_response` | an OMS answer | never panics; item errors are never an empty list; problems say something |
//! | `cloudsuite_response` | HTTP status, call kind and body | every reader and the shared classification never panic |
//! | `speed4trade_response` | a `<response>` document, raw and carried in a SOAP `return` | never panics; carried in an envelope it reads exactly as read directly |
//! | `channeladvisor_response` | HTTP status and body | the reader and the shared classification never panic |
//! | `cv3_request_xml` | credentials and a batch | the envelope and the base64 inner document are well-formed XML 1.0 and every value reads back equal |
//! | `sellercenter_request_json` | a batch of item updates | both bodies are JSON and every value reads back equal |
//! | `cloudsuite_desadv` | a delivery and CloudSuite's order facts | the DESADV (XML and JSON) is well-formed and every value reads back equal |
//! | `speed4trade_soap` | a namespace and a batch | the envelope and the `<request>` document it carries are well-formed XML 1.0 and every value reads back equal |

mod responses;
mod sources;
mod values;
mod writers;
pub mod xml_tree;

pub use responses::{
    channeladvisor_response, cloudsuite_response, cv3_response, sellercenter_response,
    speed4trade_response,
};
pub use sources::{envelope, scheduled};
pub use writers::{
    cloudsuite_desadv, cv3_request_xml, sellercenter_request_json, speed4trade_soap,
};

/// A target: the fuzzer's bytes in, a panic when a check fails.
pub type Target = fn(&[u8]);

/// Every target by name, as `fuzz_targets/<name>.rs` and `corpus/<name>/` name it.
pub const TARGETS: [(&str, Target); 11] = [
    ("envelope", envelope),
    ("scheduled", scheduled),
    ("cv3_response", cv3_response),
    ("sellercenter_response", sellercenter_response),
    ("cloudsuite_response", cloudsuite_response),
    ("speed4trade_response", speed4trade_response),
    ("channeladvisor_response", channeladvisor_response),
    ("cv3_request_xml", cv3_request_xml),
    ("sellercenter_request_json", sellercenter_request_json),
    ("cloudsuite_desadv", cloudsuite_desadv),
    ("speed4trade_soap", speed4trade_soap),
];
