//! Signing in, for every front: password (Argon2id, off the async threads; the old site's MD5 and
//! bcrypt hashes are checked once and replaced by Argon2id in the same sign-in) or SSH key; lockout
//! after repeated failures (per account) and a slowdown per address, both kept in the database so
//! every node sees them; every attempt audited with its address.

use crate::store::accounts::{self, AccountRow};
use crate::store::audit::{self, AuditEntry};
use crate::store::{Db, auth, passwords};

use super::password::{self, Scheme};
use super::{Actor, Error, Result};

/// Failures within the window that lock an account.
pub const MAX_FAILURES: i64 = 5;
/// The window for counting failures, and how long a lock lasts.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures from one address within the window after which that address is refused outright.
pub const MAX_ADDRESS_FAILURES: i64 = 30;

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

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub actor: Actor,
    pub real_name: String,
    pub must_change: bool,
}

/// Signs in with a password.
pub async fn with_password(
    db: &Db,
    username: &str,
    password_text: &str,
    address: &str,
    now: i64,
) -> Result<Result<SignedIn, Denied>> {
    if throttled(db, address, now).await? {
        audit_attempt(db, None, username, address, "login.throttled", "").await?;
        return Ok(Err(Denied::AddressThrottled));
    }
    let account = accounts::by_username(db.reader(), username).await?;
    let Some(account) = account else {
        // Spend the same time as a real check, so timing does not tell which usernames exist.
        let _ = password::verify(password_text.to_string(), dummy_hash()).await;
        return fail(db, None, username, address, "无此用户", now).await;
    };
    if let Some(minutes) = locked_minutes(db, &account, now).await? {
        audit_attempt(db, Some(account.id), username, address, "login.locked", "").await?;
        return Ok(Err(Denied::Locked { minutes }));
    }
    let ok = password::verify_stored(password_text.to_string(), account.stored_password()).await?;
    if !ok {
        return fail(db, Some(&account), username, address, "密码错误", now).await;
    }
    // A legacy hash (the old site's MD5 or bcrypt) is replaced by Argon2id at the first success.
    let legacy = Scheme::from_code(&account.password_scheme).is_some_and(Scheme::is_legacy);
    let rehash = if legacy && account.status == "active" {
        Some(password::hash(password_text.to_string()).await?)
    } else {
        None
    };
    succeed(db, account, address, "password", rehash, now).await
}

/// Signs in with an SSH key already verified by the SSH layer, given by its SHA-256 fingerprint.
pub async fn with_key(
    db: &Db,
    username: &str,
    fingerprint: &str,
    address: &str,
    now: i64,
) -> Result<Result<SignedIn, Denied>> {
    if throttled(db, address, now).await? {
        return Ok(Err(Denied::AddressThrottled));
    }
    let account = accounts::by_username(db.reader(), username).await?;
    let owner = auth::key_owner(db.reader(), fingerprint).await?;
    let account = match account {
        Some(a) if owner == Some(a.id) => a,
        // An unknown key is not a failed guess: clients offer every key they have.
        _ => return Ok(Err(Denied::BadCredentials)),
    };
    if let Some(minutes) = locked_minutes(db, &account, now).await? {
        return Ok(Err(Denied::Locked { minutes }));
    }
    succeed(db, account, address, "publickey", None, now).await
}

/// Whether a key (by SHA-256 fingerprint) is registered to `username`: the cheap check before the
/// client proves it holds the key. Not a sign-in, so neither counted nor audited.
pub async fn key_belongs_to(db: &Db, username: &str, fingerprint: &str) -> Result<bool> {
    let owner = auth::key_owner(db.reader(), fingerprint).await?;
    let account = accounts::by_username(db.reader(), username).await?;
    Ok(matches!((owner, account), (Some(o), Some(a)) if o == a.id))
}

async fn throttled(db: &Db, address: &str, now: i64) -> Result<bool> {
    Ok(
        auth::failures_of_address(db.reader(), address, now - WINDOW_SECS).await?
            >= MAX_ADDRESS_FAILURES,
    )
}

async fn locked_minutes(db: &Db, account: &AccountRow, now: i64) -> Result<Option<i64>> {
    Ok(auth::locked_until(db.reader(), account.id)
        .await?
        .filter(|until| *until > now)
        .map(|until| (until - now + 59) / 60))
}

async fn fail(
    db: &Db,
    account: Option<&AccountRow>,
    username: &str,
    address: &str,
    why: &str,
    now: i64,
) -> Result<Result<SignedIn, Denied>> {
    let account_id = account.map(|a| a.id);
    let mut tx = db.begin().await?;
    auth::record_failure(&mut tx, username, account_id, address, now).await?;
    let mut detail = why.to_string();
    if let Some(id) = account_id
        && auth::failures_of_account(&mut tx, id, now - WINDOW_SECS).await? >= MAX_FAILURES
    {
        auth::lock_until(&mut tx, id, now + WINDOW_SECS).await?;
        detail.push_str("；连续失败，账号锁定 15 分钟");
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
    tx.commit().await?;
    Ok(Err(Denied::BadCredentials))
}

async fn succeed(
    db: &Db,
    account: AccountRow,
    address: &str,
    method: &str,
    rehash: Option<String>,
    now: i64,
) -> Result<Result<SignedIn, Denied>> {
    if account.status != "active" {
        audit_attempt(
            db,
            Some(account.id),
            &account.username,
            address,
            "login.disabled",
            method,
        )
        .await?;
        return Ok(Err(Denied::Disabled));
    }
    let mut tx = db.begin().await?;
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
