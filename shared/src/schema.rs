//! The JSON Schema of the canonical message, published at `shared/schema/status-message.v1.json`.

use crate::message::StatusMessage;

/// Where the schema file lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "shared/schema/status-message.v1.json";

/// The schema as pretty JSON text with a trailing newline (the file's exact content).
pub fn status_message_schema() -> String {
    let schema = schemars::schema_for!(StatusMessage);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in schema must be what the code generates: regenerate it with
    /// `cargo run -p orderstatus-cli -- schema > shared/schema/status-message.v1.json`.
    #[test]
    fn checked_in_schema_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/status-message.v1.json");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == status_message_schema(),
            "{SCHEMA_PATH} is out of date: run `cargo run -p orderstatus-cli -- schema > {SCHEMA_PATH}`"
        );
    }

    #[test]
    fn schema_names_every_status_and_platform() {
        let schema = status_message_schema();
        for status in crate::message::OrderStatus::ALL {
            assert!(
                schema.contains(&format!("\"{}\"", status.as_str())),
                "{status}"
            );
        }
        for platform in crate::message::PlatformName::ALL {
            assert!(
                schema.contains(&format!("\"{}\"", platform.as_str())),
                "{platform}"
            );
        }
        assert!(schema.contains("\"occurred_at\""));
    }
}
