//! What the functions are invoked with: SQS bodies and Lambda payloads.

use orderstatus::scheduled::Invocation;
use orderstatus::validate::{parse_body, parse_message, salvage_identity, validate};

/// One SQS body: `parse_body` (raw, SNS or EventBridge), and `salvage_identity`, which reads
/// what it can of a refused body for the log line.
pub fn envelope(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else {
        // SQS bodies are UTF-8 text.
        return;
    };
    let salvaged = salvage_identity(body);
    match parse_body(body) {
        Ok((message, wrapping)) => {
            if let Err(e) = validate(&message) {
                panic!("an accepted {wrapping:?} message fails validation: {e}");
            }
            // The message as this project writes it (the CLI, logs) is a message it accepts.
            let json = serde_json::to_string(&message).expect("a message serialises");
            match parse_message(&json) {
                Ok(again) => assert_eq!(again, message, "the message changed through {json}"),
                Err(e) => panic!("the message written as {json} is refused: {e}"),
            }
            // Salvage agrees with the parser about what it reads.
            // (An account left out is the default one; salvage reads only what is there.)
            if let Some(account) = &salvaged.0 {
                assert_eq!(account, &message.account, "salvaged account");
            }
            let order = message.order.id.clone().or_else(|| {
                let reference = message.order.reference.as_ref()?;
                Some(format!("reference {reference}"))
            });
            assert_eq!(salvaged.1, order, "salvaged order of an accepted message");
        }
        Err(e) => {
            assert!(!e.field.trim().is_empty(), "an error names no field: {e:?}");
            assert!(!e.problem.trim().is_empty(), "an error says nothing: {e:?}");
        }
    }
}

/// One Lambda payload: an SQS event or a scheduled input, as the runtime deserialises it.
pub fn scheduled(data: &[u8]) {
    match serde_json::from_slice::<Invocation>(data) {
        Ok(Invocation::Sqs(event)) => {
            for record in &event.records {
                if let Some(body) = &record.body {
                    envelope(body.as_bytes());
                }
            }
        }
        Ok(Invocation::Scheduled(_)) => {}
        Err(e) => assert!(!e.to_string().trim().is_empty(), "an empty error"),
    }
}
