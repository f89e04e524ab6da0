//! Who counts in a year (RULES.md "Who counts in a year", Art. 5, 12, 15): a year's assessment
//! moment and cut-off, and whether one change to an account removes the learner from a year.
//! The population query itself (store/standings.rs, `population!`) applies these instants.

use time::{Date, Month};

use super::calendar::{CST, year_bounds};

/// The day of the year from which a newly issued account, a disable or an exemption no longer
/// changes that year's population (a per-year setting, default 1 October).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoff {
    month: u8,
    day: u8,
}

impl Default for Cutoff {
    fn default() -> Cutoff {
        Cutoff { month: 10, day: 1 }
    }
}

impl Cutoff {
    /// "10-01" (also "10-1"); any day that exists in every year (so not 02-29).
    pub fn parse(s: &str) -> Option<Cutoff> {
        let (m, d) = s.trim().split_once('-')?;
        let month: u8 = m.trim().parse().ok()?;
        let day: u8 = d.trim().parse().ok()?;
        // 2025 is not a leap year: a day valid in it is valid in every year.
        Date::from_calendar_date(2025, Month::try_from(month).ok()?, day).ok()?;
        Some(Cutoff { month, day })
    }

    /// "10-01", as stored in `year_settings.cutoff`.
    pub fn code(&self) -> String {
        format!("{:02}-{:02}", self.month, self.day)
    }

    /// "10月1日".
    pub fn label(&self) -> String {
        format!("{}月{}日", self.month, self.day)
    }

    /// Unix seconds of 00:00 CST on this day of `year`.
    pub fn at(&self, year: i32) -> i64 {
        Month::try_from(self.month)
            .ok()
            .and_then(|m| Date::from_calendar_date(year, m, self.day).ok())
            .map_or_else(
                || year_bounds(year).0,
                |d| d.midnight().assume_offset(CST).unix_timestamp(),
            )
    }
}

/// The two instants the population of a year is read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearWindow {
    /// The assessment moment: the last second of the year (CST) for a past year, `now` for the
    /// current one. Unit, batch, status and exemption for the year are those in force then.
    pub moment: i64,
    /// The cut-off, or `moment + 1` when the moment comes first: a learner must have been issued
    /// before it, and a disable or exemption taking effect at or after it keeps them in the year.
    pub cut: i64,
}

/// The window of `year` seen at `now`.
pub fn window(year: i32, cutoff: Cutoff, now: i64) -> YearWindow {
    let moment = now.min(year_bounds(year).1 - 1);
    YearWindow {
        moment,
        cut: cutoff.at(year).min(moment.saturating_add(1)),
    }
}

/// What one effective-dated change did to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Issue,
    Move,
    Batch,
    Disable,
    Enable,
    Exempt,
    Unexempt,
}

impl Change {
    pub const ALL: [Change; 7] = [
        Change::Issue,
        Change::Move,
        Change::Batch,
        Change::Disable,
        Change::Enable,
        Change::Exempt,
        Change::Unexempt,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Change::Issue => "issue",
            Change::Move => "move",
            Change::Batch => "batch",
            Change::Disable => "disable",
            Change::Enable => "enable",
            Change::Exempt => "exempt",
            Change::Unexempt => "unexempt",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Change::Issue => "发放账号",
            Change::Move => "调动单位",
            Change::Batch => "调整批次",
            Change::Disable => "停用",
            Change::Enable => "启用",
            Change::Exempt => "免考核",
            Change::Unexempt => "取消免考核",
        }
    }

    pub fn from_code(s: &str) -> Option<Change> {
        Change::ALL.into_iter().find(|c| c.code() == s)
    }

    /// A disable or an exemption: the changes the cut-off rule is about.
    pub fn is_removal(self) -> bool {
        matches!(self, Change::Disable | Change::Exempt)
    }
}

/// Whether a removal taking effect at `effective_at` takes the learner out of `year`: before the
/// cut-off it does; on or after it only with the office's approved exception.
pub fn removes_from_year(
    change: Change,
    effective_at: i64,
    year: i32,
    cutoff: Cutoff,
    exception: bool,
) -> bool {
    change.is_removal() && (effective_at < cutoff.at(year) || exception)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_parses_and_refuses_impossible_days() {
        assert_eq!(Cutoff::parse("10-01"), Some(Cutoff::default()));
        assert_eq!(
            Cutoff::parse(" 7-5 ").map(|c| c.code()),
            Some("07-05".into())
        );
        for bad in ["02-29", "13-01", "10-32", "1001", "", "a-b"] {
            assert_eq!(Cutoff::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn cutoff_is_midnight_cst() {
        // 2025-10-01T00:00+08:00 = 2025-09-30T16:00Z.
        assert_eq!(Cutoff::default().at(2025), 1_759_248_000);
    }

    #[test]
    fn past_year_is_read_at_its_last_second_and_current_year_now() {
        let (_, end) = year_bounds(2025);
        let past = window(2025, Cutoff::default(), end + 86_400 * 300);
        assert_eq!(past.moment, end - 1);
        assert_eq!(past.cut, Cutoff::default().at(2025));
        let june = Cutoff::parse("06-01").map_or(0, |c| c.at(2025));
        let now = window(2025, Cutoff::default(), june);
        assert_eq!((now.moment, now.cut), (june, june + 1));
    }

    #[test]
    fn removal_after_the_cutoff_needs_the_exception() {
        let c = Cutoff::default();
        let at = c.at(2025);
        assert!(removes_from_year(Change::Disable, at - 1, 2025, c, false));
        assert!(!removes_from_year(Change::Disable, at, 2025, c, false));
        assert!(removes_from_year(Change::Exempt, at, 2025, c, true));
        assert!(!removes_from_year(Change::Move, at - 1, 2025, c, true));
    }
}
