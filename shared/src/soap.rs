//! SOAP 1.1 for the platforms that speak it (CV3, Speed4Trade): a call of one operation whose
//! parameters are strings, written with quick-xml's writer (every value escaped), and the
//! answer's `return` string or fault read back.
//!
//! Both platforms put a whole document into one string parameter: CV3 as base64, Speed4Trade
//! as escaped XML text. Which one is the platform's business; here a parameter is a string.

use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};

use crate::answer::excerpt;
use crate::xml::TextCollector;

pub const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const ENCODING_NS: &str = "http://schemas.xmlsoap.org/soap/encoding/";
const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// How the WSDL binds the operation's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `style=rpc, use=encoded` (PHP SOAP, CV3): the envelope names the SOAP encoding and each
    /// parameter carries `xsi:type="xsd:string"`.
    RpcEncoded,
    /// `use=literal` (document/literal wrapped, as Java stacks publish): plain elements.
    Literal,
}

/// One SOAP call: `<m:operation xmlns:m="namespace">` with string parameters, in order.
#[derive(Debug, Clone, Copy)]
pub struct SoapCall<'a> {
    pub namespace: &'a str,
    pub operation: &'a str,
    pub style: Style,
    pub parameters: &'a [(&'a str, &'a str)],
}

type XmlResult = Result<(), std::io::Error>;

impl SoapCall<'_> {
    /// The whole request body.
    pub fn envelope(&self) -> Vec<u8> {
        let size: usize = self.parameters.iter().map(|(_, v)| v.len() + 64).sum();
        let mut writer = Writer::new(Vec::with_capacity(size + 512));
        // Writing into a Vec cannot fail.
        let _ = self.write(&mut writer);
        writer.into_inner()
    }

    fn write(&self, writer: &mut Writer<Vec<u8>>) -> XmlResult {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let mut envelope = BytesStart::new("SOAP-ENV:Envelope").with_attributes([
            ("xmlns:SOAP-ENV", ENVELOPE_NS),
            ("xmlns:xsd", XSD_NS),
            ("xmlns:xsi", XSI_NS),
        ]);
        if self.style == Style::RpcEncoded {
            envelope.push_attribute(("SOAP-ENV:encodingStyle", ENCODING_NS));
        }
        writer.write_event(Event::Start(envelope))?;
        writer.write_event(Event::Start(BytesStart::new("SOAP-ENV:Body")))?;
        let operation = format!("m:{}", self.operation);
        writer.write_event(Event::Start(
            BytesStart::new(operation.as_str()).with_attributes([("xmlns:m", self.namespace)]),
        ))?;
        for (name, value) in self.parameters {
            let mut parameter = BytesStart::new(*name);
            if self.style == Style::RpcEncoded {
                parameter.push_attribute(("xsi:type", "xsd:string"));
            }
            writer.write_event(Event::Start(parameter))?;
            writer.write_event(Event::Text(crate::xml::text(value)))?;
            writer.write_event(Event::End(BytesEnd::new(*name)))?;
        }
        writer.write_event(Event::End(BytesEnd::new(operation.as_str())))?;
        writer.write_event(Event::End(BytesEnd::new("SOAP-ENV:Body")))?;
        writer.write_event(Event::End(BytesEnd::new("SOAP-ENV:Envelope")))
    }
}

/// The headers of a SOAP 1.1 call (none carries a credential); the action is sent quoted.
pub fn headers(action: &str) -> [(&'static str, String); 2] {
    [
        ("Content-Type", "text/xml; charset=utf-8".to_owned()),
        ("SOAPAction", format!("\"{action}\"")),
    ]
}

/// What a SOAP response says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SoapAnswer {
    /// The text of the response's `return` element (unescaped).
    Return(String),
    /// A SOAP fault.
    Fault { code: String, message: String },
}

impl SoapAnswer {
    /// Whether a fault blames the server (`…:Server`): SOAP's "try again".
    pub fn is_server_fault(code: &str) -> bool {
        code.ends_with("Server")
    }
}

/// Reads a SOAP response body: its `return` text or its fault; an error saying why the body is
/// neither (not XML, not an envelope, an envelope without a return).
///
/// Elements are matched by local name: servers differ in prefixes and namespaces, and a
/// lenient reader loses nothing here.
pub fn read_answer(body: &str) -> Result<SoapAnswer, String> {
    let mut reader = Reader::from_str(body);
    let mut text = TextCollector::default();
    let mut saw_envelope = false;
    let mut fault: Option<(String, String)> = None;
    let mut current: Option<&'static str> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("not XML ({e}): {}", excerpt(body)))?;
        match event {
            Event::Start(start) => {
                let name = start.local_name();
                match name.as_ref() {
                    b"Envelope" => saw_envelope = true,
                    b"Fault" => fault = Some(Default::default()),
                    b"return" => current = Some("return"),
                    b"faultcode" => current = Some("faultcode"),
                    b"faultstring" => current = Some("faultstring"),
                    _ => {}
                }
                text.clear();
            }
            // `<return/>`: an empty string.
            Event::Empty(empty) if saw_envelope && empty.local_name().as_ref() == b"return" => {
                return Ok(SoapAnswer::Return(String::new()));
            }
            Event::Text(t) => text.push_text(&t)?,
            Event::GeneralRef(r) => text.push_ref(&r)?,
            // CDATA is literal text: nothing in it is escaped.
            Event::CData(c) => text.push_str(&String::from_utf8_lossy(&c.into_inner())),
            Event::End(end) => {
                let name = end.local_name();
                match (current, name.as_ref()) {
                    (Some("return"), b"return") => return Ok(SoapAnswer::Return(text.take())),
                    (Some("faultcode"), b"faultcode") => {
                        if let Some(f) = fault.as_mut() {
                            f.0 = text.take();
                        }
                    }
                    (Some("faultstring"), b"faultstring") => {
                        if let Some(f) = fault.as_mut() {
                            f.1 = text.take();
                        }
                    }
                    _ => {}
                }
                current = None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match (saw_envelope, fault) {
        (true, Some((code, message))) => Ok(SoapAnswer::Fault { code, message }),
        (true, None) => Err("SOAP envelope without a return".to_owned()),
        (false, _) => Err(format!("not a SOAP envelope: {}", excerpt(body))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(style: Style, value: &str) -> String {
        let parameters = [("argRequestData", value)];
        let call = SoapCall {
            namespace: "urn:example",
            operation: "updateOrderStatus",
            style,
            parameters: &parameters,
        };
        String::from_utf8(call.envelope()).unwrap()
    }

    #[test]
    fn a_string_parameter_is_escaped_and_reads_back_whole() {
        let inner = "<request method=\"x\">a & b\r\n</request>";
        let body = call(Style::Literal, inner);
        assert!(
            body.contains("<m:updateOrderStatus xmlns:m=\"urn:example\"><argRequestData>&lt;request method=&quot;x&quot;&gt;a &amp; b&#13;\n&lt;/request&gt;</argRequestData>"),
            "{body}"
        );
        assert!(!body.contains("encodingStyle") && !body.contains("xsi:type"));
        // The server's reader gets the value back exactly, carriage return included.
        let echoed = body
            .replace("m:updateOrderStatus", "m:updateOrderStatusResponse")
            .replace("argRequestData", "return");
        assert_eq!(
            read_answer(&echoed),
            Ok(SoapAnswer::Return(inner.to_owned()))
        );
    }

    #[test]
    fn rpc_encoded_calls_name_the_encoding_and_type_each_parameter() {
        let body = call(Style::RpcEncoded, "QUJD");
        assert!(body.contains(&format!("SOAP-ENV:encodingStyle=\"{ENCODING_NS}\"")));
        assert!(body.contains("<argRequestData xsi:type=\"xsd:string\">QUJD</argRequestData>"));
    }

    #[test]
    fn faults_and_garbage_are_told_apart() {
        let fault = "<S:Envelope xmlns:S=\"x\"><S:Body><S:Fault><faultcode>S:Server</faultcode>\
                     <faultstring>busy &amp; tired</faultstring></S:Fault></S:Body></S:Envelope>";
        assert_eq!(
            read_answer(fault),
            Ok(SoapAnswer::Fault {
                code: "S:Server".into(),
                message: "busy & tired".into()
            })
        );
        assert!(SoapAnswer::is_server_fault("S:Server"));
        assert!(!SoapAnswer::is_server_fault("S:Client"));
        let html = read_answer("<html><body>Down</body></html>").unwrap_err();
        assert!(html.starts_with("not a SOAP envelope"), "{html}");
        assert!(
            read_answer("<a><b></a>")
                .unwrap_err()
                .starts_with("not XML")
        );
        assert_eq!(
            read_answer("<Envelope><Body/></Envelope>").unwrap_err(),
            "SOAP envelope without a return"
        );
        assert_eq!(
            read_answer("<Envelope><Body><r><return/></r></Body></Envelope>"),
            Ok(SoapAnswer::Return(String::new()))
        );
    }
}
