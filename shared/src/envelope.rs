//! Finds the canonical message inside an SQS body: raw JSON, an SNS notification (its `Message`
//! string, when the subscription is not raw) or an EventBridge event (its `detail` object).
//!
//! The body is scanned once to see which of the three it is, without building a JSON tree, and
//! the message is then deserialised straight from the right slice of text.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

use crate::validate::InvalidMessage;

/// Where the message came from, for the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapping {
    Raw,
    Sns,
    EventBridge,
}

/// Just enough of the three shapes to tell them apart; other fields are skipped unread.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(rename = "Type", default)]
    sns_type: Option<Cow<'a, str>>,
    #[serde(rename = "Message", default, borrow)]
    sns_message: Option<Cow<'a, str>>,
    #[serde(rename = "detail-type", default)]
    detail_type: Option<&'a RawValue>,
    #[serde(default, borrow)]
    detail: Option<&'a RawValue>,
}

/// The canonical JSON text inside `body`, and how it was wrapped.
pub fn unwrap(body: &str) -> Result<(Cow<'_, str>, Wrapping), InvalidMessage> {
    let probe: Probe = serde_json::from_str(body)
        .map_err(|e| InvalidMessage::new("body", format!("not a JSON object ({e})")))?;
    if probe.sns_type.as_deref() == Some("Notification") {
        let message = probe.sns_message.ok_or_else(|| {
            InvalidMessage::new("Message", "SNS notification without a Message string")
        })?;
        return Ok((message, Wrapping::Sns));
    }
    if let (Some(_), Some(detail)) = (probe.detail_type, probe.detail) {
        return Ok((Cow::Borrowed(detail.get()), Wrapping::EventBridge));
    }
    Ok((Cow::Borrowed(body), Wrapping::Raw))
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
        assert!(
            err.to_string().starts_with("body: not a JSON object"),
            "{err}"
        );
    }

    #[test]
    fn sns_notification_without_message_is_invalid() {
        let err = unwrap(r#"{"Type":"Notification"}"#).unwrap_err();
        assert_eq!(err.field, "Message");
    }
}
