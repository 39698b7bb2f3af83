//! What commands print: compact tables for people, JSON for scripts (`--json`), and the
//! formatting of times and long texts they share.

use std::borrow::Cow;
use std::fmt::Write;

use chrono::{DateTime, Utc};

/// Longest cell of a table column except the last, which is never cut.
const CELL_WIDTH: usize = 48;

/// A table with a header row, columns as wide as their widest cell (capped), two spaces apart.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(i, cell)| {
                    let one_line = printable(cell)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    if i + 1 < columns {
                        shorten(&one_line, CELL_WIDTH)
                    } else {
                        one_line
                    }
                })
                .collect()
        })
        .collect();
    for row in &cells {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let text: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        text.join("  ").trim_end().to_owned()
    };
    let mut out = line(&mut headers.iter().copied());
    for row in &cells {
        out.push('\n');
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// `text` safe to print on a terminal: control characters (but tab and line feed) and the
/// bidirectional overrides written as `\u{…}`, so that a message's or a letter's text can
/// neither move the cursor, recolour or retitle the terminal, nor reorder what is shown.
pub fn printable(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\t' && c != '\n')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` cut to `width` characters, with an ellipsis when cut.
pub fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Epoch milliseconds as RFC 3339 in UTC, to the second.
pub fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// An optional value, or `-`.
pub fn or_dash(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or("-").to_owned()
}

/// An XML document indented for reading, or `None` when the text is not one well-formed
/// document. Text inside elements is kept to the byte; an empty element shows as `<name/>`.
pub fn indent_xml(text: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    let mut depth = 0usize;
    let mut elements = 0usize;
    // A start tag waits for the next event: if that closes it, it is written as empty.
    let mut open: Option<quick_xml::events::BytesStart<'_>> = None;
    loop {
        let event = reader.read_event().ok()?;
        match event {
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => continue,
            Event::Start(_) => {
                depth += 1;
                elements += 1;
            }
            Event::Empty(_) => elements += 1,
            Event::End(_) => depth = depth.checked_sub(1)?,
            _ => {}
        }
        match (open.take(), event) {
            (Some(start), Event::End(_)) => writer.write_event(Event::Empty(start)).ok()?,
            (pending, event) => {
                if let Some(start) = pending {
                    writer.write_event(Event::Start(start)).ok()?;
                }
                match event {
                    Event::Eof => break,
                    Event::Start(start) => open = Some(start),
                    event => writer.write_event(event).ok()?,
                }
            }
        }
    }
    if depth != 0 || elements == 0 {
        return None;
    }
    String::from_utf8(writer.into_inner()).ok()
}

/// Pretty JSON on standard output.
pub fn print_json(value: &serde_json::Value) {
    println!("{value:#}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_messages_cannot_drive_the_terminal() {
        assert_eq!(
            printable("shipped\u{1b}]0;owned\u{7}\r\u{9b}2J\u{202E}txt"),
            "shipped\\u{001b}]0;owned\\u{0007}\\u{000d}\\u{009b}2J\\u{202e}txt"
        );
        assert!(matches!(printable("a\tb\nü 日本"), Cow::Borrowed(_)));
        let cell = table(&["X"], &[vec!["\u{1b}[2Jgone".to_owned()]]);
        assert!(!cell.contains('\u{1b}'), "{cell:?}");
    }

    #[test]
    fn tables_align_columns_and_keep_the_last_one_whole() {
        let long = "x".repeat(60);
        let rows = vec![
            vec!["a".to_owned(), "bb".to_owned(), long.clone()],
            vec![long.clone(), "b".to_owned(), "c\nd".to_owned()],
        ];
        let text = table(&["ONE", "TWO", "THREE"], &rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].ends_with(&long), "{text}");
        assert!(
            lines[2].contains('…') && lines[2].ends_with("c d"),
            "{text}"
        );
        let second_column = lines[0].find("TWO").unwrap();
        assert_eq!(lines[1].find("bb"), Some(second_column));
    }

    #[test]
    fn xml_is_indented_and_keeps_its_text() {
        let shown = indent_xml("<a><b x=\"1\">Shipped 9/23/2018 &amp; more</b></a>").unwrap();
        assert_eq!(
            shown,
            "<a>\n  <b x=\"1\">Shipped 9/23/2018 &amp; more</b>\n</a>"
        );
        assert_eq!(indent_xml("<a><b></b></a>").unwrap(), "<a>\n  <b/>\n</a>");
        assert_eq!(indent_xml("<a>"), None);
        assert_eq!(indent_xml("plain words"), None);
    }

    #[test]
    fn times_are_utc_seconds() {
        assert_eq!(time(1_537_732_800_000), "2018-09-23T20:00:00Z");
    }
}
