//! JSON the test scenes build: messages and secrets from defaults and a test's own fields,
//! and the fixture files.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// `base` with each field of `extra` (an object) set on it; a `null` removes the field.
pub fn with_fields(mut base: Value, extra: &Value) -> Value {
    let fields = base.as_object_mut().expect("an object to add fields to");
    for (name, value) in extra.as_object().expect("an object of fields") {
        if value.is_null() {
            fields.remove(name);
        } else {
            fields.insert(name.clone(), value.clone());
        }
    }
    base
}

/// A JSON file under `tests/fixtures/`, e.g. `cloudsuite/orders.json`.
pub fn fixture<T: DeserializeOwned>(path: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_set_and_nulls_removed() {
        let base = json!({"a": 1, "b": 2});
        assert_eq!(
            with_fields(base, &json!({"b": 3, "a": null, "c": [1]})),
            json!({"b": 3, "c": [1]})
        );
    }
}
