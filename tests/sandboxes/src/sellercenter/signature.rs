//! Seller Center's request signature, written from the API specification and independent of
//! the function's signing code, so that a test signing with it checks the function's encoding
//! rather than agreeing with itself.
//!
//! The platform (PHP) computes `hash_hmac('sha256', http_build_query(ksort($params), '', '&',
//! PHP_QUERY_RFC3986), $apiKey)` over every query parameter except `Signature`.

use std::fmt::Write as _;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// Hex HMAC-SHA256, keyed by `api_key`, of `params` sorted by name and joined as
/// `rawurlencode(name)=rawurlencode(value)` pairs with `&`. A parameter named `Signature` is
/// left out, so the parameters of a signed request can be passed back in as they are.
pub fn signature(params: &[(&str, &str)], api_key: &str) -> String {
    let mut sorted: Vec<&(&str, &str)> = params
        .iter()
        .filter(|(name, _)| *name != "Signature")
        .collect();
    // A stable sort keeps repeated names in their given order; PHP's ksort sees only one.
    sorted.sort_by_key(|(name, _)| *name);
    let mut canonical = String::new();
    for (index, (name, value)) in sorted.into_iter().enumerate() {
        if index > 0 {
            canonical.push('&');
        }
        raw_url_encode(name, &mut canonical);
        canonical.push('=');
        raw_url_encode(value, &mut canonical);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(api_key.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(canonical.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// PHP's `rawurlencode` (RFC 3986): unreserved characters stay, every other byte of the UTF-8
/// form becomes `%XX` with upper-case hex digits.
fn raw_url_encode(text: &str, out: &mut String) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            write!(out, "%{byte:02X}").expect("writing to a String cannot fail");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(text: &str) -> String {
        let mut out = String::new();
        raw_url_encode(text, &mut out);
        out
    }

    #[test]
    fn encodes_like_rawurlencode() {
        assert_eq!(encoded("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(
            encoded("2015-11-12T12:32:57+01:00"),
            "2015-11-12T12%3A32%3A57%2B01%3A00"
        );
        assert_eq!(encoded("a b/c*é"), "a%20b%2Fc%2A%C3%A9");
    }

    #[test]
    fn ignores_order_and_the_signature_parameter() {
        let forward = [("Action", "UpdateItemsStatus"), ("Version", "1.0")];
        let backward = [
            ("Version", "1.0"),
            ("Signature", "anything"),
            ("Action", "UpdateItemsStatus"),
        ];
        assert_eq!(signature(&forward, "k"), signature(&backward, "k"));
        assert_ne!(signature(&forward, "k"), signature(&forward, "other"));
    }
}
