//! The inner CV3Data document: decoding a request and writing a response.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::events::BytesText;

use super::Cv3Credentials;
use crate::xml::{self, Element};

/// What a request document asks for, values unescaped but not yet validated.
#[derive(Debug)]
pub(super) struct Cv3Request {
    pub(super) authenticate: Option<Cv3Credentials>,
    pub(super) confirmations: Vec<String>,
    pub(super) statuses: Vec<StatusUpdate>,
}

#[derive(Debug)]
pub(super) struct StatusUpdate {
    pub(super) order_id: String,
    pub(super) status: String,
    pub(super) tracking: String,
    pub(super) customer_number: String,
    /// Kept raw: a value other than "true"/"false" is a per-status error, not a bad document.
    pub(super) tracking_notification: Option<String>,
}

/// Decodes the base64 `data` parameter. The error says why the document is unusable.
pub(super) fn decode(data: &str) -> Result<Cv3Request, String> {
    // Clients commonly wrap base64 at 76 columns (Ruby's encode64 does).
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = STANDARD
        .decode(compact)
        .map_err(|e| format!("data is not base64 ({e})"))?;
    let text = String::from_utf8(bytes).map_err(|_| "document is not UTF-8".to_owned())?;
    let root = Element::parse(&text).map_err(|e| format!("document is not XML ({e})"))?;
    if root.name() != "CV3Data" {
        return Err(format!(
            "root element is <{}>, expected <CV3Data>",
            root.name()
        ));
    }
    match root.attribute("version") {
        Some("2.0") => Ok(read_request(&root)),
        Some(other) => Err(format!("unsupported version \"{other}\", expected \"2.0\"")),
        None => Err("missing version attribute, expected \"2.0\"".to_owned()),
    }
}

fn read_request(root: &Element) -> Cv3Request {
    let authenticate = root
        .child("request")
        .and_then(|request| request.child("authenticate"))
        .map(|auth| Cv3Credentials {
            user: auth.child_text("user").to_owned(),
            pass: auth.child_text("pass").to_owned(),
            service_id: auth.child_text("serviceID").to_owned(),
        });
    let confirmations = root
        .children("confirm")
        .flat_map(|confirm| confirm.children("orderConfirm"))
        .flat_map(|order_confirm| order_confirm.children("orderConf"))
        .map(|conf| conf.text().to_owned())
        .collect();
    let statuses = root
        .children("orders")
        .flat_map(|orders| orders.children("status"))
        .map(|status| StatusUpdate {
            order_id: status.child_text("orderID").to_owned(),
            status: status.child_text("status").to_owned(),
            tracking: status.child_text("tracking").to_owned(),
            customer_number: status.child_text("custNum").to_owned(),
            tracking_notification: status.attribute("tracking_notification").map(str::to_owned),
        })
        .collect();
    Cv3Request {
        authenticate,
        confirmations,
        statuses,
    }
}

/// The response document: an empty `<CV3Data>` on success, one `<error>` per problem.
pub(super) fn response(errors: &[String]) -> Vec<u8> {
    xml::document(|writer| {
        writer
            .create_element("CV3Data")
            .with_attribute(("version", "2.0"))
            .write_inner_content(|writer| {
                for error in errors {
                    writer
                        .create_element("error")
                        .write_text_content(BytesText::new(error))?;
                }
                Ok(())
            })?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(document: &str) -> String {
        STANDARD.encode(document)
    }

    #[test]
    fn reads_every_part_of_a_request() {
        let request = decode(&encoded(
            r#"<CV3Data version="2.0">
              <request><authenticate><user>u</user><pass>p&amp;w</pass><serviceID>s</serviceID></authenticate></request>
              <confirm><orderConfirm><orderConf>7</orderConf><orderConf>8</orderConf></orderConfirm></confirm>
              <orders>
                <status tracking_notification="true"><orderID>1</orderID><status>Shipped</status><tracking>T</tracking><custNum>C</custNum></status>
                <status><orderID>2</orderID><status>Processing</status></status>
              </orders>
            </CV3Data>"#,
        ))
        .unwrap();
        let auth = request.authenticate.unwrap();
        assert_eq!(
            (
                auth.user.as_str(),
                auth.pass.as_str(),
                auth.service_id.as_str()
            ),
            ("u", "p&w", "s")
        );
        assert_eq!(request.confirmations, ["7", "8"]);
        let [first, second] = request.statuses.as_slice() else {
            panic!("expected two statuses, got {:?}", request.statuses);
        };
        assert_eq!(first.tracking_notification.as_deref(), Some("true"));
        assert_eq!(
            (first.tracking.as_str(), first.customer_number.as_str()),
            ("T", "C")
        );
        assert_eq!(
            (second.order_id.as_str(), second.status.as_str()),
            ("2", "Processing")
        );
        assert_eq!(
            (
                second.tracking.as_str(),
                second.tracking_notification.as_ref()
            ),
            ("", None)
        );
    }

    #[test]
    fn ignores_whitespace_in_base64() {
        let data = encoded(r#"<CV3Data version="2.0"/>"#);
        let (head, tail) = data.split_at(8);
        assert!(decode(&format!(" {head}\r\n{tail}\n")).is_ok());
    }

    #[test]
    fn rejects_unusable_documents() {
        let cases = [
            "!!not base64!!".to_owned(),
            encoded("not xml"),
            encoded(r#"<Other version="2.0"/>"#),
            encoded(r#"<CV3Data version="1.0"/>"#),
            encoded("<CV3Data/>"),
        ];
        for data in cases {
            assert!(decode(&data).is_err(), "{data:?} should be rejected");
        }
    }

    #[test]
    fn writes_escaped_errors() {
        let body = String::from_utf8(response(&["a < b & c".to_owned()])).unwrap();
        assert_eq!(
            body,
            r#"<?xml version="1.0" encoding="UTF-8"?><CV3Data version="2.0"><error>a &lt; b &amp; c</error></CV3Data>"#
        );
        let empty = String::from_utf8(response(&[])).unwrap();
        assert!(
            empty.ends_with(r#"<CV3Data version="2.0"></CV3Data>"#),
            "{empty}"
        );
    }
}
