//! Reading ChannelAdvisor's answers: 204 (or 200) is done; a refusal is a 400 with an OData
//! error (`{"error":{"code","message"}}`) or `{"Message"}`; a missing order or item a 404. What
//! is common to every platform (401, 429, 5xx, unreadable bodies) is decided by
//! `orderstatus::answer::classify`.

use orderstatus::answer::{BodySays, excerpt};
use orderstatus::http::HttpResponse;
use serde_json::Value;

use crate::request::CallRequest;

/// What a call achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// ChannelAdvisor already has this fulfillment or adjustment (its id is derived from the
    /// unit): an earlier attempt went through.
    AlreadyThere,
}

/// Reads the answer to a call.
pub fn read(request: &CallRequest, response: &HttpResponse) -> BodySays<Applied> {
    if response.status.is_success() {
        return BodySays::Answer(Applied::Done);
    }
    match response.status.as_u16() {
        400 => match message(&response.body) {
            Some(text) if text.to_ascii_lowercase().contains("already exists") => {
                BodySays::Answer(Applied::AlreadyThere)
            }
            Some(text) => BodySays::Refused(text),
            None => BodySays::Unreadable(excerpt(&response.body)),
        },
        404 => BodySays::Refused(format!("{} not found in ChannelAdvisor", request.about)),
        _ => {
            BodySays::Unreadable(message(&response.body).unwrap_or_else(|| excerpt(&response.body)))
        }
    }
}

/// `error.message` (OData) or `Message`.
pub fn message(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    value
        .pointer("/error/message")
        .or_else(|| value.get("Message"))
        .and_then(Value::as_str)
        .map(str::to_owned)
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

    fn request() -> CallRequest {
        CallRequest {
            url: url::Url::parse("https://api.channeladvisor.com/").unwrap(),
            body: Default::default(),
            about: "order 700001".to_owned(),
        }
    }

    #[test]
    fn both_error_shapes_are_read() {
        assert_eq!(
            read(
                &request(),
                &answer(400, r#"{"Message":"Carrier and Class is invalid."}"#)
            ),
            BodySays::Refused("Carrier and Class is invalid.".to_owned())
        );
        assert_eq!(
            read(
                &request(),
                &answer(400, r#"{"error":{"code":"400","message":"Bad date."}}"#)
            ),
            BodySays::Refused("Bad date.".to_owned())
        );
    }

    #[test]
    fn a_known_fulfillment_is_already_there() {
        let body = r#"{"error":{"code":"400","message":"A fulfillment with SellerFulfillmentID 1-P1 already exists."}}"#;
        assert_eq!(
            read(&request(), &answer(400, body)),
            BodySays::Answer(Applied::AlreadyThere)
        );
        assert_eq!(
            read(&request(), &answer(204, "")),
            BodySays::Answer(Applied::Done)
        );
    }

    #[test]
    fn not_found_names_the_order() {
        assert_eq!(
            read(
                &request(),
                &answer(404, r#"{"error":{"message":"Order 700001 not found."}}"#)
            ),
            BodySays::Refused("order 700001 not found in ChannelAdvisor".to_owned())
        );
    }
}
