//! Money and quantities: decimal strings in the API, `numeric(18, 4)` in SQL, [`Decimal`] in
//! Rust (DESIGN.md §3: never floats), with ISO 4217 currency codes. One set of rules for every
//! service's prices, rates and values.

use crate::validate::Validator;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Largest amount `numeric(18, 4)` holds: 14 integer digits.
const MAX_INTEGER_DIGITS: u32 = 14;
/// Decimal places kept.
pub const SCALE: u32 = 4;

/// Parses a non-negative decimal string such as `"1250.00"` (plain notation; no sign, no
/// exponent, no thousands separators; at most 4 decimal places and 14 integer digits).
/// `empty` is returned for an empty string; other problems are recorded on `field`.
pub fn parse_amount(v: &mut Validator, field: &str, s: &str, empty: Decimal) -> Decimal {
    let s = s.trim();
    if s.is_empty() {
        return empty;
    }
    let plain = s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && s.bytes().any(|b| b.is_ascii_digit());
    let parsed = if plain { Decimal::from_str(s).ok() } else { None };
    match parsed {
        None => {
            v.push(field, "must be a non-negative decimal number such as \"1250.00\"");
            empty
        }
        Some(d) if d.scale() > SCALE && d.normalize().scale() > SCALE => {
            v.push(field, format!("at most {SCALE} decimal places"));
            empty
        }
        Some(d) if d.trunc() >= Decimal::from(10u64.pow(MAX_INTEGER_DIGITS)) => {
            v.push(field, format!("must be less than 10^{MAX_INTEGER_DIGITS}"));
            empty
        }
        Some(d) => d.normalize(),
    }
}

/// The API form of an amount: plain notation with at least two decimal places (`"1250.00"`,
/// `"0.125"`).
pub fn format_amount(d: Decimal) -> String {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// Parses an amount read back from SQL (`numeric::text`).
pub fn from_sql(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default().normalize()
}

/// An ISO 4217 alphabetic code: three ASCII upper-case letters (lower case is upper-cased).
/// Returns the normalised code; records `field` otherwise.
pub fn parse_currency(v: &mut Validator, field: &str, s: &str) -> String {
    let c = s.trim().to_ascii_uppercase();
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        v.push(field, "must be an ISO 4217 currency code such as \"USD\"");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(s: &str) -> Result<Decimal, String> {
        let mut v = Validator::new();
        let d = parse_amount(&mut v, "price", s, Decimal::ZERO);
        v.finish().map(|_| d).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_plain_decimals() {
        assert_eq!(amount("1250.00").unwrap().to_string(), "1250");
        assert_eq!(format_amount(amount("1250.00").unwrap()), "1250.00");
        assert_eq!(format_amount(amount("0.125").unwrap()), "0.125");
        assert_eq!(format_amount(amount("7").unwrap()), "7.00");
        assert_eq!(format_amount(amount("12.50000").unwrap()), "12.50");
        assert_eq!(amount("").unwrap(), Decimal::ZERO);
        assert_eq!(format_amount(amount("99999999999999.9999").unwrap()), "99999999999999.9999");
    }

    #[test]
    fn rejects_other_notations() {
        for bad in ["-1", "1e3", "1,000.00", "abc", ".", "1.2.3", "0.00001", "100000000000000", " $5"] {
            assert!(amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn currencies() {
        let mut v = Validator::new();
        assert_eq!(parse_currency(&mut v, "currency", " usd "), "USD");
        assert!(v.is_ok());
        for bad in ["US", "USDX", "U$D", ""] {
            let mut v = Validator::new();
            parse_currency(&mut v, "currency", bad);
            assert!(!v.is_ok(), "{bad}");
        }
    }
}
