//! Durations as scenarios write them: a number and a unit (`"15s"`, `"5m"`, `"4h"`, `"30d"`).

use serde::{Deserialize, Deserializer};
use std::fmt;

/// A non-negative duration in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub u64);

pub const EXPECTED: &str = "a duration such as \"500ms\", \"15s\", \"5m\", \"4h\", \"30d\", \"1w\" or \"3y\" (365 days a year)";

impl Duration {
    pub fn ms(self) -> u64 {
        self.0
    }

    /// Parse `"<number><unit>"`, or several separated by spaces (`"1d 6h"`); a number may have
    /// a fraction (`"1.5h"`), the result is rounded to whole milliseconds.
    pub fn parse(text: &str) -> Result<Duration, String> {
        if text.trim_start().starts_with('-') {
            return Err(format!(
                "`{}` is negative; expected {EXPECTED}",
                text.trim()
            ));
        }
        // Parts separated by spaces add up: "9d 9h 30m"; a number may stand apart from its
        // unit ("15 s").
        let mut parts: Vec<String> = Vec::new();
        for token in text.split_whitespace() {
            match parts.last_mut() {
                Some(last)
                    if last.chars().all(|c| c.is_ascii_digit() || c == '.')
                        && token.starts_with(|c: char| c.is_alphabetic()) =>
                {
                    last.push_str(token)
                }
                _ => parts.push(token.to_string()),
            }
        }
        if parts.len() > 1 {
            let mut total = 0u64;
            for part in &parts {
                total = total.saturating_add(Self::parse_one(part)?.0);
            }
            if total > 9_007_199_254_740_992 {
                return Err(format!(
                    "`{text}` is too long; expected at most about 285,000 years"
                ));
            }
            return Ok(Duration(total));
        }
        Self::parse_one(parts.first().map_or(text, String::as_str))
    }

    fn parse_one(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}` has no unit; expected {EXPECTED}"))?;
        let (number, unit) = text.split_at(split);
        let unit_ms: f64 = match unit.trim() {
            "ms" => 1.0,
            "s" => 1e3,
            "m" | "min" => 60e3,
            "h" => 3600e3,
            "d" => 86_400e3,
            "w" => 7.0 * 86_400e3,
            // A forecast year, as growth rates count them: 365 days.
            "y" => 365.0 * 86_400e3,
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{text}`; expected {EXPECTED}"
                ));
            }
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a number; expected {EXPECTED}"))?;
        let ms = (value * unit_ms).round();
        // 2^53 ms is about 285,000 years: beyond it the count is no longer exact.
        if !ms.is_finite() || ms > 9.007_199_254_740_992e15 {
            return Err(format!(
                "`{text}` is too long; expected at most about 285,000 years"
            ));
        }
        Ok(Duration(ms as u64))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl fmt::Display for Duration {
    /// The largest unit that divides the duration exactly, so `"5m"` prints as `5m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        for (unit, size) in [
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1000),
        ] {
            if ms != 0 && ms.is_multiple_of(size) {
                return write!(f, "{}{unit}", ms / size);
            }
        }
        write!(f, "{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(Duration::parse("15s"), Ok(Duration(15_000)));
        assert_eq!(Duration::parse("5m"), Ok(Duration(300_000)));
        assert_eq!(Duration::parse("1.5h"), Ok(Duration(5_400_000)));
        assert_eq!(Duration::parse("30d"), Ok(Duration(2_592_000_000)));
        assert_eq!(Duration::parse("1w"), Ok(Duration(604_800_000)));
        assert_eq!(Duration::parse("3y"), Ok(Duration(3 * 365 * 86_400_000)));
        assert_eq!(Duration::parse("250ms"), Ok(Duration(250)));
    }

    #[test]
    fn rejects_bad_text() {
        for bad in ["15", "s", "-5m", "5 parsecs", "1e400d", "", "1.2.3s"] {
            assert!(Duration::parse(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn parts_add_up_and_may_stand_apart_from_their_units() {
        assert_eq!(
            Duration::parse("9d 9h 30m"),
            Ok(Duration(((9 * 24 + 9) * 60 + 30) * 60_000))
        );
        assert_eq!(Duration::parse("15 s"), Ok(Duration(15_000)));
        let e = Duration::parse("1 fortnight").unwrap_err();
        assert!(e.contains("fortnight"), "{e}");
        let e = Duration::parse("-15s").unwrap_err();
        assert!(e.contains("negative"), "{e}");
    }

    #[test]
    fn displays_in_largest_exact_unit() {
        assert_eq!(Duration(300_000).to_string(), "5m");
        assert_eq!(Duration(86_400_000).to_string(), "1d");
        assert_eq!(Duration(90_000).to_string(), "90s");
        assert_eq!(Duration(1).to_string(), "1ms");
    }
}
