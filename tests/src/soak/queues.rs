//! The soak's queue work: sending a platform's bodies in batches, and reading every dead
//! letter back at the end.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use orderstatus::batch::{ATTR_OUTCOME, ATTR_REASON};

use crate::stack::TestStack;

/// Sends `bodies` to the stack's queue, ten to a request, in order.
pub async fn send_all(stack: &TestStack, bodies: &[String]) -> Result<(), String> {
    for chunk in bodies.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, body)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(body)
                    .build()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = stack
            .clients
            .sqs
            .send_message_batch()
            .queue_url(&stack.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| format!("send to {}: {e:?}", stack.queue_url))?;
        if !output.failed().is_empty() {
            return Err(format!("SQS refused bodies: {:?}", output.failed()));
        }
    }
    Ok(())
}

/// A dead letter: its body and its `orderstatus.outcome` and `orderstatus.reason` (empty when
/// SQS moved it after too many receives).
#[derive(Debug, Clone)]
pub struct Letter {
    pub body: String,
    pub outcome: String,
    pub reason: String,
}

/// Every letter on the stack's dead-letter queue, each received once (hidden for ten minutes,
/// not deleted).
pub async fn dead_letters(stack: &TestStack) -> Result<Vec<Letter>, String> {
    let mut letters = Vec::new();
    let mut empty = 0;
    while empty < 2 {
        let output = stack
            .clients
            .sqs
            .receive_message()
            .queue_url(&stack.dead_letter_queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(600)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| format!("read {}: {e:?}", stack.dead_letter_queue_url))?;
        let messages = output.messages.unwrap_or_default();
        if messages.is_empty() {
            empty += 1;
            continue;
        }
        for message in messages {
            let attribute = |name: &str| {
                message
                    .message_attributes()
                    .and_then(|a| a.get(name))
                    .and_then(|v| v.string_value())
                    .unwrap_or_default()
                    .to_owned()
            };
            letters.push(Letter {
                outcome: attribute(ATTR_OUTCOME),
                reason: attribute(ATTR_REASON),
                body: message.body().unwrap_or_default().to_owned(),
            });
        }
    }
    Ok(letters)
}
