//! Dates in each platform's format and the account's time zone.

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

/// The date and time formats the platforms use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// `9/23/2018`: CV3 status texts (no leading zeros).
    MonthDayYear,
    /// `2018-09-23 10:00:00`: Seller Center's `status_event_time`.
    DateTimeSpaced,
    /// `2018-09-23`: ISO dates (DESADV and similar).
    IsoDate,
    /// `2018-09-23T14:00:00Z`: RFC 3339 in UTC.
    Rfc3339Utc,
}

/// Formats `at` in `zone` the way `style` says.
pub fn format_in(at: DateTime<FixedOffset>, zone: Tz, style: DateStyle) -> String {
    let local = at.with_timezone(&zone);
    match style {
        DateStyle::MonthDayYear => local.format("%-m/%-d/%Y").to_string(),
        DateStyle::DateTimeSpaced => local.format("%Y-%m-%d %H:%M:%S").to_string(),
        DateStyle::IsoDate => local.format("%Y-%m-%d").to_string(),
        DateStyle::Rfc3339Utc => at
            .with_timezone(&Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// Parses an IANA time-zone name, naming the field on failure.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("unknown time zone {name:?} (use an IANA name like America/New_York)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        text.parse().unwrap()
    }

    #[test]
    fn cv3_dates_have_no_leading_zeros() {
        let zone = parse_zone("America/New_York").unwrap();
        let formatted = format_in(
            at("2018-09-03T10:00:00-04:00"),
            zone,
            DateStyle::MonthDayYear,
        );
        assert_eq!(formatted, "9/3/2018");
    }

    #[test]
    fn the_account_zone_decides_the_day() {
        // 02:30 UTC on the 24th is still the 23rd in New York.
        let shipped = at("2018-09-24T02:30:00Z");
        let new_york = parse_zone("America/New_York").unwrap();
        assert_eq!(
            format_in(shipped, new_york, DateStyle::MonthDayYear),
            "9/23/2018"
        );
        assert_eq!(
            format_in(shipped, Tz::UTC, DateStyle::MonthDayYear),
            "9/24/2018"
        );
        assert_eq!(
            format_in(shipped, new_york, DateStyle::DateTimeSpaced),
            "2018-09-23 22:30:00"
        );
        assert_eq!(
            format_in(shipped, new_york, DateStyle::Rfc3339Utc),
            "2018-09-24T02:30:00Z"
        );
    }

    #[test]
    fn unknown_zone_is_explained() {
        assert!(parse_zone("Mars/Olympus").unwrap_err().contains("IANA"));
    }
}
