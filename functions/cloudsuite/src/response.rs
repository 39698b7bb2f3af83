//! Reading CloudSuite's answers. Its API is Django REST Framework: a refusal is a 400 with a
//! field map (`{"state":["\"x\" is not a valid choice."]}`), a missing object a 404
//! `{"detail":"Not found."}`, a throttle a 429 with `Retry-After`. What is common to every
//! platform (401, 429, 5xx, unreadable bodies) is decided by `orderstatus::answer::classify`.

use orderstatus::answer::{BodySays, excerpt};
use orderstatus::http::HttpResponse;
use serde::Deserialize;
use serde_json::Value;

use crate::request::{CallKind, CallRequest};

/// What a call achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Done now; CloudSuite's id of what it created, when it says.
    Done { reference: Option<String> },
    /// A DESADV whose number CloudSuite already has: sent before, by this unit.
    AlreadyThere,
}

/// An order as a lookup answers it (the fields the client needs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderSummary {
    pub id: Value,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub erp_order_number: Option<String>,
}

impl OrderSummary {
    pub fn id_text(&self) -> String {
        match &self.id {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }

    /// A DESADV's `OrderNum`: the ERP order number, else CloudSuite's own.
    pub fn number(&self) -> Option<String> {
        self.erp_order_number
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| self.reference.clone())
    }
}

/// `GET /api/order/?…`: a page of orders.
#[derive(Debug, Deserialize)]
pub struct OrderPage {
    pub count: usize,
    pub results: Vec<OrderSummary>,
}

/// Reads the answer to a write (PATCH, DESADV, timeline).
pub fn read_write(request: &CallRequest, response: &HttpResponse) -> BodySays<Applied> {
    let status = response.status.as_u16();
    if response.status.is_success() {
        return match serde_json::from_str::<Value>(&response.body) {
            Ok(body) => BodySays::Answer(Applied::Done {
                reference: created_id(request.kind, &body),
            }),
            Err(e) => BodySays::Unreadable(format!("not JSON ({e})")),
        };
    }
    match status {
        400 => {
            let refusal = field_errors(&response.body);
            if request.kind == CallKind::Delivery && is_known_delivery(&refusal) {
                return BodySays::Answer(Applied::AlreadyThere);
            }
            match refusal {
                Some(fields) => BodySays::Refused(fields.text()),
                None => BodySays::Unreadable(excerpt(&response.body)),
            }
        }
        404 => BodySays::Refused(format!("{} not found in CloudSuite", request.about)),
        _ => detail_or_unreadable(&response.body),
    }
}

/// Reads the answer to a lookup (`GET /api/order/?reference=` or `GET /api/order/{id}/`).
pub fn read_lookup<T: for<'de> Deserialize<'de>>(
    request: &CallRequest,
    response: &HttpResponse,
) -> BodySays<T> {
    match response.status.as_u16() {
        200 => match serde_json::from_str::<T>(&response.body) {
            Ok(answer) => BodySays::Answer(answer),
            Err(e) => BodySays::Unreadable(format!("not an order list or order ({e})")),
        },
        404 => BodySays::Refused(format!("{} not found in CloudSuite", request.about)),
        400 => match field_errors(&response.body) {
            Some(fields) => BodySays::Refused(fields.text()),
            None => BodySays::Unreadable(excerpt(&response.body)),
        },
        _ => detail_or_unreadable(&response.body),
    }
}

/// `{"detail": "…"}`, DRF's shape for errors that are not about a field.
fn detail_or_unreadable<T>(body: &str) -> BodySays<T> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => match map.get("detail").and_then(Value::as_str) {
            Some(detail) => BodySays::Unreadable(detail.to_owned()),
            None => BodySays::Unreadable(excerpt(body)),
        },
        _ => BodySays::Unreadable(excerpt(body)),
    }
}

/// A DRF validation error: each field with its messages, in the answer's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, Vec<String>)>);

impl FieldErrors {
    /// `state: "x" is not a valid choice.; erp_order_number: …`.
    pub fn text(&self) -> String {
        self.0
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join(" ")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The field map of a 400, if the body is one (`{"field": ["message", …]}` or
/// `{"field": "message"}`).
pub fn field_errors(body: &str) -> Option<FieldErrors> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) else {
        return None;
    };
    let fields: Vec<(String, Vec<String>)> = map
        .into_iter()
        .map(|(field, value)| {
            let messages = match value {
                Value::Array(items) => items.iter().map(message_text).collect(),
                other => vec![message_text(&other)],
            };
            (field, messages)
        })
        .collect();
    (!fields.is_empty()).then_some(FieldErrors(fields))
}

fn message_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// CloudSuite sends a delivery once: a refusal of its number as already existing means an
/// earlier attempt of this unit went through.
fn is_known_delivery(refusal: &Option<FieldErrors>) -> bool {
    refusal.as_ref().is_some_and(|fields| {
        fields.0.iter().any(|(field, messages)| {
            field == "DesadvNumber"
                && messages
                    .iter()
                    .any(|m| m.to_ascii_lowercase().contains("already exists"))
        })
    })
}

/// What CloudSuite created: a delivery's or a timeline entry's id.
fn created_id(kind: CallKind, body: &Value) -> Option<String> {
    let id = body.get("id")?;
    let id = match id {
        Value::String(text) => text.clone(),
        Value::Null => return None,
        other => other.to_string(),
    };
    Some(match kind {
        CallKind::Delivery => format!("delivery {id}"),
        CallKind::Timeline => format!("status {id}"),
        CallKind::Patch | CallKind::Lookup => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.to_owned(),
            attempts: 1,
        }
    }

    fn request(kind: CallKind) -> CallRequest {
        CallRequest {
            kind,
            method: reqwest::Method::POST,
            url: url::Url::parse("https://api.cloudsuite.io/").unwrap(),
            content_type: None,
            body: Default::default(),
            about: "order 12345".to_owned(),
        }
    }

    #[test]
    fn a_field_map_is_refused_with_its_words() {
        let says = read_write(
            &request(CallKind::Patch),
            &answer(
                400,
                r#"{"state":["Cannot change state from done to cancel."]}"#,
            ),
        );
        assert_eq!(
            says,
            BodySays::Refused("state: Cannot change state from done to cancel.".to_owned())
        );
    }

    #[test]
    fn a_known_desadv_number_is_already_there_but_only_for_deliveries() {
        let body = r#"{"DesadvNumber":["Delivery with DesadvNumber 12345-P1 already exists."]}"#;
        assert_eq!(
            read_write(&request(CallKind::Delivery), &answer(400, body)),
            BodySays::Answer(Applied::AlreadyThere)
        );
        assert!(matches!(
            read_write(&request(CallKind::Timeline), &answer(400, body)),
            BodySays::Refused(_)
        ));
    }

    #[test]
    fn not_found_names_the_order() {
        assert_eq!(
            read_write(
                &request(CallKind::Patch),
                &answer(404, r#"{"detail":"Not found."}"#)
            ),
            BodySays::Refused("order 12345 not found in CloudSuite".to_owned())
        );
    }

    #[test]
    fn a_created_delivery_gives_its_id() {
        assert_eq!(
            read_write(
                &request(CallKind::Delivery),
                &answer(201, r#"{"id":7,"DesadvNumber":"x"}"#)
            ),
            BodySays::Answer(Applied::Done {
                reference: Some("delivery 7".to_owned())
            })
        );
        assert!(matches!(
            read_write(&request(CallKind::Patch), &answer(200, "<html>")),
            BodySays::Unreadable(_)
        ));
    }
}
