//! Signing in, for every front: password (Argon2id, off the async threads; the old site's MD5 and
//! bcrypt hashes are checked once and replaced by Argon2id in the same sign-in) or SSH key; lockout
//! after repeated failures (per account) and a limit per address, both counted in the database
//! BEFORE a password is checked (an attempt is reserved first), so every node sees them and no
//! burst gets more guesses checked than the limit; showing and lifting a lock; every attempt
//! audited with its address.

use crate::store::accounts::{self, AccountRow};
use crate::store::audit::{self, AuditEntry};
pub use crate::store::auth::Lock;
use crate::store::{Db, auth, passwords};

use super::accounts::{Change, Target, manageable, may_manage, record};
use super::changes::{self, Topic};
use super::password::{self, Scheme};
use super::{Actor, Error, Result};
use crate::rules::calendar::datetime_cst;
use crate::rules::status::AccountStatus;

/// Failures within the window that lock an account.
pub const MAX_FAILURES: i64 = 5;
/// The window for counting failures, and how long a lock lasts.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures from one address within the window after which that address is refused outright.
pub const MAX_ADDRESS_FAILURES: i64 = 30;
const WINDOW_MINUTES: i64 = WINDOW_SECS / 60;

/// Why a sign-in was refused (the wording for people is in `Display`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("用户名或密码错误")]
    BadCredentials,
    #[error("账号因多次登录失败已锁定，请 {minutes} 分钟后再试")]
    Locked { minutes: i64 },
    #[error("账号已停用，请联系所在单位组织人事部门")]
    Disabled,
    #[error("该地址登录失败次数过多，请稍后再试")]
    AddressThrottled,
}

/// The longest username and password a sign-in reads (usernames, legacy ones included, and
/// passwords are far shorter).
pub const MAX_USERNAME_CHARS: usize = 64;
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub actor: Actor,
    pub real_name: String,
    pub must_change: bool,
}

/// Signs in with a password. Before the password is checked, one attempt is reserved for the
/// address and one for the account in the database (`store::auth::reserve`), so that however
/// many attempts arrive at once, on however many nodes, at most `MAX_FAILURES` guesses per account
/// and `MAX_ADDRESS_FAILURES` per address are checked in a window; the rest are refused unchecked.
pub async fn with_password(
    db: &Db,
    username: &str,
    password_text: &str,
    address: &str,
    now: i64,
) -> Result<Result<SignedIn, Denied>> {
    // No account has such a name or password: refused before any lookup, hash or audit row, so
    // an oversized form costs nothing and writes nothing.
    if username.chars().count() > MAX_USERNAME_CHARS || password_text.len() > MAX_PASSWORD_BYTES {
        return Ok(Err(Denied::BadCredentials));
    }
    let account = accounts::by_username(db.reader(), username).await?;
    let reserved = match reserve(db, account.as_ref(), address, now).await? {
        Ok(r) => r,
        Err(Refused::Address) => {
            audit_attempt(db, None, username, address, "login.throttled", "").await?;
            return Ok(Err(Denied::AddressThrottled));
        }
        Err(Refused::Account { until }) => {
            let id = account.as_ref().map(|a| a.id);
            audit_attempt(db, id, username, address, "login.locked", "").await?;
            return Ok(Err(Denied::Locked {
                minutes: minutes_until(until, now),
            }));
        }
    };
    let Some(account) = account else {
        // Spend the same time as a real check, so timing does not tell which usernames exist.
        let _ = password::verify(password_text.to_string(), dummy_hash()).await;
        return fail(db, None, username, address, "无此用户", &reserved, now).await;
    };
    let ok = password::verify_stored(password_text.to_string(), account.stored_password()).await?;
    if !ok {
        return fail(
            db,
            Some(&account),
            username,
            address,
            "密码错误",
            &reserved,
            now,
        )
        .await;
    }
    // A legacy hash (the old site's MD5 or bcrypt) is replaced by Argon2id at the first success.
    let legacy = Scheme::from_code(&account.password_scheme).is_some_and(Scheme::is_legacy);
    let rehash =
        if legacy && AccountStatus::from_code(&account.status) == Some(AccountStatus::Active) {
            Some(password::hash(password_text.to_string()).await?)
        } else {
            None
        };
    succeed(
        db,
        account,
        address,
        "password",
        rehash,
        Some(&reserved),
        now,
    )
    .await
}

/// Signs in with an SSH key already verified by the SSH layer, given by its SHA-256 fingerprint.
/// A key is no guess, so nothing is reserved; a locked account or throttled address is refused.
pub async fn with_key(
    db: &Db,
    username: &str,
    fingerprint: &str,
    address: &str,
    now: i64,
) -> Result<Result<SignedIn, Denied>> {
    let since = now - WINDOW_SECS;
    let address_key = auth::address_subject(address);
    if auth::lock_of(db.reader(), &address_key, now, since, MAX_ADDRESS_FAILURES)
        .await?
        .is_some()
    {
        return Ok(Err(Denied::AddressThrottled));
    }
    let account = accounts::by_username(db.reader(), username).await?;
    let owner = auth::key_owner(db.reader(), fingerprint).await?;
    let account = match account {
        Some(a) if owner == Some(a.id) => a,
        // An unknown key is not a failed guess: clients offer every key they have.
        _ => return Ok(Err(Denied::BadCredentials)),
    };
    if let Some(lock) = lock_of(db, account.id, now).await? {
        return Ok(Err(Denied::Locked {
            minutes: minutes_until(lock.until, now),
        }));
    }
    succeed(db, account, address, "publickey", None, None, now).await
}

/// Whether a key (by SHA-256 fingerprint) is registered to `username`: the cheap check before the
/// client proves it holds the key. Not a sign-in, so neither counted nor audited.
pub async fn key_belongs_to(db: &Db, username: &str, fingerprint: &str) -> Result<bool> {
    let owner = auth::key_owner(db.reader(), fingerprint).await?;
    let account = accounts::by_username(db.reader(), username).await?;
    Ok(matches!((owner, account), (Some(o), Some(a)) if o == a.id))
}

/// The account's sign-in lock in force at `now` (until when, why), if any: after `MAX_FAILURES`
/// wrong passwords in a window, or while that many attempts are being checked.
pub async fn lock_of(db: &Db, account_id: i64, now: i64) -> Result<Option<Lock>> {
    let subject = auth::account_subject(account_id);
    Ok(auth::lock_of(db.reader(), &subject, now, now - WINDOW_SECS, MAX_FAILURES).await?)
}

/// Lifts an account's sign-in lock and forgets the failures counted in its window: the office,
/// or the liaison of a unit whose scope holds the account (staff accounts: the office only).
/// Checked and written in one transaction, audited.
pub async fn unlock(
    db: &Db,
    actor: &Actor,
    username: &str,
    reason: &str,
    now: i64,
) -> Result<Lock> {
    let reason = super::checked_text("原因", reason, super::MAX_REASON)?;
    let mut tx = db.begin().await?;
    let account = manageable(&mut tx, actor, username, may_unlock).await?;
    let subject = auth::account_subject(account.id);
    let Some(lock) =
        auth::lock_of(&mut *tx, &subject, now, now - WINDOW_SECS, MAX_FAILURES).await?
    else {
        return Err(Error::Conflict(format!(
            "账号 {} 未被锁定",
            account.username
        )));
    };
    auth::clear(&mut tx, &subject, now).await?;
    let before = format!("锁定至 {}（{}）", datetime_cst(lock.until), lock.why);
    let change = Change::new("account.unlock", &account)
        .before(&before)
        .after("已解锁")
        .detail(reason);
    record(&mut tx, actor, change, now).await?;
    changes::commit(db, tx, &[Topic::Accounts]).await?;
    Ok(lock)
}

/// Whether the actor may lift the account's sign-in lock (`unlock`): the office, or the liaison of
/// a unit whose scope holds the account (staff accounts: the office only).
pub fn may_unlock(actor: &Actor, t: &Target) -> Result<()> {
    may_manage(actor, t)?;
    actor.require_office_or_unit_of(t.unit_path, "解除登录锁定")
}

/// The attempts reserved for one password check: the address's window and the account's.
struct Reserved {
    address: (String, i64),
    account: Option<(String, i64)>,
}

enum Refused {
    Address,
    Account { until: i64 },
}

/// Reserves an attempt for the address and, when the username exists, for the account, in one
/// transaction: when the account refuses, the address's reservation is rolled back with it (a
/// refused attempt checks nothing, so it costs the address nothing).
async fn reserve(
    db: &Db,
    account: Option<&AccountRow>,
    address: &str,
    now: i64,
) -> Result<std::result::Result<Reserved, Refused>> {
    let since = now - WINDOW_SECS;
    let address_key = auth::address_subject(address);
    let mut tx = db.begin().await?;
    auth::commit_without_flush(&mut tx).await?;
    let Some(address_window) =
        auth::reserve(&mut tx, &address_key, now, since, MAX_ADDRESS_FAILURES).await?
    else {
        tx.rollback().await?;
        return Ok(Err(Refused::Address));
    };
    let mut reserved = Reserved {
        address: (address_key, address_window),
        account: None,
    };
    if let Some(account) = account {
        let key = auth::account_subject(account.id);
        match auth::reserve(&mut tx, &key, now, since, MAX_FAILURES).await? {
            Some(window) => reserved.account = Some((key, window)),
            None => {
                let lock = auth::lock_of(&mut *tx, &key, now, since, MAX_FAILURES).await?;
                tx.rollback().await?;
                let until = lock.map_or(now + WINDOW_SECS, |l| l.until);
                return Ok(Err(Refused::Account { until }));
            }
        }
    }
    tx.commit().await?;
    Ok(Ok(reserved))
}

fn minutes_until(until: i64, now: i64) -> i64 {
    (until - now + 59).max(60) / 60
}

async fn fail(
    db: &Db,
    account: Option<&AccountRow>,
    username: &str,
    address: &str,
    why: &str,
    reserved: &Reserved,
    now: i64,
) -> Result<Result<SignedIn, Denied>> {
    let account_id = account.map(|a| a.id);
    let mut tx = db.begin().await?;
    auth::record_failure(&mut tx, username, account_id, address, now).await?;
    let lock_why =
        format!("{WINDOW_MINUTES} 分钟内密码错误 {MAX_FAILURES} 次（最后一次来自 {address}）");
    let (key, window) = &reserved.address;
    let address_why = format!("该地址 {WINDOW_MINUTES} 分钟内登录失败 {MAX_ADDRESS_FAILURES} 次");
    auth::failed(
        &mut tx,
        key,
        *window,
        MAX_ADDRESS_FAILURES,
        now + WINDOW_SECS,
        &address_why,
    )
    .await?;
    let mut detail = why.to_string();
    let mut locked: &[Topic] = &[];
    if let Some((key, window)) = &reserved.account {
        let failures = auth::failed(
            &mut tx,
            key,
            *window,
            MAX_FAILURES,
            now + WINDOW_SECS,
            &lock_why,
        )
        .await?;
        if failures.is_some_and(|n| n >= MAX_FAILURES) {
            detail.push_str(&format!("；连续失败，账号锁定 {WINDOW_MINUTES} 分钟"));
            locked = &[Topic::Accounts];
        }
    }
    write_audit(
        &mut tx,
        account_id,
        username,
        address,
        "login.fail",
        &detail,
        now,
    )
    .await?;
    changes::commit(db, tx, locked).await?;
    Ok(Err(Denied::BadCredentials))
}

async fn succeed(
    db: &Db,
    account: AccountRow,
    address: &str,
    method: &str,
    rehash: Option<String>,
    reserved: Option<&Reserved>,
    now: i64,
) -> Result<Result<SignedIn, Denied>> {
    let mut tx = db.begin().await?;
    if let Some(reserved) = reserved {
        give_back(&mut tx, reserved).await?;
    }
    if account.status != "active" {
        write_audit(
            &mut tx,
            Some(account.id),
            &account.username,
            address,
            "login.disabled",
            method,
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(Err(Denied::Disabled));
    }
    auth::signed_in(&mut tx, account.id, now).await?;
    if let Some(new_hash) = rehash {
        let must_change = account.must_change == 1;
        if passwords::replace(
            &mut tx,
            account.id,
            &account.password_hash,
            &new_hash,
            must_change,
            now,
        )
        .await?
        {
            let entry = AuditEntry {
                actor_id: Some(account.id),
                actor: &account.username,
                address,
                action: "password.rehash",
                target: format!("account:{}", account.id),
                before: Some(account.password_scheme.clone()),
                after: Some("argon2id".into()),
                detail: "旧站密码首次登录成功，已改存为 Argon2id".into(),
            };
            audit::write(&mut tx, &entry, now).await?;
        }
    }
    write_audit(
        &mut tx,
        Some(account.id),
        &account.username,
        address,
        "login.ok",
        method,
        now,
    )
    .await?;
    tx.commit().await?;
    let actor = Actor::load(db, &account.username, address).await?;
    Ok(Ok(SignedIn {
        actor,
        real_name: account.real_name,
        must_change: account.must_change == 1,
    }))
}

/// A right password's reservations are no failures (see `store::auth::succeeded`).
async fn give_back(tx: &mut crate::store::Tx, reserved: &Reserved) -> Result<()> {
    let (key, window) = &reserved.address;
    auth::succeeded(tx, key, *window, true).await?;
    if let Some((key, window)) = &reserved.account {
        auth::succeeded(tx, key, *window, false).await?;
    }
    Ok(())
}

async fn audit_attempt(
    db: &Db,
    account_id: Option<i64>,
    username: &str,
    address: &str,
    action: &str,
    detail: &str,
) -> Result<()> {
    let mut tx = db.begin().await?;
    write_audit(
        &mut tx,
        account_id,
        username,
        address,
        action,
        detail,
        super::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn write_audit(
    tx: &mut crate::store::Tx,
    account_id: Option<i64>,
    username: &str,
    address: &str,
    action: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    let entry = AuditEntry {
        actor_id: account_id,
        actor: username,
        address,
        action,
        target: format!("user:{username}"),
        detail: detail.into(),
        ..Default::default()
    };
    audit::write(tx, &entry, now).await.map_err(Error::from)
}

/// A fixed Argon2id hash to verify against when the username does not exist.
fn dummy_hash() -> String {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA".into()
}
