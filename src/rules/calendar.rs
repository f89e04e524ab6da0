//! Credit years, quarters, weeks and date texts in China Standard Time (UTC+8, Art. 10).
//!
//! Instants outside what `time::Date` can represent (years -9999..=9999 by default) are clamped to
//! the first or last representable second, so no input panics.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// China Standard Time; China has no daylight saving, so a fixed offset is exact.
pub const CST: UtcOffset = time::macros::offset!(+8);

const CST_SECONDS: i64 = 8 * 3600;
const DAY: i64 = 86_400;

/// Wall-clock date and time in UTC+8, clamped to the representable range.
fn local(unix_s: i64) -> PrimitiveDateTime {
    let min = PrimitiveDateTime::new(Date::MIN, Time::MIDNIGHT)
        .assume_utc()
        .unix_timestamp();
    let max = PrimitiveDateTime::new(Date::MAX, Time::MAX)
        .assume_utc()
        .unix_timestamp();
    // Shift to local wall time first, then read it back as if it were UTC.
    let wall = unix_s.saturating_add(CST_SECONDS).clamp(min, max);
    let utc = OffsetDateTime::from_unix_timestamp(wall).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    PrimitiveDateTime::new(utc.date(), utc.time())
}

/// Unix seconds of local midnight starting `date`.
fn midnight(date: Date) -> i64 {
    date.midnight().assume_offset(CST).unix_timestamp()
}

/// Calendar year in UTC+8 of the instant: the year a credit earned then counts for.
pub fn credit_year(unix_s: i64) -> i32 {
    local(unix_s).year()
}

/// (year, quarter 1..=4) in UTC+8.
pub fn quarter(unix_s: i64) -> (i32, u8) {
    let t = local(unix_s);
    (t.year(), (u8::from(t.month()) - 1) / 3 + 1)
}

/// `[start, end)` of a credit year in unix seconds. Years outside the representable range are clamped.
pub fn year_bounds(year: i32) -> (i64, i64) {
    let year = year.clamp(Date::MIN.year(), Date::MAX.year());
    let start = Date::from_calendar_date(year, Month::January, 1).map_or(0, midnight);
    // Computed from the length so the last representable year still has an end.
    let end = start + i64::from(time::util::days_in_year(year)) * DAY;
    (start, end)
}

/// `[start, end)` of quarter `q` (1..=4); `None` for another `q` or an unrepresentable year.
pub fn quarter_bounds(year: i32, q: u8) -> Option<(i64, i64)> {
    if !(1..=4).contains(&q) {
        return None;
    }
    let first = Month::try_from(3 * q - 2).ok()?;
    let start = midnight(Date::from_calendar_date(year, first, 1).ok()?);
    let end = if q == 4 {
        year_bounds(year).1
    } else {
        let next = Month::try_from(3 * q + 1).ok()?;
        midnight(Date::from_calendar_date(year, next, 1).ok()?)
    };
    Some((start, end))
}

/// Unix seconds of Monday 00:00 UTC+8 of the instant's week. Pure arithmetic, valid for any input.
pub fn week_start(unix_s: i64) -> i64 {
    let day = unix_s.saturating_add(CST_SECONDS).div_euclid(DAY);
    // 1970-01-01 was a Thursday, three days after a Monday.
    let monday = day - (day + 3).rem_euclid(7);
    monday.saturating_mul(DAY).saturating_sub(CST_SECONDS)
}

/// "2026-03-01T09:30:00+08:00".
pub fn rfc3339_cst(unix_s: i64) -> String {
    let t = local(unix_s);
    format!(
        "{}T{:02}:{:02}:{:02}+08:00",
        date_text(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// "2026-03-01".
pub fn date_cst(unix_s: i64) -> String {
    date_text(local(unix_s).date())
}

/// "2026-03-01 09:30".
pub fn datetime_cst(unix_s: i64) -> String {
    let t = local(unix_s);
    format!("{} {:02}:{:02}", date_text(t.date()), t.hour(), t.minute())
}

/// "2026-03-01 09:30:05": where seconds matter (an exam's deadline and a late hand-in).
pub fn datetime_seconds_cst(unix_s: i64) -> String {
    let t = local(unix_s);
    format!("{}:{:02}", datetime_cst(unix_s), t.second())
}

/// "09:30:05": the time of day, when the date goes without saying (when data was read).
pub fn time_cst(unix_s: i64) -> String {
    let t = local(unix_s);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // 2025-12-31T16:00:00Z = 2026-01-01T00:00:00+08:00.
    const NEW_YEAR_2026: i64 = 1_767_196_800;

    #[test]
    fn year_boundary_in_utc8() {
        assert_eq!(credit_year(NEW_YEAR_2026), 2026);
        assert_eq!(credit_year(NEW_YEAR_2026 - 1), 2025);
        assert_eq!(rfc3339_cst(NEW_YEAR_2026), "2026-01-01T00:00:00+08:00");
        assert_eq!(rfc3339_cst(NEW_YEAR_2026 - 1), "2025-12-31T23:59:59+08:00");
        assert_eq!(
            year_bounds(2026),
            (NEW_YEAR_2026, NEW_YEAR_2026 + 365 * DAY)
        );
        assert_eq!(year_bounds(2025).1, NEW_YEAR_2026);
        // 2028 is a leap year.
        let (s, e) = year_bounds(2028);
        assert_eq!(e - s, 366 * DAY);
    }

    #[test]
    fn quarter_boundaries() {
        assert_eq!(quarter(NEW_YEAR_2026), (2026, 1));
        assert_eq!(quarter(NEW_YEAR_2026 - 1), (2025, 4));
        // 2026-04-01T00:00:00+08:00.
        let april = NEW_YEAR_2026 + (31 + 28 + 31) * DAY;
        assert_eq!(quarter(april), (2026, 2));
        assert_eq!(quarter(april - 1), (2026, 1));
        assert_eq!(quarter_bounds(2026, 1), Some((NEW_YEAR_2026, april)));
        assert_eq!(
            rfc3339_cst(quarter_bounds(2026, 3).map_or(0, |b| b.0)),
            "2026-07-01T00:00:00+08:00"
        );
        assert_eq!(
            rfc3339_cst(quarter_bounds(2026, 4).map_or(0, |b| b.0)),
            "2026-10-01T00:00:00+08:00"
        );
        assert_eq!(
            quarter_bounds(2026, 4).map(|b| b.1),
            Some(year_bounds(2026).1)
        );
        assert_eq!(quarter_bounds(2026, 0), None);
        assert_eq!(quarter_bounds(2026, 5), None);
        assert_eq!(quarter_bounds(20_000, 1), None);
    }

    #[test]
    fn text_forms() {
        // 2026-03-01T01:30:00Z.
        let t = 1_772_328_600;
        assert_eq!(rfc3339_cst(t), "2026-03-01T09:30:00+08:00");
        assert_eq!(date_cst(t), "2026-03-01");
        assert_eq!(datetime_cst(t), "2026-03-01 09:30");
        assert_eq!(datetime_seconds_cst(t + 5), "2026-03-01 09:30:05");
        assert_eq!(rfc3339_cst(0), "1970-01-01T08:00:00+08:00");
    }

    #[test]
    fn week_starts_on_monday() {
        // 2026-03-01 is a Sunday; its week began Monday 2026-02-23.
        let sunday = 1_772_328_600;
        assert_eq!(rfc3339_cst(week_start(sunday)), "2026-02-23T00:00:00+08:00");
        let monday = week_start(sunday) + 7 * DAY;
        assert_eq!(week_start(monday), monday);
        assert_eq!(week_start(monday - 1), monday - 7 * DAY);
        assert_eq!(rfc3339_cst(week_start(0)), "1969-12-29T00:00:00+08:00");
    }

    #[test]
    fn extremes_do_not_panic() {
        for t in [i64::MIN, i64::MAX, -1, 0] {
            let _ = (
                credit_year(t),
                quarter(t),
                week_start(t),
                rfc3339_cst(t),
                datetime_cst(t),
            );
        }
        assert_eq!(credit_year(i64::MAX), Date::MAX.year());
        assert_eq!(credit_year(i64::MIN), Date::MIN.year());
        for y in [i32::MIN, Date::MIN.year(), Date::MAX.year(), i32::MAX] {
            let (s, e) = year_bounds(y);
            assert!(s < e);
            assert_eq!(credit_year(s), y.clamp(Date::MIN.year(), Date::MAX.year()));
            assert_eq!(credit_year(e - 1), credit_year(s));
        }
    }

    proptest! {
        #[test]
        fn year_and_quarter_agree_with_bounds(t in -5_000_000_000i64..10_000_000_000) {
            let y = credit_year(t);
            let (s, e) = year_bounds(y);
            prop_assert!(s <= t && t < e);
            let (qy, q) = quarter(t);
            prop_assert_eq!(qy, y);
            let (qs, qe) = quarter_bounds(qy, q).ok_or_else(|| TestCaseError::fail("no bounds"))?;
            prop_assert!(qs <= t && t < qe);
            prop_assert_eq!(credit_year(s), y);
            prop_assert_eq!(credit_year(s - 1), y - 1);
        }

        #[test]
        fn quarters_tile_the_year(y in 1900i32..2200) {
            let (s, e) = year_bounds(y);
            let mut at = s;
            for q in 1..=4u8 {
                let (qs, qe) = quarter_bounds(y, q).ok_or_else(|| TestCaseError::fail("no bounds"))?;
                prop_assert_eq!(qs, at);
                prop_assert_eq!(quarter(qs), (y, q));
                prop_assert_eq!(quarter(qe - 1), (y, q));
                at = qe;
            }
            prop_assert_eq!(at, e);
        }

        #[test]
        fn week_start_is_monday_midnight(t in -5_000_000_000i64..10_000_000_000) {
            let w = week_start(t);
            prop_assert!(w <= t && t - w < 7 * DAY);
            let l = local(w);
            prop_assert_eq!(l.weekday(), time::Weekday::Monday);
            prop_assert_eq!(l.time(), Time::MIDNIGHT);
        }
    }
}
