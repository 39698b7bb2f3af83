//! The query-string checks every OMS API call goes through before its body is read: mandatory
//! parameters, version, timestamp window and signature.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};

use super::envelope::CallError;
use super::signature::signature;

/// Checked in this order, so a call missing several gets told about the first.
const MANDATORY: [&str; 5] = ["Action", "ServiceName", "Timestamp", "Version", "Signature"];

/// The decoded query parameters. A repeated name keeps its last value, as PHP's `$_GET` does,
/// and `+` decodes to a space, so a client that leaves the `+` of a timestamp's offset
/// unescaped gets its timestamp refused here as it would on the platform.
pub(super) struct QueryParams(BTreeMap<String, String>);

impl QueryParams {
    pub(super) fn parse(query: Option<&str>) -> Self {
        let pairs = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes());
        Self(pairs.into_owned().collect())
    }

    /// The named parameter, with an empty value counting as absent.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }
}

/// What the account on the platform side expects of a call.
pub(super) struct Expected<'a> {
    pub(super) service_name: &'a str,
    pub(super) api_key: &'a str,
    pub(super) timestamp_window_secs: i64,
}

/// Accepts the call or says, as Seller Center would, why not.
pub(super) fn authenticate(
    params: &QueryParams,
    expected: &Expected<'_>,
    now: DateTime<Utc>,
) -> Result<(), CallError> {
    if let Some(missing) = MANDATORY
        .into_iter()
        .find(|name| params.get(name).is_none())
    {
        return Err(CallError::MissingParameter(missing));
    }
    let value = |name| params.get(name).unwrap_or_default();
    let (service_name, timestamp, version) =
        (value("ServiceName"), value("Timestamp"), value("Version"));
    if version != "1.0" {
        return Err(CallError::InvalidVersion);
    }
    let timestamp = parse_timestamp(timestamp).ok_or(CallError::InvalidTimestamp)?;
    let age = now.signed_duration_since(timestamp).num_seconds();
    if age.abs() > expected.timestamp_window_secs {
        return Err(CallError::TimestampExpired);
    }
    let pairs: Vec<(&str, &str)> = params
        .0
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    // Compared as sent: PHP's hash_hmac gives lower-case hex and the platform compares strings.
    let signed = value("Signature");
    if service_name != expected.service_name || signed != signature(&pairs, expected.api_key) {
        return Err(CallError::SignatureMismatch);
    }
    Ok(())
}

/// ISO 8601 with an offset: RFC 3339 (`Z`, `+01:00`) or the `+0100` form of the API's own
/// example. A time without an offset is refused rather than guessed at.
fn parse_timestamp(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "key";

    fn expected() -> Expected<'static> {
        Expected {
            service_name: "OMS",
            api_key: KEY,
            timestamp_window_secs: 300,
        }
    }

    fn now() -> DateTime<Utc> {
        "2024-05-01T12:00:00Z".parse().unwrap()
    }

    /// A signed query string with `params`, each value raw (the test encodes what needs it).
    fn signed(params: &[(&str, &str)]) -> QueryParams {
        let mut query: Vec<String> = params.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let decoded: Vec<(String, String)> =
            url::form_urlencoded::parse(query.join("&").as_bytes())
                .into_owned()
                .collect();
        let pairs: Vec<(&str, &str)> = decoded
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        query.push(format!("Signature={}", signature(&pairs, KEY)));
        QueryParams::parse(Some(&query.join("&")))
    }

    fn with_timestamp(timestamp: &str) -> QueryParams {
        signed(&[
            ("Action", "UpdateItemsStatus"),
            ("ServiceName", "OMS"),
            ("Timestamp", timestamp),
            ("Version", "1.0"),
        ])
    }

    #[test]
    fn accepts_every_offset_form_inside_the_window() {
        for timestamp in [
            "2024-05-01T12:04:59Z",
            "2024-05-01T13%3A55%3A01%2B02%3A00",
            "2024-05-01T13:55:01%2B0200",
            "2024-05-01T11:55:00.250-00:00",
        ] {
            assert_eq!(
                authenticate(&with_timestamp(timestamp), &expected(), now()),
                Ok(()),
                "{timestamp}"
            );
        }
    }

    #[test]
    fn refuses_stale_future_and_unreadable_timestamps() {
        let check = |timestamp| authenticate(&with_timestamp(timestamp), &expected(), now());
        assert_eq!(
            check("2024-05-01T11:54:59Z"),
            Err(CallError::TimestampExpired)
        );
        assert_eq!(
            check("2024-05-01T12:05:01Z"),
            Err(CallError::TimestampExpired)
        );
        assert_eq!(
            check("2024-05-01T12:00:00"),
            Err(CallError::InvalidTimestamp)
        );
        assert_eq!(check("yesterday"), Err(CallError::InvalidTimestamp));
    }

    #[test]
    fn an_unescaped_plus_is_a_space_and_breaks_the_timestamp() {
        // Signed over "+0200" but sent raw, so the server reads " 0200".
        let mut params = with_timestamp("2024-05-01T13:55:01%2B0200");
        let raw = params.0.get("Timestamp").unwrap().replace('+', " ");
        params.0.insert("Timestamp".to_owned(), raw);
        assert_eq!(
            authenticate(&params, &expected(), now()),
            Err(CallError::InvalidTimestamp)
        );
    }

    #[test]
    fn names_the_first_missing_parameter() {
        let params = QueryParams::parse(Some("Action=UpdateItemsStatus&Version=1.0&ServiceName="));
        assert_eq!(
            authenticate(&params, &expected(), now()),
            Err(CallError::MissingParameter("ServiceName"))
        );
    }

    #[test]
    fn refuses_a_wrong_version_service_or_key() {
        let wrong_version = signed(&[
            ("Action", "UpdateItemsStatus"),
            ("ServiceName", "OMS"),
            ("Timestamp", "2024-05-01T12:00:00Z"),
            ("Version", "2.0"),
        ]);
        assert_eq!(
            authenticate(&wrong_version, &expected(), now()),
            Err(CallError::InvalidVersion)
        );
        let wrong_service = signed(&[
            ("Action", "UpdateItemsStatus"),
            ("ServiceName", "SHOP"),
            ("Timestamp", "2024-05-01T12:00:00Z"),
            ("Version", "1.0"),
        ]);
        assert_eq!(
            authenticate(&wrong_service, &expected(), now()),
            Err(CallError::SignatureMismatch)
        );
        let other_key = Expected {
            api_key: "rotated",
            ..expected()
        };
        assert_eq!(
            authenticate(&with_timestamp("2024-05-01T12:00:00Z"), &other_key, now()),
            Err(CallError::SignatureMismatch)
        );
    }
}
