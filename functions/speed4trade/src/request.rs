//! A batch of order updates → one SOAP 1.1 `updateOrderStatus` call.
//!
//! The call's one string parameter `argRequestData` holds the `<request method="updateOrderStatus"
//! version="1.0.0">` document, with one `<order>` per update, each with a `reference_id` unique
//! within the call (its position, from 1) by which its `<report>` comes back. The document is
//! written with quick-xml's writer (every value escaped), then carried as escaped text by the
//! shared [`orderstatus::soap`] call (document/literal).

use orderstatus::soap::{SoapCall, Style};
use orderstatus::xml::text;
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, Event};

use crate::mapping::OrderUpdate;
use crate::settings::PaymentStatus;

pub const OPERATION: &str = "updateOrderStatus";
pub const PARAMETER: &str = "argRequestData";
pub const VERSION: &str = "1.0.0";

/// The `reference_id` of the order at `index` of a call.
pub fn reference_id(index: usize) -> String {
    (index + 1).to_string()
}

/// One encoded call: the request document and the SOAP envelope that carries it. `upload`
/// sends the envelope; `render` shows both.
#[derive(Debug, Clone)]
pub struct EncodedCall {
    pub document: String,
    pub envelope: Vec<u8>,
}

/// Encodes one batch as one call to the operation in `namespace`.
pub fn encode_call(namespace: &str, batch: &[&OrderUpdate]) -> EncodedCall {
    let document = request_document(batch);
    let envelope = SoapCall {
        namespace,
        operation: OPERATION,
        style: Style::Literal,
        parameters: &[(PARAMETER, &document)],
    }
    .envelope();
    EncodedCall { document, envelope }
}

type XmlResult = Result<(), std::io::Error>;

/// The `<request>` document of one batch.
pub fn request_document(batch: &[&OrderUpdate]) -> String {
    let mut writer = Writer::new(Vec::with_capacity(128 + batch.len() * 400));
    // Writing into a Vec cannot fail.
    let _ = write_request(&mut writer, batch);
    // Only &str values went in, so the bytes are UTF-8.
    String::from_utf8(writer.into_inner()).unwrap_or_default()
}

fn write_request(writer: &mut Writer<Vec<u8>>, batch: &[&OrderUpdate]) -> XmlResult {
    writer.write_event(Event::Start(
        BytesStart::new("request").with_attributes([("method", OPERATION), ("version", VERSION)]),
    ))?;
    for (index, update) in batch.iter().enumerate() {
        write_order(writer, update, &reference_id(index))?;
    }
    end(writer, "request")
}

fn write_order(writer: &mut Writer<Vec<u8>>, update: &OrderUpdate, reference: &str) -> XmlResult {
    writer.write_event(Event::Start(BytesStart::new("order").with_attributes([
        ("significant_key", update.significant_key.as_str()),
        ("reference_id", reference),
    ])))?;
    element(writer, "mandator_id", &update.mandator_id.to_string())?;
    for (name, value) in &update.keys {
        element(writer, name, value)?;
    }
    element(writer, "status", update.status.as_str())?;
    if !update.shipping.is_empty() {
        start(writer, "shipping_informations")?;
        for package in &update.shipping {
            start(writer, "shipping_information")?;
            element(writer, "tracking_number", &package.tracking_number)?;
            optional(
                writer,
                "shipping_provider_identifier",
                package.provider_identifier.as_deref(),
            )?;
            optional(
                writer,
                "shipping_provider_external_id",
                package.provider_external_id.as_deref(),
            )?;
            optional(writer, "shipping_date", package.shipping_date.as_deref())?;
            end(writer, "shipping_information")?;
        }
        end(writer, "shipping_informations")?;
    }
    if let Some(payment) = &update.payment {
        start(writer, "payment_informations")?;
        start(writer, "payment_information")?;
        match payment {
            PaymentStatus::Id(id) => element(writer, "payment_status_id", &id.to_string())?,
            PaymentStatus::Identifier(name) => element(writer, "payment_status_identifier", name)?,
        }
        end(writer, "payment_information")?;
        end(writer, "payment_informations")?;
    }
    if let Some(export_time) = &update.export_time {
        start(writer, "acknowledgement_informations")?;
        start(writer, "acknowledgement_information")?;
        element(writer, "export_time", export_time)?;
        end(writer, "acknowledgement_information")?;
        end(writer, "acknowledgement_informations")?;
    }
    end(writer, "order")
}

fn start(writer: &mut Writer<Vec<u8>>, name: &str) -> XmlResult {
    writer.write_event(Event::Start(BytesStart::new(name)))
}

fn end(writer: &mut Writer<Vec<u8>>, name: &str) -> XmlResult {
    writer.write_event(Event::End(BytesEnd::new(name)))
}

fn element(writer: &mut Writer<Vec<u8>>, name: &str, value: &str) -> XmlResult {
    start(writer, name)?;
    writer.write_event(Event::Text(text(value)))?;
    end(writer, name)
}

fn optional(writer: &mut Writer<Vec<u8>>, name: &str, value: Option<&str>) -> XmlResult {
    match value {
        Some(value) => element(writer, name, value),
        None => Ok(()),
    }
}
