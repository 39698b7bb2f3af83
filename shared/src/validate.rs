//! Turns an SQS body into a checked [`StatusMessage`], or one error naming the field at fault.
//!
//! Deserialisation catches shape errors (with the JSON path, thanks to `serde_path_to_error`);
//! the checks below catch the rest. The published schema states the same checks where JSON
//! Schema can (the patterns below, `maxLength`), so that producers validating against it are
//! refused for the same things.

use std::collections::HashSet;

use crate::envelope::{self, Wrapping};
use crate::message::{Package, StatusMessage};
use crate::strict::ObjectOnly;
use crate::xml::unsafe_char;

/// Free text: anything but the characters XML 1.0 cannot carry (`crate::xml::is_xml_char`).
pub const TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]*$";
/// Text that must say something: [`TEXT_PATTERN`] with at least one character that is not
/// white space (Rust's `char::is_whitespace`, listed out so that every regex engine agrees).
pub const NON_BLANK_TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]*[^\u0000-\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFFFE\uFFFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]*$";
/// What [`check_account`] allows.
pub const ACCOUNT_PATTERN: &str = "^[A-Za-z0-9._-]{1,64}$";

/// Why a message cannot be processed, naming the field: `packages[1].tracking_number: empty`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InvalidMessage {
    pub field: String,
    pub problem: String,
}

impl InvalidMessage {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// Unwraps, parses and validates one SQS body.
pub fn parse_body(body: &str) -> Result<(StatusMessage, Wrapping), InvalidMessage> {
    let (text, wrapping) = envelope::unwrap(body)?;
    let message = parse_message(&text).map_err(|e| envelope::locate(e, &text, wrapping))?;
    Ok((message, wrapping))
}

/// What can still be read of an invalid message: its account and order id, so that the log
/// line and the operator can tell which order's message was refused. Only for bodies that
/// failed, never on the hot path.
pub fn salvage_identity(body: &str) -> (Option<String>, Option<String>) {
    let Some(value) = salvage_value(body) else {
        return (None, None);
    };
    let text_at = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let order = text_at("/order/id")
        .or_else(|| text_at("/order/reference").map(|reference| format!("reference {reference}")));
    (text_at("/account"), order)
}

/// The account a dead letter's body is for, as the function reads it: its `account`, or the
/// default account when the message names none; `None` when the body is no JSON object or its
/// account is no string.
pub fn salvage_account(body: &str) -> Option<String> {
    match salvage_value(body)?.as_object()?.get("account") {
        None => Some(crate::message::DEFAULT_ACCOUNT.to_owned()),
        Some(account) => account.as_str().map(str::to_owned),
    }
}

/// The body's message as JSON, envelope removed, whether or not it is a valid message.
fn salvage_value(body: &str) -> Option<serde_json::Value> {
    let (text, _) = envelope::unwrap(body).ok()?;
    serde_json::from_str(&text).ok()
}

/// Parses and validates the canonical JSON text of one message.
pub fn parse_message(text: &str) -> Result<StatusMessage, InvalidMessage> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed: Result<ObjectOnly<StatusMessage>, _> =
        serde_path_to_error::deserialize(&mut deserializer);
    let message = parsed.map(|m| m.0).map_err(|e| {
        let path = e.path().to_string();
        // `?` is serde_path_to_error's name for a place it could not follow (a key that is
        // not a string, say): at the top it is the message as a whole. So is a blank path:
        // an unknown field whose key is "" or white space (found by fuzzing).
        let top = path.trim().is_empty() || path == "." || path == "?";
        let problem = e.into_inner().to_string();
        // serde names a missing or repeated field only in its text; the path stops at its
        // parent.
        let named = ["missing field `", "duplicate field `"]
            .iter()
            .find_map(|prefix| problem.strip_prefix(prefix))
            .and_then(|rest| rest.split('`').next());
        let field = match (top, named) {
            (true, Some(name)) => name.to_owned(),
            (false, Some(name)) => format!("{path}.{name}"),
            (true, None) => "message".to_owned(),
            (false, None) => path,
        };
        InvalidMessage::new(field, problem)
    })?;
    deserializer
        .end()
        .map_err(|e| InvalidMessage::new("message", e.to_string()))?;
    validate(&message)?;
    Ok(message)
}

/// The checks beyond the message's shape.
pub fn validate(message: &StatusMessage) -> Result<(), InvalidMessage> {
    if message.version != 1 {
        return Err(InvalidMessage::new(
            "version",
            format!("must be 1, got {}", message.version),
        ));
    }
    check_account(&message.account)?;
    check_characters(message)?;
    match (&message.order.id, &message.order.reference) {
        (Some(id), _) => check_text("order.id", id, 128)?,
        (None, Some(reference)) => check_text("order.reference", reference, 128)?,
        (None, None) => {
            return Err(InvalidMessage::new(
                "order.id",
                "missing (an order is named by its id, or by its reference where the platform \
                 can look it up)",
            ));
        }
    }
    if let Some(id) = &message.id {
        check_text("id", id, 256)?;
    }
    for (i, package) in message.packages.iter().enumerate() {
        check_package(i, package)?;
    }
    let mut seen = HashSet::new();
    for (i, line) in message.lines.iter().enumerate() {
        check_text(&format!("lines[{i}].line_id"), &line.line_id, 128)?;
        if !seen.insert(line.line_id.as_str()) {
            return Err(InvalidMessage::new(
                format!("lines[{i}].line_id"),
                format!("duplicate line id {:?}", line.line_id),
            ));
        }
    }
    Ok(())
}

fn check_account(account: &str) -> Result<(), InvalidMessage> {
    // The account names a Secrets Manager secret, so keep it to characters that are safe there.
    let valid = !account.is_empty()
        && account.len() <= 64
        && account
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(InvalidMessage::new(
            "account",
            format!("{account:?} must be 1-64 characters of A-Z, a-z, 0-9, '-', '_' or '.'"),
        ))
    }
}

/// Non-blank and at most `max_chars` characters (JSON Schema's `maxLength` counts characters).
fn check_text(field: &str, value: &str, max_chars: usize) -> Result<(), InvalidMessage> {
    if value.trim().is_empty() {
        Err(InvalidMessage::new(field, "empty"))
    } else if value.len() > max_chars && value.chars().count() > max_chars {
        Err(InvalidMessage::new(
            field,
            format!("longer than {max_chars} characters"),
        ))
    } else {
        Ok(())
    }
}

/// Every string of the message is free of characters XML 1.0 cannot carry. They mean nothing
/// in an order status, and one of them in a CV3 document makes the whole call (and every good
/// message in it) fail; refusing them here, before any platform, keeps every platform safe.
/// A new string field of the message must be added here (the schema agreement test's corpus
/// catches one that is not, once it has a case for it).
fn check_characters(m: &StatusMessage) -> Result<(), InvalidMessage> {
    let order = &m.order;
    for (field, value) in [
        ("id", m.id.as_deref()),
        ("order.id", order.id.as_deref()),
        ("order.reference", order.reference.as_deref()),
        ("order.number_prefix", order.number_prefix.as_deref()),
        ("order.erp_order_number", order.erp_order_number.as_deref()),
        ("order.customer_number", order.customer_number.as_deref()),
        ("detail", m.detail.as_deref()),
        ("reason", m.reason.as_deref()),
        (
            "payment.status",
            m.payment.as_ref().map(|p| p.status.as_str()),
        ),
    ] {
        xml_safe(value, || field.to_owned())?;
    }
    for (i, package) in m.packages.iter().enumerate() {
        for (name, value) in [
            ("id", package.id.as_deref()),
            ("carrier", package.carrier.as_deref()),
            ("service", package.service.as_deref()),
            ("tracking_number", package.tracking_number.as_deref()),
        ] {
            xml_safe(value, || format!("packages[{i}].{name}"))?;
        }
        for (j, line) in package.lines.iter().enumerate() {
            for (name, value) in [
                ("line_id", Some(line.line_id.as_str())),
                ("sku", line.sku.as_deref()),
            ] {
                xml_safe(value, || format!("packages[{i}].lines[{j}].{name}"))?;
            }
        }
    }
    for (i, line) in m.lines.iter().enumerate() {
        for (name, value) in [
            ("line_id", Some(line.line_id.as_str())),
            ("reason", line.reason.as_deref()),
            ("detail", line.detail.as_deref()),
        ] {
            xml_safe(value, || format!("lines[{i}].{name}"))?;
        }
    }
    Ok(())
}

/// The field's name is built only for the value at fault: this runs on every message.
fn xml_safe(value: Option<&str>, field: impl FnOnce() -> String) -> Result<(), InvalidMessage> {
    match value.and_then(unsafe_char) {
        None => Ok(()),
        Some(problem) => Err(InvalidMessage::new(
            field(),
            format!("{problem} (no platform can be sent it)"),
        )),
    }
}

fn check_package(i: usize, package: &Package) -> Result<(), InvalidMessage> {
    let field = |name: &str| format!("packages[{i}].{name}");
    if let Some(tracking) = &package.tracking_number {
        check_text(&field("tracking_number"), tracking, 128)?;
    }
    if let Some(carrier) = &package.carrier {
        check_text(&field("carrier"), carrier, 64)?;
    }
    if package.is_shipped() && package.tracking_number.is_none() && package.carrier.is_some() {
        return Err(InvalidMessage::new(
            field("tracking_number"),
            "missing for a shipped package with a carrier",
        ));
    }
    for (j, line) in package.lines.iter().enumerate() {
        check_text(&field(&format!("lines[{j}].line_id")), &line.line_id, 128)?;
        if let Some(quantity) = line.quantity
            && (quantity.is_nan() || quantity <= 0.0)
        {
            return Err(InvalidMessage::new(
                field(&format!("lines[{j}].quantity")),
                // Debug: `-1e-300`, where Display writes out three hundred zeros.
                format!("must be positive, got {quantity:?}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seed_example() -> serde_json::Value {
        json!({
            "version": 1,
            "platform": "cv3",
            "order": {"id": "12345"},
            "occurred_at": "2018-09-23T10:00:00-04:00",
            "packages": [
                {"carrier": "UPS", "service": "Ground", "tracking_number": "1Z3123134135",
                 "shipped_at": "2018-09-23T10:00:00-04:00"},
                {"carrier": "FedEx", "service": "2-Day", "tracking_number": "4563543534",
                 "shipped_at": "2018-09-23T11:00:00-04:00"}
            ]
        })
    }

    fn error_of(value: serde_json::Value) -> String {
        parse_message(&value.to_string()).unwrap_err().to_string()
    }

    #[test]
    fn seed_example_is_valid_with_default_account() {
        let message = parse_message(&seed_example().to_string()).unwrap();
        assert_eq!(message.account, "default");
        assert_eq!(message.packages.len(), 2);
    }

    #[test]
    fn empty_tracking_number_names_the_package() {
        let mut value = seed_example();
        value["packages"][1]["tracking_number"] = json!("  ");
        assert_eq!(error_of(value), "packages[1].tracking_number: empty");
    }

    #[test]
    fn shape_errors_carry_the_json_path() {
        let mut value = seed_example();
        value["packages"][0]["shipped_at"] = json!("yesterday");
        assert!(
            error_of(value).starts_with("packages[0].shipped_at:"),
            "path missing"
        );
        let mut value = seed_example();
        value["platform"] = json!("amazon");
        assert!(error_of(value).starts_with("platform: unknown variant `amazon`"));
        let mut value = seed_example();
        value["colour"] = json!("red");
        assert!(error_of(value).contains("unknown field `colour`"));
        for blank in ["", "  ", "\n"] {
            let mut value = seed_example();
            value[blank] = json!("red");
            assert!(
                error_of(value).starts_with(&format!("message: unknown field `{blank}`")),
                "a blank key names the message"
            );
        }
    }

    #[test]
    fn a_repeated_field_is_named() {
        let text = r#"{"version":1,"platform":"cv3","order":{"id":"1"},"reason":"a","reason":"b"}"#;
        let error = parse_message(text).unwrap_err();
        assert_eq!(error.field, "reason", "{error}");
        assert!(
            error.problem.starts_with("duplicate field `reason`"),
            "{error}"
        );
        let text = r#"{"version":1,"platform":"cv3","order":{"id":"1","id":"2"}}"#;
        assert_eq!(parse_message(text).unwrap_err().field, "order.id");
    }

    #[test]
    fn missing_occurred_at_is_named() {
        let mut value = seed_example();
        value.as_object_mut().unwrap().remove("occurred_at");
        assert!(error_of(value).contains("missing field `occurred_at`"));
    }

    #[test]
    fn version_account_and_order_id_are_checked() {
        let mut value = seed_example();
        value["version"] = json!(2);
        assert_eq!(error_of(value), "version: must be 1, got 2");
        let mut value = seed_example();
        value["account"] = json!("../other");
        assert!(error_of(value).starts_with("account: "));
        let mut value = seed_example();
        value["order"]["id"] = json!("");
        assert_eq!(error_of(value), "order.id: empty");
    }

    #[test]
    fn an_order_is_named_by_its_id_or_else_its_reference() {
        let mut value = seed_example();
        value["order"] = json!({"reference": "CS48193"});
        let message = parse_message(&value.to_string()).expect("a reference alone names an order");
        assert_eq!(message.order.key(), "reference CS48193");
        let refused = message.order.require_id("Seller Center").unwrap_err();
        assert_eq!(refused.field, "order.id");
        assert!(
            refused
                .problem
                .contains("Seller Center addresses orders by id")
        );
        value["order"] = json!({"erp_order_number": "ERP-1"});
        assert!(error_of(value).starts_with("order.id: missing"));
    }

    #[test]
    fn an_invalid_message_still_names_its_order() {
        let mut value = seed_example();
        value["version"] = json!(7);
        value["account"] = json!("store-b");
        assert_eq!(
            salvage_identity(&value.to_string()),
            (Some("store-b".into()), Some("12345".into()))
        );
        assert_eq!(salvage_identity("not json"), (None, None));
    }

    #[test]
    fn a_letter_without_an_account_is_the_default_accounts() {
        assert_eq!(
            salvage_account(r#"{"account":"store-b","version":7}"#).as_deref(),
            Some("store-b")
        );
        assert_eq!(
            salvage_account(r#"{"order":{"id":"1"}}"#).as_deref(),
            Some("default")
        );
        assert_eq!(salvage_account(r#"{"account":7}"#), None);
        assert_eq!(salvage_account("[1]"), None);
        assert_eq!(salvage_account("not json"), None);
    }

    #[test]
    fn a_character_xml_cannot_carry_is_refused_naming_field_and_character() {
        let mut value = seed_example();
        value["order"]["id"] = json!("12345-a\u{1}b");
        assert_eq!(
            error_of(value),
            "order.id: contains U+0001, a character XML 1.0 cannot carry (no platform can be sent it)"
        );
        let mut value = seed_example();
        value["packages"][1]["carrier"] = json!("Fed\u{FFFF}Ex");
        assert!(error_of(value).starts_with("packages[1].carrier: contains U+FFFF,"));
        let mut value = seed_example();
        value["reason"] = json!("one\r\ntwo\tthree");
        assert!(
            parse_message(&value.to_string()).is_ok(),
            "CR, LF and tab are text"
        );
    }

    #[test]
    fn a_quantity_is_shown_short() {
        let mut value = seed_example();
        value["packages"][0]["lines"] = json!([{"line_id": "1", "quantity": -1e-300}]);
        assert_eq!(
            error_of(value),
            "packages[0].lines[0].quantity: must be positive, got -1e-300"
        );
    }

    #[test]
    fn duplicate_line_ids_are_refused() {
        let mut value = seed_example();
        value["lines"] = json!([{"line_id": "1"}, {"line_id": "1"}]);
        assert_eq!(error_of(value), "lines[1].line_id: duplicate line id \"1\"");
    }
}
