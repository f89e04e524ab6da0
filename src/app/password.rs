//! Password hashing (Argon2id, run off the async threads) and random initial passwords.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

use crate::store::audit::{self, AuditEntry};
use crate::store::{Db, accounts};

use super::{Actor, Error, Result};

/// Argon2id uses ~19 MiB and tens of milliseconds per call by design. At most one call per core
/// runs at a time: a burst of sign-ins then queues instead of holding hundreds of those buffers
/// (which the allocator keeps afterwards) or starving everything else of CPU.
static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
    )
});

/// Runs `work` on a blocking thread once a hashing slot is free.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let _slot = SLOTS
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("密码计算队列已关闭：{e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("密码计算任务失败：{e}")))?
}

/// Hashes on a blocking thread.
pub async fn hash(password: String) -> Result<String> {
    off_thread(move || hash_now(&password)).await
}

pub fn hash_now(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("密码哈希失败：{e}")))
}

/// Verifies an Argon2id hash on a blocking thread.
pub async fn verify(password: String, stored: String) -> Result<bool> {
    off_thread(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::Internal(format!("无法解析密码哈希：{e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

/// The password policy shared by every front: at least 8 characters, letters and digits, not the
/// username.
pub fn check_policy(pw: &str, username: &str) -> Result<()> {
    if pw.chars().count() < 8 {
        return Err(Error::invalid("密码", "至少 8 位"));
    }
    if !pw.chars().any(|c| c.is_ascii_digit()) || !pw.chars().any(|c| c.is_alphabetic()) {
        return Err(Error::invalid("密码", "必须同时包含字母和数字"));
    }
    if pw.eq_ignore_ascii_case(username) {
        return Err(Error::invalid("密码", "不能与用户名相同"));
    }
    Ok(())
}

/// Changes the actor's own password: the current one must be right, the new one must follow the
/// policy and differ from the current one. Clears must-change; audited.
pub async fn change(db: &Db, actor: &Actor, current: &str, new: &str, now: i64) -> Result<()> {
    let id = actor
        .account_id
        .ok_or_else(|| Error::Forbidden("本机控制台没有密码".into()))?;
    let account = accounts::by_id(db.reader(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("账号 {}", actor.username)))?;
    let right = account.password_scheme == "argon2id"
        && verify(current.to_string(), account.password_hash.clone()).await?;
    if !right {
        return Err(Error::invalid("当前密码", "不正确"));
    }
    check_policy(new, &account.username)?;
    if new == current {
        return Err(Error::invalid("新密码", "不能与当前密码相同"));
    }
    let new_hash = hash(new.to_string()).await?;
    let mut tx = db.begin().await?;
    accounts::set_password(&mut tx, id, &account.password_hash, &new_hash, now).await?;
    let entry = AuditEntry {
        actor_id: Some(id),
        actor: &account.username,
        address: &actor.address,
        action: "password.change",
        target: format!("user:{}", account.username),
        ..Default::default()
    };
    audit::write(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A random initial password: 12 characters without look-alikes (0/O, 1/l/I), always with
/// letters and digits.
pub fn random_initial() -> String {
    const LETTERS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let mut rng = rand::thread_rng();
    loop {
        let pw: String = (0..12)
            .map(|_| {
                let set = if rng.gen_bool(0.3) { DIGITS } else { LETTERS };
                char::from(set[rng.gen_range(0..set.len())])
            })
            .collect();
        let has_digit = pw.bytes().any(|b| b.is_ascii_digit());
        let has_letter = pw.bytes().any(|b| b.is_ascii_alphabetic());
        if has_digit && has_letter {
            return pw;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash("Xuexi2026".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Xuexi2026".into(), h.clone()).await.expect("verify"));
        assert!(!verify("xuexi2026".into(), h).await.expect("verify"));
    }

    #[test]
    fn policy() {
        assert!(check_policy("abcd1234", "zhangsan").is_ok());
        assert!(check_policy("abc123", "zhangsan").is_err());
        assert!(check_policy("abcdefgh", "zhangsan").is_err());
        assert!(check_policy("12345678", "zhangsan").is_err());
        assert!(check_policy("Zhang123", "zhang123").is_err());
    }

    #[test]
    fn initial_passwords_mix_letters_and_digits() {
        for _ in 0..50 {
            let p = random_initial();
            assert_eq!(p.len(), 12);
            assert!(p.bytes().any(|b| b.is_ascii_digit()));
            assert!(p.bytes().any(|b| b.is_ascii_alphabetic()));
        }
    }
}
