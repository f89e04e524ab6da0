//! Special training classes (Art. 9, RULES.md "Special training classes"): the class dates as
//! instants, which completions count, and graduation (结业) derived from a member's completions.
//! Pure: the caller reads the ledger and hands the facts in.

use time::Date;
use time::macros::format_description;

use super::Tenths;
use super::calendar::{CST, date_cst};

const DAY: i64 = 86_400;

/// The longest a class may run, in days (a year and a bit: the measures' classes run weeks).
pub const MAX_DAYS: i64 = 400;
/// The most courses a class may hold.
pub const MAX_COURSES: usize = 50;
/// The most members a class may hold (the largest city unit's cadres, with room).
pub const MAX_MEMBERS: usize = 50_000;
/// The longest class title, in characters.
pub const MAX_TITLE: usize = 100;
/// The longest class description, in characters.
pub const MAX_DESCRIPTION: usize = 2_000;

/// The largest member list accepted (a text, CSV or xlsx file on standard input).
pub const MEMBER_LIST_BYTES: usize = 4 * 1024 * 1024;

/// A member list's sheet: one column is read, but a workbook may hold more; 50,000 rows.
pub const MEMBER_LIST: super::limits::SheetLimits = super::limits::SheetLimits {
    rows: MAX_MEMBERS + 1,
    columns: 256,
    cells: 1_000_000,
    text_bytes: MEMBER_LIST_BYTES,
    unpacked_bytes: 16 * 1024 * 1024,
};

/// The headers a member list's first row may carry (then it is not a member).
const LIST_HEADERS: &[&str] = &[
    "用户名",
    "身份证号",
    "用户名或身份证号",
    "账号",
    "username",
    "id_number",
];

/// A member list's lines: the first column of a sheet (xlsx, or CSV/text in UTF-8 or GBK), one
/// username or ID number per line, numbered as the file numbers them (a header line, blank lines
/// and the cells right of the first stay as empty or are dropped, so line `i` is the file's row
/// `i + 1`).
pub fn member_list(bytes: &[u8]) -> Result<Vec<String>, String> {
    use super::sheet::{self, FileFormat, SheetCell};
    let grid =
        sheet::read(bytes, FileFormat::detect(bytes), &MEMBER_LIST).map_err(|e| e.to_string())?;
    let mut lines: Vec<String> = grid
        .into_iter()
        .map(|row| match row.into_iter().next() {
            Some(SheetCell::Text(t)) => t.trim().to_string(),
            // A number cell: a username or ID number typed into a spreadsheet as digits.
            Some(SheetCell::Number(n)) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
            Some(SheetCell::Number(n)) => n.to_string(),
            Some(SheetCell::Empty) | None => String::new(),
        })
        .collect();
    if let Some(first) = lines.first_mut()
        && LIST_HEADERS.iter().any(|h| first.eq_ignore_ascii_case(h))
    {
        first.clear();
    }
    Ok(lines)
}

/// The instants a class runs: `[starts_at, ends_at)` in unix seconds, `starts_at` 00:00 CST of
/// the first day and `ends_at` 00:00 CST of the day after the last day, so the last day counts
/// up to 23:59:59 inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    pub starts_at: i64,
    pub ends_at: i64,
}

impl Dates {
    /// The class from `first` to `last` (both days included, CST), or why not.
    pub fn of_days(first: Date, last: Date) -> Result<Dates, String> {
        if last < first {
            return Err("结束日期不能早于开始日期".into());
        }
        let starts_at = midnight(first);
        let ends_at = midnight(last) + DAY;
        if (ends_at - starts_at) / DAY > MAX_DAYS {
            return Err(format!("培训班最长 {MAX_DAYS} 天"));
        }
        Ok(Dates { starts_at, ends_at })
    }

    /// "2026-03-01": the first day, CST.
    pub fn first_day(self) -> String {
        date_cst(self.starts_at)
    }

    /// "2026-03-31": the last day, CST (the day before `ends_at`).
    pub fn last_day(self) -> String {
        date_cst(self.ends_at - 1)
    }

    /// Whole days the class runs.
    pub fn days(self) -> i64 {
        (self.ends_at - self.starts_at).div_euclid(DAY)
    }

    /// Days left at `now`, today included: the whole class before it starts, 1 on the last day,
    /// 0 once it has ended.
    pub fn days_left(self, now: i64) -> i64 {
        if now >= self.ends_at {
            return 0;
        }
        let from = now.max(self.starts_at);
        // Counted from the start of `now`'s CST day, so the last day is 1 however late it is.
        let day_start = from - (from + 8 * 3600).rem_euclid(DAY);
        (self.ends_at - day_start + DAY - 1).div_euclid(DAY)
    }

    /// How far through the class `now` is, as (elapsed, span) seconds with 0 ≤ elapsed ≤ span:
    /// a member is behind when their share of courses done is below elapsed / span.
    pub fn elapsed(self, now: i64) -> (i64, i64) {
        let span = self.ends_at - self.starts_at;
        ((now - self.starts_at).clamp(0, span), span)
    }
}

/// Unix seconds of 00:00 CST starting `day`.
fn midnight(day: Date) -> i64 {
    day.midnight().assume_offset(CST).unix_timestamp()
}

/// A day typed as `YYYY-MM-DD`, or a Chinese message naming `field`.
pub fn parse_day(field: &str, s: &str) -> Result<Date, String> {
    let s = s.trim();
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{field} {s} 无效（应为 YYYY-MM-DD，如 2026-03-01）"))
        .and_then(|d| {
            if (2000..=2100).contains(&d.year()) {
                Ok(d)
            } else {
                Err(format!("{field} {s} 超出范围（2000–2100 年）"))
            }
        })
}

/// What a class asks of a member besides its courses: at least `tenths` elective credits from
/// courses of one category (its code), earned within the class dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinElective {
    pub category: String,
    pub tenths: Tenths,
}

/// A class's graduation terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms<'a> {
    pub dates: Dates,
    /// Completions made before the class started count too (the organiser's option); a
    /// completion after the last day never does.
    pub earlier_counts: bool,
    /// The class's course ids.
    pub courses: &'a [i64],
    pub min_elective: Option<Tenths>,
}

impl Terms<'_> {
    /// Whether something completed or earned at `at` counts for the class.
    pub fn counts(&self, at: i64) -> bool {
        at < self.dates.ends_at && (self.earlier_counts || at >= self.dates.starts_at)
    }
}

/// A member's standing in a class, derived from their completions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Class courses completed in a way that counts.
    pub done: usize,
    /// When the last condition was met (None: not graduated).
    pub graduated_at: Option<i64>,
}

/// Graduation (结业) of a member: every class course completed (an unrevoked completion that
/// counts, see [`Terms::counts`]) and, when the class asks for it, the minimum of elective credits
/// reached within the dates. `completions` are the member's unrevoked completions as (course id,
/// when), in any order and possibly of other courses; `elective` the member's unrevoked elective
/// credits of the class's category as (when, tenths). The moment of graduation is the latest of
/// each class course's first counting completion and the moment the elective credits that count
/// first reached the minimum. A class without courses graduates nobody.
pub fn outcome(
    terms: &Terms<'_>,
    completions: &[(i64, i64)],
    elective: &[(i64, Tenths)],
) -> Outcome {
    let mut done = 0usize;
    let mut last: Option<i64> = None;
    let mut missing = terms.courses.is_empty();
    for &course in terms.courses {
        let first = completions
            .iter()
            .filter(|(c, at)| *c == course && terms.counts(*at))
            .map(|(_, at)| *at)
            .min();
        match first {
            Some(at) => {
                done += 1;
                last = Some(last.map_or(at, |l| l.max(at)));
            }
            None => missing = true,
        }
    }
    if missing {
        return Outcome {
            done,
            graduated_at: None,
        };
    }
    let graduated_at = match terms.min_elective {
        None => last,
        Some(min) => reached(terms, elective, min).and_then(|at| last.map(|l| l.max(at))),
    };
    Outcome { done, graduated_at }
}

/// When the elective credits that count first summed to `min`.
fn reached(terms: &Terms<'_>, elective: &[(i64, Tenths)], min: Tenths) -> Option<i64> {
    let mut counted: Vec<(i64, Tenths)> = elective
        .iter()
        .copied()
        .filter(|(at, _)| terms.counts(*at))
        .collect();
    counted.sort_by_key(|(at, _)| *at);
    let mut sum = Tenths(0);
    for (at, t) in counted {
        sum = Tenths(sum.0.saturating_add(t.0));
        if sum >= min {
            return Some(at);
        }
    }
    None
}

/// Permille of `part` in `whole` (0 when `whole` is 0), for completion and graduation rates.
pub fn permille(part: i64, whole: i64) -> u32 {
    if whole <= 0 {
        return 0;
    }
    u32::try_from((part.clamp(0, whole) * 1000) / whole).unwrap_or(1000)
}

/// Whole percent of `done` in `total` courses (0 for a class without courses).
pub fn percent(done: i64, total: i64) -> u32 {
    permille(done, total) / 10
}

/// A certificate's serial: the class's first year, the class and the member's place in it,
/// "2026-0012-00034".
pub fn serial(first_year: i32, class_id: i64, n: i64) -> String {
    format!("{first_year}-{class_id:04}-{n:05}")
}

/// The characters of a verification code: no 0/O, 1/I/L, so it can be read aloud and typed.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a verification code: 31^12 ≈ 7.9e17, beyond guessing.
pub const CODE_LEN: usize = 12;

/// Whether `s` has the shape of a verification code (checked before any lookup).
pub fn is_code(s: &str) -> bool {
    s.len() == CODE_LEN && s.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// A verification code made from `CODE_LEN` random bytes (each taken modulo the alphabet; the
/// bias is below 1 %, harmless for a code that is only looked up).
pub fn code_from(random: [u8; CODE_LEN]) -> String {
    random
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    fn day(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).expect("month"), d).expect("day")
    }

    /// Unix seconds of a CST wall time.
    fn at(y: i32, m: u8, d: u8, h: u8, min: u8, s: u8) -> i64 {
        day(y, m, d)
            .with_hms(h, min, s)
            .expect("time")
            .assume_offset(CST)
            .unix_timestamp()
    }

    fn march() -> Dates {
        Dates::of_days(day(2026, 3, 1), day(2026, 3, 31)).expect("dates")
    }

    #[test]
    fn the_last_day_counts_until_its_last_second() {
        let courses = [7, 8];
        let terms = Terms {
            dates: march(),
            earlier_counts: false,
            courses: &courses,
            min_elective: None,
        };
        let before = at(2026, 3, 10, 9, 0, 0);
        let last_second = at(2026, 3, 31, 23, 59, 59);
        let next_day = at(2026, 4, 1, 0, 0, 0);
        let got = outcome(&terms, &[(7, before), (8, last_second)], &[]);
        assert_eq!(got.graduated_at, Some(last_second));
        assert_eq!(got.done, 2);
        let got = outcome(&terms, &[(7, before), (8, next_day)], &[]);
        assert_eq!(
            got,
            Outcome {
                done: 1,
                graduated_at: None
            }
        );
        assert!(terms.counts(last_second) && !terms.counts(next_day));
        // The first second of the first day counts; the one before it does not.
        let first = at(2026, 3, 1, 0, 0, 0);
        assert!(terms.counts(first) && !terms.counts(first - 1));
    }

    #[test]
    fn earlier_completions_count_only_when_allowed() {
        let courses = [7];
        let early = at(2026, 2, 1, 12, 0, 0);
        let mut terms = Terms {
            dates: march(),
            earlier_counts: false,
            courses: &courses,
            min_elective: None,
        };
        assert_eq!(outcome(&terms, &[(7, early)], &[]).graduated_at, None);
        terms.earlier_counts = true;
        assert_eq!(
            outcome(&terms, &[(7, early)], &[]).graduated_at,
            Some(early)
        );
    }

    #[test]
    fn graduation_is_when_the_last_condition_was_met() {
        let courses = [1, 2, 3];
        let terms = Terms {
            dates: march(),
            earlier_counts: false,
            courses: &courses,
            min_elective: Some(Tenths(20)),
        };
        let t = |d| at(2026, 3, d, 10, 0, 0);
        let done = [(3, t(5)), (1, t(2)), (2, t(9)), (99, t(20))];
        // Electives reach 2.0 on the 15th (1.0 on the 3rd, 0.5 on the 12th, 0.5 on the 15th).
        let elective = [(t(12), Tenths(5)), (t(3), Tenths(10)), (t(15), Tenths(5))];
        assert_eq!(outcome(&terms, &done, &elective).graduated_at, Some(t(15)));
        // Not enough electives: not graduated, though every course is done.
        let got = outcome(&terms, &done, &elective[..2]);
        assert_eq!(
            got,
            Outcome {
                done: 3,
                graduated_at: None
            }
        );
        // Electives reached first: the last course decides.
        let early = [(t(1), Tenths(30))];
        assert_eq!(outcome(&terms, &done, &early).graduated_at, Some(t(9)));
        // A class without courses graduates nobody.
        let none = Terms {
            courses: &[],
            ..terms
        };
        assert_eq!(outcome(&none, &done, &early).graduated_at, None);
    }

    #[test]
    fn dates_and_days_left() {
        let d = march();
        assert_eq!(
            (d.first_day(), d.last_day()),
            ("2026-03-01".into(), "2026-03-31".into())
        );
        assert_eq!(d.days(), 31);
        assert_eq!(d.days_left(at(2026, 2, 20, 8, 0, 0)), 31);
        assert_eq!(d.days_left(at(2026, 3, 31, 0, 0, 0)), 1);
        assert_eq!(d.days_left(at(2026, 3, 31, 23, 59, 59)), 1);
        assert_eq!(d.days_left(at(2026, 3, 30, 23, 0, 0)), 2);
        assert_eq!(d.days_left(at(2026, 4, 1, 0, 0, 0)), 0);
        let one = Dates::of_days(day(2026, 3, 1), day(2026, 3, 1)).expect("one day");
        assert_eq!(one.days(), 1);
        assert!(Dates::of_days(day(2026, 3, 2), day(2026, 3, 1)).is_err());
        assert!(Dates::of_days(day(2026, 1, 1), day(2027, 12, 31)).is_err());
        assert!(parse_day("--from", "2026-02-30").is_err());
        assert!(parse_day("--from", "1999-01-01").is_err());
        assert_eq!(parse_day("--from", " 2026-03-01 "), Ok(day(2026, 3, 1)));
    }

    #[test]
    fn a_member_list_is_the_first_column_with_its_line_numbers() {
        let lines = member_list("用户名,备注\nzhangsan,x\n\n430102199001011234\n".as_bytes())
            .expect("list");
        assert_eq!(lines, vec!["", "zhangsan", "", "430102199001011234"]);
        let gbk = encoding_rs::GBK.encode("李四\r\nwangwu\r\n").0;
        assert_eq!(member_list(&gbk).expect("gbk"), vec!["李四", "wangwu"]);
    }

    #[test]
    fn codes_and_rates() {
        let c = code_from([0; CODE_LEN]);
        assert!(is_code(&c), "{c}");
        assert!(!is_code("ABC") && !is_code("0OOOOOOOOOOO") && !is_code("abcdefghjkmn"));
        assert_eq!(serial(2026, 12, 34), "2026-0012-00034");
        assert_eq!(permille(1, 3), 333);
        assert_eq!(permille(5, 0), 0);
        assert_eq!(percent(7, 10), 70);
    }
}
