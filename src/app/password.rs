//! Password hashing (Argon2id, run off the async threads) and random initial passwords.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

use super::{Error, Result};

/// Argon2id uses ~19 MiB and tens of milliseconds per call by design. At most one call per core
/// runs at a time: a burst of sign-ins then queues instead of holding hundreds of those buffers
/// (which the allocator keeps afterwards) or starving everything else of CPU.
static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(slot_count()));

/// How many hashes may run at once (one per core).
fn slot_count() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

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

/// Hashes many passwords using every core, counting each one done in `done`. Each of the
/// workers (one per slot) takes one slot per hash and queues again for the next, and the queue is
/// first come first served: a sign-in arriving meanwhile waits for at most one hash per core
/// instead of the whole batch.
pub async fn hash_many(passwords: Vec<String>, done: Arc<AtomicUsize>) -> Result<Vec<String>> {
    let total = passwords.len();
    let passwords = Arc::new(passwords);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..slot_count().min(total.max(1)) {
        let (passwords, next, done) = (passwords.clone(), next.clone(), done.clone());
        workers.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(pw) = passwords.get(i) else {
                    return Ok::<_, Error>(out);
                };
                out.push((i, hash(pw.clone()).await?));
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let mut hashes = vec![String::new(); total];
    while let Some(joined) = workers.join_next().await {
        let part = joined.map_err(|e| Error::Internal(format!("密码计算任务失败：{e}")))??;
        for (i, h) in part {
            hashes[i] = h;
        }
    }
    Ok(hashes)
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_hashes_in_order_with_progress() {
        let done = Arc::new(AtomicUsize::new(0));
        let pws: Vec<String> = (0..5).map(|i| format!("Pw{i}abcdef")).collect();
        let hashes = hash_many(pws.clone(), done.clone()).await.expect("hash");
        assert_eq!(done.load(Ordering::Relaxed), 5);
        for (pw, h) in pws.into_iter().zip(hashes) {
            assert!(verify(pw, h).await.expect("verify"));
        }
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
