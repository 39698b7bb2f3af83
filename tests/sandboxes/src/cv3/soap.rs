//! CV3's single operation, `CV3Data(data) -> return`, over the kit's SOAP envelope: `data` and
//! `return` are base64.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::soap;
pub(super) use crate::soap::FaultCode;

const OPERATION_NS: &str = "http://soapinterop.org/";

/// Extracts the `data` parameter (still base64) from a `CV3Data` call.
pub(super) fn cv3_data(body: &[u8]) -> Result<String, String> {
    soap::call_parameter(body, "CV3Data", "data").map(|call| call.value)
}

/// A successful call's envelope: `document` base64-encoded in `<return>`.
pub(super) fn response(document: &[u8]) -> Vec<u8> {
    let encoded = STANDARD.encode(document);
    soap::response("CV3Data", OPERATION_NS, &encoded, Some("xsd:base64Binary"))
}

pub(super) fn fault(code: FaultCode, message: &str) -> Vec<u8> {
    soap::fault(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Element;

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
    fn response_carries_the_document_as_base64() {
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
}
