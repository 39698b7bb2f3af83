//! Every body of the bad-input corpus is refused before anything is sent, with an error that
//! names the field at fault (and, for characters XML cannot carry, the character).

mod corpus;

use orderstatus::validate::parse_body;

#[test]
fn every_bad_body_is_refused_naming_its_field() {
    let mut wrong = Vec::new();
    for bad in corpus::bad_bodies() {
        match parse_body(&bad.text()) {
            Ok(_) => wrong.push(format!("[{}] accepted: {}", bad.class, bad.text())),
            Err(e) if e.field != bad.field => wrong.push(format!(
                "[{}] expected field {}, got `{e}`: {}",
                bad.class,
                bad.field,
                bad.text()
            )),
            Err(e) if bad.class == "xml-char" && !e.problem.contains("U+") => {
                wrong.push(format!("[xml-char] the character is not named: `{e}`"))
            }
            Err(_) => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
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
