//! A learner's annual standing against the yearly targets (Art. 10), and the rates and averages built on it.

use super::Tenths;
use super::credits::CourseKind;

/// Which part of the standing a credit counts toward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Required,
    Elective,
    Exam,
}

impl Bucket {
    pub const ALL: [Bucket; 3] = [Bucket::Required, Bucket::Elective, Bucket::Exam];

    pub fn code(self) -> &'static str {
        match self {
            Bucket::Required => "required",
            Bucket::Elective => "elective",
            Bucket::Exam => "exam",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Bucket::Required => "必修",
            Bucket::Elective => "选修",
            Bucket::Exam => "考试",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn from_code(s: &str) -> Option<Bucket> {
        let s = s.trim();
        Bucket::ALL
            .into_iter()
            .find(|b| b.code() == s || b.label() == s)
    }

    pub fn for_kind(kind: CourseKind) -> Bucket {
        match kind {
            CourseKind::Required => Bucket::Required,
            CourseKind::Elective => Bucket::Elective,
        }
    }
}

/// Yearly targets; both are per-year settings an operator can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub total: Tenths,
    pub required: Tenths,
}

impl Default for Targets {
    /// 40 credits in total, of which 24 required.
    fn default() -> Targets {
        Targets {
            total: Tenths::from_whole(40),
            required: Tenths::from_whole(24),
        }
    }
}

/// Credits earned in one year, by bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    pub required: Tenths,
    pub elective: Tenths,
    pub exam: Tenths,
}

/// Credits still missing to reach the targets; never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub total: Tenths,
    pub required: Tenths,
}

impl Standing {
    pub fn total(&self) -> Tenths {
        self.required + self.elective + self.exam
    }

    /// `t` may be negative (a revocation entry in the ledger).
    pub fn add(&mut self, bucket: Bucket, t: Tenths) {
        *self.get_mut(bucket) += t;
    }

    pub fn get(&self, bucket: Bucket) -> Tenths {
        match bucket {
            Bucket::Required => self.required,
            Bucket::Elective => self.elective,
            Bucket::Exam => self.exam,
        }
    }

    fn get_mut(&mut self, bucket: Bucket) -> &mut Tenths {
        match bucket {
            Bucket::Required => &mut self.required,
            Bucket::Elective => &mut self.elective,
            Bucket::Exam => &mut self.exam,
        }
    }

    pub fn is_compliant(&self, t: &Targets) -> bool {
        self.total() >= t.total && self.required >= t.required
    }

    pub fn gap(&self, t: &Targets) -> Gap {
        Gap {
            total: (t.total - self.total()).max(Tenths(0)),
            required: (t.required - self.required).max(Tenths(0)),
        }
    }
}

impl Gap {
    pub fn is_closed(&self) -> bool {
        self.total == Tenths(0) && self.required == Tenths(0)
    }
}

/// Compliance rate in permille, rounded half up. `compliant` is capped at `assessed`, and the rate
/// never rounds up to 100.0% while anyone is still short.
pub fn rate_permille(compliant: u64, assessed: u64) -> u32 {
    if assessed == 0 {
        return 0;
    }
    let c = u128::from(compliant.min(assessed));
    let a = u128::from(assessed);
    let rounded = (c * 2000 + a) / (2 * a);
    let capped = if c < a { rounded.min(999) } else { rounded };
    u32::try_from(capped).unwrap_or(1000)
}

/// "87.5%".
pub fn format_rate(permille: u32) -> String {
    format!("{}.{}%", permille / 10, permille % 10)
}

/// Mean of `n` values summing to `sum`, rounded half up (toward +∞ on ties); 0 when `n` is 0.
pub fn average_tenths(sum: Tenths, n: u64) -> Tenths {
    if n == 0 {
        return Tenths(0);
    }
    let n = i128::from(n);
    let avg = (i128::from(sum.0) * 2 + n).div_euclid(2 * n);
    // |avg| <= |sum| (rounded), so it fits back in i64.
    Tenths(i64::try_from(avg).unwrap_or(sum.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn standing(required: i64, elective: i64, exam: i64) -> Standing {
        Standing {
            required: Tenths(required),
            elective: Tenths(elective),
            exam: Tenths(exam),
        }
    }

    #[test]
    fn default_targets() {
        let t = Targets::default();
        assert_eq!((t.total, t.required), (Tenths(400), Tenths(240)));
    }

    #[test]
    fn compliance_boundaries() {
        let t = Targets::default();
        assert!(standing(240, 160, 0).is_compliant(&t));
        assert!(standing(240, 100, 60).is_compliant(&t)); // exam bonus counts toward total
        assert!(!standing(240, 159, 0).is_compliant(&t)); // total 39.9
        assert!(!standing(239, 300, 0).is_compliant(&t)); // required 23.9
        assert!(!standing(0, 0, 0).is_compliant(&t));
    }

    #[test]
    fn gaps() {
        let t = Targets::default();
        let g = standing(200, 50, 0).gap(&t);
        assert_eq!(
            g,
            Gap {
                total: Tenths(150),
                required: Tenths(40)
            }
        );
        assert!(!g.is_closed());
        let g = standing(239, 300, 0).gap(&t);
        assert_eq!(
            g,
            Gap {
                total: Tenths(0),
                required: Tenths(1)
            }
        );
        assert!(standing(300, 300, 10).gap(&t).is_closed());
    }

    #[test]
    fn add_by_bucket() {
        let mut s = Standing::default();
        s.add(Bucket::Required, Tenths(10));
        s.add(Bucket::Elective, Tenths(5));
        s.add(Bucket::Exam, Tenths(20));
        s.add(Bucket::for_kind(CourseKind::Required), Tenths(10));
        s.add(Bucket::Required, Tenths(-10));
        assert_eq!(s, standing(10, 5, 20));
        assert_eq!(s.total(), Tenths(35));
        assert_eq!(s.get(Bucket::Exam), Tenths(20));
    }

    #[test]
    fn bucket_codes() {
        for b in Bucket::ALL {
            assert_eq!(Bucket::from_code(b.code()), Some(b));
            assert_eq!(Bucket::from_code(b.label()), Some(b));
        }
        assert_eq!(Bucket::from_code("考试"), Some(Bucket::Exam));
        assert_eq!(Bucket::for_kind(CourseKind::Elective), Bucket::Elective);
        assert_eq!(Bucket::from_code("bonus"), None);
    }

    #[test]
    fn rates() {
        assert_eq!(rate_permille(0, 0), 0);
        assert_eq!(rate_permille(7, 8), 875);
        assert_eq!(format_rate(875), "87.5%");
        assert_eq!(rate_permille(2, 3), 667);
        assert_eq!(rate_permille(1, 3), 333);
        assert_eq!(rate_permille(1999, 2000), 999); // would round to 1000
        assert_eq!(rate_permille(5, 5), 1000);
        assert_eq!(rate_permille(9, 5), 1000);
        assert_eq!(rate_permille(0, 5), 0);
        assert_eq!(format_rate(1000), "100.0%");
        assert_eq!(format_rate(0), "0.0%");
        assert_eq!(rate_permille(u64::MAX - 1, u64::MAX), 999);
    }

    #[test]
    fn averages() {
        assert_eq!(average_tenths(Tenths(100), 0), Tenths(0));
        assert_eq!(average_tenths(Tenths(10), 4), Tenths(3)); // 2.5 → 3
        assert_eq!(average_tenths(Tenths(9), 4), Tenths(2)); // 2.25 → 2
        assert_eq!(average_tenths(Tenths(-10), 4), Tenths(-2)); // -2.5 → -2
        assert_eq!(average_tenths(Tenths(1234), 1), Tenths(1234));
        assert_eq!(average_tenths(Tenths(i64::MAX), 1), Tenths(i64::MAX));
        assert_eq!(average_tenths(Tenths(i64::MIN), 1), Tenths(i64::MIN));
    }

    proptest! {
        #[test]
        fn gap_zero_iff_compliant(r in 0i64..600, e in 0i64..600, x in 0i64..100) {
            let s = standing(r, e, x);
            let t = Targets::default();
            let g = s.gap(&t);
            prop_assert!(g.total >= Tenths(0) && g.required >= Tenths(0));
            prop_assert_eq!(g.is_closed(), s.is_compliant(&t));
        }

        #[test]
        fn rate_bounds(a in 1u64..1_000_000, c in 0u64..1_000_000) {
            let c = c % (a + 1);
            let p = rate_permille(c, a);
            prop_assert!(p <= 1000);
            prop_assert_eq!(p == 1000, c == a);
            prop_assert!((i128::from(p) * i128::from(a) - i128::from(c) * 1000).abs() <= i128::from(a));
        }
    }
}
