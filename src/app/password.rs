//! Password hashing (Argon2id, run off the async threads) and random initial passwords.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use std::sync::LazyLock;
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

/// Runs `work` on one of the hashing threads once a hashing slot is free.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let _slot = SLOTS
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("密码计算队列已关闭：{e}")))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        // A panic in one hash fails that sign-in only; the thread lives on.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
            .unwrap_or_else(|_| Err(Error::Internal("密码计算出错".into())));
        let _ = tx.send(result);
    });
    HASHERS
        .send(job)
        .map_err(|_| Error::Internal("密码计算线程已退出".into()))?;
    rx.await
        .map_err(|_| Error::Internal("密码计算任务失败".into()))?
}

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads, one per slot, started on first use. Always the same few threads rather
/// than tokio's blocking pool: each Argon2id call takes ~19 MiB, which the allocator keeps per
/// thread afterwards, so a burst of sign-ins spread over dozens of blocking threads left hundreds
/// of MiB behind; on these threads it is one buffer per core, reused.
static HASHERS: LazyLock<std::sync::mpsc::Sender<Job>> = LazyLock::new(|| {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    for i in 0..slot_count() {
        let rx = rx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("argon2-{i}"))
            .spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "无法启动密码计算线程");
        }
    }
    tx
});

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
    fn initial_passwords_mix_letters_and_digits() {
        for _ in 0..50 {
            let p = random_initial();
            assert_eq!(p.len(), 12);
            assert!(p.bytes().any(|b| b.is_ascii_digit()));
            assert!(p.bytes().any(|b| b.is_ascii_alphabetic()));
        }
    }
}
