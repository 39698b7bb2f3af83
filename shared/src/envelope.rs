//! Finds the canonical message inside an SQS body: raw JSON, an SNS notification (its `Message`
//! string, when the subscription is not raw) or an EventBridge event (its `detail` object).
//!
//! The body is scanned once to see which of the three it is, without building a JSON tree, and
//! the message is then deserialised straight from the right slice of text.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

use crate::strict;
use crate::validate::InvalidMessage;

/// Where the message came from, for the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapping {
    Raw,
    Sns,
    EventBridge,
}

impl Wrapping {
    /// The field that holds the message: what an error about the message as a whole names.
    pub fn field(self) -> &'static str {
        match self {
            Self::Raw => "message",
            Self::Sns => "Message",
            Self::EventBridge => "detail",
        }
    }

    fn described(self) -> &'static str {
        match self {
            Self::Raw => "a message",
            Self::Sns => "an SNS notification",
            Self::EventBridge => "an EventBridge event",
        }
    }
}

/// Just enough of the three shapes to tell them apart; other fields are skipped unread.
#[derive(Deserialize)]
struct Probe<'a> {
    /// Any value: only a string makes an SNS message (a canonical message has no `Type`).
    #[serde(rename = "Type", default, borrow)]
    sns_type: Option<&'a RawValue>,
    #[serde(rename = "Message", default, borrow)]
    sns_message: Option<&'a RawValue>,
    #[serde(rename = "detail-type", default, borrow)]
    detail_type: Option<&'a RawValue>,
    /// `None` when absent and when `null` alike.
    #[serde(default, borrow)]
    detail: Option<&'a RawValue>,
}

/// The canonical JSON text inside `body`, and how it was wrapped.
pub fn unwrap(body: &str) -> Result<(Cow<'_, str>, Wrapping), InvalidMessage> {
    if body.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
        return Err(InvalidMessage::new("body", "empty"));
    }
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let probe: Probe = strict::object(&mut deserializer)
        .and_then(|probe| deserializer.end().map(|()| probe))
        .map_err(unreadable)?;
    let sns_type = probe
        .sns_type
        .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok());
    if let Some(sns_type) = sns_type {
        if sns_type != "Notification" {
            return Err(InvalidMessage::new(
                "Type",
                format!(
                    "an SNS {sns_type:?}, not a Notification: only a notification carries a \
                     message (confirm the subscription, or send the message itself)"
                ),
            ));
        }
        let message = probe.sns_message.ok_or_else(|| {
            InvalidMessage::new("Message", "SNS notification without a Message string")
        })?;
        // A string holding the message's JSON; SNS never sends anything else here.
        let message: String = serde_json::from_str(message.get()).map_err(|e| {
            let problem = if message.get().starts_with('"') {
                format!("a string that cannot be read: {e}")
            } else {
                "must be a string holding the message's JSON, as SNS sends it".to_owned()
            };
            InvalidMessage::new("Message", problem)
        })?;
        return Ok((Cow::Owned(message), Wrapping::Sns));
    }
    // A canonical message has no `detail-type`, so its presence alone says EventBridge.
    if probe.detail_type.is_some() {
        let detail = probe.detail.ok_or_else(|| {
            InvalidMessage::new(
                "detail",
                "missing or null: an EventBridge event carries the message in its detail object",
            )
        })?;
        return Ok((Cow::Borrowed(detail.get()), Wrapping::EventBridge));
    }
    Ok((Cow::Borrowed(body), Wrapping::Raw))
}

/// Why a body could not even be probed: not JSON, not an object, or an object with an
/// envelope key given twice (which names that key).
fn unreadable(error: serde_json::Error) -> InvalidMessage {
    use serde_json::error::Category;
    match error.classify() {
        Category::Eof => InvalidMessage::new(
            "body",
            format!("not JSON, it ends too soon (cut short?): {error}"),
        ),
        Category::Syntax | Category::Io => {
            InvalidMessage::new("body", format!("not JSON: {error}"))
        }
        Category::Data => {
            let text = error.to_string();
            let repeated = text
                .strip_prefix("duplicate field `")
                .and_then(|rest| rest.split('`').next())
                .map(str::to_owned);
            match repeated {
                Some(name) => InvalidMessage::new(name, text),
                None => InvalidMessage::new("body", format!("not a JSON object ({text})")),
            }
        }
    }
}

/// Points an error in the unwrapped `text` at the envelope's field where that is where the
/// problem is: the message as a whole is not JSON or not an object (an SNS `Message` that is
/// not JSON, said as for a body), or it is another envelope (only one is unwrapped). Errors
/// inside the message keep their path. Runs only for refused messages.
pub fn locate(error: InvalidMessage, text: &str, wrapping: Wrapping) -> InvalidMessage {
    if wrapping == Wrapping::Raw {
        return error;
    }
    match unwrap(text) {
        Ok((_, inner @ (Wrapping::Sns | Wrapping::EventBridge))) => {
            return InvalidMessage::new(
                wrapping.field(),
                format!(
                    "holds {} inside {}; only one envelope is unwrapped, send the message itself",
                    inner.described(),
                    wrapping.described()
                ),
            );
        }
        // serde's path of an error in broken JSON can end anywhere (`order.?`).
        Err(unreadable) if unreadable.field == "body" => {
            return InvalidMessage::new(wrapping.field(), unreadable.problem);
        }
        _ => {}
    }
    if error.field == Wrapping::Raw.field() {
        return InvalidMessage::new(wrapping.field(), error.problem);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &str = r#"{"version":1,"platform":"cv3"}"#;

    #[test]
    fn raw_json_is_taken_as_it_is() {
        let (text, wrapping) = unwrap(MESSAGE).unwrap();
        assert_eq!(text, MESSAGE);
        assert_eq!(wrapping, Wrapping::Raw);
    }

    #[test]
    fn sns_notification_yields_its_message_string() {
        let body = serde_json::json!({
            "Type": "Notification",
            "MessageId": "m-1",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
            "Message": MESSAGE,
        })
        .to_string();
        let (text, wrapping) = unwrap(&body).unwrap();
        assert_eq!(text, MESSAGE);
        assert_eq!(wrapping, Wrapping::Sns);
    }

    #[test]
    fn eventbridge_event_yields_its_detail() {
        let body = format!(
            r#"{{"version":"0","id":"e-1","detail-type":"OrderStatus","source":"erp","detail":{MESSAGE}}}"#
        );
        let (text, wrapping) = unwrap(&body).unwrap();
        assert_eq!(text, MESSAGE);
        assert_eq!(wrapping, Wrapping::EventBridge);
    }

    #[test]
    fn non_json_body_names_the_body() {
        let err = unwrap("hello").unwrap_err();
        assert!(err.to_string().starts_with("body: not JSON: "), "{err}");
        let err = unwrap(r#"{"version":1,"platform":"cv"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("body: not JSON, it ends too soon"),
            "{err}"
        );
        let err = unwrap("[1]").unwrap_err();
        assert!(
            err.to_string().starts_with("body: not a JSON object"),
            "{err}"
        );
        for blank in ["", " ", "\n\t"] {
            assert_eq!(unwrap(blank).unwrap_err().to_string(), "body: empty");
        }
    }

    #[test]
    fn a_repeated_envelope_key_is_named() {
        let err = unwrap(r#"{"detail":"a","detail":"b"}"#).unwrap_err();
        assert_eq!(err.field, "detail", "{err}");
        assert!(err.problem.starts_with("duplicate field `detail`"), "{err}");
    }

    #[test]
    fn only_a_string_type_makes_an_sns_message_and_only_a_notification_is_unwrapped() {
        let body = format!(r#"{{"Type":5,"Message":{MESSAGE:?}}}"#);
        let (text, wrapping) = unwrap(&body).unwrap();
        assert_eq!((text.as_ref(), wrapping), (body.as_str(), Wrapping::Raw));
        let body =
            r#"{"Type":"SubscriptionConfirmation","Message":"You have chosen to subscribe"}"#;
        let err = unwrap(body).unwrap_err();
        assert_eq!(err.field, "Type");
        assert!(err.problem.contains("not a Notification"), "{err}");
    }

    #[test]
    fn sns_notification_without_message_is_invalid() {
        let err = unwrap(r#"{"Type":"Notification"}"#).unwrap_err();
        assert_eq!(err.field, "Message");
    }

    #[test]
    fn an_eventbridge_event_without_detail_names_detail() {
        let with = |detail: &str| {
            format!(r#"{{"version":"0","id":"e-1","detail-type":"T","source":"erp"{detail}}}"#)
        };
        for body in [with(""), with(r#","detail":null"#)] {
            assert_eq!(unwrap(&body).unwrap_err().field, "detail", "{body}");
        }
    }

    #[test]
    fn an_sns_message_that_is_not_a_string_names_message() {
        let body = format!(r#"{{"Type":"Notification","Message":{MESSAGE}}}"#);
        assert_eq!(unwrap(&body).unwrap_err().field, "Message");
        let err = unwrap(r#"{"Type":"Notification","Message":"\ud800"}"#).unwrap_err();
        assert_eq!(err.field, "Message");
        assert!(err.problem.contains("cannot be read"), "{err}");
    }

    #[test]
    fn an_inner_message_that_is_not_json_names_the_envelope_field() {
        let cut = r#"{"version":1,"platform":"cv3","order":{"id"#;
        let error = InvalidMessage::new("order.?", "EOF while parsing a string");
        let located = locate(error, cut, Wrapping::Sns);
        assert_eq!(located.field, "Message");
        assert!(
            located.problem.starts_with("not JSON, it ends too soon"),
            "{located}"
        );
        let error = InvalidMessage::new("message", "expected ident at line 1 column 2");
        let located = locate(error, "not json", Wrapping::Sns);
        assert!(located.problem.starts_with("not JSON: "), "{located}");
    }

    #[test]
    fn an_error_about_the_whole_inner_message_names_the_envelope_field() {
        let message_error = InvalidMessage::new("message", "expected value at line 1 column 1");
        let located = locate(message_error.clone(), "not json", Wrapping::Sns);
        assert_eq!(located.field, "Message");
        let inner = InvalidMessage::new("order.id", "empty");
        assert_eq!(locate(inner.clone(), "{}", Wrapping::EventBridge), inner);
        assert_eq!(
            locate(message_error.clone(), "x", Wrapping::Raw),
            message_error
        );
        let nested = r#"{"Type":"Notification","Message":"{}"}"#;
        let located = locate(message_error, nested, Wrapping::EventBridge);
        assert_eq!(located.field, "detail");
        assert!(
            located
                .problem
                .contains("an SNS notification inside an EventBridge event")
        );
    }
}
