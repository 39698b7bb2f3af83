//! Dates in each platform's format and the account's time zone.

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

/// The exact shape of a message date-time, as the published schema states it:
/// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of up to nine digits, then `Z` or `±HH:MM`, years
/// 2000 to 9999. [`parse_rfc3339`] checks the same by hand, so the two agree.
pub const DATE_TIME_PATTERN: &str = r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";

/// Parses a message date-time. chrono alone is lenient (`2018-9-23`, `+2018-…`, `-0400`, spaces,
/// leap seconds); the text must first have [`DATE_TIME_PATTERN`]'s shape.
pub fn parse_rfc3339(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let shape_error = || {
        format!(
            "{text:?} is not an RFC 3339 date-time like 2018-09-23T10:00:00-04:00 \
             (YYYY-MM-DDTHH:MM:SS, optional fraction, then Z or ±HH:MM)"
        )
    };
    if !has_date_time_shape(text.as_bytes()) {
        return Err(shape_error());
    }
    if text.as_bytes()[0] < b'2' {
        return Err(format!("year {} is out of range 2000..9999", &text[..4]));
    }
    // The shape holds every field in its range, so chrono can only refuse a day that the month
    // does not have (its own words are "input is out of range").
    DateTime::parse_from_rfc3339(text).map_err(|_| {
        format!(
            "{text:?} is not a real date: {} has no day {}",
            &text[..7],
            &text[8..10]
        )
    })
}

/// `YYYY-MM-DDTHH:MM:SS(.f{1,9})?(Z|±HH:MM)` with each field in range (day 01-31; chrono
/// checks the day against the month). Any year of four digits passes here.
fn has_date_time_shape(b: &[u8]) -> bool {
    let number = |at: usize, len: usize| -> Option<u32> {
        let digits = b.get(at..at + len)?;
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let in_range = |at: usize, len: usize, lo: u32, hi: u32| {
        number(at, len).is_some_and(|n| (lo..=hi).contains(&n))
    };
    let date_and_time = number(0, 4).is_some()
        && at(4, b'-')
        && in_range(5, 2, 1, 12)
        && at(7, b'-')
        && in_range(8, 2, 1, 31)
        && at(10, b'T')
        && in_range(11, 2, 0, 23)
        && at(13, b':')
        && in_range(14, 2, 0, 59)
        && at(16, b':')
        && in_range(17, 2, 0, 59);
    if !date_and_time {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let digits = b[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return false;
        }
        i += 1 + digits;
    }
    match b.get(i) {
        Some(b'Z') => b.len() == i + 1,
        Some(b'+' | b'-') => {
            b.len() == i + 6
                && in_range(i + 1, 2, 0, 23)
                && at(i + 3, b':')
                && in_range(i + 4, 2, 0, 59)
        }
        _ => false,
    }
}

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
    /// `2018-09-23T10:00:00`: local date and time without an offset (Speed4Trade).
    LocalDateTime,
}

/// Formats `at` in `zone` the way `style` says.
pub fn format_in(at: DateTime<FixedOffset>, zone: Tz, style: DateStyle) -> String {
    let local = at.with_timezone(&zone);
    match style {
        DateStyle::MonthDayYear => local.format("%-m/%-d/%Y").to_string(),
        DateStyle::DateTimeSpaced => local.format("%Y-%m-%d %H:%M:%S").to_string(),
        DateStyle::IsoDate => local.format("%Y-%m-%d").to_string(),
        DateStyle::LocalDateTime => local.format("%Y-%m-%dT%H:%M:%S").to_string(),
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
            format_in(shipped, new_york, DateStyle::LocalDateTime),
            "2018-09-23T22:30:00"
        );
        assert_eq!(
            format_in(shipped, new_york, DateStyle::Rfc3339Utc),
            "2018-09-24T02:30:00Z"
        );
    }

    #[test]
    fn only_the_exact_rfc_3339_shape_is_a_date_time() {
        for good in [
            "2018-09-23T16:00:00Z",
            "2018-09-23T16:00:00-04:00",
            "2018-09-23T16:00:00.123+05:30",
            "9999-12-31T23:59:59.123456789Z",
        ] {
            assert!(parse_rfc3339(good).is_ok(), "{good}");
        }
        for bad in [
            "2018-9-23T16:00:00Z",
            "+2018-09-23T16:00:00Z",
            "2018-09-23T16:00:00-0400",
            " 2018-09-23T16:00:00Z",
            "2018-09-23T16:00:00Z ",
            "2018-09-23 16:00:00Z",
            "2018-09-23t16:00:00z",
            "2018-09-23T16:00Z",
            "2018-09-23T16:00:00",
            "2018-09-23T23:59:60Z",
            "2018-09-23T16:00:00.Z",
            "2018-09-23T16:00:00.1234567890Z",
            "2018-02-30T16:00:00Z",
            "2018-13-01T16:00:00Z",
            "2018-09-23T16:00:00+24:00",
            "12018-09-23T16:00:00Z",
            "2018-09-23T16:00:00Z\n",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            parse_rfc3339("1999-12-31T23:59:59Z").unwrap_err(),
            "year 1999 is out of range 2000..9999"
        );
        assert_eq!(
            parse_rfc3339("2019-02-29T10:00:00Z").unwrap_err(),
            "\"2019-02-29T10:00:00Z\" is not a real date: 2019-02 has no day 29"
        );
    }

    #[test]
    fn unknown_zone_is_explained() {
        assert!(parse_zone("Mars/Olympus").unwrap_err().contains("IANA"));
    }
}
