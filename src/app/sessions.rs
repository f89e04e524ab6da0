//! Web sessions: one database row per sign-in, so any node can check a cookie and staff can end a
//! learner's logins. The cookie holds only the random session id (encrypted by the web layer).

use rand::RngCore;

use crate::rules::status::AccountStatus;
use crate::store::audit::{self, AuditEntry};
use crate::store::web_sessions::SessionRow;
use crate::store::{Db, accounts, web_sessions};

use super::auth::SignedIn;
use super::{Actor, Error, Result};

/// A session ends after this long without a request.
pub const IDLE_SECS: i64 = 2 * 3600;
/// …and at the latest this long after sign-in.
pub const MAX_SECS: i64 = 12 * 3600;
/// The idle expiry is moved forward at most this often (one write per session per interval).
const TOUCH_EVERY_SECS: i64 = 300;

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub actor: Actor,
    pub must_change: bool,
}

/// Records a new session for a successful sign-in; returns its id (256 random bits, hex).
pub async fn start(db: &Db, signed: &SignedIn, user_agent: &str, now: i64) -> Result<String> {
    let account_id = signed
        .actor
        .account_id
        .ok_or_else(|| Error::internal("登录结果缺少账号"))?;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let agent: String = user_agent.chars().take(200).collect();
    let mut tx = db.begin().await?;
    web_sessions::insert(
        &mut tx,
        &web_sessions::NewSession {
            id: &id,
            account_id,
            expires_at: now + IDLE_SECS,
            address: &signed.actor.address,
            user_agent: &agent,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The live session with this id, or None when it is unknown, ended, expired, or its account is
/// no longer active.
pub async fn resume(db: &Db, id: &str, address: &str, now: i64) -> Result<Option<Session>> {
    let Some(row) = web_sessions::get(db.reader(), id).await? else {
        return Ok(None);
    };
    if !is_live(&row, now) {
        return Ok(None);
    }
    if let Some(expires) = touch_due(&row, now) {
        let mut tx = db.begin().await?;
        web_sessions::touch(&mut tx, id, now, expires).await?;
        tx.commit().await?;
    }
    let actor = Actor::load(db, &row.username, address).await?;
    Ok(Some(Session {
        id: row.id,
        actor,
        must_change: row.must_change == 1,
    }))
}

/// Whether a session row can still be used: not ended, not expired (idle or absolute), and its
/// account active. The one place this is decided (pages and heartbeats alike).
pub fn is_live(row: &SessionRow, now: i64) -> bool {
    row.revoked == 0
        && row.expires_at > now
        && row.created_at + MAX_SECS > now
        && AccountStatus::from_code(&row.status) == Some(AccountStatus::Active)
}

/// Whether the session may earn credit now: live, and its initial password already changed
/// (until then a learner may only change it).
pub fn may_learn(row: &SessionRow, now: i64) -> bool {
    is_live(row, now) && row.must_change == 0
}

/// The new idle expiry when a request at `now` should move it forward (at most once per
/// `TOUCH_EVERY_SECS`, never past the absolute limit).
pub fn touch_due(row: &SessionRow, now: i64) -> Option<i64> {
    (now - row.last_seen_at >= TOUCH_EVERY_SECS)
        .then(|| (now + IDLE_SECS).min(row.created_at + MAX_SECS))
}

/// Signs out: the session can no longer be used, on any node.
pub async fn end(db: &Db, id: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    web_sessions::revoke(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every web session of `username` (staff whose scope covers the account, or the account
/// itself); audited. Returns how many sessions were live.
pub async fn end_all_of(db: &Db, actor: &Actor, username: &str, now: i64) -> Result<u64> {
    let account = accounts::by_username(db.reader(), username)
        .await?
        .ok_or_else(|| Error::NotFound(format!("账号 {username}")))?;
    actor.require_self_or_covers(db, &account).await?;
    let mut tx = db.begin().await?;
    let ended = web_sessions::revoke_all_of(&mut tx, account.id, now).await?;
    let entry = AuditEntry {
        action: "web.sessions.end",
        target: format!("user:{username}"),
        detail: format!("结束网页登录 {ended} 个"),
        ..actor.audit_entry()
    };
    audit::write(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(ended)
}
