//! The reads behind `orderstatus status`, each turned into a figure or the reason it is
//! unknown. Nothing here consumes or delays a message on a platform's queue: its depth is an
//! attribute, its oldest message's age a CloudWatch metric. Dead letters are read the way
//! `orderstatus dlq list` reads them (held briefly, then released).

use std::collections::BTreeMap;

use orderstatus::dead_letters::{DeadLetters, Letter};
use orderstatus::ledger::{LatestOutcomes, Ledger};
use orderstatus::message::PlatformName;
use orderstatus::sqs::{QueueDepth, queue_depth};
use orderstatus::validate::salvage_account;

use super::age::oldest_message_age;
use super::report::{Known, Letters, PlatformStatus, Queue, Severity, Unknown};
use super::schedules;
use super::sources::{PlatformSource, queue_name};
use crate::aws_json::AwsJson;
use crate::failure::{self, Failure};

/// The clients every read uses.
pub struct Readers {
    pub sqs: aws_sdk_sqs::Client,
    pub aws: AwsJson,
}

/// An AWS failure as an unknown figure: a missing resource is a configuration error (exit 2),
/// anything else a failed read (exit 1); the text says what to do, as the other commands' do.
fn unknown(resource: &str, error_text: &str) -> Unknown {
    match failure::aws(resource, error_text) {
        Failure::Usage(text) => Unknown::new(Severity::NotFound, text),
        other => Unknown::new(Severity::ReadFailed, other.message()),
    }
}

/// The newest upload and refusal per account of `platforms`, reading at most `max_items`.
pub async fn ledger(
    ledger: &Ledger,
    table: &str,
    platforms: &[PlatformName],
    max_items: usize,
) -> Known<LatestOutcomes> {
    ledger
        .latest_outcomes(platforms, max_items)
        .await
        .map_err(|e| unknown(&format!("ledger table {table:?}"), &e.0))
}

/// Everything about one platform; with `stack`, its schedules too.
pub async fn platform(
    readers: &Readers,
    source: &PlatformSource,
    stack: Option<&str>,
    max_letters: usize,
) -> PlatformStatus {
    let name = queue_name(&source.queue_url).to_owned();
    let dead_letter_queue_name = queue_name(&source.dead_letter_queue_url).to_owned();
    let schedules = async {
        match stack {
            Some(stack) => Some(schedules::states(&readers.aws, stack, source.platform).await),
            None => None,
        }
    };
    let ((depth, age), (dead_letter_depth, letters), schedules) = tokio::join!(
        async {
            tokio::join!(
                depth(readers, &source.queue_url),
                oldest_message_age(&readers.aws, &name)
            )
        },
        dead_letters(readers, source, max_letters),
        schedules,
    );
    PlatformStatus {
        platform: source.platform,
        queue: Queue {
            url: source.queue_url.clone(),
            name,
            depth,
        },
        oldest_age: age,
        dead_letter_queue: Queue {
            url: source.dead_letter_queue_url.clone(),
            name: dead_letter_queue_name,
            depth: dead_letter_depth,
        },
        letters,
        schedules,
    }
}

async fn depth(readers: &Readers, url: &str) -> Known<QueueDepth> {
    queue_depth(&readers.sqs, url)
        .await
        .map_err(|text| unknown(&format!("queue {url}"), &text))
}

/// The dead-letter queue's depth, then its letters: the depth first, because reading letters
/// holds them (in flight) for a moment.
async fn dead_letters(
    readers: &Readers,
    source: &PlatformSource,
    max: usize,
) -> (Known<QueueDepth>, Known<Letters>) {
    let depth = depth(readers, &source.dead_letter_queue_url).await;
    if let Err(unknown) = &depth {
        // The same cause: the queue's depth says it, once.
        let letters = Unknown::new(Severity::Unavailable, "see the dead-letter queue's depth");
        return (Err(unknown.clone()), Err(letters));
    }
    let reader = DeadLetters::new(
        readers.sqs.clone(),
        &source.dead_letter_queue_url,
        &source.queue_url,
    );
    let letters = reader
        .list(max)
        .await
        .map(|letters| count(&letters, max, depth.as_ref().ok()))
        .map_err(|e| unknown(&format!("queue {}", source.dead_letter_queue_url), &e.0));
    (depth, letters)
}

/// Letters by reason and by account; partial when fewer messages were read than the queue
/// showed visible (or the bound was reached).
fn count(letters: &[Letter], max: usize, depth: Option<&QueueDepth>) -> Letters {
    let mut counted = Letters {
        read: letters.len(),
        max,
        ..Letters::default()
    };
    for letter in letters {
        let reason = letter.reason_label().to_owned();
        *counted.by_reason.entry(reason.clone()).or_default() += 1;
        let by_account: &mut BTreeMap<String, usize> = counted
            .by_account
            .entry(salvage_account(&letter.body))
            .or_default();
        *by_account.entry(reason).or_default() += 1;
    }
    let messages: usize = letters.iter().map(|l| l.copies).sum();
    let visible = depth.map_or(0, |d| d.visible);
    counted.partial = letters.len() >= max || (messages as u64) < visible;
    counted
}
