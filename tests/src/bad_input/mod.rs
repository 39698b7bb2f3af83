//! The bad-input corpus (`shared/tests/bad-input.jsonl`, by class) mixed with good neighbours,
//! as the end-to-end tests send it: a few bad bodies among good ones in every SQS event.

use serde::Deserialize;

use crate::cv3::processing;

/// One bad body of the corpus: its class, the field its error names, the SQS body.
#[derive(Debug, Clone, Deserialize)]
pub struct BadBody {
    pub class: String,
    pub field: String,
    pub body: serde_json::Value,
}

/// Every bad body of the corpus, in file order.
pub fn bad_bodies() -> Vec<BadBody> {
    include_str!("../../shared/tests/bad-input.jsonl")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// A body that is bad only for its size: about `kib` KiB, missing `occurred_at`.
pub fn oversized(order_id: &str, kib: usize) -> String {
    serde_json::json!({
        "version": 1, "platform": "cv3", "order": {"id": order_id}, "status": "canceled",
        "reason": "x".repeat(kib * 1024)
    })
    .to_string()
}

/// What one SQS body of a mixed stream is.
#[derive(Debug, Clone)]
pub enum Sent {
    Bad(BadBody),
    /// A good neighbour with its order id.
    Good(String),
}

impl Sent {
    pub fn body(&self) -> String {
        match self {
            Sent::Bad(bad) => bad.body.to_string(),
            Sent::Good(order_id) => processing(order_id),
        }
    }
}

/// The bodies in events of ten: `bad_per_event` bad ones first, then good neighbours with
/// order ids `{prefix}0000`, `{prefix}0001`, … (CV3 order ids are digits).
pub fn mixed_events(bad: Vec<BadBody>, bad_per_event: usize, prefix: &str) -> Vec<Vec<Sent>> {
    let mut good = 0;
    bad.chunks(bad_per_event)
        .map(|chunk| {
            let mut event: Vec<Sent> = chunk.iter().cloned().map(Sent::Bad).collect();
            while event.len() < 10 {
                event.push(Sent::Good(format!("{prefix}{good:04}")));
                good += 1;
            }
            event
        })
        .collect()
}
