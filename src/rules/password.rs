//! The password policy (RULES.md "Accounts", issue 5 item 8), one place for every front: at least
//! 8 characters, letters and digits, not the username. "Not one of the last 3" needs the stored
//! hashes, so `app::password` checks it with `REUSE_DEPTH`.

/// Shortest allowed password, in characters.
pub const MIN_CHARS: usize = 8;
/// Longest accepted password, in bytes (hashing cost stays bounded).
pub const MAX_BYTES: usize = 128;
/// A new password may not equal the current one nor the ones before it, this many in all.
pub const REUSE_DEPTH: usize = 3;

/// Why a password is refused, in Chinese for the person choosing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Weak {
    #[error("至少 8 位")]
    TooShort,
    #[error("不能超过 128 个字节")]
    TooLong,
    #[error("必须同时包含字母和数字")]
    NeedsLettersAndDigits,
    #[error("不能与用户名相同")]
    SameAsUsername,
    #[error("不能与最近 3 次使用过的密码相同")]
    Reused,
    #[error("不能包含空白或控制字符")]
    Whitespace,
}

/// Checks everything the policy says that needs no stored hash.
pub fn check(pw: &str, username: &str) -> Result<(), Weak> {
    if pw.chars().count() < MIN_CHARS {
        return Err(Weak::TooShort);
    }
    if pw.len() > MAX_BYTES {
        return Err(Weak::TooLong);
    }
    if pw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Weak::Whitespace);
    }
    if !pw.chars().any(|c| c.is_ascii_digit()) || !pw.chars().any(char::is_alphabetic) {
        return Err(Weak::NeedsLettersAndDigits);
    }
    if pw.eq_ignore_ascii_case(username) {
        return Err(Weak::SameAsUsername);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        let cases: &[(&str, &str, Result<(), Weak>)] = &[
            ("abcd1234", "zhangsan", Ok(())),
            ("学习强国2026", "zhangsan", Ok(())),
            ("abc123", "zhangsan", Err(Weak::TooShort)),
            ("abc1234", "zhangsan", Err(Weak::TooShort)),
            ("abcdefgh", "zhangsan", Err(Weak::NeedsLettersAndDigits)),
            ("12345678", "zhangsan", Err(Weak::NeedsLettersAndDigits)),
            ("Zhang123", "zhang123", Err(Weak::SameAsUsername)),
            ("abcd 1234", "zhangsan", Err(Weak::Whitespace)),
            ("abcd1234\n", "zhangsan", Err(Weak::Whitespace)),
        ];
        for (pw, user, want) in cases {
            assert_eq!(check(pw, user), *want, "{pw:?} for {user}");
        }
        let long = format!("a1{}", "x".repeat(MAX_BYTES));
        assert_eq!(check(&long, "zhangsan"), Err(Weak::TooLong));
    }
}
