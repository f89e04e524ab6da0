//! Credit amounts as exact integer tenths of a credit (Art. 10: no floating point).

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

/// Integer tenths of a credit: `Tenths(245)` is 24.5 credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Tenths(pub i64);

impl Tenths {
    /// `n` whole credits; saturates instead of overflowing.
    pub fn from_whole(n: i64) -> Tenths {
        Tenths(n.saturating_mul(10))
    }

    /// Only for JSON output; all arithmetic stays in integers.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 10.0
    }

    /// Accepts an optional leading `-`, digits, and at most one decimal digit ("24", "24.5", "-1.5").
    pub fn parse(s: &str) -> Result<Tenths, String> {
        let err = || format!("学分格式错误：{s}，应为最多一位小数的数字");
        let t = s.trim();
        let (negative, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (whole, frac) = match body.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (body, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let tenth = match frac {
            None => 0,
            Some(f) if f.len() == 1 && f.as_bytes()[0].is_ascii_digit() => {
                i64::from(f.as_bytes()[0] - b'0')
            }
            Some(_) => return Err(err()),
        };
        let magnitude = whole
            .parse::<i64>()
            .ok()
            .and_then(|w| w.checked_mul(10))
            .and_then(|w| w.checked_add(tenth))
            .ok_or_else(err)?;
        Ok(Tenths(if negative { -magnitude } else { magnitude }))
    }
}

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Sign handled separately so -0.5 does not lose its sign (whole part is 0).
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{}", abs / 10, abs % 10)
    }
}

impl FromStr for Tenths {
    type Err = String;

    fn from_str(s: &str) -> Result<Tenths, String> {
        Tenths::parse(s)
    }
}

impl Add for Tenths {
    type Output = Tenths;

    fn add(self, rhs: Tenths) -> Tenths {
        Tenths(self.0 + rhs.0)
    }
}

impl Sub for Tenths {
    type Output = Tenths;

    fn sub(self, rhs: Tenths) -> Tenths {
        Tenths(self.0 - rhs.0)
    }
}

impl Neg for Tenths {
    type Output = Tenths;

    fn neg(self) -> Tenths {
        Tenths(-self.0)
    }
}

impl AddAssign for Tenths {
    fn add_assign(&mut self, rhs: Tenths) {
        self.0 += rhs.0;
    }
}

impl SubAssign for Tenths {
    fn sub_assign(&mut self, rhs: Tenths) {
        self.0 -= rhs.0;
    }
}

impl Sum for Tenths {
    fn sum<I: Iterator<Item = Tenths>>(iter: I) -> Tenths {
        iter.fold(Tenths(0), Add::add)
    }
}

impl<'a> Sum<&'a Tenths> for Tenths {
    fn sum<I: Iterator<Item = &'a Tenths>>(iter: I) -> Tenths {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn display_one_decimal() {
        assert_eq!(Tenths(245).to_string(), "24.5");
        assert_eq!(Tenths(0).to_string(), "0.0");
        assert_eq!(Tenths(-15).to_string(), "-1.5");
        assert_eq!(Tenths(-5).to_string(), "-0.5");
        assert_eq!(Tenths(400).to_string(), "40.0");
        assert_eq!(Tenths(i64::MIN).to_string(), "-922337203685477580.8");
    }

    #[test]
    fn parse_accepts_valid_forms() {
        assert_eq!(Tenths::parse("24"), Ok(Tenths(240)));
        assert_eq!(Tenths::parse("24.5"), Ok(Tenths(245)));
        assert_eq!(Tenths::parse("0.5"), Ok(Tenths(5)));
        assert_eq!(Tenths::parse("-1.5"), Ok(Tenths(-15)));
        assert_eq!(Tenths::parse("-0.5"), Ok(Tenths(-5)));
        assert_eq!(Tenths::parse(" 3 "), Ok(Tenths(30)));
        assert_eq!("1.0".parse::<Tenths>(), Ok(Tenths(10)));
    }

    #[test]
    fn parse_rejects_bad_forms() {
        for bad in [
            "",
            "-",
            ".5",
            "5.",
            "1.25",
            "1,5",
            "abc",
            "1e3",
            "+1",
            "--1",
            "1.-5",
            "１",
            "99999999999999999999",
        ] {
            let e = Tenths::parse(bad).unwrap_err();
            assert!(e.starts_with("学分格式错误："), "{bad}: {e}");
            assert!(e.contains("最多一位小数"), "{bad}: {e}");
        }
    }

    #[test]
    fn arithmetic() {
        let mut a = Tenths(10);
        a += Tenths(5);
        assert_eq!(a, Tenths(15));
        a -= Tenths(20);
        assert_eq!(a, Tenths(-5));
        assert_eq!(-a, Tenths(5));
        assert_eq!(Tenths(3) + Tenths(4) - Tenths(1), Tenths(6));
        assert_eq!(
            [Tenths(1), Tenths(2), Tenths(3)].iter().sum::<Tenths>(),
            Tenths(6)
        );
        assert_eq!(
            vec![Tenths(10), Tenths(-3)].into_iter().sum::<Tenths>(),
            Tenths(7)
        );
        assert_eq!(Tenths::from_whole(40), Tenths(400));
        assert_eq!(Tenths(245).as_f64(), 24.5);
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(v in -1_000_000_000_000i64..1_000_000_000_000) {
            let s = Tenths(v).to_string();
            prop_assert_eq!(Tenths::parse(&s), Ok(Tenths(v)));
        }

        #[test]
        fn round_trip_extremes(v in prop::sample::select(vec![i64::MAX, i64::MIN + 1, 0, -1, 1])) {
            prop_assert_eq!(Tenths(v).to_string().parse::<Tenths>(), Ok(Tenths(v)));
        }
    }
}
