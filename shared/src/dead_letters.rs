//! The dead-letter queue as operators (`orderstatus dlq`) and the scheduled `redrive` see it:
//! read the letters with the reasons the batch handler attached, tell the ones that may succeed
//! now from poison, and move selected ones back to the platform's queue.
//!
//! **Reading without consuming.** A receive with `VisibilityTimeout=0` is the usual peek, but
//! it cannot walk a queue: SQS (and moto) may answer the same first messages every time. So a
//! walk *holds* what it receives for [`HOLD`] and releases it (visibility back to 0) when it
//! ends; only a process killed mid-walk leaves letters hidden, and then only for [`HOLD`].
//! Every receive counts towards a message's receive count, which matters only on a queue with
//! a redrive policy of its own; dead-letter queues normally have none.
//!
//! **Redrive** sends each selected letter's original body, and its producer's message
//! attributes (not the `orderstatus.*` ones), back to the queue, and deletes the letter only
//! once that send succeeded: a failure anywhere leaves the letter where it was.
//!
//! **Copies.** A worker that dies between writing a dead letter and deleting the message from
//! its queue leaves the message to be dead-lettered again: two letters with one
//! `orderstatus.source-message-id`. A walk shows them as one letter (with `copies`), and a
//! redrive sends it once and deletes every copy.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageAttributeValue, MessageSystemAttributeName,
    SendMessageBatchRequestEntry,
};
use serde::Serialize;

use crate::aws::error_text;
use crate::batch::{
    ATTR_BODY_BYTES, ATTR_ERROR, ATTR_OUTCOME, ATTR_PLATFORM, ATTR_REASON, ATTR_SOURCE_MESSAGE_ID,
};
use crate::sqs::change_visibility;

/// How long a walk hides the letters it has received (released at its end).
pub const HOLD: Duration = Duration::from_secs(60);

/// The most letters one walk (a listing or a redrive) looks at; a larger queue needs several
/// runs, which the scheduled redrive is anyway.
pub const WALK_LIMIT: usize = 2000;

/// The prefix of the attributes the batch handler writes.
const ATTRIBUTE_PREFIX: &str = "orderstatus.";

/// SQS's limit per batch request.
const SQS_BATCH_LIMIT: usize = 10;

/// Whether redriving a letter can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// May succeed now: a transient failure, or a refused login or missing account secret
    /// (`auth`, `config`) that an operator can fix.
    Retryable,
    /// Will fail the same way again: a malformed message (`schema`), the wrong platform or a
    /// platform refusal (`platform`), or a reason this version does not know.
    Poison,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retryable => "retryable",
            Self::Poison => "poison",
        }
    }
}

/// Decides a letter's disposition from its `orderstatus.outcome` and `orderstatus.reason`.
/// A letter with neither was moved by SQS after `maxReceiveCount` failed receives, i.e. after
/// repeated transient failures: retryable.
pub fn classify(outcome: Option<&str>, reason: Option<&str>) -> Disposition {
    match (outcome, reason) {
        (None, None) | (Some("transient"), _) | (_, Some("auth" | "config")) => {
            Disposition::Retryable
        }
        _ => Disposition::Poison,
    }
}

/// What `reason` shows for a letter without `orderstatus.*` attributes.
pub const MAX_RECEIVES_REASON: &str = "max_receives";

/// One message on the dead-letter queue.
#[derive(Debug, Clone, Serialize)]
pub struct Letter {
    /// The dead letter's own SQS message id.
    pub message_id: String,
    /// The id it had on the platform's queue (`orderstatus.source-message-id`).
    pub source_message_id: Option<String>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    pub error: Option<String>,
    pub platform: Option<String>,
    pub disposition: Disposition,
    /// How often it was received from the dead-letter queue (listings count too).
    pub receive_count: Option<u32>,
    /// When it arrived on the dead-letter queue, epoch milliseconds.
    pub sent_at_ms: Option<i64>,
    /// The FIFO message group, kept for the way back.
    pub group_id: Option<String>,
    /// The body byte for byte, as the producer sent it; cut short when it was too large for the
    /// dead-letter queue (then `body_bytes` is its original length).
    pub body: String,
    /// The original body's length in bytes, when the body was cut.
    pub body_bytes: Option<usize>,
    /// The producer's message attributes (everything but `orderstatus.*`), sent back on redrive.
    #[serde(skip)]
    pub producer_attributes: HashMap<String, MessageAttributeValue>,
    /// How many copies of it the queue holds: more than 1 when a worker died between writing
    /// the dead letter and deleting the message from its queue.
    pub copies: usize,
    /// This letter's receipt and its copies', all held by the walk that found them.
    #[serde(skip)]
    held: Vec<Held>,
}

/// One received copy of a letter.
#[derive(Debug, Clone)]
struct Held {
    message_id: String,
    receipt_handle: String,
}

impl Letter {
    fn from_message(message: Message) -> Self {
        let mut ours: HashMap<String, String> = HashMap::new();
        let mut producer_attributes = HashMap::new();
        for (name, value) in message.message_attributes.unwrap_or_default() {
            if name.starts_with(ATTRIBUTE_PREFIX) {
                ours.insert(name, value.string_value.unwrap_or_default());
            } else {
                producer_attributes.insert(name, value);
            }
        }
        let ours_named = |name: &str| ours.get(name).filter(|v| !v.is_empty()).cloned();
        let outcome = ours_named(ATTR_OUTCOME);
        let reason = ours_named(ATTR_REASON);
        let system = message.attributes.unwrap_or_default();
        let number = |name: MessageSystemAttributeName| system.get(&name)?.parse::<i64>().ok();
        let message_id = message.message_id.unwrap_or_default();
        Self {
            message_id: message_id.clone(),
            source_message_id: ours_named(ATTR_SOURCE_MESSAGE_ID),
            disposition: classify(outcome.as_deref(), reason.as_deref()),
            error: ours_named(ATTR_ERROR),
            platform: ours_named(ATTR_PLATFORM),
            receive_count: number(MessageSystemAttributeName::ApproximateReceiveCount)
                .and_then(|n| u32::try_from(n).ok()),
            sent_at_ms: number(MessageSystemAttributeName::SentTimestamp),
            group_id: system
                .get(&MessageSystemAttributeName::MessageGroupId)
                .cloned(),
            outcome,
            reason,
            body: message.body.unwrap_or_default(),
            body_bytes: ours_named(ATTR_BODY_BYTES).and_then(|n| n.parse().ok()),
            producer_attributes,
            copies: 1,
            held: vec![Held {
                message_id,
                receipt_handle: message.receipt_handle.unwrap_or_default(),
            }],
        }
    }

    /// What makes two letters copies of one message: the id it had on the platform's queue
    /// (SQS's own moves keep the message id).
    fn identity(&self) -> &str {
        self.source_message_id
            .as_deref()
            .unwrap_or(&self.message_id)
    }

    /// Takes a received letter in: a newer receipt of one of its copies replaces the old one
    /// (only the newest is valid), another copy is added.
    fn absorb(&mut self, other: Letter) {
        for copy in other.held {
            match self
                .held
                .iter_mut()
                .find(|h| h.message_id == copy.message_id)
            {
                Some(known) => known.receipt_handle = copy.receipt_handle,
                None => self.held.push(copy),
            }
        }
        self.copies = self.held.len();
    }

    /// The reason to show and select by: the attribute, or [`MAX_RECEIVES_REASON`] for a
    /// letter SQS moved after too many receives.
    pub fn reason_label(&self) -> &str {
        match (&self.reason, &self.outcome) {
            (Some(reason), _) => reason,
            (None, None) => MAX_RECEIVES_REASON,
            (None, Some(outcome)) => outcome,
        }
    }

    /// Whether `id` names this letter (its own id, a copy's, or its id on the platform's queue).
    pub fn is_named(&self, id: &str) -> bool {
        self.source_message_id.as_deref() == Some(id)
            || self.held.iter().any(|held| held.message_id == id)
    }
}

/// Which letters to redrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every letter whose [`Disposition`] is retryable (what the scheduled redrive moves).
    Retryable,
    /// These letters, by their own or their source message id.
    Ids(Vec<String>),
    /// Letters with these reasons ([`Letter::reason_label`]), whatever their disposition.
    Reasons(Vec<String>),
}

impl Selection {
    pub fn selects(&self, letter: &Letter) -> bool {
        match self {
            Self::Retryable => letter.disposition == Disposition::Retryable,
            Self::Ids(ids) => ids.iter().any(|id| letter.is_named(id)),
            Self::Reasons(reasons) => reasons.iter().any(|r| r == letter.reason_label()),
        }
    }
}

/// What a redrive did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RedriveReport {
    /// Letters looked at.
    pub examined: usize,
    /// Dead-letter message ids moved back to the queue (sent, then deleted).
    pub moved: Vec<String>,
    /// Letters left where they were because the selection did not take them (or `max` was
    /// reached).
    pub left: usize,
    /// Letters that could not be moved, with why; each is still on the dead-letter queue,
    /// except where the text says it was sent but could not be deleted.
    pub failed: Vec<(String, String)>,
}

/// A dead-letter queue failure, naming the queue and what to check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeadLetterError(pub String);

/// One platform's dead-letter queue and the queue its letters came from.
#[derive(Debug, Clone)]
pub struct DeadLetters {
    sqs: aws_sdk_sqs::Client,
    dead_letter_queue_url: String,
    queue_url: String,
}

impl DeadLetters {
    pub fn new(
        sqs: aws_sdk_sqs::Client,
        dead_letter_queue_url: impl Into<String>,
        queue_url: impl Into<String>,
    ) -> Self {
        Self {
            sqs,
            dead_letter_queue_url: dead_letter_queue_url.into(),
            queue_url: queue_url.into(),
        }
    }

    /// Up to `max` letters (at most [`WALK_LIMIT`]), oldest first as SQS hands them out; all
    /// stay on the queue.
    pub async fn list(&self, max: usize) -> Result<Vec<Letter>, DeadLetterError> {
        let letters = self.walk(max.min(WALK_LIMIT)).await?;
        self.release(&letters).await;
        Ok(letters)
    }

    /// The letter named `id` (its own or its source message id), if the queue holds it.
    pub async fn find(&self, id: &str) -> Result<Option<Letter>, DeadLetterError> {
        let letters = self.list(WALK_LIMIT).await?;
        Ok(letters.into_iter().find(|letter| letter.is_named(id)))
    }

    /// Moves up to `max_messages` letters chosen by `selection` back to the queue, each sent
    /// before it is deleted; the scheduled `redrive` calls it with [`Selection::Retryable`].
    /// Looks at no more than [`WALK_LIMIT`] letters per call.
    pub async fn redrive(
        &self,
        selection: &Selection,
        max_messages: usize,
    ) -> Result<RedriveReport, DeadLetterError> {
        let letters = self.walk(WALK_LIMIT).await?;
        let mut report = RedriveReport {
            examined: letters.len(),
            ..RedriveReport::default()
        };
        let (chosen, left): (Vec<Letter>, Vec<Letter>) = letters
            .into_iter()
            .partition(|letter| selection.selects(letter));
        let chosen_count = chosen.len().min(max_messages);
        let mut chosen = chosen.into_iter();
        let to_move: Vec<Letter> = chosen.by_ref().take(chosen_count).collect();
        let mut to_release: Vec<Letter> = left;
        to_release.extend(chosen);
        report.left = to_release.len();
        for batch in to_move.chunks(SQS_BATCH_LIMIT) {
            let unmoved = self.move_batch(batch, &mut report).await;
            to_release.extend(unmoved);
        }
        self.release(&to_release).await;
        Ok(report)
    }

    /// Sends a batch to the queue and deletes what was sent; returns the letters still here.
    async fn move_batch(&self, batch: &[Letter], report: &mut RedriveReport) -> Vec<Letter> {
        let entries: Vec<_> = batch
            .iter()
            .enumerate()
            .filter_map(|(i, letter)| self.send_entry(i, letter))
            .collect();
        let sent = self
            .sqs
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await;
        let output = match sent {
            Ok(output) => output,
            Err(e) => {
                let why = format!("send to {} failed: {}", self.queue_url, error_text(&e));
                report
                    .failed
                    .extend(batch.iter().map(|l| (l.message_id.clone(), why.clone())));
                return batch.to_vec();
            }
        };
        let at = |id: &str| id.parse::<usize>().ok().and_then(|i| batch.get(i));
        let mut unmoved = Vec::new();
        for refused in output.failed() {
            if let Some(letter) = at(refused.id()) {
                let why = refused.message().unwrap_or(refused.code()).to_owned();
                report.failed.push((letter.message_id.clone(), why));
                unmoved.push(letter.clone());
            }
        }
        let sent: Vec<&Letter> = output
            .successful()
            .iter()
            .filter_map(|entry| at(entry.id()))
            .collect();
        match self.delete(&sent).await {
            Ok(not_deleted) => {
                for letter in sent {
                    match not_deleted.iter().find(|(id, _)| *id == letter.message_id) {
                        Some((id, why)) => report.failed.push((id.clone(), sent_twice(why))),
                        None => report.moved.push(letter.message_id.clone()),
                    }
                }
            }
            Err(why) => report.failed.extend(
                sent.iter()
                    .map(|letter| (letter.message_id.clone(), sent_twice(&why))),
            ),
        }
        unmoved
    }

    fn send_entry(&self, index: usize, letter: &Letter) -> Option<SendMessageBatchRequestEntry> {
        let mut entry = SendMessageBatchRequestEntry::builder()
            .id(index.to_string())
            .message_body(&letter.body)
            .set_message_attributes(
                (!letter.producer_attributes.is_empty())
                    .then(|| letter.producer_attributes.clone()),
            );
        if self.queue_url.ends_with(".fifo") {
            // The dead letter's id deduplicates: redriving the same letter twice within SQS's
            // five-minute window puts it on the queue once.
            entry = entry
                .message_group_id(letter.group_id.as_deref().unwrap_or(&letter.message_id))
                .message_deduplication_id(&letter.message_id);
        }
        entry.build().ok()
    }

    /// Deletes sent letters, every copy of each, from the dead-letter queue; returns the letters
    /// of which SQS refused to delete a copy.
    async fn delete(&self, letters: &[&Letter]) -> Result<Vec<(String, String)>, String> {
        let copies: Vec<(&Letter, &Held)> = letters
            .iter()
            .flat_map(|letter| letter.held.iter().map(move |held| (*letter, held)))
            .collect();
        let mut refused_letters: Vec<(String, String)> = Vec::new();
        for chunk in copies.chunks(SQS_BATCH_LIMIT) {
            let entries = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, (_, held))| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(&held.receipt_handle)
                        .build()
                        .ok()
                })
                .collect();
            let output = self
                .sqs
                .delete_message_batch()
                .queue_url(&self.dead_letter_queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| error_text(&e))?;
            for refused in output.failed() {
                let Some((letter, _)) = refused
                    .id()
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| chunk.get(i))
                else {
                    continue;
                };
                if refused_letters
                    .iter()
                    .all(|(id, _)| *id != letter.message_id)
                {
                    let why = refused.message().unwrap_or(refused.code()).to_owned();
                    refused_letters.push((letter.message_id.clone(), why));
                }
            }
        }
        Ok(refused_letters)
    }

    /// Receives up to `max` distinct letters, holding each (and each copy) for [`HOLD`].
    async fn walk(&self, max: usize) -> Result<Vec<Letter>, DeadLetterError> {
        let mut letters: Vec<Letter> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        // Bounded even if letters keep coming back (a walk longer than HOLD).
        for _ in 0..max.div_ceil(SQS_BATCH_LIMIT) + 3 {
            if letters.len() >= max {
                break;
            }
            let want = (max - letters.len()).min(SQS_BATCH_LIMIT) as i32;
            let output = self
                .sqs
                .receive_message()
                .queue_url(&self.dead_letter_queue_url)
                .max_number_of_messages(want)
                .visibility_timeout(HOLD.as_secs() as i32)
                // A short long-poll: a plain receive may sample only some SQS servers and
                // answer empty although letters remain.
                .wait_time_seconds(1)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .message_attribute_names("All")
                .send()
                .await
                .map_err(|e| {
                    DeadLetterError(format!(
                        "cannot read the dead-letter queue {}: {}",
                        self.dead_letter_queue_url,
                        error_text(&e)
                    ))
                });
            let received = match output {
                Ok(output) => output.messages.unwrap_or_default(),
                Err(error) => {
                    self.release(&letters).await;
                    return Err(error);
                }
            };
            if received.is_empty() {
                break;
            }
            for message in received {
                let letter = Letter::from_message(message);
                match index.get(letter.identity()) {
                    // Seen before, or a copy of a letter seen before.
                    Some(&i) => letters[i].absorb(letter),
                    None => {
                        index.insert(letter.identity().to_owned(), letters.len());
                        letters.push(letter);
                    }
                }
            }
        }
        Ok(letters)
    }

    /// Makes held letters visible again at once. Best effort: a letter not released becomes
    /// visible by itself when its [`HOLD`] ends.
    async fn release(&self, letters: &[Letter]) {
        let changes: Vec<(&str, i32)> = letters
            .iter()
            .flat_map(|letter| letter.held.iter().map(|h| (h.receipt_handle.as_str(), 0)))
            .collect();
        let outcome = change_visibility(&self.sqs, &self.dead_letter_queue_url, &changes).await;
        if let Some((_, error)) = outcome.failed.first() {
            tracing::warn!(
                %error,
                count = outcome.failed.len(),
                "could not release dead letters; they reappear when their hold ends"
            );
        }
    }
}

fn sent_twice(why: &str) -> String {
    format!(
        "sent back to the queue but not deleted from the dead-letter queue ({why}); a later redrive sends it again, which the ledger treats as a duplicate"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_letters_are_transient_auth_config_or_unattributed() {
        use Disposition::{Poison, Retryable};
        let cases = [
            (None, None, Retryable),
            (Some("transient"), None, Retryable),
            (Some("rejected"), Some("auth"), Retryable),
            (Some("invalid"), Some("config"), Retryable),
            (Some("invalid"), Some("schema"), Poison),
            (Some("invalid"), Some("platform"), Poison),
            (Some("rejected"), Some("platform"), Poison),
            (Some("rejected"), Some("something-new"), Poison),
        ];
        for (outcome, reason, expected) in cases {
            assert_eq!(
                classify(outcome, reason),
                expected,
                "{outcome:?} {reason:?}"
            );
        }
    }

    fn letter(id: &str, reason: Option<&str>) -> Letter {
        let mut message = Message::builder().message_id(id).body("{}");
        if let Some(reason) = reason {
            message = message.message_attributes(
                ATTR_REASON,
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(reason)
                    .build()
                    .unwrap(),
            );
        }
        Letter::from_message(message.build())
    }

    fn copy_of(id: &str, source: &str) -> Letter {
        let message = Message::builder()
            .message_id(id)
            .receipt_handle(format!("handle-{id}"))
            .body("{}")
            .message_attributes(
                ATTR_SOURCE_MESSAGE_ID,
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(source)
                    .build()
                    .unwrap(),
            );
        Letter::from_message(message.build())
    }

    #[test]
    fn copies_of_one_source_message_are_one_letter_holding_every_receipt() {
        let mut first = copy_of("d1", "src");
        let second = copy_of("d2", "src");
        assert_eq!(first.identity(), second.identity());
        first.absorb(second);
        first.absorb(copy_of("d2", "src"));
        assert_eq!(first.copies, 2, "a copy received twice is one copy");
        let handles: Vec<&str> = first
            .held
            .iter()
            .map(|h| h.receipt_handle.as_str())
            .collect();
        assert_eq!(handles, vec!["handle-d1", "handle-d2"]);
        assert_ne!(copy_of("d3", "other").identity(), first.identity());
    }

    #[test]
    fn selections_pick_by_disposition_id_or_reason() {
        let auth = letter("a", Some("auth"));
        let schema = letter("s", Some("schema"));
        let moved = letter("m", None);
        assert_eq!(moved.reason_label(), MAX_RECEIVES_REASON);
        let picks = |selection: Selection| -> Vec<&str> {
            [&auth, &schema, &moved]
                .into_iter()
                .filter(|l| selection.selects(l))
                .map(|l| l.message_id.as_str())
                .collect()
        };
        assert_eq!(picks(Selection::Retryable), vec!["a", "m"]);
        assert_eq!(picks(Selection::Ids(vec!["s".into()])), vec!["s"]);
        assert_eq!(
            picks(Selection::Reasons(vec![
                "schema".into(),
                "max_receives".into()
            ])),
            vec!["s", "m"]
        );
    }
}
