//! Password hashing (Argon2id, run off the async threads), the legacy site's hashes (verified once,
//! then replaced), the policy check with its "not one of the last 3", and random initial passwords.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use md5::{Digest, Md5};
use rand::{Rng, RngCore};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use super::{Error, Result};
use crate::rules::password::{self as policy, Weak};
pub use crate::store::passwords::Stored;

/// Argon2id uses ~19 MiB and tens of milliseconds per call by design. Hashes run only on the
/// hashing threads below (never on tokio's async workers), at most one per core but one: a burst
/// of sign-ins then queues instead of holding hundreds of those buffers, and one core is always
/// left to the runtime, which draws every session's frames (issue 12: 200 sign-ins at once
/// stalled keystrokes when hashing took every core).
static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(slot_count()));

/// How many hashes may run at once: one per core, leaving one core free (at least one).
fn slot_count() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    cores.saturating_sub(1).max(1)
}

/// Argon2id's working memory (m blocks of 1 KiB), kept by each hashing thread from one call to
/// the next. Allocated afresh, its ~19 MiB came back from the kernel as fresh zeroed pages on
/// every call, and those page faults made each hash about 15 % slower (BENCHMARKS.md, roster).
#[derive(Default)]
struct Memory(Vec<Block>);

impl Memory {
    /// Runs `argon2` into `out` in this memory. Settings above the defaults (only an odd stored
    /// hash could have them) get a buffer of their own, so the thread does not keep it.
    fn hash_into(
        &mut self,
        argon2: &Argon2,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> std::result::Result<(), argon2::Error> {
        let n = argon2.params().block_count();
        if n > Params::default().block_count() {
            return argon2.hash_password_into(password, salt, out);
        }
        if self.0.len() < n {
            self.0.resize(n, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut self.0[..n])
    }
}

/// Runs `work` on one of the hashing threads, with that thread's memory, once a hashing slot is
/// free.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce(&mut Memory) -> Result<T> + Send + 'static,
) -> Result<T> {
    let _slot = SLOTS
        .acquire()
        .await
        .map_err(|e| Error::internal(format!("密码计算队列已关闭：{e}")))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move |memory| {
        // A panic in one hash fails that sign-in only; the thread lives on.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(memory)))
            .unwrap_or_else(|_| Err(Error::internal("密码计算出错")));
        let _ = tx.send(result);
    });
    HASHERS
        .send(job)
        .map_err(|_| Error::internal("密码计算线程已退出"))?;
    rx.await.map_err(|_| Error::internal("密码计算任务失败"))?
}

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// The hashing threads, one per slot, started on first use. Always the same few threads rather
/// than tokio's blocking pool, so that there is one Argon2id buffer per core, reused: spread over
/// dozens of blocking threads, a burst of sign-ins left hundreds of MiB behind.
static HASHERS: LazyLock<std::sync::mpsc::Sender<Job>> = LazyLock::new(|| {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    for i in 0..slot_count() {
        let rx = rx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("argon2-{i}"))
            .spawn(move || {
                let mut memory = Memory::default();
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(&mut memory),
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

/// Hashes on a hashing thread.
pub async fn hash(password: String) -> Result<String> {
    off_thread(move |memory| hash_now(memory, &password)).await
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
        let part = joined.map_err(|e| Error::internal(format!("密码计算任务失败：{e}")))??;
        for (i, h) in part {
            hashes[i] = h;
        }
    }
    Ok(hashes)
}

/// An Argon2id PHC string of `password` with a fresh salt and the default settings
/// (m = 19,456 KiB, t = 2, p = 1), computed in `memory`.
fn hash_now(memory: &mut Memory, password: &str) -> Result<String> {
    let failed = |e: &dyn std::fmt::Display| Error::internal(format!("密码哈希失败：{e}"));
    let argon2 = Argon2::default();
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    rand::rngs::OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|e| failed(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    memory
        .hash_into(&argon2, password.as_bytes(), &salt, &mut out)
        .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches an Argon2 PHC string, recomputed with the string's own algorithm,
/// version and settings in `memory`. A string that does not parse never matches.
fn argon2_matches(memory: &mut Memory, password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(want)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; want.len()];
    memory
        .hash_into(&argon2, password.as_bytes(), salt, &mut out)
        .is_ok()
        && bool::from(out.ct_eq(want.as_bytes()))
}

/// Passwords checked (by `verify` or `verify_stored`) since the process started: the sign-in tests
/// count with it that a burst of guesses gets at most the allowed number checked.
static VERIFIED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many password checks this process has started.
pub fn verifications() -> u64 {
    VERIFIED.load(Ordering::Relaxed)
}

/// Verifies an Argon2id hash on a hashing thread.
pub async fn verify(password: String, stored: String) -> Result<bool> {
    VERIFIED.fetch_add(1, Ordering::Relaxed);
    off_thread(move |memory| Ok(argon2_matches(memory, &password, &stored))).await
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

/// Verifies a password against a stored hash of any scheme, on a hashing thread.
pub async fn verify_stored(password: String, stored: Stored) -> Result<bool> {
    VERIFIED.fetch_add(1, Ordering::Relaxed);
    off_thread(move |memory| Ok(verify_stored_now(memory, &password, &stored))).await
}

/// Verifies a password against a stored hash of any scheme; an unknown scheme or a hash that
/// does not parse never matches.
fn verify_stored_now(memory: &mut Memory, password: &str, stored: &Stored) -> bool {
    let hex_matches = |computed: String| -> bool {
        let want = stored.hash.trim().to_ascii_lowercase();
        computed.as_bytes().ct_eq(want.as_bytes()).into()
    };
    match Scheme::from_code(&stored.scheme) {
        Some(Scheme::Argon2id) => argon2_matches(memory, password, &stored.hash),
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
        off_thread(move |memory| Ok(candidates.iter().any(|c| verify_stored_now(memory, &pw, c))))
            .await?;
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

    fn check(password: &str, stored: &Stored) -> bool {
        verify_stored_now(&mut Memory::default(), password, stored)
    }

    /// Our PHC strings are the argon2 crate's, both ways, and one thread's memory serves hashes
    /// of other settings (a larger or smaller m) too.
    #[test]
    fn argon2_strings_agree_with_the_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let mut memory = Memory::default();
        let ours = hash_now(&mut memory, "Xuexi2026").expect("hash");
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).expect("parse");
        assert!(
            Argon2::default()
                .verify_password(b"Xuexi2026", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"Xuexi2027", &parsed)
                .is_err()
        );

        let small = Params::new(64, 1, 1, Some(16)).expect("params");
        let large = Params::new(24_576, 1, 1, None).expect("params");
        for argon2 in [
            Argon2::default(),
            Argon2::new(Algorithm::Argon2id, Version::V0x13, small.clone()),
            Argon2::new(Algorithm::Argon2i, Version::V0x10, small),
            Argon2::new(Algorithm::Argon2id, Version::V0x13, large),
        ] {
            let theirs = argon2
                .hash_password(b"Xuexi2026")
                .expect("hash")
                .to_string();
            assert!(
                argon2_matches(&mut memory, "Xuexi2026", &theirs),
                "{theirs}"
            );
            assert!(
                !argon2_matches(&mut memory, "Xuexi2027", &theirs),
                "{theirs}"
            );
        }
        // The larger hash had a buffer of its own.
        assert_eq!(memory.0.len(), Params::default().block_count());
        assert!(!argon2_matches(&mut memory, "x", "$argon2id$garbage"));
        assert!(!argon2_matches(&mut memory, "x", ""));
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
        assert!(check("password", &plain));
        assert!(!check("Password", &plain));
        let salted_hash = md5_hex(format!("{}{}", md5_hex(b"xuexi123"), "a1b2c3").as_bytes());
        let salted = stored(Scheme::Md5Salted, &salted_hash, Some("a1b2c3"));
        assert!(check("xuexi123", &salted));
        assert!(!check("xuexi124", &salted));
        let wrong_salt = stored(Scheme::Md5Salted, &salted_hash, Some("zzz"));
        assert!(!check("xuexi123", &wrong_salt));
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
            assert!(check("xuexi123", &h), "{}", h.hash);
            assert!(!check("xuexi12", &h));
        }
        assert!(!check("x", &stored(Scheme::Bcrypt, "garbage", None)));
        assert!(!check("x", &stored(Scheme::None, "", None)));
    }

    #[tokio::test]
    async fn reuse_of_the_last_three_is_refused() {
        let hashes: Vec<String> = ["First111", "Second22", "Third333", "Fourth44"]
            .iter()
            .map(|p| hash_now(&mut Memory::default(), p).expect("hash"))
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
