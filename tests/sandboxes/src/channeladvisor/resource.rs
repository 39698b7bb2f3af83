//! Which API action a request names: the OData-style paths `/v1/Orders(12345)/Ship`,
//! `…/Export`, `…/Adjust` and `/v1/OrderItems(678)/Adjust`, read the way the platform reads
//! them (escaped parentheses, a trailing slash, an `L` Int64 suffix or a `ID=` named key all
//! name the same thing).

use axum::http::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// `POST Orders(id)/Ship`.
    Ship(u64),
    /// `POST Orders(id)/Export`.
    Export(u64),
    /// `DELETE Orders(id)/Export`.
    Unexport(u64),
    /// `POST Orders(id)/Adjust`.
    AdjustOrder(u64),
    /// `POST OrderItems(id)/Adjust`.
    AdjustItem(u64),
}

/// The action `method` on `path` asks for; `None` for anything the API does not have.
pub(super) fn action(method: &Method, path: &str) -> Option<Action> {
    let path = percent_decode(path)?;
    let rest = path.strip_prefix("/v1/")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (entity, operation) = rest.split_once('/')?;
    let (set, key) = entity_key(entity)?;
    match (set, operation, method) {
        ("Orders", "Ship", &Method::POST) => Some(Action::Ship(key)),
        ("Orders", "Export", &Method::POST) => Some(Action::Export(key)),
        ("Orders", "Export", &Method::DELETE) => Some(Action::Unexport(key)),
        ("Orders", "Adjust", &Method::POST) => Some(Action::AdjustOrder(key)),
        ("OrderItems", "Adjust", &Method::POST) => Some(Action::AdjustItem(key)),
        _ => None,
    }
}

/// `Orders(12345)` as ("Orders", 12345); the key may be `12345L` (OData's Int64 literal) or
/// named (`ID=12345`).
fn entity_key(segment: &str) -> Option<(&str, u64)> {
    let (set, key) = segment.strip_suffix(')')?.split_once('(')?;
    let key = key.rsplit_once('=').map_or(key, |(_, value)| value).trim();
    let key = key.strip_suffix(['L', 'l']).unwrap_or(key);
    Some((set, key.parse().ok()?))
}

/// `%28` as `(` and so on; `None` when an escape is broken or the result is not UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actions_and_their_spellings() {
        let post = &Method::POST;
        assert_eq!(
            action(post, "/v1/Orders(12345)/Ship"),
            Some(Action::Ship(12345))
        );
        assert_eq!(
            action(post, "/v1/Orders%2812345%29/Ship/"),
            Some(Action::Ship(12345))
        );
        assert_eq!(
            action(post, "/v1/Orders(12345L)/Export"),
            Some(Action::Export(12345))
        );
        assert_eq!(
            action(post, "/v1/Orders(ID=7)/Adjust"),
            Some(Action::AdjustOrder(7))
        );
        assert_eq!(
            action(post, "/v1/OrderItems(678)/Adjust"),
            Some(Action::AdjustItem(678))
        );
        assert_eq!(
            action(&Method::DELETE, "/v1/Orders(1)/Export"),
            Some(Action::Unexport(1))
        );
    }

    #[test]
    fn anything_else_is_no_action() {
        let post = &Method::POST;
        for path in [
            "/v1/Orders(12345)",
            "/v1/Orders(abc)/Ship",
            "/v1/Orders(-1)/Ship",
            "/v1/Orders12345/Ship",
            "/v1/Orders(1)/Ship/Again",
            "/v1/OrderItems(1)/Ship",
            "/v2/Orders(1)/Ship",
            "/Orders(1)/Ship",
            "/v1/Orders(1)/Ship%2",
        ] {
            assert_eq!(action(post, path), None, "{path}");
        }
        assert_eq!(action(&Method::GET, "/v1/Orders(1)/Ship"), None);
        assert_eq!(action(&Method::DELETE, "/v1/Orders(1)/Ship"), None);
    }
}
