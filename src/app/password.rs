//! Password hashing (Argon2id, run off the async threads), the legacy site's hashes (verified once,
//! then replaced), the policy check with its "not one of the last 3", and random initial passwords.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use md5::{Digest, Md5};
use rand::Rng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use super::{Error, Result};
use crate::rules::password::{self as policy, Weak};
pub use crate::store::passwords::Stored;

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

/// How a stored password is hashed (`accounts.password_scheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Argon2id,
    /// The old site: lower-case hex `md5(pw)`.
    Md5,
    /// The old site: `md5(md5(pw) + salt)`, both digests lower-case hex.
    Md5Salted,
    /// `$2y$`, `$2a$` or `$2b$` bcrypt.
    Bcrypt,
    /// No password: the account signs in with a key only.
    None,
}

impl Scheme {
    pub fn code(self) -> &'static str {
        match self {
            Scheme::Argon2id => "argon2id",
            Scheme::Md5 => "md5",
            Scheme::Md5Salted => "md5_salted",
            Scheme::Bcrypt => "bcrypt",
            Scheme::None => "none",
        }
    }

    pub fn from_code(s: &str) -> Option<Scheme> {
        [
            Scheme::Argon2id,
            Scheme::Md5,
            Scheme::Md5Salted,
            Scheme::Bcrypt,
            Scheme::None,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }

    /// A hash from the old site, replaced by Argon2id at the first successful sign-in.
    pub fn is_legacy(self) -> bool {
        matches!(self, Scheme::Md5 | Scheme::Md5Salted | Scheme::Bcrypt)
    }
}

/// Verifies a password against a stored hash of any scheme, on a blocking thread.
pub async fn verify_stored(password: String, stored: Stored) -> Result<bool> {
    off_thread(move || Ok(verify_stored_now(&password, &stored))).await
}

/// Verifies a password against a stored hash of any scheme; an unknown scheme or a hash that
/// does not parse never matches.
pub fn verify_stored_now(password: &str, stored: &Stored) -> bool {
    let hex_matches = |computed: String| -> bool {
        let want = stored.hash.trim().to_ascii_lowercase();
        computed.as_bytes().ct_eq(want.as_bytes()).into()
    };
    match Scheme::from_code(&stored.scheme) {
        Some(Scheme::Argon2id) => PasswordHash::new(&stored.hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        }),
        Some(Scheme::Md5) => hex_matches(md5_hex(password.as_bytes())),
        Some(Scheme::Md5Salted) => {
            let salt = stored.salt.as_deref().unwrap_or("");
            let inner = md5_hex(password.as_bytes());
            hex_matches(md5_hex(format!("{inner}{salt}").as_bytes()))
        }
        Some(Scheme::Bcrypt) => bcrypt::verify(password, stored.hash.trim()).unwrap_or(false),
        Some(Scheme::None) | None => false,
    }
}

/// Lower-case hex MD5, as PHP's `md5()` gives it.
pub fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The policy check that needs no stored hash, as an app error naming the field.
pub fn validate(pw: &str, username: &str) -> Result<()> {
    policy::check(pw, username).map_err(|w| weak("密码", w))
}

fn weak(field: &str, w: Weak) -> Error {
    Error::invalid(field, w.to_string())
}

/// Refuses `pw` when it matches the current password or one of the earlier ones (`recent`, newest
/// first); together at most `REUSE_DEPTH` passwords are compared.
pub async fn refuse_reuse(pw: &str, current: &Stored, recent: &[String]) -> Result<()> {
    let mut candidates = vec![current.clone()];
    candidates.extend(
        recent
            .iter()
            .take(policy::REUSE_DEPTH.saturating_sub(1))
            .map(|hash| Stored {
                scheme: Scheme::Argon2id.code().into(),
                hash: hash.clone(),
                salt: None,
            }),
    );
    let pw = pw.to_string();
    let reused =
        off_thread(move || Ok(candidates.iter().any(|c| verify_stored_now(&pw, c)))).await?;
    if reused {
        Err(weak("新密码", Weak::Reused))
    } else {
        Ok(())
    }
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

    fn stored(scheme: Scheme, hash: &str, salt: Option<&str>) -> Stored {
        Stored {
            scheme: scheme.code().into(),
            hash: hash.into(),
            salt: salt.map(String::from),
        }
    }

    #[test]
    fn legacy_md5_unsalted_and_salted() {
        // md5("password") is a well-known value; upper-case hex from old exports matches too.
        assert_eq!(md5_hex(b"password"), "5f4dcc3b5aa765d61d8327deb882cf99");
        let plain = stored(Scheme::Md5, "5F4DCC3B5AA765D61D8327DEB882CF99", None);
        assert!(verify_stored_now("password", &plain));
        assert!(!verify_stored_now("Password", &plain));
        let salted_hash = md5_hex(format!("{}{}", md5_hex(b"xuexi123"), "a1b2c3").as_bytes());
        let salted = stored(Scheme::Md5Salted, &salted_hash, Some("a1b2c3"));
        assert!(verify_stored_now("xuexi123", &salted));
        assert!(!verify_stored_now("xuexi124", &salted));
        let wrong_salt = stored(Scheme::Md5Salted, &salted_hash, Some("zzz"));
        assert!(!verify_stored_now("xuexi123", &wrong_salt));
    }

    #[test]
    fn legacy_bcrypt_every_prefix() {
        let salt = [7u8; 16];
        let parts = bcrypt::hash_with_salt("xuexi123", 4, salt).expect("bcrypt");
        for v in [
            bcrypt::Version::TwoY,
            bcrypt::Version::TwoA,
            bcrypt::Version::TwoB,
        ] {
            let h = stored(Scheme::Bcrypt, &parts.format_for_version(v), None);
            assert!(verify_stored_now("xuexi123", &h), "{}", h.hash);
            assert!(!verify_stored_now("xuexi12", &h));
        }
        assert!(!verify_stored_now(
            "x",
            &stored(Scheme::Bcrypt, "garbage", None)
        ));
        assert!(!verify_stored_now("x", &stored(Scheme::None, "", None)));
    }

    #[tokio::test]
    async fn reuse_of_the_last_three_is_refused() {
        let hashes: Vec<String> = ["First111", "Second22", "Third333", "Fourth44"]
            .iter()
            .map(|p| hash_now(p).expect("hash"))
            .collect();
        let current = stored(Scheme::Argon2id, &hashes[0], None);
        let recent = &hashes[1..];
        for old in ["First111", "Second22", "Third333"] {
            assert!(refuse_reuse(old, &current, recent).await.is_err(), "{old}");
        }
        // The fourth one back is allowed again.
        assert!(refuse_reuse("Fourth44", &current, recent).await.is_ok());
        assert!(refuse_reuse("Brandnew5", &current, recent).await.is_ok());
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
