//! DESADV quantities are `decimal(12,4)`. Held as whole ten-thousandths, deliveries add up
//! exactly: three deliveries of 0.1 fill a line of 0.3, as they do on the platform.

use std::fmt;

use super::drf::message::NOT_A_NUMBER;

/// A quantity in ten-thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(super) struct Quantity(i64);

const SCALE: i64 = 10_000;
const DECIMAL_PLACES: usize = 4;
const MAX_DIGITS: usize = 12;

impl Quantity {
    /// A `DecimalField(max_digits=12, decimal_places=4)` value, refused with DRF's words.
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        let not_a_number = || NOT_A_NUMBER.to_owned();
        let (negative, unsigned) = match text.trim() {
            text if text.starts_with('-') => (true, &text[1..]),
            text => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
            return Err(not_a_number());
        }
        if fraction.len() > DECIMAL_PLACES {
            return Err(format!(
                "Ensure that there are no more than {DECIMAL_PLACES} decimal places."
            ));
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() + fraction.len() > MAX_DIGITS {
            return Err(format!(
                "Ensure that there are no more than {MAX_DIGITS} digits in total."
            ));
        }
        // At most 12 digits: the parse cannot overflow.
        let scaled = format!("{whole}{fraction:0<DECIMAL_PLACES$}");
        let value: i64 = scaled.trim_start_matches('0').parse().unwrap_or(0);
        Ok(Self(if negative { -value } else { value }))
    }

    /// An order line's quantity, kept as a float in the records.
    pub(super) fn from_f64(value: f64) -> Self {
        Self((value * SCALE as f64).round() as i64)
    }

    pub(super) fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    pub(super) fn is_positive(self) -> bool {
        self.0 > 0
    }
}

impl std::ops::Add for Quantity {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Quantity {
    fn add_assign(&mut self, other: Self) {
        self.0 += other.0;
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (whole, fraction) = (self.0.abs() / SCALE, self.0.abs() % SCALE);
        if fraction == 0 {
            return write!(f, "{sign}{whole}");
        }
        let fraction = format!("{fraction:04}");
        write!(f, "{sign}{whole}.{}", fraction.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(Quantity::parse("1.0000"), Ok(Quantity(10_000)));
        assert_eq!(Quantity::parse("0.1"), Ok(Quantity(1_000)));
        assert_eq!(Quantity::parse("2"), Ok(Quantity(20_000)));
        assert_eq!(Quantity::parse(".5"), Ok(Quantity(5_000)));
        assert_eq!(Quantity::parse("-1"), Ok(Quantity(-10_000)));
        assert_eq!(Quantity::parse("00000000000001.5"), Ok(Quantity(15_000)));
        let three_tenths = Quantity::parse("0.1").unwrap();
        assert_eq!(
            three_tenths + three_tenths + three_tenths,
            Quantity::from_f64(0.3)
        );
    }

    #[test]
    fn what_drf_refuses() {
        for text in ["", ".", "one", "1,5", "1e3", "--1", "1.2.3"] {
            assert_eq!(
                Quantity::parse(text),
                Err("A valid number is required.".to_owned()),
                "{text:?}"
            );
        }
        assert!(
            Quantity::parse("1.00001")
                .unwrap_err()
                .contains("4 decimal")
        );
        assert!(
            Quantity::parse("123456789.0000")
                .unwrap_err()
                .contains("12 digits")
        );
    }

    #[test]
    fn shown_without_trailing_zeros() {
        assert_eq!(Quantity(10_000).to_string(), "1");
        assert_eq!(Quantity(12_500).to_string(), "1.25");
        assert_eq!(Quantity(5).to_string(), "0.0005");
        assert_eq!(Quantity(-5_000).to_string(), "-0.5");
    }
}
