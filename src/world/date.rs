//! Calendar dates for `[scenario] start = "YYYY-MM-DD"`: the day the simulated time 0 is
//! midnight of, so charts and tables can say "Mar 3" instead of "day 2" when a planner's
//! traces were measured on known days. Proleptic Gregorian, UTC, no time zones: the scenario
//! clock has none, and a review meeting reads days, not offsets.
//!
//! No date library: two conversions (Howard Hinnant's `days_from_civil` and
//! `civil_from_days`, exact for every year) are all it takes.

use std::fmt;

/// A day, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    days: i64,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

impl Date {
    /// `YYYY-MM-DD`, years 1900 to 9999; the error says what was expected.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bad = || format!("`{text}` is not a date; expected YYYY-MM-DD, e.g. \"2011-03-03\"");
        let t = text.trim();
        let parts: Vec<&str> = t.split('-').collect();
        if parts.len() != 3
            || parts[0].len() != 4
            || parts[1].len() != 2
            || parts[2].len() != 2
            || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        let (y, m, d): (i64, u32, u32) = (
            parts[0].parse().map_err(|_| bad())?,
            parts[1].parse().map_err(|_| bad())?,
            parts[2].parse().map_err(|_| bad())?,
        );
        if !(1900..=9999).contains(&y) {
            return Err(format!("`{text}`: expected a year from 1900 to 9999"));
        }
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return Err(format!(
                "`{text}` is not a day of the calendar; expected YYYY-MM-DD with a valid month and day"
            ));
        }
        Ok(Date {
            days: days_from_civil(y, m, d),
        })
    }

    /// The day `n` days later (earlier when negative).
    pub fn plus_days(self, n: i64) -> Date {
        Date {
            days: self.days + n,
        }
    }

    /// (year, month 1–12, day 1–31).
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.days)
    }

    /// "Mon", "Tue", …
    pub fn weekday(self) -> &'static str {
        WEEKDAYS[(self.days + 4).rem_euclid(7) as usize]
    }

    /// "Mar 3": short enough for an axis tick.
    pub fn month_day(self) -> String {
        let (_, m, d) = self.ymd();
        format!("{} {d}", MONTHS[m as usize - 1])
    }

    /// "Thu Mar 3 2011".
    pub fn long(self) -> String {
        let (y, _, _) = self.ymd();
        format!("{} {} {y}", self.weekday(), self.month_day())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        // 1970-01-01 is day 0, a Thursday; 2000-03-01 follows a leap day (11,017 days on).
        let epoch = Date::parse("1970-01-01").unwrap();
        assert_eq!(epoch.days, 0);
        assert_eq!(epoch.weekday(), "Thu");
        let d = Date::parse("2000-03-01").unwrap();
        assert_eq!(d.days, 11_017);
        assert_eq!(d.plus_days(-1).to_string(), "2000-02-29");
        // PlanetLab's 2011-03-03 was a Thursday; 14 days on is 2011-03-17.
        let p = Date::parse("2011-03-03").unwrap();
        assert_eq!(p.long(), "Thu Mar 3 2011");
        assert_eq!(p.plus_days(14).to_string(), "2011-03-17");
        assert_eq!(p.plus_days(29).month_day(), "Apr 1");
    }

    #[test]
    fn every_day_round_trips() {
        for z in -30_000..60_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn bad_dates_say_what_is_expected() {
        for bad in [
            "2011-3-3",
            "03/03/2011",
            "2011-02-29",
            "2011-13-01",
            "1899-12-31",
            "",
            "2011-03-03T00:00",
        ] {
            let e = Date::parse(bad).unwrap_err();
            assert!(e.contains("expected"), "{bad}: {e}");
        }
        assert!(Date::parse("2012-02-29").is_ok());
    }
}
