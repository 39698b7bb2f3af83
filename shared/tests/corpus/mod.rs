//! Reads `bad-input.jsonl`, the bad-input corpus shared by these tests and the end-to-end ones.
// Each test binary that includes this module reads only some of the fields.
#![allow(dead_code)]

use serde::Deserialize;

/// One bad body: its class, the field its error must name, and the SQS body.
#[derive(Debug, Deserialize)]
pub struct BadBody {
    pub class: String,
    pub field: String,
    /// `"accepts"` where the published schema cannot state the check.
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub body: serde_json::Value,
}

impl BadBody {
    pub fn text(&self) -> String {
        self.body.to_string()
    }
}

pub fn bad_bodies() -> Vec<BadBody> {
    include_str!("../bad-input.jsonl")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}
