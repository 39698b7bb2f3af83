//! What commands print: compact tables for people, JSON for scripts (`--json`), and the
//! formatting of times and long texts they share.

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
                    let one_line = cell.split_whitespace().collect::<Vec<_>>().join(" ");
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

/// Pretty JSON on standard output.
pub fn print_json(value: &serde_json::Value) {
    println!("{value:#}");
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn times_are_utc_seconds() {
        assert_eq!(time(1_537_732_800_000), "2018-09-23T20:00:00Z");
    }
}
