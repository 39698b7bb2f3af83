//! Reading a JSON request body field by field, refusing with a message that names the field.
//! Property names match regardless of case, as the platform's JSON reader (Json.NET) matches
//! them; a `null` property counts as absent.

use serde_json::{Map, Value};

use super::refusal::Refusal;

/// The body of a call that must be JSON: 415 unless its Content-Type says so, 400 unless it
/// parses.
pub(super) fn json_body(content_type: Option<&str>, body: &[u8]) -> Result<Value, Refusal> {
    let media_type = content_type
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    if media_type.as_deref() != Some("application/json") {
        let sent = content_type.unwrap_or("application/octet-stream");
        return Err(Refusal::UnsupportedMediaType(sent.to_owned()));
    }
    serde_json::from_slice(body).map_err(|error| {
        Refusal::BadRequest(format!("The request body is not valid JSON: {error}"))
    })
}

/// One JSON object of the body, known by its place (`Value`, `Value.Items[0]`) so that
/// refusals can name its fields.
pub(super) struct Fields<'a> {
    object: &'a Map<String, Value>,
    place: String,
}

impl<'a> Fields<'a> {
    /// `value` as an object at `place` (empty for the body itself).
    pub(super) fn of(value: &'a Value, place: &str) -> Result<Self, Refusal> {
        let object = value.as_object().ok_or_else(|| {
            let what = if place.is_empty() {
                "The request body"
            } else {
                place
            };
            Refusal::BadRequest(format!("{what} must be a JSON object."))
        })?;
        Ok(Self {
            object,
            place: place.to_owned(),
        })
    }

    /// The name of field `name` as refusals say it.
    pub(super) fn name(&self, name: &str) -> String {
        if self.place.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.place)
        }
    }

    /// Field `name`, exact spelling first, then any case; `None` when absent or `null`.
    pub(super) fn get(&self, name: &str) -> Option<&'a Value> {
        let found = self.object.get(name).or_else(|| {
            self.object
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value)
        });
        found.filter(|value| !value.is_null())
    }

    fn required(&self, name: &str) -> Result<&'a Value, Refusal> {
        self.get(name)
            .ok_or_else(|| self.refuse(name, "is required"))
    }

    /// A string that must be there and not blank.
    pub(super) fn required_string(&self, name: &str) -> Result<&'a str, Refusal> {
        let text = self.string(self.required(name)?, name)?;
        if text.trim().is_empty() {
            return Err(self.refuse(name, "is required"));
        }
        Ok(text)
    }

    pub(super) fn optional_string(&self, name: &str) -> Result<Option<&'a str>, Refusal> {
        self.get(name)
            .map(|value| self.string(value, name))
            .transpose()
    }

    /// A whole number from 1 to `u32::MAX`.
    pub(super) fn optional_quantity(&self, name: &str) -> Result<Option<u32>, Refusal> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(quantity) if quantity > 0 => Ok(Some(quantity)),
            _ => Err(self.refuse(name, "must be a whole number greater than 0")),
        }
    }

    pub(super) fn required_quantity(&self, name: &str) -> Result<u32, Refusal> {
        self.required(name)?;
        self.optional_quantity(name).map(Option::unwrap_or_default)
    }

    pub(super) fn optional_array(&self, name: &str) -> Result<Option<&'a Vec<Value>>, Refusal> {
        self.get(name)
            .map(|value| {
                value
                    .as_array()
                    .ok_or_else(|| self.refuse(name, "must be an array"))
            })
            .transpose()
    }

    /// Field `name` as an object of its own.
    pub(super) fn required_object(&self, name: &str) -> Result<Fields<'a>, Refusal> {
        Fields::of(self.required(name)?, &self.name(name))
    }

    fn string(&self, value: &'a Value, name: &str) -> Result<&'a str, Refusal> {
        value
            .as_str()
            .ok_or_else(|| self.refuse(name, "must be a string"))
    }

    /// 400 saying what is wrong with field `name`.
    pub(super) fn refuse(&self, name: &str, problem: &str) -> Refusal {
        Refusal::BadRequest(format!("The field {} {problem}.", self.name(name)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_match_any_case_and_refusals_name_them() {
        let body = json!({"value": {"shippingCarrier": "UPS", "ShippingClass": "", "Quantity": 0, "Items": null}});
        let body = Fields::of(&body, "").unwrap();
        let value = body.required_object("Value").unwrap();
        assert_eq!(value.required_string("ShippingCarrier").unwrap(), "UPS");
        assert_eq!(
            value.required_string("ShippingClass"),
            Err(Refusal::BadRequest(
                "The field Value.ShippingClass is required.".into()
            ))
        );
        assert!(value.optional_quantity("Quantity").is_err());
        assert_eq!(value.optional_array("Items").unwrap(), None);
    }

    #[test]
    fn a_json_body_must_say_it_is_json() {
        assert!(json_body(Some("application/json; charset=utf-8"), b"{}").is_ok());
        assert!(matches!(
            json_body(None, b"{}"),
            Err(Refusal::UnsupportedMediaType(_))
        ));
        assert!(matches!(
            json_body(Some("application/json"), b"{"),
            Err(Refusal::BadRequest(_))
        ));
    }
}
