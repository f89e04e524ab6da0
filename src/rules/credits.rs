//! Course credits from lecture duration and kind (Art. 10): class hours, tenths, and the rule text shown to users.

use super::Tenths;

/// One class hour (学时) is 45 minutes of lecture.
pub const CLASS_HOUR_SECONDS: i64 = 2700;

/// Required (必修) or elective (选修) course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CourseKind {
    Required,
    Elective,
}

impl CourseKind {
    pub const ALL: [CourseKind; 2] = [CourseKind::Required, CourseKind::Elective];

    pub fn code(self) -> &'static str {
        match self {
            CourseKind::Required => "required",
            CourseKind::Elective => "elective",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CourseKind::Required => "必修",
            CourseKind::Elective => "选修",
        }
    }

    /// Accepts the code or the Chinese label, so imported spreadsheets can use either.
    pub fn from_code(s: &str) -> Option<CourseKind> {
        let s = s.trim();
        CourseKind::ALL
            .into_iter()
            .find(|k| k.code() == s || k.label() == s)
    }

    /// Tenths per class hour: 1 credit for required, 0.5 for elective.
    pub fn tenths_per_hour(self) -> i64 {
        match self {
            CourseKind::Required => 10,
            CourseKind::Elective => 5,
        }
    }
}

/// Class hours rounded half up: `(2s + 2700) div 5400`; negative durations count as 0.
pub fn class_hours(duration_s: i64) -> i64 {
    if duration_s < 0 {
        return 0;
    }
    // Same value as (2s + 2700) / 5400, written so it cannot overflow for huge s.
    duration_s / CLASS_HOUR_SECONDS
        + i64::from(duration_s % CLASS_HOUR_SECONDS >= CLASS_HOUR_SECONDS / 2)
}

/// Credits a course is worth, with the rule text that explains them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseCredit {
    pub hours: i64,
    pub tenths: Tenths,
    pub rule: String,
}

/// Designated credits win; otherwise hours × 1 (required) or hours × 0.5 (elective).
pub fn course_credit(
    kind: CourseKind,
    duration_s: i64,
    designated: Option<Tenths>,
) -> CourseCredit {
    let hours = class_hours(duration_s);
    let duration = format_duration(duration_s);
    let label = kind.label();
    match designated {
        Some(tenths) => CourseCredit {
            hours,
            tenths,
            rule: format!("指定学分 {tenths}（{label} {duration}，{hours}学时）"),
        },
        None => {
            let tenths = Tenths(hours.saturating_mul(kind.tenths_per_hour()));
            let factor = match kind {
                CourseKind::Required => "1",
                CourseKind::Elective => "0.5",
            };
            CourseCredit {
                hours,
                tenths,
                rule: format!("{label} {duration} → {hours}学时 × {factor} = {tenths}"),
            }
        }
    }
}

/// Rule text for an exam's bonus credits.
pub fn exam_bonus_rule(bonus: Tenths) -> String {
    format!("考试合格奖励 {bonus}")
}

/// "67分钟", "22分29秒", or "45秒" under a minute; negative durations show as "0秒" (they earn 0 hours).
pub fn format_duration(duration_s: i64) -> String {
    let s = duration_s.max(0);
    let (min, sec) = (s / 60, s % 60);
    match (min, sec) {
        (0, sec) => format!("{sec}秒"),
        (min, 0) => format!("{min}分钟"),
        (min, sec) => format!("{min}分{sec}秒"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: i64 = 60;

    #[test]
    fn class_hour_boundaries() {
        assert_eq!(class_hours(22 * MIN + 29), 0);
        assert_eq!(class_hours(22 * MIN + 30), 1);
        assert_eq!(class_hours(45 * MIN), 1);
        assert_eq!(class_hours(67 * MIN), 1);
        assert_eq!(class_hours(67 * MIN + 29), 1);
        assert_eq!(class_hours(67 * MIN + 30), 2);
        assert_eq!(class_hours(90 * MIN), 2);
        assert_eq!(class_hours(0), 0);
        assert_eq!(class_hours(-1), 0);
        assert_eq!(class_hours(i64::MIN), 0);
        assert_eq!(
            class_hours(i64::MAX),
            (i64::MAX as i128 * 2 + 2700).div_euclid(5400) as i64
        );
    }

    #[test]
    fn matches_formula() {
        for s in 0..20_000 {
            assert_eq!(class_hours(s), (2 * s + 2700) / 5400, "s = {s}");
        }
    }

    #[test]
    fn required_credit_and_text() {
        let c = course_credit(CourseKind::Required, 67 * MIN, None);
        assert_eq!(c.hours, 1);
        assert_eq!(c.tenths, Tenths(10));
        assert_eq!(c.rule, "必修 67分钟 → 1学时 × 1 = 1.0");

        let c = course_credit(CourseKind::Required, 45 * MIN, None);
        assert_eq!((c.hours, c.tenths), (1, Tenths(10)));

        let c = course_credit(CourseKind::Required, 22 * MIN + 29, None);
        assert_eq!((c.hours, c.tenths), (0, Tenths(0)));
        assert_eq!(c.rule, "必修 22分29秒 → 0学时 × 1 = 0.0");

        let c = course_credit(CourseKind::Required, 67 * MIN + 30, None);
        assert_eq!((c.hours, c.tenths), (2, Tenths(20)));
        assert_eq!(c.rule, "必修 67分30秒 → 2学时 × 1 = 2.0");
    }

    #[test]
    fn elective_is_half() {
        let c = course_credit(CourseKind::Elective, 90 * MIN, None);
        assert_eq!((c.hours, c.tenths), (2, Tenths(10)));
        assert_eq!(c.rule, "选修 90分钟 → 2学时 × 0.5 = 1.0");

        let c = course_credit(CourseKind::Elective, 45 * MIN, None);
        assert_eq!((c.hours, c.tenths), (1, Tenths(5)));
        assert_eq!(c.rule, "选修 45分钟 → 1学时 × 0.5 = 0.5");

        let c = course_credit(CourseKind::Elective, 22 * MIN + 30, None);
        assert_eq!((c.hours, c.tenths), (1, Tenths(5)));
    }

    #[test]
    fn designated_overrides() {
        let c = course_credit(CourseKind::Required, 67 * MIN, Some(Tenths(30)));
        assert_eq!((c.hours, c.tenths), (1, Tenths(30)));
        assert_eq!(c.rule, "指定学分 3.0（必修 67分钟，1学时）");

        let c = course_credit(CourseKind::Elective, 45, Some(Tenths(5)));
        assert_eq!((c.hours, c.tenths), (0, Tenths(5)));
        assert_eq!(c.rule, "指定学分 0.5（选修 45秒，0学时）");
    }

    #[test]
    fn duration_text() {
        assert_eq!(format_duration(45), "45秒");
        assert_eq!(format_duration(0), "0秒");
        assert_eq!(format_duration(-5), "0秒");
        assert_eq!(format_duration(60), "1分钟");
        assert_eq!(format_duration(22 * MIN + 29), "22分29秒");
        assert_eq!(format_duration(67 * MIN), "67分钟");
    }

    #[test]
    fn bonus_text() {
        assert_eq!(exam_bonus_rule(Tenths(20)), "考试合格奖励 2.0");
        assert_eq!(exam_bonus_rule(Tenths(5)), "考试合格奖励 0.5");
    }

    #[test]
    fn kind_codes() {
        for k in CourseKind::ALL {
            assert_eq!(CourseKind::from_code(k.code()), Some(k));
            assert_eq!(CourseKind::from_code(k.label()), Some(k));
        }
        assert_eq!(CourseKind::from_code("必修"), Some(CourseKind::Required));
        assert_eq!(
            CourseKind::from_code("elective"),
            Some(CourseKind::Elective)
        );
        assert_eq!(CourseKind::from_code("Required"), None);
        assert_eq!(CourseKind::from_code(""), None);
    }

    proptest! {
        #[test]
        fn credits_never_fall(a in -10_000i64..2_000_000, d in 0i64..100_000) {
            for kind in CourseKind::ALL {
                let lo = course_credit(kind, a, None).tenths;
                let hi = course_credit(kind, a + d, None).tenths;
                prop_assert!(lo <= hi, "{kind:?} {a} -> {lo}, {} -> {hi}", a + d);
            }
        }

        #[test]
        fn required_is_twice_elective(s in -10_000i64..10_000_000) {
            let r = course_credit(CourseKind::Required, s, None);
            let e = course_credit(CourseKind::Elective, s, None);
            prop_assert_eq!(r.hours, e.hours);
            prop_assert_eq!(r.tenths.0, 2 * e.tenths.0);
        }

        #[test]
        fn designated_always_wins(s in 0i64..1_000_000, t in 0i64..1000) {
            for kind in CourseKind::ALL {
                prop_assert_eq!(course_credit(kind, s, Some(Tenths(t))).tenths, Tenths(t));
            }
        }
    }
}
