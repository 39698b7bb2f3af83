//! The published schema and the parser agree: one corpus of bodies goes through both, and any
//! body that one accepts and the other refuses fails the test. The only exceptions are marked
//! in the corpus (`"schema": "accepts"`): checks JSON Schema cannot state. The corpus is the
//! bad-input corpus's plain JSON bodies (`tests/fixtures/bad/`) that the parser refuses.

#[path = "../../tests/src/bad_input/corpus.rs"]
mod corpus;

use std::path::Path;

use orderstatus::validate::parse_message;
use serde_json::{Value, json};

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("../schema/status-message.v1.json")).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the published schema compiles")
}

/// Bodies both must accept: the edges of what is allowed.
fn good_bodies() -> Vec<Value> {
    let base = json!({"version": 1, "platform": "cv3", "order": {"id": "12345"},
                      "occurred_at": "2018-09-23T16:00:00-04:00"});
    let with = |extra: Value| {
        let mut body = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    vec![
        base.clone(),
        with(json!({"status": "canceled", "reason": "line one\r\nline two\tend", "detail": ""})),
        with(json!({"order": {"id": "Bestellung-ü-日本-\u{1F600}", "customer_number": null}})),
        with(json!({"order": {"id": "x".repeat(128)}})),
        with(json!({"occurred_at": "2018-09-23T16:00:00.123456789Z", "sequence": 0})),
        with(json!({"occurred_at": "9999-12-31T23:59:59+14:00"})),
        with(json!({"account": "store-b.2_x", "id": "m-1", "platform": "sellercenter"})),
        with(
            json!({"packages": [{"carrier": "UPS", "tracking_number": "1Z",
                                  "shipped_at": "2018-09-23T10:00:00Z",
                                  "lines": [{"line_id": "1", "sku": "S", "quantity": 0.5}]},
                                 {"id": "P2"}]}),
        ),
        with(
            json!({"lines": [{"line_id": "1", "status": "canceled", "reason": "r"},
                              {"line_id": "2", "detail": null}]}),
        ),
        with(json!({"payment": {"status": "paid", "paid_at": "2018-09-23T10:00:00-04:00"}})),
        with(json!({"payment": null, "status": null, "packages": [], "lines": []})),
        // JSON Schema's integers include integral floats.
        with(json!({"version": 1.0, "sequence": 3.0, "order": {"id": "1", "mandator_id": 1e2}})),
    ]
}

#[test]
fn schema_and_parser_accept_and_refuse_the_same_bodies() {
    let validator = validator();
    let mut disagreements = Vec::new();
    let mut check = |body: &Value, expected_schema_gap: bool, label: &str| {
        let text = body.to_string();
        let parser = parse_message(&text);
        let schema = validator.is_valid(body);
        let agrees = if expected_schema_gap {
            schema && parser.is_err()
        } else {
            schema == parser.is_ok()
        };
        if !agrees {
            let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
            disagreements.push(format!(
                "{label}: schema {} ({errors:?}), parser {:?}: {text}",
                if schema { "accepts" } else { "refuses" },
                parser.map(|_| "accepts").map_err(|e| e.to_string()),
            ));
        }
    };
    for body in good_bodies() {
        check(&body, false, "good");
    }
    let bad = corpus::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bad"));
    let parsed = bad
        .iter()
        .filter(|b| b.stage == corpus::Stage::Parse)
        .filter_map(|b| Some((b, b.json()?)));
    for (bad, body) in parsed {
        check(&body, bad.schema.as_deref() == Some("accepts"), &bad.place);
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
