//! A class's members: added by unit (the unit's assessed learners and its sub-units'), by a list
//! of usernames or ID numbers, or one by one; removed with a reason (the row stays). Only learners
//! within the organiser unit's scope; all or nothing, with a verdict per line. Members of an open
//! class get a notice on the web home.

use std::collections::HashMap;

use crate::rules::calendar::credit_year;
use crate::rules::classes::{self as rules, CODE_LEN, code_from, serial};
use crate::rules::status::AccountStatus;
use crate::store::audit::{self, AuditEntry};
use crate::store::classes::{self as store, Candidate, ClassRow, NewMember};
use crate::store::{Db, Tx, accounts};

use super::super::changes::{self, Topic};
use super::super::types::Username;
use super::super::{Actor, Error, Result, checked_text};
use super::graduation::recompute_class;
use super::write::changeable;
use super::{ClassStatus, MemberLine, MembersAdded, Verdict, may_add_members, may_remove_member};

/// The longest line of a member list, in characters (a username or an 18-digit ID number).
const MAX_KEY: usize = 64;

/// A member list as read from a file or a paste (text one per line, CSV, or an xlsx workbook's
/// first column; UTF-8 or GBK; a header line such as “用户名” is skipped), parsed off the async
/// workers; refused whole when the file is unreadable or over the limits. Lines keep the file's
/// numbering for the verdicts.
pub async fn read_member_list(bytes: Vec<u8>) -> Result<Vec<String>> {
    if bytes.len() > rules::MEMBER_LIST_BYTES {
        return Err(Error::invalid(
            "学员名单",
            format!(
                "文件超过 {} MB 的上限",
                rules::MEMBER_LIST_BYTES / 1024 / 1024
            ),
        ));
    }
    super::super::off_runtime(move || rules::member_list(&bytes))
        .await?
        .map_err(|e| Error::invalid("学员名单", e))
}

/// Judges each line of a member list (usernames or ID numbers, one per line; blank lines are
/// skipped) against the class without changing anything: who would be added, who is already in,
/// who is refused and why. The TUI shows it before asking to add.
pub async fn preview_members(
    db: &Db,
    actor: &Actor,
    id: i64,
    lines: &[String],
) -> Result<Vec<MemberLine>> {
    let mut tx = db.begin().await?;
    let (row, _) = changeable(&mut tx, actor, id, may_add_members).await?;
    let verdicts = judge_list(&mut tx, &row, lines).await?;
    tx.rollback().await?;
    Ok(verdicts.into_iter().map(|(v, _)| v).collect())
}

/// Adds the members a list names (usernames or ID numbers, one per line, as read from a pasted
/// list, a text file or an xlsx/CSV file's first column), all or nothing: when any line is
/// refused nothing is added and the error lists every refused line ("第 3 行 …：原因"). A removed
/// member named again is restored. New members of an open class get a notice on their web home at
/// once; those of a draft class when it opens.
pub async fn add_members(
    db: &Db,
    actor: &Actor,
    id: i64,
    lines: &[String],
    now: i64,
) -> Result<MembersAdded> {
    let mut tx = db.begin().await?;
    let (row, _) = changeable(&mut tx, actor, id, may_add_members).await?;
    let verdicts = judge_list(&mut tx, &row, lines).await?;
    let refused: Vec<&MemberLine> = verdicts
        .iter()
        .map(|(v, _)| v)
        .filter(|v| matches!(v.verdict, Verdict::Refused(_)))
        .collect();
    if !refused.is_empty() {
        return Err(super::super::listed_refusal(
            "学员名单",
            "未添加任何学员",
            &refused,
        ));
    }
    let mut ids = Vec::new();
    let mut added = MembersAdded::default();
    for (v, who) in &verdicts {
        match (&v.verdict, who) {
            (Verdict::Add { username, .. }, Some(who)) => {
                ids.push(*who);
                added.added.push(username.clone());
            }
            (Verdict::Already { username, .. }, _) => added.already.push(username.clone()),
            _ => {}
        }
    }
    write_members(&mut tx, actor, &row, &ids, "list", now).await?;
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(added)
}

/// Adds every learner assessed this year in the unit (code or unique name) and its sub-units
/// (the population of `rules::population`), all or nothing; the unit must lie within the
/// organiser unit's scope and the actor's.
pub async fn add_members_by_unit(
    db: &Db,
    actor: &Actor,
    id: i64,
    unit: &str,
    now: i64,
) -> Result<MembersAdded> {
    let unit = super::super::unit_tree::find(db, unit).await?;
    actor.require_covers(&unit.path, &unit.name)?;
    let settings = super::super::standings::year_settings(db, credit_year(now)).await?;
    let mut tx = db.begin().await?;
    let (row, _) = changeable(&mut tx, actor, id, may_add_members).await?;
    if !unit.path.starts_with(&row.unit_path) {
        return Err(Error::Forbidden(format!(
            "{} 不在本班组织单位{}的范围内",
            unit.name, row.unit_name
        )));
    }
    let population = settings.population(&unit.path, now);
    let people = store::population_candidates(&mut tx, &population, id).await?;
    if people.len() > rules::MAX_MEMBERS {
        return Err(Error::invalid(
            "--unit",
            format!("一个培训班最多 {} 名学员", rules::MAX_MEMBERS),
        ));
    }
    let mut added = MembersAdded::default();
    let mut ids = Vec::new();
    for c in people {
        if c.membership == 1 {
            added.already.push(Username::stored(c.username));
        } else {
            ids.push((c.id, c.membership));
            added.added.push(Username::stored(c.username));
        }
    }
    write_members(
        &mut tx,
        actor,
        &row,
        &ids,
        &format!("unit:{}", unit.code),
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(added)
}

/// The accounts the lines name, one per line (None: blank, unknown or bad line), in order.
async fn by_line(tx: &mut Tx, row: &ClassRow, lines: &[String]) -> Result<Vec<Option<Candidate>>> {
    let keys: Vec<String> = lines.iter().map(|l| key_of(l)).collect();
    // A key over MAX_KEY is refused per line anyway: it never reaches SQL.
    let wanted: Vec<String> = keys
        .iter()
        .filter(|k| !k.is_empty() && k.chars().count() <= MAX_KEY)
        .cloned()
        .collect();
    let found = store::candidates(tx, row.id, &wanted).await?;
    let mut by_key: HashMap<&str, &Candidate> = HashMap::new();
    for c in &found {
        by_key.insert(c.username.as_str(), c);
        if let Some(n) = &c.id_number {
            by_key.insert(n.as_str(), c);
        }
    }
    Ok(keys
        .iter()
        .map(|k| by_key.get(k.as_str()).map(|c| (*c).clone()))
        .collect())
}

/// A line as looked up: trimmed; an ID number's final x upper-cased.
fn key_of(line: &str) -> String {
    let t = line.trim();
    if t.len() == 18 && t.ends_with('x') && t[..17].bytes().all(|b| b.is_ascii_digit()) {
        return t.to_ascii_uppercase();
    }
    t.to_string()
}

/// The verdict on every non-blank line, with the account and its membership (0 none, 1 member,
/// 2 removed) when found.
async fn judge_list(
    tx: &mut Tx,
    row: &ClassRow,
    lines: &[String],
) -> Result<Vec<(MemberLine, Option<(i64, i64)>)>> {
    let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
    if non_blank == 0 {
        return Err(Error::invalid(
            "学员名单",
            "名单为空：每行一个用户名或身份证号",
        ));
    }
    if non_blank > rules::MAX_MEMBERS {
        return Err(Error::invalid(
            "学员名单",
            format!("一次最多 {} 行", rules::MAX_MEMBERS),
        ));
    }
    let found = by_line(tx, row, lines).await?;
    let mut seen: HashMap<i64, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, (line, c)) in lines.iter().zip(found).enumerate() {
        let given = line.trim();
        if given.is_empty() {
            continue;
        }
        let n = i + 1;
        let who = c.as_ref().map(|c| (c.id, c.membership));
        let verdict = match checked_text("学员名单", given, MAX_KEY) {
            Err(e) => Verdict::Refused(e.to_string()),
            Ok(_) => match c {
                None => Verdict::Refused(UNKNOWN.into()),
                Some(c) => judge(row, &c, n, &mut seen),
            },
        };
        let line = MemberLine {
            line: n,
            given: given.chars().take(MAX_KEY).collect(),
            verdict,
        };
        out.push((line, who));
    }
    Ok(out)
}

/// The one verdict for a key that names nobody and for a learner outside the class's
/// organiser unit, so a liaison cannot look up people beyond their scope.
const UNKNOWN: &str = "不存在或不在本班组织单位的范围内";

fn judge(row: &ClassRow, c: &Candidate, line: usize, seen: &mut HashMap<i64, usize>) -> Verdict {
    // Scope first, and in the very words used for an unknown key: a learner outside the
    // organiser unit must not be told apart from nobody (no name, unit or username).
    if !c.unit_path.starts_with(&row.unit_path) {
        return Verdict::Refused(UNKNOWN.into());
    }
    if let Some(first) = seen.insert(c.id, line) {
        return Verdict::Refused(format!("与第 {first} 行是同一人"));
    }
    if c.is_learner != 1 {
        return Verdict::Refused(format!("{}（{}）不是学员账号", c.username, c.real_name));
    }
    if AccountStatus::from_code(&c.status) != Some(AccountStatus::Active) {
        return Verdict::Refused(format!("{}（{}）的账号已停用", c.username, c.real_name));
    }
    let username = Username::stored(c.username.clone());
    let name = c.real_name.clone();
    if c.membership == 1 {
        Verdict::Already { username, name }
    } else {
        Verdict::Add { username, name }
    }
}

/// Writes new members (`membership` 0) and restores removed ones (2), gives each new one a
/// certificate serial and code, recomputes the class, tells them when the class is open, and
/// audits the addition as one row.
async fn write_members(
    tx: &mut Tx,
    actor: &Actor,
    row: &ClassRow,
    ids: &[(i64, i64)],
    how: &str,
    now: i64,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let had = store::member_rows(tx, row.id).await?;
    let year = credit_year(row.starts_at);
    let fresh: Vec<NewMember> = ids
        .iter()
        .filter(|(_, m)| *m == 0)
        .enumerate()
        .map(|(i, (account_id, _))| NewMember {
            account_id: *account_id,
            cert_serial: serial(year, row.id, had + 1 + i as i64),
            cert_code: code_from(rand::random::<[u8; CODE_LEN]>()),
        })
        .collect();
    let restored: Vec<i64> = ids
        .iter()
        .filter(|(_, m)| *m == 2)
        .map(|(a, _)| *a)
        .collect();
    let members_after = store::member_ids(tx, row.id).await?.len() + ids.len();
    if members_after > rules::MAX_MEMBERS {
        return Err(Error::invalid(
            "学员名单",
            format!("一个培训班最多 {} 名学员", rules::MAX_MEMBERS),
        ));
    }
    store::insert_members(tx, row.id, &fresh, actor.account_id, now).await?;
    store::restore_members(tx, row.id, &restored, actor.account_id, now).await?;
    recompute_class(tx, row.id).await?;
    let status =
        super::super::types::decode("classes.status", &row.status, ClassStatus::from_code)?;
    if status == ClassStatus::Open {
        let told: Vec<i64> = ids.iter().map(|(a, _)| *a).collect();
        tell_members(tx, actor, row, &told, now).await?;
    }
    audit::write(
        tx,
        &AuditEntry {
            action: "class.members.add",
            target: format!("class:{}", row.id),
            after: Some(format!(
                "{} 人（新增 {}，恢复 {}）",
                ids.len(),
                fresh.len(),
                restored.len()
            )),
            detail: how.into(),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(())
}

/// A notice to each member that they are in the class (kind class, through `app::notices`).
pub(super) async fn tell_members(
    tx: &mut Tx,
    actor: &Actor,
    row: &ClassRow,
    account_ids: &[i64],
    now: i64,
) -> Result<()> {
    // No members, no notice (an empty class opened would write one with no recipients).
    if account_ids.is_empty() {
        return Ok(());
    }
    let dates = crate::rules::classes::Dates {
        starts_at: row.starts_at,
        ends_at: row.ends_at,
    };
    let title = format!("您已加入培训班「{}」", row.title);
    let body = format!(
        "{}组织的专题培训班「{}」（{} 至 {}）已将您列为学员。请在“我的培训班”中查看课程，并在结束日期前完成全部课程。",
        row.unit_name,
        row.title,
        dates.first_day(),
        dates.last_day()
    );
    crate::app::notices::send_to_accounts_tx(
        tx,
        actor,
        crate::rules::notices::NoticeKind::Class,
        account_ids,
        &title,
        &body,
        now,
    )
    .await?;
    Ok(())
}

/// Removes a member (by username) from a draft or open class, with a reason; the row stays with
/// who removed them, when and why, and they may be added again later.
pub async fn remove_member(
    db: &Db,
    actor: &Actor,
    id: i64,
    username: &str,
    reason: &str,
    now: i64,
) -> Result<()> {
    let reason = super::super::required_reason("--reason", reason, "请写明移出的原因")?;
    let username = checked_text("用户名", username, MAX_KEY)?;
    let account = accounts::by_username(db.reader(), username)
        .await?
        .ok_or_else(|| Error::NotFound(format!("账号 {username}")))?;
    let mut tx = db.begin().await?;
    let (row, _) = changeable(&mut tx, actor, id, may_remove_member).await?;
    if !store::remove_member(&mut tx, id, account.id, actor.account_id, reason, now).await? {
        return Err(Error::NotFound(format!(
            "培训班「{}」中的学员 {username}",
            row.title
        )));
    }
    audit::write(
        &mut tx,
        &AuditEntry {
            action: "class.members.remove",
            target: format!("class:{id}"),
            before: Some(format!("account:{} {username}", account.id)),
            detail: reason.into(),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(())
}
