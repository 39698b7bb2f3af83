//! The SOAP 1.1 envelope around CV3's single operation, `CV3Data(data) -> return`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::events::BytesText;

use super::xml::{self, Element};

const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP_ENC: &str = "http://schemas.xmlsoap.org/soap/encoding/";
const XSD: &str = "http://www.w3.org/2001/XMLSchema";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const OPERATION_NS: &str = "http://soapinterop.org/";

/// Who a SOAP fault blames.
#[derive(Debug, Clone, Copy)]
pub(super) enum FaultCode {
    Client,
    Server,
}

/// Extracts the `data` parameter (still base64) from a `CV3Data` call.
///
/// Elements are matched by local name only: the real server accepts envelopes with the wrong
/// SOAP namespace and undeclared prefixes, so being strict here would reject working clients.
pub(super) fn cv3_data(body: &[u8]) -> Result<String, String> {
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
        .child("CV3Data")
        .ok_or("Procedure not present: the SOAP Body has no CV3Data call")?;
    let data = call
        .child("data")
        .ok_or("CV3Data call has no data parameter")?;
    Ok(data.text().to_owned())
}

/// A successful call's envelope: `document` base64-encoded in `<return>`.
pub(super) fn response(document: &[u8]) -> Vec<u8> {
    let encoded = STANDARD.encode(document);
    envelope(|writer| {
        writer
            .create_element("ns1:CV3DataResponse")
            .with_attribute(("xmlns:ns1", OPERATION_NS))
            .write_inner_content(|writer| {
                writer
                    .create_element("return")
                    .with_attribute(("xsi:type", "xsd:base64Binary"))
                    .write_text_content(BytesText::new(&encoded))?;
                Ok(())
            })?;
        Ok(())
    })
}

pub(super) fn fault(code: FaultCode, message: &str) -> Vec<u8> {
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
    fn finds_data_whatever_the_prefixes() {
        let body = br#"<?xml version="1.0"?>
            <S:Envelope xmlns:S="http://www.w3.org/2001/12/soap-envelope">
              <S:Body><m:CV3Data xmlns:m="http://soapinterop.org/"><data xsi:type="xsd:string">QUJD
RA==</data></m:CV3Data></S:Body>
            </S:Envelope>"#;
        assert_eq!(cv3_data(body).unwrap(), "QUJD\nRA==");
    }

    #[test]
    fn rejects_envelopes_without_the_call() {
        let no_data = br#"<Envelope><Body><CV3Data/></Body></Envelope>"#;
        let other_call = br#"<Envelope><Body><test><data>x</data></test></Body></Envelope>"#;
        for body in [&b"nonsense"[..], no_data, other_call] {
            assert!(cv3_data(body).is_err());
        }
    }

    #[test]
    fn response_round_trips_through_the_envelope_reader() {
        let body = String::from_utf8(response(b"<CV3Data/>")).unwrap();
        let envelope = Element::parse(&body).unwrap();
        let returned = envelope
            .child("Body")
            .and_then(|b| b.child("CV3DataResponse"))
            .and_then(|r| r.child("return"))
            .unwrap();
        assert_eq!(returned.attribute("type"), Some("xsd:base64Binary"));
        assert_eq!(STANDARD.decode(returned.text()).unwrap(), b"<CV3Data/>");
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
