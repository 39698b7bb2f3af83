//! Reading a JSON tree field by field, as a DRF serializer does: each problem is recorded
//! under the field's dotted path (`Desadv.DesadvHeader.DesadvNumber`, `state.value`) with DRF's
//! words, and reading goes on, so one answer names every bad field.

use serde_json::Value;

use super::drf::{FieldErrors, message};

/// Whether a text field may be empty (DRF's `allow_blank`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Blank {
    Allowed,
    Refused,
}

/// A place in the tree and its dotted path, for error keys.
pub(super) struct Node<'v> {
    value: &'v Value,
    path: String,
}

impl<'v> Node<'v> {
    pub(super) fn root(value: &'v Value) -> Self {
        Self::at(value, String::new())
    }

    pub(super) fn at(value: &'v Value, path: String) -> Self {
        Self { value, path }
    }

    pub(super) fn value(&self) -> &'v Value {
        self.value
    }

    /// Whether the optional field `key` was given (`null` counts as not given).
    pub(super) fn has(&self, key: &str) -> bool {
        self.value.get(key).is_some_and(|value| !value.is_null())
    }

    fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(super) fn is_object(&self, errors: &mut FieldErrors) -> bool {
        if self.value.is_object() {
            return true;
        }
        let field = if self.path.is_empty() {
            "non_field_errors"
        } else {
            &self.path
        };
        errors.add(field, "Invalid data. Expected a dictionary.");
        false
    }

    /// The child `key`, refused as required when missing.
    pub(super) fn child(&self, key: &str, errors: &mut FieldErrors) -> Option<Node<'v>> {
        // An empty XML element (`<LineItems/>`) reads as "": a container with no children.
        let empty_element = self.value.as_str() == Some("");
        if !empty_element && !self.is_object(errors) {
            return None;
        }
        match self.value.get(key) {
            Some(value) => Some(Node::at(value, self.path_of(key))),
            None => {
                errors.add(self.path_of(key), message::REQUIRED);
                None
            }
        }
    }

    /// A `CharField` child (trimmed, as DRF trims); numbers are taken as their text.
    pub(super) fn text(&self, key: &str, blank: Blank, errors: &mut FieldErrors) -> Option<String> {
        let node = self.child(key, errors)?;
        let text = match node.value {
            Value::String(text) => text.trim().to_owned(),
            Value::Number(number) => number.to_string(),
            Value::Null => {
                errors.add(node.path, message::NULL);
                return None;
            }
            _ => {
                errors.add(node.path, message::NOT_A_STRING);
                return None;
            }
        };
        if text.is_empty() && blank == Blank::Refused {
            errors.add(node.path, message::BLANK);
            return None;
        }
        Some(text)
    }

    pub(super) fn parsed<T>(
        &self,
        key: &str,
        errors: &mut FieldErrors,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.text(key, Blank::Refused, errors)?;
        parse(&text)
            .map_err(|problem| errors.add(self.path_of(key), problem))
            .ok()
    }
}

/// An `IntegerField`: like DRF, `11.0` is 11.
pub(super) fn integer(text: &str) -> Result<i64, String> {
    let whole = match text.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole,
        _ => text,
    };
    whole
        .parse()
        .map_err(|_| message::NOT_AN_INTEGER.to_owned())
}
