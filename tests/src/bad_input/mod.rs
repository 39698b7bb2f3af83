//! The bad-input corpus (`tests/fixtures/bad/`, read by [`corpus`]) mixed with good
//! neighbours, as the end-to-end tests send it: a few bad bodies among good ones in every SQS
//! event.

pub mod corpus;

use std::path::PathBuf;

pub use corpus::{BadBody, Stage};
use serde_json::json;

use crate::cv3::processing;

/// `tests/fixtures/bad/`.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad")
}

/// Every bad body of the corpus, files in name order, lines in file order.
pub fn bad_bodies() -> Vec<BadBody> {
    corpus::load(&corpus_dir())
}

/// Up to `per_class` bodies of each class, spread over its file, that SQS could carry (its
/// characters, at most 256 KiB): for tests that send through a queue, where the whole corpus
/// would take minutes.
pub fn sample(per_class: usize) -> Vec<BadBody> {
    let deliverable: Vec<BadBody> = bad_bodies()
        .into_iter()
        .filter(|b| sqs_takes(&b.text) && b.text.len() <= 256 * 1024)
        .collect();
    let mut classes: Vec<&str> = deliverable.iter().map(|b| b.class.as_str()).collect();
    classes.dedup();
    let mut sample = Vec::new();
    for class in classes {
        let of_class: Vec<&BadBody> = deliverable.iter().filter(|b| b.class == class).collect();
        let step = of_class.len().div_ceil(per_class).max(1);
        sample.extend(of_class.into_iter().step_by(step).cloned());
    }
    sample
}

/// A body that is bad only for its size: about `kib` KiB, missing `occurred_at`.
pub fn oversized(order_id: &str, kib: usize) -> String {
    json!({
        "version": 1, "platform": "cv3", "order": {"id": order_id}, "status": "canceled",
        "reason": "x".repeat(kib * 1024)
    })
    .to_string()
}

/// A good `processing` message for `platform` (any platform's name).
pub fn processing_for(platform: &str, order_id: &str) -> String {
    json!({"version": 1, "platform": platform, "order": {"id": order_id},
           "status": "processing", "occurred_at": "2024-03-01T12:00:00Z"})
    .to_string()
}

/// Whether SQS takes `text` as a message body or attribute value: XML 1.0's characters only
/// (tab, line feed, carriage return, U+0020 to U+D7FF, U+E000 to U+FFFD, U+10000 and up).
/// moto does not check this; the tests do.
pub fn sqs_takes(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    })
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
            Sent::Bad(bad) => bad.text.clone(),
            Sent::Good(order_id) => processing(order_id),
        }
    }
}

/// The bodies in events of ten: `bad_per_event` bad ones spread among good CV3 neighbours with
/// order ids `{prefix}0000`, `{prefix}0001`, … (CV3 order ids are digits).
pub fn mixed_events(bad: Vec<BadBody>, bad_per_event: usize, prefix: &str) -> Vec<Vec<Sent>> {
    assert!(
        (1..10).contains(&bad_per_event),
        "leave room for neighbours"
    );
    let mut good = 0;
    bad.chunks(bad_per_event)
        .map(|chunk| {
            // Bad ones at 0, 10/n, 2·10/n, …: every bad body has a good neighbour.
            let slots: Vec<usize> = (0..chunk.len()).map(|i| i * 10 / chunk.len()).collect();
            let mut bad = chunk.iter();
            (0..10)
                .map(|slot| match slots.contains(&slot) {
                    true => Sent::Bad(bad.next().expect("a bad body per slot").clone()),
                    false => {
                        good += 1;
                        Sent::Good(format!("{prefix}{:04}", good - 1))
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqs_takes_only_xml_characters() {
        assert!(sqs_takes("line\r\n\tü 日本 \u{1F600} \u{FFFD}"));
        for bad in ["\u{0}", "a\u{1}", "\u{1b}[31m", "\u{FFFE}", "\u{FFFF}"] {
            assert!(!sqs_takes(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_sample_has_every_class_and_only_what_sqs_carries() {
        let sample = sample(4);
        let mut classes: Vec<&str> = sample.iter().map(|b| b.class.as_str()).collect();
        classes.dedup();
        assert_eq!(classes.len(), 9, "{classes:?}");
        assert!(sample.len() <= 4 * 9);
        assert!(sample.iter().all(|b| sqs_takes(&b.text)));
    }

    #[test]
    fn every_bad_body_has_good_neighbours_in_events_of_ten() {
        let bad = bad_bodies().into_iter().take(7).collect();
        let events = mixed_events(bad, 3, "9");
        let shape: Vec<String> = events
            .iter()
            .map(|event| {
                event
                    .iter()
                    .map(|sent| match sent {
                        Sent::Bad(_) => 'B',
                        Sent::Good(_) => 'g',
                    })
                    .collect()
            })
            .collect();
        assert_eq!(shape, ["BggBggBggg", "BggBggBggg", "Bggggggggg"]);
        let events = mixed_events(bad_bodies().into_iter().take(2).collect(), 9, "9");
        assert_eq!(events.len(), 1);
        assert!(matches!(events[0][5], Sent::Bad(_)), "{:?}", events[0][5]);
    }
}
