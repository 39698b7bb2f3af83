//! A batch of CV3 entries → one SOAP 1.1 `CV3Data(data)` request.
//!
//! `data` is the base64 of the inner `<CV3Data version="2.0">` document, which carries the
//! credentials in `<authenticate>`, confirmations in `<confirm>` and status updates in
//! `<orders>`. The inner document is written with quick-xml's writer, so every value is escaped
//! (carriage returns as `&#13;`, see [`orderstatus::xml::text`]); the envelope is the shared
//! [`orderstatus::soap`] call (rpc/encoded, as CV3's PHP SOAP server publishes it).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use orderstatus::soap::{SoapCall, Style};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};

use crate::mapping::{Cv3Payload, StatusEntry};

pub const CV3_BODY_NS: &str = "http://soapinterop.org/";
/// The WSDL's soapAction for `CV3Data`.
pub const DEFAULT_SOAP_ACTION: &str = "https://service.commercev3.com/index.php/CV3Data";

/// The `<authenticate>` values. The CLI's `render` passes redacted ones.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub user: &'a str,
    pub pass: &'a str,
    pub service_id: &'a str,
}

type XmlResult = Result<(), std::io::Error>;

/// One encoded `CV3Data` call: the inner document and the SOAP envelope that carries it as
/// base64. `upload` sends the envelope; `render` shows both.
#[derive(Debug, Clone)]
pub struct EncodedCall {
    pub inner: Vec<u8>,
    pub envelope: Vec<u8>,
}

/// Encodes one batch as one call.
pub fn encode_call(
    credentials: Credentials<'_>,
    batch: &[&Cv3Payload],
    notify: bool,
) -> EncodedCall {
    let inner = inner_document(credentials, batch, notify);
    let envelope = soap_envelope(&inner);
    EncodedCall { inner, envelope }
}

/// The inner `<CV3Data version="2.0">` document for one batch. `notify` allows the
/// `tracking_notification` attribute (set per entry on a first tracking upload).
pub fn inner_document(
    credentials: Credentials<'_>,
    batch: &[&Cv3Payload],
    notify: bool,
) -> Vec<u8> {
    let mut writer = Writer::new(Vec::with_capacity(256 + batch.len() * 200));
    // Writing into a Vec cannot fail.
    let _ = write_inner(&mut writer, credentials, batch, notify);
    writer.into_inner()
}

fn write_inner(
    writer: &mut Writer<Vec<u8>>,
    credentials: Credentials<'_>,
    batch: &[&Cv3Payload],
    notify: bool,
) -> XmlResult {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer.write_event(Event::Start(
        BytesStart::new("CV3Data").with_attributes([("version", "2.0")]),
    ))?;
    start(writer, "request")?;
    start(writer, "authenticate")?;
    text_element(writer, "user", credentials.user)?;
    text_element(writer, "pass", credentials.pass)?;
    text_element(writer, "serviceID", credentials.service_id)?;
    end(writer, "authenticate")?;
    end(writer, "request")?;

    let confirmations: Vec<&str> = batch
        .iter()
        .filter_map(|p| match p {
            Cv3Payload::Confirm { order_id } => Some(order_id.as_str()),
            Cv3Payload::Status(_) => None,
        })
        .collect();
    if !confirmations.is_empty() {
        start(writer, "confirm")?;
        start(writer, "orderConfirm")?;
        for order_id in confirmations {
            text_element(writer, "orderConf", order_id)?;
        }
        end(writer, "orderConfirm")?;
        end(writer, "confirm")?;
    }

    let statuses: Vec<&StatusEntry> = batch
        .iter()
        .filter_map(|p| match p {
            Cv3Payload::Status(entry) => Some(entry),
            Cv3Payload::Confirm { .. } => None,
        })
        .collect();
    if !statuses.is_empty() {
        start(writer, "orders")?;
        for entry in statuses {
            let mut status = BytesStart::new("status");
            if notify && entry.tracking_notification {
                status.push_attribute(("tracking_notification", "true"));
            }
            writer.write_event(Event::Start(status))?;
            text_element(writer, "orderID", &entry.order_id)?;
            text_element(writer, "status", &entry.status)?;
            text_element(writer, "tracking", &entry.tracking)?;
            text_element(
                writer,
                "custNum",
                entry.customer_number.as_deref().unwrap_or(""),
            )?;
            end(writer, "status")?;
        }
        end(writer, "orders")?;
    }
    end(writer, "CV3Data")
}

/// The SOAP 1.1 `CV3Data(data)` call around an inner document, `data` being its base64.
pub fn soap_envelope(inner: &[u8]) -> Vec<u8> {
    let data = STANDARD.encode(inner);
    SoapCall {
        namespace: CV3_BODY_NS,
        operation: "CV3Data",
        style: Style::RpcEncoded,
        parameters: &[("data", &data)],
    }
    .envelope()
}

fn start(writer: &mut Writer<Vec<u8>>, name: &str) -> XmlResult {
    writer.write_event(Event::Start(BytesStart::new(name)))
}

fn end(writer: &mut Writer<Vec<u8>>, name: &str) -> XmlResult {
    writer.write_event(Event::End(BytesEnd::new(name)))
}

fn text_element(writer: &mut Writer<Vec<u8>>, name: &str, value: &str) -> XmlResult {
    start(writer, name)?;
    writer.write_event(Event::Text(orderstatus::xml::text(value)))?;
    end(writer, name)
}
