//! Canonical messages from a file or standard input, JSON Lines or CSV, each checked by the
//! shared validation the functions use, so that a line refused here would be refused there.
//!
//! CSV columns (header row required, any order, unknown columns refused): `order_id` and
//! `occurred_at` are required; `id`, `platform` (default `--platform`), `account` (default
//! `--account`), `customer_number`, `order_reference`, `erp_order_number`, `status`,
//! `sequence`, `detail`, `reason` describe the message; `package_id`, `carrier`, `service`,
//! `tracking_number`, `shipped_at` one package. Rows that follow each other with the same
//! non-empty `id` are one message with one package per row (its other columns come from the
//! first row).

use crate::output::printable;
use std::borrow::Cow;
use std::io::Read;

use clap::{Args, ValueEnum};
use orderstatus::message::{PlatformName, StatusMessage};
use orderstatus::validate::parse_message;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::failure::Failure;

/// Every CSV column, in the order the README lists them.
pub const CSV_COLUMNS: [&str; 17] = [
    "id",
    "platform",
    "account",
    "order_id",
    "customer_number",
    "order_reference",
    "erp_order_number",
    "status",
    "occurred_at",
    "sequence",
    "detail",
    "reason",
    "package_id",
    "carrier",
    "service",
    "tracking_number",
    "shipped_at",
];
const REQUIRED_COLUMNS: [&str; 2] = ["order_id", "occurred_at"];
const PACKAGE_COLUMNS: [(&str, &str); 5] = [
    ("package_id", "id"),
    ("carrier", "carrier"),
    ("service", "service"),
    ("tracking_number", "tracking_number"),
    ("shipped_at", "shipped_at"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON message per line.
    Jsonl,
    /// A header row and one row per message (or per package).
    Csv,
}

#[derive(Args)]
pub struct InputArgs {
    /// Messages: a JSON Lines or CSV file, or - for standard input.
    pub file: String,
    /// The file's format; by default csv for names ending in .csv, else jsonl.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

impl InputArgs {
    fn format(&self) -> Format {
        self.format.unwrap_or(if self.file.ends_with(".csv") {
            Format::Csv
        } else {
            Format::Jsonl
        })
    }

    fn read_text(&self) -> Result<String, Failure> {
        if self.file == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Failure::Usage(format!("cannot read standard input: {e}")))?;
            Ok(text)
        } else {
            std::fs::read_to_string(&self.file)
                .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", self.file)))
        }
    }
}

/// What the messages must be for.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    pub platform: PlatformName,
    /// Messages naming no account get this one; messages naming another are refused. `None`
    /// accepts every account.
    pub account: Option<&'a str>,
}

/// One valid message: where it was, the body to send, and the parsed message.
pub struct Valid {
    pub line: usize,
    pub body: String,
    pub message: StatusMessage,
}

/// One refused message, naming the line and the field at fault.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub line: usize,
    pub field: String,
    pub problem: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The field and the problem may quote the input: never let it drive the terminal.
        write!(
            f,
            "line {}: {}: {}",
            self.line,
            printable(&self.field),
            printable(&self.problem)
        )
    }
}

#[derive(Default)]
pub struct Messages {
    pub valid: Vec<Valid>,
    pub problems: Vec<Problem>,
}

/// Reads and checks every message of the input.
pub fn read(args: &InputArgs, expect: Expect<'_>) -> Result<Messages, Failure> {
    let text = args.read_text()?;
    let bodies = match args.format() {
        Format::Jsonl => jsonl_bodies(&text, expect),
        Format::Csv => csv_bodies(&text, expect)?,
    };
    let mut messages = Messages::default();
    for body in bodies {
        match body.and_then(|(line, body)| check(line, body, expect)) {
            Ok(valid) => messages.valid.push(valid),
            Err(problem) => messages.problems.push(problem),
        }
    }
    Ok(messages)
}

/// The non-empty lines of a JSON Lines input, unchecked (for `send --raw`).
pub fn raw_lines(args: &InputArgs) -> Result<Vec<(usize, String)>, Failure> {
    Ok(args
        .read_text()?
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim().to_owned()))
        .filter(|(_, line)| !line.is_empty())
        .collect())
}

type Body = Result<(usize, String), Problem>;

fn check(line: usize, body: String, expect: Expect<'_>) -> Result<Valid, Problem> {
    let problem = |field: &str, text: String| Problem {
        line,
        field: field.to_owned(),
        problem: text,
    };
    let message = parse_message(&body).map_err(|e| {
        // serde names no path ("?") when the text is not JSON at all.
        let field = if e.field == "?" { "message" } else { &e.field };
        problem(field, e.problem)
    })?;
    if message.platform != expect.platform {
        return Err(problem(
            "platform",
            format!(
                "is {}, but --platform is {} (send it with --platform {})",
                message.platform, expect.platform, message.platform
            ),
        ));
    }
    if let Some(account) = expect.account
        && message.account != account
    {
        return Err(problem(
            "account",
            format!(
                "is {:?}, but --account is {account:?} (one account per run)",
                message.account
            ),
        ));
    }
    Ok(Valid {
        line,
        body,
        message,
    })
}

fn jsonl_bodies(text: &str, expect: Expect<'_>) -> Vec<Body> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .map(|(number, line)| Ok((number, with_account(line, expect.account).into_owned())))
        .collect()
}

/// The message with `account` filled in when it names none. Messages default to the account
/// `default`, so only another account needs writing in.
fn with_account<'t>(line: &'t str, account: Option<&str>) -> Cow<'t, str> {
    let Some(account) = account.filter(|a| *a != "default") else {
        return Cow::Borrowed(line);
    };
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(mut object)) if !object.contains_key("account") => {
            object.insert("account".to_owned(), Value::from(account));
            Cow::Owned(Value::Object(object).to_string())
        }
        // Not an object, or names its account: validation says what is wrong, if anything.
        _ => Cow::Borrowed(line),
    }
}

fn csv_bodies(text: &str, expect: Expect<'_>) -> Result<Vec<Body>, Failure> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Failure::Usage(format!("CSV header: {e}")))?
        .clone();
    let columns: Vec<&str> = headers.iter().collect();
    if let Some(unknown) = columns.iter().find(|c| !CSV_COLUMNS.contains(c)) {
        return Err(Failure::Usage(format!(
            "CSV column {unknown:?} is unknown (columns: {})",
            CSV_COLUMNS.join(", ")
        )));
    }
    if let Some(missing) = REQUIRED_COLUMNS.iter().find(|c| !columns.contains(c)) {
        return Err(Failure::Usage(format!(
            "CSV column {missing:?} is required (columns: {})",
            CSV_COLUMNS.join(", ")
        )));
    }
    let mut bodies = Vec::new();
    // The message being built: its first line, its id, and its JSON.
    let mut current: Option<(usize, String, Value)> = None;
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                bodies.push(Err(Problem {
                    line,
                    field: "csv".to_owned(),
                    problem: e.to_string(),
                }));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cell = |name: &str| {
            columns
                .iter()
                .position(|c| *c == name)
                .and_then(|i| record.get(i))
                .filter(|v| !v.is_empty())
        };
        let id = cell("id").unwrap_or_default();
        if let Some((_, current_id, message)) = current.as_mut()
            && !id.is_empty()
            && id == current_id
        {
            if let Some(package) = package_value(&cell)
                && let Some(Value::Array(packages)) = message.get_mut("packages")
            {
                packages.push(package);
            }
            continue;
        }
        if let Some((first, _, message)) = current.take() {
            bodies.push(Ok((first, message.to_string())));
        }
        current = Some((line, id.to_owned(), message_value(&cell, expect)));
    }
    if let Some((first, _, message)) = current {
        bodies.push(Ok((first, message.to_string())));
    }
    Ok(bodies)
}

fn message_value<'c>(cell: &dyn Fn(&str) -> Option<&'c str>, expect: Expect<'_>) -> Value {
    let mut message = Map::new();
    message.insert("version".into(), json!(1));
    let put = |object: &mut Map<String, Value>, key: &str, value: Option<&str>| {
        if let Some(value) = value {
            object.insert(key.to_owned(), Value::from(value));
        }
    };
    put(&mut message, "id", cell("id"));
    put(
        &mut message,
        "platform",
        Some(cell("platform").unwrap_or(expect.platform.as_str())),
    );
    put(&mut message, "account", cell("account").or(expect.account));
    let mut order = Map::new();
    put(&mut order, "id", Some(cell("order_id").unwrap_or_default()));
    put(&mut order, "customer_number", cell("customer_number"));
    put(&mut order, "reference", cell("order_reference"));
    put(&mut order, "erp_order_number", cell("erp_order_number"));
    message.insert("order".into(), Value::Object(order));
    put(&mut message, "status", cell("status"));
    if let Some(occurred_at) = cell("occurred_at") {
        message.insert("occurred_at".into(), Value::from(occurred_at));
    }
    if let Some(sequence) = cell("sequence") {
        // A number when it is one; otherwise the text, which validation names.
        let value = sequence
            .parse::<u64>()
            .map_or_else(|_| Value::from(sequence), Value::from);
        message.insert("sequence".into(), value);
    }
    put(&mut message, "detail", cell("detail"));
    put(&mut message, "reason", cell("reason"));
    message.insert(
        "packages".into(),
        Value::Array(package_value(cell).into_iter().collect()),
    );
    Value::Object(message)
}

fn package_value<'c>(cell: &dyn Fn(&str) -> Option<&'c str>) -> Option<Value> {
    let package: Map<String, Value> = PACKAGE_COLUMNS
        .iter()
        .filter_map(|(column, field)| Some(((*field).to_owned(), Value::from(cell(column)?))))
        .collect();
    (!package.is_empty()).then_some(Value::Object(package))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECT: Expect<'static> = Expect {
        platform: PlatformName::Cv3,
        account: Some("default"),
    };

    fn bodies(csv: &str) -> Vec<Body> {
        csv_bodies(csv, EXPECT).unwrap_or_else(|f| panic!("{}", f.message()))
    }

    #[test]
    fn csv_rows_with_one_id_are_one_message_with_a_package_each() {
        let csv = "id,order_id,occurred_at,carrier,tracking_number,shipped_at\n\
                   m1,12345,2018-09-23T16:00:00-04:00,UPS,1Z3123134135,2018-09-23T10:00:00-04:00\n\
                   m1,12345,2018-09-23T16:00:00-04:00,FedEx,4563543534,2018-09-23T11:00:00-04:00\n\
                   ,12346,2018-09-20T09:00:00-04:00,,,\n";
        let bodies = bodies(csv);
        assert_eq!(bodies.len(), 2);
        let (line, body) = bodies[0].as_ref().unwrap();
        assert_eq!(*line, 2);
        let message = check(*line, body.clone(), EXPECT).unwrap().message;
        assert_eq!(message.packages.len(), 2);
        assert_eq!(message.packages[1].carrier.as_deref(), Some("FedEx"));
        let (line, body) = bodies[1].as_ref().unwrap();
        assert_eq!(*line, 4);
        let message = check(*line, body.clone(), EXPECT).unwrap().message;
        assert!(message.packages.is_empty());
    }

    #[test]
    fn csv_problems_name_the_field() {
        let csv = "order_id,occurred_at,sequence\n1,2018-09-23T16:00:00Z,seven\n";
        let (line, body) = bodies(csv).remove(0).unwrap();
        let problem = check(line, body, EXPECT).err().unwrap();
        assert_eq!((problem.line, problem.field.as_str()), (2, "sequence"));
        let unknown = csv_bodies("order_id,occurred_at,colour\n", EXPECT)
            .err()
            .unwrap();
        assert!(
            unknown.message().contains("\"colour\""),
            "{}",
            unknown.message()
        );
        let missing = csv_bodies("order_id\n1\n", EXPECT).err().unwrap();
        assert!(
            missing.message().contains("occurred_at"),
            "{}",
            missing.message()
        );
    }

    #[test]
    fn an_account_is_filled_in_only_where_the_message_names_none() {
        let shop = Some("shop2");
        assert_eq!(
            with_account(r#"{"a":1}"#, shop),
            r#"{"a":1,"account":"shop2"}"#
        );
        assert_eq!(
            with_account(r#"{"account":"x"}"#, shop),
            r#"{"account":"x"}"#
        );
        assert_eq!(with_account(r#"{"a":1}"#, Some("default")), r#"{"a":1}"#);
    }
}
