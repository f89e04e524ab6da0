//! A learner's electronic archive (电子档案, Art. 11): the account and every ledger entry with its
//! rule text. Readable by the learner and by staff whose scope covers the learner's unit.

use crate::rules::Tenths;
use crate::rules::ledger::EntryKind;
use crate::rules::standing::Bucket;
use crate::store::{Db, accounts, ledger, units};

use super::{Actor, Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub kind: EntryKind,
    pub bucket: Bucket,
    pub reference: String,
    pub tenths: Tenths,
    pub earned_at: i64,
    pub year: i32,
    pub rule: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    pub account_id: i64,
    pub username: String,
    pub real_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub batch: Option<i64>,
    pub exempt: bool,
    /// Newest first.
    pub entries: Vec<Entry>,
}

/// The archive of `username`, all years or one.
pub async fn show(db: &Db, actor: &Actor, username: &str, year: Option<i32>) -> Result<Archive> {
    let account = accounts::by_username(db.reader(), username)
        .await?
        .ok_or_else(|| Error::NotFound(format!("学员 {username}")))?;
    let unit = units::by_id(db.reader(), account.unit_id)
        .await?
        .ok_or_else(|| Error::internal(format!("学员 {username} 的单位不存在")))?;
    if actor.account_id != Some(account.id) {
        actor.require_covers(&unit.path, &unit.name)?;
    }
    let rows = ledger::entries_of(db.reader(), account.id, year).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        let bad = || Error::internal(format!("学分记录 {} 的数据无效", r.id));
        entries.push(Entry {
            id: r.id,
            kind: EntryKind::from_code(&r.kind).ok_or_else(bad)?,
            bucket: Bucket::from_code(&r.bucket).ok_or_else(bad)?,
            year: i32::try_from(r.credit_year).map_err(|_| bad())?,
            reference: r.reference,
            tenths: Tenths(r.tenths),
            earned_at: r.earned_at,
            rule: r.rule,
            reason: r.reason,
        });
    }
    Ok(Archive {
        account_id: account.id,
        username: account.username,
        real_name: account.real_name,
        unit_code: unit.code,
        unit_name: unit.name,
        batch: account.batch,
        exempt: account.exempt == 1,
        entries,
    })
}
