//! Checked names shared by the use-cases and the fronts (`Username`, `UnitCode`), and `decode`,
//! which turns a stored code into its enum while converting `store/` rows into domain types: an
//! unknown code is the system's fault, an internal error, never a panic.

use std::fmt;
use std::ops::Deref;

use super::{Error, Result};

/// The longest unit code taken from input, in characters.
const MAX_UNIT_CODE: usize = 100;

/// An account's username. Made from input only through `parse` (the rules for new accounts);
/// stored ones (imported usernames among them) are taken as they are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// A new account's username, checked by `rules::username::check`.
    pub fn parse(s: &str) -> Result<Username> {
        crate::rules::username::check(s).map_err(|reason| Error::invalid("用户名", reason))?;
        Ok(Username(s.to_string()))
    }

    /// A username read from the database.
    pub(crate) fn stored(s: String) -> Username {
        Username(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit's code. Made from input only through `parse`; stored ones are taken as they are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    /// A unit code typed by a person: trimmed, free of control characters, at most 100
    /// characters; `field` names it in the refusal.
    pub fn parse(field: &str, s: &str) -> Result<UnitCode> {
        Ok(UnitCode(
            super::checked_text(field, s, MAX_UNIT_CODE)?.to_string(),
        ))
    }

    /// A unit code read from the database.
    pub(crate) fn stored(s: String) -> UnitCode {
        UnitCode(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_newtype {
    ($name:ident) => {
        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl From<$name> for serde_json::Value {
            fn from(n: $name) -> serde_json::Value {
                serde_json::Value::String(n.0)
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0
            }
        }
    };
}

text_newtype!(Username);
text_newtype!(UnitCode);

/// The enum stored as `code` in `what` (a table and column, for the log), or an internal error.
pub(crate) fn decode<T>(
    what: &str,
    code: &str,
    from_code: impl Fn(&str) -> Option<T>,
) -> Result<T> {
    from_code(code).ok_or_else(|| Error::internal(format!("{what} 含未知代码 {code:?}")))
}

/// Rows converted one by one; the first that does not convert fails them all.
pub(crate) fn converted<R, T: TryFrom<R, Error = Error>>(rows: Vec<R>) -> Result<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}

/// A stored 0/1 flag as a bool, or an internal error for any other value.
pub(crate) fn flag(what: &str, value: i64) -> Result<bool> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(Error::internal(format!("{what} 应为 0 或 1，实为 {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::status::AccountStatus;

    #[test]
    fn usernames_from_input_are_checked() {
        assert_eq!(Username::parse("zhangsan").unwrap(), "zhangsan");
        assert!(Username::parse("zs").is_err());
        assert!(Username::parse("1abc").is_err());
        assert!(Username::parse("张三").is_err());
        // Stored names are not rechecked (imported accounts may predate the rule).
        assert_eq!(Username::stored("张三".into()).as_str(), "张三");
    }

    #[test]
    fn unit_codes_from_input_are_bounded() {
        assert_eq!(UnitCode::parse("单位代码", " U01 ").unwrap(), "U01");
        assert!(UnitCode::parse("单位代码", &"x".repeat(101)).is_err());
        assert!(UnitCode::parse("单位代码", "a\u{7}").is_err());
    }

    #[test]
    fn unknown_codes_are_internal_errors() {
        let e = decode("accounts.status", "frozen", AccountStatus::from_code).unwrap_err();
        assert!(matches!(e, Error::Internal { .. }), "{e:?}");
        assert_eq!(
            decode("accounts.status", "active", AccountStatus::from_code).unwrap(),
            AccountStatus::Active
        );
        assert!(flag("accounts.exempt", 1).unwrap());
        assert!(!flag("accounts.exempt", 0).unwrap());
        assert!(matches!(
            flag("accounts.exempt", 2),
            Err(Error::Internal { .. })
        ));
    }
}
