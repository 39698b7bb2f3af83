//! Reads the bad-input corpus, `tests/fixtures/bad/*.jsonl` (the format is in its README):
//! every bad body with the error the product must give for it.
//!
//! This file depends on nothing but std, serde and serde_json, so that the shared crate's
//! parse-level test compiles it too (`#[path]`): one loader for both crates.
// Each test that compiles this file uses only some of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

/// Where in the product a body is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// By `orderstatus::validate::parse_body`: unwrapping, parsing, validation.
    #[default]
    Parse,
    /// Only by the batch handler: the platform, the account, the platform's own mapping.
    Handler,
}

/// How the loader wraps a body before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Wrap {
    /// An SNS notification whose `Message` string is the body (non-raw delivery).
    Sns,
    /// An EventBridge event whose `detail` is the body (which must be JSON then).
    EventBridge,
}

/// A generator for one `"$name"` placeholder of a body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Make {
    /// `[[[…]]]`, this deep.
    NestedArrays(usize),
    /// `{"a":{"a":…0…}}`, this deep.
    NestedObjects(usize),
    /// `[[[…`, this deep and never closed.
    UnclosedArrays(usize),
    /// A JSON string: `of` (string content, escapes allowed) `times` times, or as many times
    /// as make the whole expanded text `fill_to` bytes long; then `then`.
    String {
        of: String,
        #[serde(default)]
        times: Option<usize>,
        #[serde(default)]
        fill_to: Option<usize>,
        #[serde(default)]
        then: String,
    },
    /// A JSON array of `times` items: `of` each, but `last` as the last one if given.
    Array {
        of: Box<RawValue>,
        times: usize,
        #[serde(default)]
        last: Option<Box<RawValue>>,
    },
}

/// One line of a corpus file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    field: String,
    #[serde(default)]
    expect: Option<String>,
    #[serde(default = "schema")]
    reason: String,
    #[serde(default)]
    stage: Stage,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    wrap: Option<Wrap>,
    #[serde(default)]
    make: BTreeMap<String, Make>,
    #[serde(default)]
    body: Option<Box<RawValue>>,
    #[serde(default)]
    raw: Option<String>,
}

fn schema() -> String {
    "schema".to_owned()
}

/// One bad body, expanded, with the error the product must give for it.
#[derive(Debug, Clone)]
pub struct BadBody {
    /// `file.jsonl:line`, for messages.
    pub place: String,
    /// The file's name without `.jsonl`: `json`, `shape`, `dates`, …
    pub class: String,
    /// The field the error names: the error starts with `"{field}: "`.
    pub field: String,
    /// Words the error must contain, if any.
    pub expect: Option<String>,
    /// The dead letter's `orderstatus.reason`: `schema`, `platform` or `config`.
    pub reason: String,
    pub stage: Stage,
    /// `"accepts"` where the published schema cannot state the check.
    pub schema: Option<String>,
    pub note: Option<String>,
    /// The envelope the loader put the body in, if any.
    pub wrap: Option<Wrap>,
    /// Whether the line gave a JSON `body` sent as it is (no `raw`, `make` or `wrap`).
    pub plain_json: bool,
    /// The SQS body.
    pub text: String,
}

impl BadBody {
    /// Whether `error` (`field: problem`) is the error this body must get.
    pub fn is_expected(&self, error: &str) -> bool {
        error.starts_with(&format!("{}: ", self.field))
            && self
                .expect
                .as_deref()
                .is_none_or(|words| error.contains(words))
    }

    /// What the error must be, for failure messages.
    pub fn expected(&self) -> String {
        match &self.expect {
            Some(words) => format!("{}: …{words}…", self.field),
            None => format!("{}: …", self.field),
        }
    }

    /// The body as a JSON value, for a `body` sent as it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        self.plain_json
            .then(|| serde_json::from_str(&self.text).expect("a body line is JSON"))
    }

    /// The body for messages: cut to `max` characters.
    pub fn shown(&self, max: usize) -> String {
        let mut shown: String = self.text.chars().take(max).collect();
        if shown.len() < self.text.len() {
            shown.push_str(&format!("… ({} bytes)", self.text.len()));
        }
        shown
    }
}

/// Every body of every `*.jsonl` file in `dir`, files in name order, lines in file order.
pub fn load(dir: &Path) -> Vec<BadBody> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.jsonl in {}", dir.display());
    let mut bodies = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let class = name.trim_end_matches(".jsonl").to_owned();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let place = format!("{name}:{}", i + 1);
            let parsed: Line =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{place}: {e}"));
            bodies.push(expand(place, class.clone(), parsed));
        }
    }
    bodies
}

fn expand(place: String, class: String, line: Line) -> BadBody {
    let plain_json = line.body.is_some() && line.make.is_empty() && line.wrap.is_none();
    let mut text = match (line.body, line.raw) {
        (Some(body), None) => body.get().to_owned(),
        (None, Some(raw)) => raw,
        _ => panic!("{place}: give one of body and raw"),
    };
    // Sized strings last: they fill to the final length.
    let (fills, others): (Vec<_>, Vec<_>) = line.make.iter().partition(|(_, make)| {
        matches!(
            make,
            Make::String {
                fill_to: Some(_),
                ..
            }
        )
    });
    for (name, make) in others.into_iter().chain(fills) {
        let placeholder = format!("\"${name}\"");
        assert!(
            text.contains(&placeholder),
            "{place}: no {placeholder} in the body"
        );
        let rest = text.len() - placeholder.len();
        text = text.replacen(&placeholder, &generate(&place, make, rest), 1);
    }
    text = match line.wrap {
        None => text,
        Some(Wrap::Sns) => format!(
            r#"{{"Type":"Notification","MessageId":"5f2a1c9e-bad0-4b7e-9d1a-{:012}","TopicArn":"arn:aws:sns:us-east-1:123456789012:order-status","Message":{},"Timestamp":"2024-03-01T12:00:00.000Z","SignatureVersion":"1"}}"#,
            text.len(),
            serde_json::to_string(&text).unwrap()
        ),
        Some(Wrap::EventBridge) => format!(
            r#"{{"version":"0","id":"0d4a6f2e-bad0-4c1b-8e3f-{:012}","detail-type":"Order status changed","source":"erp.orders","account":"123456789012","time":"2024-03-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{text}}}"#,
            text.len()
        ),
    };
    BadBody {
        place,
        class,
        field: line.field,
        expect: line.expect,
        reason: line.reason,
        stage: line.stage,
        schema: line.schema,
        note: line.note,
        wrap: line.wrap,
        plain_json,
        text,
    }
}

/// The JSON text for one placeholder; `rest` is the length of the text around it.
fn generate(place: &str, make: &Make, rest: usize) -> String {
    match make {
        Make::NestedArrays(depth) => "[".repeat(*depth) + &"]".repeat(*depth),
        Make::NestedObjects(depth) => "{\"a\":".repeat(*depth) + "0" + &"}".repeat(*depth),
        Make::UnclosedArrays(depth) => "[".repeat(*depth),
        Make::String {
            of,
            times,
            fill_to,
            then,
        } => {
            let times = match (times, fill_to) {
                (Some(times), None) => *times,
                (None, Some(total)) => {
                    let room = total
                        .checked_sub(rest + 2 + then.len())
                        .unwrap_or_else(|| panic!("{place}: the body is already too long"));
                    assert!(
                        room % of.len().max(1) == 0,
                        "{place}: {of:?} does not fill {total} bytes evenly"
                    );
                    room / of.len().max(1)
                }
                _ => panic!("{place}: give one of times and fill_to"),
            };
            format!("\"{}{then}\"", of.repeat(times))
        }
        Make::Array { of, times, last } => {
            let mut items = vec![of.get(); *times];
            if let (Some(last), Some(slot)) = (last, items.last_mut()) {
                *slot = last.get();
            }
            format!("[{}]", items.join(","))
        }
    }
}
