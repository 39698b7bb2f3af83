//! The SOAP 1.1 side of the SOAP sandboxes (CV3, Speed4Trade): a call's string parameter read
//! out of its envelope, and the envelopes of an answer (`return`) and of a fault.

use quick_xml::events::BytesText;

use crate::xml::{self, Element};

const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP_ENC: &str = "http://schemas.xmlsoap.org/soap/encoding/";
const XSD: &str = "http://www.w3.org/2001/XMLSchema";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Who a SOAP fault blames.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FaultCode {
    Client,
    Server,
}

/// The text of `parameter` of a call of `operation`, with the operation's namespace.
///
/// Elements are matched by local name only: real servers accept envelopes with other SOAP
/// namespaces and undeclared prefixes, so being strict here would reject working clients.
pub(crate) fn call_parameter(
    body: &[u8],
    operation: &str,
    parameter: &str,
) -> Result<Call, String> {
    let text = std::str::from_utf8(body).map_err(|_| "request is not UTF-8".to_owned())?;
    let envelope = Element::parse(text).map_err(|e| format!("request is not XML ({e})"))?;
    if envelope.name() != "Envelope" {
        return Err(format!(
            "root element is <{}>, expected a SOAP Envelope",
            envelope.name()
        ));
    }
    let call = envelope
        .child("Body")
        .ok_or("SOAP Envelope has no Body")?
        .child(operation)
        .ok_or_else(|| format!("Procedure not present: the SOAP Body has no {operation} call"))?;
    let value = call
        .child(parameter)
        .ok_or_else(|| format!("{operation} call has no {parameter} parameter"))?;
    Ok(Call {
        namespace: call.namespace().map(str::to_owned),
        value: value.text().to_owned(),
    })
}

/// What a call carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// The namespace the operation element was declared in, if any.
    pub(crate) namespace: Option<String>,
    pub(crate) value: String,
}

/// A successful call's envelope: `<ns1:{operation}Response><return>` holding `text` (escaped
/// by the writer), with `xsi:type` when the binding is rpc/encoded.
pub(crate) fn response(
    operation: &str,
    namespace: &str,
    text: &str,
    return_type: Option<&str>,
) -> Vec<u8> {
    let element = format!("ns1:{operation}Response");
    envelope(|writer| {
        writer
            .create_element(element.as_str())
            .with_attribute(("xmlns:ns1", namespace))
            .write_inner_content(|writer| {
                let mut returned = writer.create_element("return");
                if let Some(kind) = return_type {
                    returned = returned.with_attribute(("xsi:type", kind));
                }
                returned.write_text_content(BytesText::new(text))?;
                Ok(())
            })?;
        Ok(())
    })
}

pub(crate) fn fault(code: FaultCode, message: &str) -> Vec<u8> {
    let code = match code {
        FaultCode::Client => "SOAP-ENV:Client",
        FaultCode::Server => "SOAP-ENV:Server",
    };
    envelope(|writer| {
        writer
            .create_element("SOAP-ENV:Fault")
            .write_inner_content(|writer| {
                writer
                    .create_element("faultcode")
                    .write_text_content(BytesText::new(code))?;
                writer
                    .create_element("faultstring")
                    .write_text_content(BytesText::new(message))?;
                Ok(())
            })?;
        Ok(())
    })
}

fn envelope(body: impl FnOnce(&mut quick_xml::Writer<Vec<u8>>) -> std::io::Result<()>) -> Vec<u8> {
    xml::document(|writer| {
        writer
            .create_element("SOAP-ENV:Envelope")
            .with_attributes([
                ("xmlns:SOAP-ENV", SOAP_ENV),
                ("xmlns:SOAP-ENC", SOAP_ENC),
                ("xmlns:xsd", XSD),
                ("xmlns:xsi", XSI),
                ("SOAP-ENV:encodingStyle", SOAP_ENC),
            ])
            .write_inner_content(|writer| {
                writer
                    .create_element("SOAP-ENV:Body")
                    .write_inner_content(body)?;
                Ok(())
            })?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_parameter_whatever_the_prefixes() {
        let body = br#"<?xml version="1.0"?>
            <S:Envelope xmlns:S="http://www.w3.org/2001/12/soap-envelope">
              <S:Body><m:Op xmlns:m="urn:op"><arg>a &lt; b</arg></m:Op></S:Body>
            </S:Envelope>"#;
        let call = call_parameter(body, "Op", "arg").unwrap();
        assert_eq!(call.value, "a < b");
        assert_eq!(call.namespace.as_deref(), Some("urn:op"));
    }

    #[test]
    fn rejects_envelopes_without_the_call() {
        let no_arg = br#"<Envelope><Body><Op/></Body></Envelope>"#;
        let other_call = br#"<Envelope><Body><test><arg>x</arg></test></Body></Envelope>"#;
        for body in [&b"nonsense"[..], no_arg, other_call] {
            assert!(call_parameter(body, "Op", "arg").is_err());
        }
    }

    #[test]
    fn response_round_trips_through_the_envelope_reader() {
        let body = String::from_utf8(response("Op", "urn:op", "<doc a=\"1\"/>", None)).unwrap();
        let envelope = Element::parse(&body).unwrap();
        let returned = envelope
            .child("Body")
            .and_then(|b| b.child("OpResponse"))
            .and_then(|r| r.child("return"))
            .unwrap();
        assert_eq!(returned.text(), "<doc a=\"1\"/>");
    }

    #[test]
    fn fault_carries_code_and_escaped_message() {
        let body = String::from_utf8(fault(FaultCode::Server, "a & b")).unwrap();
        assert!(
            body.contains("<faultcode>SOAP-ENV:Server</faultcode>"),
            "{body}"
        );
        assert!(
            body.contains("<faultstring>a &amp; b</faultstring>"),
            "{body}"
        );
    }
}
