//! A CV3 answer → what happened to the batch.
//!
//! CV3 has no structured error schema: a failure is a SOAP fault, or `<error>` elements in the
//! base64-decoded `return` document (the envelope is read by the shared [`orderstatus::soap`]). An error that names an order of the batch belongs to that
//! order; one that names none belongs to the whole request.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use orderstatus::answer::excerpt;
use orderstatus::soap::{SoapAnswer, read_answer};
use orderstatus::xml::TextCollector;
use quick_xml::Reader;
use quick_xml::events::Event;

/// What a CV3 response says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cv3Answer {
    /// The decoded document; its `<error>` texts, if any.
    Document { errors: Vec<String> },
    /// A SOAP fault.
    Fault { code: String, message: String },
    /// Not a SOAP envelope with a decodable `return`: a proxy page, a truncated body, …
    Garbage { problem: String },
}

/// Reads a SOAP response body.
pub fn read_response(body: &str) -> Cv3Answer {
    let document = match read_answer(body) {
        Ok(SoapAnswer::Fault { code, message }) => return Cv3Answer::Fault { code, message },
        Ok(SoapAnswer::Return(data)) => decode_return(&data),
        Err(problem) => Err(problem),
    };
    match document.and_then(|document| errors_of(&document)) {
        Ok(errors) => Cv3Answer::Document { errors },
        Err(problem) => Cv3Answer::Garbage { problem },
    }
}

/// The decoded `return` document of a response, for display (`render`, logs).
pub fn decoded_return(body: &str) -> Option<String> {
    match read_answer(body).ok()? {
        SoapAnswer::Return(data) => decode_return(&data).ok(),
        SoapAnswer::Fault { .. } => None,
    }
}

/// `return` is base64 (possibly wrapped over lines) of a UTF-8 document.
fn decode_return(data: &str) -> Result<String, String> {
    let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("return is not base64 ({e})"))?;
    String::from_utf8(bytes).map_err(|_| "decoded return is not UTF-8".to_owned())
}

/// The `<error>` texts of a decoded `<CV3Data>` document.
fn errors_of(document: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader::from_str(document);
    let mut text = TextCollector::default();
    let mut errors = Vec::new();
    let mut root_seen = false;
    let mut in_error = 0usize;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("decoded return is not XML ({e}): {}", excerpt(document)))?
        {
            Event::Start(start) => {
                if !root_seen {
                    if start.local_name().as_ref() != b"CV3Data" {
                        return Err(format!(
                            "decoded return is not a CV3Data document: {}",
                            excerpt(document)
                        ));
                    }
                    root_seen = true;
                } else if start.local_name().as_ref() == b"error" {
                    in_error += 1;
                    text.clear();
                }
            }
            Event::Empty(empty) if !root_seen => {
                if empty.local_name().as_ref() != b"CV3Data" {
                    return Err(format!(
                        "decoded return is not a CV3Data document: {}",
                        excerpt(document)
                    ));
                }
                root_seen = true;
            }
            Event::Text(t) if in_error > 0 => text.push_text(&t)?,
            Event::GeneralRef(r) if in_error > 0 => text.push_ref(&r)?,
            Event::End(end) if end.local_name().as_ref() == b"error" && in_error > 0 => {
                in_error -= 1;
                errors.push(text.take().trim().to_owned());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if root_seen {
        Ok(errors)
    } else {
        Err(format!("decoded return is empty: {}", excerpt(document)))
    }
}

/// Whether an error text is about the login (CV3 rotates API passwords).
pub fn is_auth_error(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "authenticat",
        "password",
        "login",
        "credential",
        "serviceid",
        "unauthorized",
        "not authorized",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// Whether `text` names `order_id` as a whole word.
pub fn names_order(text: &str, order_id: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
        .any(|word| word == order_id)
}
