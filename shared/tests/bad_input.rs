//! Every body of the bad-input corpus (`tests/fixtures/bad/`) is refused before anything is
//! sent, with the error its line gives: the field at fault first, then the words expected.
//! Bodies marked `"stage": "handler"` must pass here: only the batch handler refuses them
//! (`tests/tests/cv3_bad_input.rs` sends every body through it).

#[path = "../../tests/src/bad_input/corpus.rs"]
mod corpus;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use corpus::{BadBody, Stage, Wrap};
use orderstatus::validate::parse_body;
use serde_json::Value;

fn bad_bodies() -> Vec<BadBody> {
    corpus::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bad"))
}

#[test]
fn every_bad_body_is_refused_naming_its_field() {
    let bodies = bad_bodies();
    let mut wrong = Vec::new();
    for bad in &bodies {
        let parsed = catch_unwind(AssertUnwindSafe(|| parse_body(&bad.text)));
        let problem = match (bad.stage, parsed) {
            (_, Err(_)) => Some("panicked".to_owned()),
            (Stage::Parse, Ok(Ok(_))) => Some(format!("accepted, expected {}", bad.expected())),
            (Stage::Parse, Ok(Err(e))) if !bad.is_expected(&e.to_string()) => {
                Some(format!("expected {}, got `{e}`", bad.expected()))
            }
            (Stage::Handler, Ok(Err(e))) => Some(format!(
                "refused here (`{e}`), but marked as refused by the handler only"
            )),
            _ => None,
        };
        if let Some(problem) = problem {
            wrong.push(format!("{} {problem}: {}", bad.place, bad.shown(200)));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        bodies.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_corpus_has_every_class_and_at_least_200_bodies() {
    let bodies = bad_bodies();
    let classes: BTreeSet<&str> = bodies.iter().map(|b| b.class.as_str()).collect();
    let expected = [
        "dates",
        "envelopes",
        "json",
        "numbers",
        "routing",
        "shape",
        "size",
        "strings",
        "xml-chars",
    ];
    assert_eq!(classes, BTreeSet::from(expected));
    assert!(bodies.len() >= 200, "{} bodies", bodies.len());
}

/// Every string field of the published schema, as paths with `[0]` for array items:
/// `order.id`, `packages[0].lines[0].sku`, …
fn string_fields(schema: &Value) -> BTreeSet<String> {
    fn walk(root: &Value, node: &Value, path: &str, found: &mut BTreeSet<String>) {
        if let Some(reference) = node["$ref"].as_str() {
            let name = reference.trim_start_matches("#/$defs/");
            return walk(root, &root["$defs"][name], path, found);
        }
        for alternative in node["anyOf"].as_array().into_iter().flatten() {
            walk(root, alternative, path, found);
        }
        let types: Vec<&str> = match &node["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if types.contains(&"string") {
            found.insert(path.to_owned());
        }
        if types.contains(&"array") {
            walk(root, &node["items"], &format!("{path}[0]"), found);
        }
        for (name, property) in node["properties"].as_object().into_iter().flatten() {
            let path = match path {
                "" => name.clone(),
                _ => format!("{path}.{name}"),
            };
            walk(root, property, &path, found);
        }
    }
    let mut found = BTreeSet::new();
    walk(schema, schema, "", &mut found);
    found
}

#[test]
fn every_string_field_of_the_schema_gets_a_character_xml_cannot_carry_raw_and_in_both_envelopes() {
    let schema: Value =
        serde_json::from_str(include_str!("../schema/status-message.v1.json")).unwrap();
    let fields = string_fields(&schema);
    assert!(
        fields.contains("packages[0].lines[0].sku") && fields.contains("platform"),
        "{fields:?}"
    );
    let bodies = bad_bodies();
    for wrap in [None, Some(Wrap::Sns), Some(Wrap::EventBridge)] {
        let covered: BTreeSet<&str> = bodies
            .iter()
            .filter(|b| b.class == "xml-chars" && b.wrap == wrap)
            .map(|b| b.field.as_str())
            .collect();
        let missing: Vec<&String> = fields
            .iter()
            .filter(|f| !covered.contains(f.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "no xml-chars body for {missing:?} (envelope {wrap:?})"
        );
    }
}

#[test]
fn a_carriage_return_tab_and_line_feed_are_text() {
    let body = serde_json::json!({
        "version": 1, "platform": "cv3", "order": {"id": "12345"},
        "occurred_at": "2018-09-23T16:00:00-04:00", "status": "canceled",
        "reason": "first line\r\nsecond\tline"
    });
    let (message, _) = parse_body(&body.to_string()).unwrap();
    assert_eq!(
        message.reason.as_deref(),
        Some("first line\r\nsecond\tline")
    );
}
