//! A Speed4Trade answer → one report per order.
//!
//! The SOAP response's `return` string holds `<response method="updateOrderStatus"
//! version="1.0.0">` with one `<report return_code="…">` per order (0 = OK, < 0 = error, with
//! an `error_description`). A report names its order by `reference_id` (attribute, or element
//! as in `updateOrders`); one that does not is matched by position.

use orderstatus::answer::excerpt;
use orderstatus::soap::{SoapAnswer, read_answer};
use orderstatus::xml::TextCollector;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One order's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub reference_id: Option<String>,
    pub return_code: i64,
    pub error_description: Option<String>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.return_code >= 0
    }
}

/// What a Speed4Trade response says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum S4tAnswer {
    Reports(Vec<Report>),
    Fault {
        code: String,
        message: String,
    },
    /// Not a SOAP envelope with a readable `<response>`: a proxy page, a truncated body, …
    Garbage {
        problem: String,
    },
}

/// Reads a SOAP response body.
pub fn read_response(body: &str) -> S4tAnswer {
    match read_answer(body) {
        Ok(SoapAnswer::Fault { code, message }) => S4tAnswer::Fault { code, message },
        Ok(SoapAnswer::Return(document)) => match reports_of(&document) {
            Ok(reports) => S4tAnswer::Reports(reports),
            Err(problem) => S4tAnswer::Garbage { problem },
        },
        Err(problem) => S4tAnswer::Garbage { problem },
    }
}

/// Which element's text is being read.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    ErrorDescription,
    ReferenceId,
}

/// The reports of a `<response>` document.
pub fn reports_of(document: &str) -> Result<Vec<Report>, String> {
    let mut reader = Reader::from_str(document);
    let mut text = TextCollector::default();
    let mut reports = Vec::new();
    let mut root_seen = false;
    let mut field: Option<Field> = None;
    let not_xml = |e: &dyn std::fmt::Display| {
        format!("return is not an XML document ({e}): {}", excerpt(document))
    };
    loop {
        let event = reader.read_event().map_err(|e| not_xml(&e))?;
        match event {
            Event::Start(start) | Event::Empty(start) if !root_seen => {
                if start.local_name().as_ref() != b"response" {
                    return Err(format!(
                        "return is not an updateOrderStatus response: {}",
                        excerpt(document)
                    ));
                }
                root_seen = true;
            }
            Event::Start(start) => match start.local_name().as_ref() {
                b"report" => reports.push(report(&start)?),
                b"error_description" => {
                    field = Some(Field::ErrorDescription);
                    text.clear();
                }
                b"reference_id" => {
                    field = Some(Field::ReferenceId);
                    text.clear();
                }
                _ => {}
            },
            Event::Empty(start) if start.local_name().as_ref() == b"report" => {
                reports.push(report(&start)?);
            }
            Event::Text(t) if field.is_some() => text.push_text(&t)?,
            Event::GeneralRef(r) if field.is_some() => text.push_ref(&r)?,
            Event::CData(c) if field.is_some() => {
                text.push_str(&String::from_utf8_lossy(&c.into_inner()))
            }
            Event::End(_) if field.is_some() => {
                let value = text.take().trim().to_owned();
                if let Some(last) = reports.last_mut() {
                    match field {
                        Some(Field::ErrorDescription) => last.error_description = Some(value),
                        Some(Field::ReferenceId) => last.reference_id = Some(value),
                        None => {}
                    }
                }
                field = None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if root_seen {
        Ok(reports)
    } else {
        Err(format!("return holds no document: {}", excerpt(document)))
    }
}

fn report(start: &BytesStart<'_>) -> Result<Report, String> {
    let mut return_code = None;
    let mut reference_id = None;
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("report attribute: {e}"))?;
        let value = attribute
            .unescape_value()
            .map_err(|e| format!("report attribute: {e}"))?;
        match attribute.key.local_name().as_ref() {
            b"return_code" => {
                return_code =
                    Some(value.trim().parse::<i64>().map_err(|_| {
                        format!("report return_code {value:?} is not a whole number")
                    })?)
            }
            b"reference_id" => reference_id = Some(value.into_owned()),
            _ => {}
        }
    }
    Ok(Report {
        reference_id,
        return_code: return_code.ok_or("a report has no return_code")?,
        error_description: None,
    })
}
