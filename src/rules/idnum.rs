//! Resident ID numbers (GB 11643-1999): parsing, check digit, birth date and sex (Art. 5, 8: one person one account).

use std::fmt;

/// A validated 18-character resident ID number; a final `x` is stored as `X`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// Why a string is not a valid ID number. Positions are 1-based, as users count them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Length(usize),
    Char(usize),
    BirthDate,
    CheckDigit { expected: char, found: char },
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Length(n) => write!(f, "身份证号应为18位，实际为{n}位"),
            IdError::Char(i) => write!(f, "身份证号第{i}位不是数字"),
            IdError::BirthDate => write!(f, "身份证号中的出生日期无效"),
            IdError::CheckDigit { expected, found } => {
                write!(f, "身份证号校验位错误：应为{expected}，实际为{found}")
            }
        }
    }
}

impl std::error::Error for IdError {}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// ISO 7064 MOD 11-2 check character (`b'0'..=b'9'` or `b'X'`) for 17 ASCII digits.
/// Non-digit bytes give a meaningless but non-panicking result.
pub fn check_digit(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Appends the check digit to 17 digits; `None` if they are not 17 digits or the birth date is invalid.
pub fn complete(first17: &str) -> Option<IdNumber> {
    let head: &[u8; 17] = first17.as_bytes().try_into().ok()?;
    if !head.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut s = first17.to_owned();
    s.push(char::from(check_digit(head)));
    IdNumber::parse(&s).ok()
}

impl IdNumber {
    /// Trims whitespace, then checks length, characters, birth date (1900-01-01..=2100-12-31) and check digit.
    pub fn parse(s: &str) -> Result<IdNumber, IdError> {
        let s = s.trim();
        let len = s.chars().count();
        if len != 18 {
            return Err(IdError::Length(len));
        }
        // Length is in chars; any non-ASCII char is reported at its char position.
        if let Some(i) = s.chars().take(17).position(|c| !c.is_ascii_digit()) {
            return Err(IdError::Char(i + 1));
        }
        let last = s.chars().last().map_or('?', |c| c.to_ascii_uppercase());
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(IdError::Char(18));
        }
        let bytes = s.as_bytes();
        let (y, m, d) = birth_fields(bytes);
        let valid_date = (1900..=2100).contains(&y)
            && time::Month::try_from(m)
                .ok()
                .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
                .is_some();
        if !valid_date {
            return Err(IdError::BirthDate);
        }
        let head: &[u8; 17] = bytes[..17].try_into().map_err(|_| IdError::Length(len))?;
        let expected = char::from(check_digit(head));
        if expected != last {
            return Err(IdError::CheckDigit {
                expected,
                found: last,
            });
        }
        Ok(IdNumber(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// (year, month, day) from digits 7–14.
    pub fn birth_date(&self) -> (i32, u8, u8) {
        birth_fields(self.0.as_bytes())
    }

    /// The 17th digit (sequence code) is odd for men, even for women.
    pub fn is_male(&self) -> bool {
        self.0.as_bytes()[16] % 2 == 1
    }

    /// Administrative division code (first 6 digits) where the number was issued.
    pub fn region(&self) -> &str {
        &self.0[..6]
    }

    /// For lists and logs: region and last four kept, birth date and sequence hidden.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads the birth date digits; callers guarantee 18 bytes with digits at 6..14 (`% 10` only keeps
/// stray bytes from overflowing).
fn birth_fields(b: &[u8]) -> (i32, u8, u8) {
    let n = |r: std::ops::Range<usize>| {
        b[r].iter().fold(0u32, |acc, &c| {
            acc * 10 + u32::from(c.wrapping_sub(b'0') % 10)
        })
    };
    (n(6..10) as i32, n(10..12) as u8, n(12..14) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(first17: &str) -> IdNumber {
        complete(first17).expect("valid test id")
    }

    #[test]
    fn known_valid_numbers() {
        // The standard's own example and other published samples.
        assert_eq!(
            IdNumber::parse("11010519491231002X").map(|i| i.to_string()),
            Ok("11010519491231002X".into())
        );
        assert_eq!(
            IdNumber::parse("11010519491231002x").map(|i| i.to_string()),
            Ok("11010519491231002X".into())
        );
        assert_eq!(check_digit(b"44052418800101001"), b'4');
        assert!(IdNumber::parse(" 11010519491231002X\n").is_ok());
        // Valid check digit but born before 1900.
        assert_eq!(
            IdNumber::parse("440524188001010014"),
            Err(IdError::BirthDate)
        );
    }

    #[test]
    fn built_with_complete() {
        // 娄底 region codes (431302 娄星区, 431381 冷水江市, 431382 涟源市).
        let a = id("43130219850312001");
        assert_eq!(a.as_str().len(), 18);
        assert_eq!(a.region(), "431302");
        assert_eq!(a.birth_date(), (1985, 3, 12));
        assert!(a.is_male());
        assert_eq!(IdNumber::parse(a.as_str()), Ok(a.clone()));

        let b = id("43138119900101002");
        assert!(!b.is_male());
        assert_eq!(b.birth_date(), (1990, 1, 1));
        assert_eq!(b.masked(), format!("431381********{}", &b.as_str()[14..]));

        let c = id("43138220001231123");
        assert_eq!(c.birth_date(), (2000, 12, 31));
        assert_eq!(IdNumber::parse(&c.to_string()), Ok(c));

        assert_eq!(complete("4313021985031200"), None);
        assert_eq!(complete("4313021985031200A"), None);
        assert_eq!(complete("43130219851312001"), None);
    }

    #[test]
    fn leap_days() {
        assert_eq!(id("43130220000229001").birth_date(), (2000, 2, 29));
        assert_eq!(id("43130219960229001").birth_date(), (1996, 2, 29));
        assert_eq!(complete("43130219000229001"), None); // 1900 is not a leap year.
        assert_eq!(complete("43130220230229001"), None);
        assert_eq!(complete("43130220240230001"), None);
    }

    #[test]
    fn date_range() {
        assert!(complete("43130219000101001").is_some());
        assert!(complete("43130221001231001").is_some());
        assert_eq!(complete("43130218991231001"), None);
        assert_eq!(complete("43130221010101001"), None);
        assert_eq!(complete("43130219850001001"), None);
        assert_eq!(complete("43130219850100001"), None);
    }

    #[test]
    fn errors_and_messages() {
        assert_eq!(IdNumber::parse("12345"), Err(IdError::Length(5)));
        assert_eq!(IdNumber::parse(""), Err(IdError::Length(0)));
        assert_eq!(
            IdNumber::parse("43130219850312001X1"),
            Err(IdError::Length(19))
        );
        assert_eq!(
            IdNumber::parse("4313021985031200X1"),
            Err(IdError::Char(17))
        );
        assert_eq!(
            IdNumber::parse("43130219850312001Y"),
            Err(IdError::Char(18))
        );
        assert_eq!(
            IdNumber::parse("四31302198503120011"),
            Err(IdError::Char(1))
        );
        assert_eq!(
            IdNumber::parse("431302198502300011"),
            Err(IdError::BirthDate)
        );
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdError::CheckDigit {
                expected: 'X',
                found: '1'
            })
        );
        assert_eq!(
            IdError::Length(5).to_string(),
            "身份证号应为18位，实际为5位"
        );
        assert_eq!(IdError::Char(3).to_string(), "身份证号第3位不是数字");
        assert_eq!(IdError::BirthDate.to_string(), "身份证号中的出生日期无效");
        assert_eq!(
            IdError::CheckDigit {
                expected: 'X',
                found: '1'
            }
            .to_string(),
            "身份证号校验位错误：应为X，实际为1"
        );
    }

    fn valid_id() -> impl Strategy<Value = IdNumber> {
        (
            100_000u32..1_000_000,
            1900i32..=2100,
            1u8..=12,
            1u8..=31,
            0u32..1000,
        )
            .prop_filter_map("real date", |(region, y, m, d, seq)| {
                complete(&format!("{region:06}{y:04}{m:02}{d:02}{seq:03}"))
            })
    }

    proptest! {
        #[test]
        fn every_substitution_is_caught(v in valid_id()) {
            let original = v.as_str().as_bytes().to_vec();
            for pos in 0..18 {
                for c in b"0123456789X" {
                    if *c == original[pos] {
                        continue;
                    }
                    let mut typo = original.clone();
                    typo[pos] = *c;
                    let s = String::from_utf8(typo).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert!(IdNumber::parse(&s).is_err(), "typo accepted: {} -> {}", v, s);
                }
            }
        }

        #[test]
        fn every_adjacent_transposition_is_caught(v in valid_id()) {
            let original = v.as_str().as_bytes().to_vec();
            for pos in 0..16 {
                if original[pos] == original[pos + 1] {
                    continue;
                }
                let mut typo = original.clone();
                typo.swap(pos, pos + 1);
                let s = String::from_utf8(typo).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(IdNumber::parse(&s).is_err(), "transposition accepted: {} -> {}", v, s);
            }
        }

        #[test]
        fn complete_round_trips(v in valid_id()) {
            prop_assert_eq!(complete(&v.as_str()[..17]), Some(v.clone()));
            prop_assert_eq!(IdNumber::parse(&v.as_str().to_lowercase()), Ok(v));
        }
    }
}
