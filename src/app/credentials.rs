//! Passwords and SSH keys of an account: changing one's own password under the policy (web and
//! SSH call the same function), staff resetting a password (a new initial one, shown once, must be
//! changed), and adding, listing or removing SSH keys. Every change is audited.

use crate::store::auth as keys;
use crate::store::{Db, accounts as account_rows, passwords};

use super::accounts::{Change, Key, Target, manageable, may_manage, record, visible};
use super::changes::{self, Topic};
use super::{Actor, Error, Result, password};
use crate::rules::password::REUSE_DEPTH;

/// Changes the actor's own password: the old one must match, the new one must pass the policy and
/// differ from the last 3. Clears must-change.
pub async fn change_password(db: &Db, actor: &Actor, old: &str, new: &str, now: i64) -> Result<()> {
    let Some(id) = actor.account_id else {
        return Err(Error::invalid("账号", "本机控制台没有密码可改"));
    };
    let account = account_rows::by_id(db.reader(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("账号 {}", actor.username)))?;
    let current = account.stored_password();
    if !password::verify_stored(old.to_string(), current.clone()).await? {
        return Err(Error::invalid("原密码", "不正确"));
    }
    password::validate(new, &account.username)?;
    let recent = passwords::history(db.reader(), id, history_depth()).await?;
    password::refuse_reuse(new, &current, &recent).await?;
    let hash = password::hash(new.to_string()).await?;
    let line = visible(db, actor, &account.username).await?;
    let mut tx = db.begin().await?;
    keep_in_history(&mut tx, &account, now).await?;
    if !passwords::replace(&mut tx, id, &account.password_hash, &hash, false, now).await? {
        return Err(Error::Conflict("密码刚被修改过，请重试".into()));
    }
    record(&mut tx, actor, Change::new("password.change", &line), now).await?;
    changes::commit(db, tx, &[Topic::Accounts]).await?;
    Ok(())
}

/// Whether the actor must change an initial password before doing anything else (the local
/// console has none).
pub async fn must_change(db: &Db, actor: &Actor) -> Result<bool> {
    let Some(id) = actor.account_id else {
        return Ok(false);
    };
    let account = account_rows::by_id(db.reader(), id).await?;
    Ok(account.is_some_and(|a| a.must_change == 1))
}

/// Gives an account a new random initial password, which must be changed at the next sign-in.
/// Returns it: it is shown once and not kept.
pub async fn reset_password(
    db: &Db,
    actor: &Actor,
    username: &str,
    reason: &str,
    now: i64,
) -> Result<String> {
    let reason = super::checked_text("原因", reason, super::MAX_REASON)?;
    // A cheap refusal before the hash; the check that counts is inside the transaction.
    visible(db, actor, username).await?;
    let initial = password::random_initial();
    let hash = password::hash(initial.clone()).await?;
    let mut tx = db.begin().await?;
    let line = manageable(&mut tx, actor, username, may_reset_password).await?;
    let account = account_rows::by_id(db.reader(), line.id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("账号 {username}")))?;
    keep_in_history(&mut tx, &account, now).await?;
    if !passwords::replace(&mut tx, line.id, &account.password_hash, &hash, true, now).await? {
        return Err(Error::Conflict("密码刚被修改过，请重试".into()));
    }
    let change = Change::new("password.reset", &line)
        .after("已设初始密码，须在首次登录后修改")
        .detail(reason);
    record(&mut tx, actor, change, now).await?;
    changes::commit(db, tx, &[Topic::Accounts]).await?;
    Ok(initial)
}

/// Earlier Argon2id hashes to compare with (the current password is the first of the last 3).
fn history_depth() -> i64 {
    i64::try_from(REUSE_DEPTH).unwrap_or(3)
}

async fn keep_in_history(
    tx: &mut crate::store::Tx,
    account: &account_rows::AccountRow,
    now: i64,
) -> Result<()> {
    if account.password_scheme == password::Scheme::Argon2id.code() {
        passwords::push_history(tx, account.id, &account.password_hash, now).await?;
    }
    Ok(())
}

/// Adds an SSH public key (one OpenSSH line, `ssh-ed25519 AAAA… comment`) to an account: one's
/// own, or one the actor manages. Returns the key's SHA-256 fingerprint.
pub async fn add_key(
    db: &Db,
    actor: &Actor,
    username: &str,
    line: &str,
    now: i64,
) -> Result<String> {
    let (key, fingerprint) = parse_key(line)?;
    let openssh = key
        .to_openssh()
        .map_err(|e| Error::invalid("公钥", format!("无法编码公钥：{e}")))?;
    let mut tx = db.begin().await?;
    let account = key_holder(&mut tx, actor, username).await?;
    if keys::key_owner(db.reader(), &fingerprint).await?.is_some() {
        return Err(Error::Conflict(format!("公钥 {fingerprint} 已被登记")));
    }
    keys::add_key(
        &mut tx,
        account.id,
        key.algorithm().as_str(),
        &openssh,
        &fingerprint,
        key.comment().as_str_lossy(),
        now,
    )
    .await?;
    record(
        &mut tx,
        actor,
        Change::new("ssh_key.add", &account).after(&fingerprint),
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Accounts]).await?;
    Ok(fingerprint)
}

/// An OpenSSH public key line and its SHA-256 fingerprint, or why the line is not one.
fn parse_key(line: &str) -> Result<(russh::keys::PublicKey, String)> {
    let key = russh::keys::PublicKey::from_openssh(line.trim())
        .map_err(|e| Error::invalid("公钥", format!("无法识别的 OpenSSH 公钥：{e}")))?;
    // The comment is shown to staff in `key list` and `account show`: no terminal escapes in it.
    super::checked_text("公钥备注", key.comment().as_str_lossy(), 100)?;
    let fingerprint = key.fingerprint(russh::keys::HashAlg::Sha256).to_string();
    Ok((key, fingerprint))
}

/// The SHA-256 fingerprint of an OpenSSH public key line (no I/O): fronts show it before asking
/// to add the key.
pub fn key_fingerprint(line: &str) -> Result<String> {
    parse_key(line).map(|(_, fingerprint)| fingerprint)
}

/// The account's SSH keys.
pub async fn list_keys(db: &Db, actor: &Actor, username: &str) -> Result<Vec<Key>> {
    let account = visible(db, actor, username).await?;
    let rows = keys::keys_of(db.reader(), account.id).await?;
    Ok(rows.into_iter().map(Key::from).collect())
}

/// Removes one of the account's SSH keys, given by its SHA-256 fingerprint.
pub async fn remove_key(
    db: &Db,
    actor: &Actor,
    username: &str,
    fingerprint: &str,
    now: i64,
) -> Result<()> {
    let fingerprint = fingerprint.trim();
    let mut tx = db.begin().await?;
    let account = key_holder(&mut tx, actor, username).await?;
    if !keys::remove_key(&mut tx, account.id, fingerprint).await? {
        return Err(Error::NotFound(format!(
            "账号 {username} 的公钥 {fingerprint}"
        )));
    }
    record(
        &mut tx,
        actor,
        Change::new("ssh_key.remove", &account).before(fingerprint),
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Accounts]).await?;
    Ok(())
}

/// One's own account, or one the actor manages, checked inside the transaction that writes.
async fn key_holder(
    tx: &mut crate::store::Tx,
    actor: &Actor,
    username: &str,
) -> Result<crate::store::account_care::AccountLine> {
    manageable(tx, actor, username, may_change_keys).await
}

/// Whether the actor may give the account a new initial password (`reset_password`).
pub fn may_reset_password(actor: &Actor, t: &Target) -> Result<()> {
    may_manage(actor, t)
}

/// Whether the actor may add or remove the account's SSH keys (`add_key`, `remove_key`): one's
/// own, or an account the actor manages.
pub fn may_change_keys(actor: &Actor, t: &Target) -> Result<()> {
    if actor.account_id == Some(t.id) {
        return Ok(());
    }
    may_manage(actor, t)
}
