//! The legacy site's migration (batch 1, RULES.md "Accounts"): its users keep their usernames and
//! password hashes (MD5, salted MD5, bcrypt — replaced by Argon2id at the first sign-in), and their
//! past learning records become `legacy` ledger entries. Rows that cannot be imported are reported
//! (row, reason, in Chinese) and the rest is imported; a rerun imports nothing twice (an existing
//! username with the same ID number is the same person; records carry `legacy:<old id>` award keys).
//! The CSV formats are in docs/legacy-import.md.

use std::collections::{HashMap, HashSet};

use time::macros::{format_description, offset};

use crate::rules::Tenths;
use crate::rules::calendar::credit_year;
use crate::rules::idnum::IdNumber;
use crate::rules::ledger::{EntryKind, award_key};
use crate::rules::limits::LEGACY;
use crate::rules::sheet::{check_csv_size, check_width, decode_text};
use crate::rules::standing::Bucket;
use crate::rules::text;
use crate::store::account_care as care;
use crate::store::accounts::{self, NewAccount};
use crate::store::audit::{self, AuditEntry};
use crate::store::ledger::{self, NewEntry};
use crate::store::{Db, Tx, units};

use super::changes::{self, Topic};
use super::password::Scheme;
use super::{Actor, Error, Result};

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = crate::rules::limits::LEGACY_FILE_BYTES;

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `users.csv` or `records.csv`, as the report names it.
    pub file: &'static str,
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub users_added: usize,
    /// Users already imported by an earlier run (same username and ID number).
    pub users_present: usize,
    pub records_added: usize,
    /// Records already imported by an earlier run (same old record id).
    pub records_present: usize,
    pub problems: Vec<Problem>,
}

const USERS: &str = "users.csv";
const RECORDS: &str = "records.csv";

/// Imports the legacy users (and, when given, their records). Office only.
pub async fn import(
    db: &Db,
    actor: &Actor,
    users_csv: &[u8],
    records_csv: Option<&[u8]>,
    now: i64,
) -> Result<Report> {
    actor.require_office("导入旧站数据")?;
    let mut report = Report::default();
    let (users_csv, records_csv) = (users_csv.to_vec(), records_csv.map(<[u8]>::to_vec));
    let (users, records, problems) = super::off_runtime(move || -> Result<_> {
        let mut problems = Vec::new();
        let users = parse_users(&users_csv, &mut problems)?;
        let records = match records_csv {
            Some(bytes) => parse_records(&bytes, &mut problems)?,
            None => Vec::new(),
        };
        Ok((users, records, problems))
    })
    .await??;
    report.problems = problems;
    let units: HashMap<String, i64> = units::all(db.reader())
        .await?
        .into_iter()
        .map(|u| (u.code, u.id))
        .collect();
    let existing = care::identities(db.reader()).await?;
    let by_username: HashMap<&str, (i64, Option<&str>)> = existing
        .iter()
        .map(|(id, u, n)| (u.as_str(), (*id, n.as_deref())))
        .collect();
    let id_owner: HashMap<&str, &str> = existing
        .iter()
        .filter_map(|(_, u, n)| Some((n.as_deref()?, u.as_str())))
        .collect();

    let mut tx = db.begin().await?;
    let known = Known {
        units: &units,
        by_username: &by_username,
        id_owner: &id_owner,
    };
    let account_of = insert_users(&mut tx, &users, &known, &mut report, now).await?;
    insert_records(
        &mut tx,
        actor,
        &records,
        &account_of,
        &known,
        &mut report,
        now,
    )
    .await?;
    let entry = AuditEntry {
        action: "legacy.import",
        target: "legacy".into(),
        before: None,
        after: Some(format!(
            "新增账号 {}，新增记录 {}",
            report.users_added, report.records_added
        )),
        detail: format!(
            "已存在账号 {}，已存在记录 {}，未导入 {} 行",
            report.users_present,
            report.records_present,
            report.problems.len()
        ),
        ..actor.audit_entry()
    };
    audit::write(&mut tx, &entry, now).await?;
    changes::commit(db, tx, &[Topic::Accounts, Topic::Ledger, Topic::Population]).await?;
    report.problems.sort_by_key(|p| (p.file != USERS, p.line));
    Ok(report)
}

/// What the database held before the import, that the rows are checked against.
struct Known<'a> {
    /// Unit id by code.
    units: &'a HashMap<String, i64>,
    /// Account id and ID number by username.
    by_username: &'a HashMap<&'a str, (i64, Option<&'a str>)>,
    /// Username by ID number.
    id_owner: &'a HashMap<&'a str, &'a str>,
}

/// Adds the users not yet there; a user already imported (same username and ID number) is
/// counted, any other clash is a problem of its line. Returns the account id by username of
/// every user added or present.
async fn insert_users(
    tx: &mut Tx,
    users: &[LegacyUser],
    known: &Known<'_>,
    report: &mut Report,
    now: i64,
) -> Result<HashMap<String, i64>> {
    let mut account_of: HashMap<String, i64> = HashMap::new();
    for u in users {
        let problem = |reason: String| Problem {
            file: USERS,
            line: u.line,
            reason,
        };
        if let Some((id, number)) = known.by_username.get(u.username.as_str()) {
            if *number == Some(u.id_number.as_str()) {
                report.users_present += 1;
                account_of.insert(u.username.clone(), *id);
            } else {
                report
                    .problems
                    .push(problem(format!("用户名 {} 已被另一账号使用", u.username)));
            }
            continue;
        }
        if let Some(owner) = known.id_owner.get(u.id_number.as_str()) {
            report.problems.push(problem(format!(
                "身份证号已属于账号 {owner}（一人只能有一个账号）"
            )));
            continue;
        }
        let Some(&unit_id) = known.units.get(&u.unit_code) else {
            report
                .problems
                .push(problem(format!("单位代码 {} 不存在", u.unit_code)));
            continue;
        };
        let id = insert_user(tx, u, unit_id, now).await?;
        account_of.insert(u.username.clone(), id);
        report.users_added += 1;
    }
    Ok(account_of)
}

/// One legacy user as a learner account, with its old password hash (and salt) kept.
async fn insert_user(tx: &mut Tx, u: &LegacyUser, unit_id: i64, now: i64) -> Result<i64> {
    let id = accounts::insert(
        tx,
        &NewAccount {
            username: &u.username,
            real_name: &u.real_name,
            id_number: Some(&u.id_number),
            unit_id,
            post: &u.post,
            phone: &u.phone,
            is_learner: true,
            batch: Some(1),
            exempt: false,
            password_hash: &u.hash,
            password_scheme: u.scheme.code(),
            must_change: false,
            // Registered on the legacy site before this system: issued before any year
            // it assesses, so an import after a cut-off does not drop them from that year.
            issued_at: 0,
        },
        now,
    )
    .await?;
    if let Some(salt) = &u.salt {
        care::set_salt(tx, id, salt).await?;
    }
    Ok(id)
}

/// Appends each record as a legacy ledger entry; one imported by an earlier run (same old
/// record id, by its award key) is counted as present.
async fn insert_records(
    tx: &mut Tx,
    actor: &Actor,
    records: &[LegacyRecord],
    account_of: &HashMap<String, i64>,
    known: &Known<'_>,
    report: &mut Report,
    now: i64,
) -> Result<()> {
    for r in records {
        let account_id = match account_of.get(&r.username) {
            Some(id) => *id,
            None => match known.by_username.get(r.username.as_str()) {
                Some((id, _)) => *id,
                None => {
                    report.problems.push(Problem {
                        file: RECORDS,
                        line: r.line,
                        reason: format!("用户名 {} 不存在（该用户未导入）", r.username),
                    });
                    continue;
                }
            },
        };
        let entry = NewEntry {
            account_id,
            kind: EntryKind::Legacy,
            bucket: r.bucket,
            course_id: None,
            exam_id: None,
            reference: format!("旧站记录 {}", r.record_id),
            tenths: r.tenths,
            earned_at: r.earned_at,
            credit_year: credit_year(r.earned_at),
            reason: r.title.clone(),
            actor_id: actor.account_id,
            rule: format!("旧站学习记录导入 {}（{}）", r.tenths, r.bucket.label()),
            award_key: Some(award_key(EntryKind::Legacy, r.record_id)),
            revokes_id: None,
        };
        if ledger::append(tx, &entry, now).await?.is_some() {
            report.records_added += 1;
        } else {
            report.records_present += 1;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct LegacyUser {
    line: u64,
    username: String,
    real_name: String,
    id_number: String,
    unit_code: String,
    post: String,
    phone: String,
    scheme: Scheme,
    hash: String,
    salt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct LegacyRecord {
    line: u64,
    record_id: i64,
    username: String,
    title: String,
    bucket: Bucket,
    tenths: Tenths,
    earned_at: i64,
}

/// A CSV file's rows with the header's columns found by name (English or Chinese).
struct Sheet {
    columns: HashMap<&'static str, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl Sheet {
    fn read(
        file: &'static str,
        bytes: &[u8],
        known: &[(&'static str, &[&str])],
        required: &[&'static str],
    ) -> Result<Sheet> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(Error::invalid(file, "文件过大（上限 64 MB）"));
        }
        // UTF-8 (with or without BOM) or GBK/GB18030, decoded as the roster reader does.
        let text = decode_text(bytes).map_err(|_| {
            Error::invalid(
                file,
                "文件编码无法识别：请另存为 UTF-8 或 GBK（GB18030）编码的 CSV",
            )
        })?;
        check_csv_size(&text, &LEGACY).map_err(|e| Error::invalid(file, e.to_string()))?;
        let bytes = text.as_bytes();
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let header = reader
            .headers()
            .map_err(|e| Error::invalid(file, format!("无法读取表头：{e}")))?
            .clone();
        check_width(1, header.len(), &LEGACY).map_err(|e| Error::invalid(file, e.to_string()))?;
        let mut columns = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            let name = name.trim().to_lowercase();
            if let Some((key, _)) = known
                .iter()
                .find(|(_, names)| names.contains(&name.as_str()))
            {
                columns.entry(*key).or_insert(i);
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .filter(|k| !columns.contains_key(*k))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(Error::invalid(
                file,
                format!("表头缺少列：{}", missing.join("、")),
            ));
        }
        let mut rows = Vec::new();
        // The line a record starts on, counted from its byte offset: the reader's own line count
        // leaves out blank lines, which people do count.
        let (mut counted_to, mut line) = (0usize, 1u64);
        for record in reader.records() {
            let record = record.map_err(|e| Error::invalid(file, format!("CSV 格式错误：{e}")))?;
            let start = record
                .position()
                .and_then(|p| usize::try_from(p.byte()).ok())
                .unwrap_or(counted_to)
                .clamp(counted_to, bytes.len());
            // The reported offset is where reading began, before any blank lines it skipped.
            let start = start
                + bytes[start..]
                    .iter()
                    .take_while(|b| matches!(b, b'\n' | b'\r'))
                    .count();
            line += bytes[counted_to..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            counted_to = start;
            check_width(line as usize, record.len(), &LEGACY)
                .map_err(|e| Error::invalid(file, e.to_string()))?;
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            rows.push((line, record));
        }
        Ok(Sheet { columns, rows })
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, key: &str) -> &'r str {
        self.columns
            .get(key)
            .and_then(|&i| record.get(i))
            .map_or("", str::trim)
    }
}

const USER_COLUMNS: &[(&str, &[&str])] = &[
    ("username", &["username", "用户名"]),
    ("name", &["name", "real_name", "姓名"]),
    ("id_number", &["id_number", "身份证号"]),
    ("unit", &["unit", "unit_code", "单位代码"]),
    ("password_hash", &["password_hash", "hash", "密码哈希"]),
    ("salt", &["salt", "盐"]),
    ("post", &["post", "职务", "职务/职级"]),
    ("phone", &["phone", "手机"]),
];

fn parse_users(bytes: &[u8], problems: &mut Vec<Problem>) -> Result<Vec<LegacyUser>> {
    let sheet = Sheet::read(
        USERS,
        bytes,
        USER_COLUMNS,
        &["username", "name", "id_number", "unit", "password_hash"],
    )?;
    let mut seen_names = HashSet::new();
    let mut seen_ids = HashSet::new();
    let mut users = Vec::new();
    for (line, record) in &sheet.rows {
        let get = |k: &'static str| sheet.get(record, k);
        match user_row(*line, &get) {
            Ok(u) if !seen_names.insert(u.username.clone()) => problems.push(Problem {
                file: USERS,
                line: *line,
                reason: format!("用户名 {} 在文件中重复", u.username),
            }),
            Ok(u) if !seen_ids.insert(u.id_number.clone()) => problems.push(Problem {
                file: USERS,
                line: *line,
                reason: "身份证号在文件中重复".into(),
            }),
            Ok(u) => users.push(u),
            Err(reason) => problems.push(Problem {
                file: USERS,
                line: *line,
                reason,
            }),
        }
    }
    Ok(users)
}

fn user_row<'r>(line: u64, get: &dyn Fn(&'static str) -> &'r str) -> Result<LegacyUser, String> {
    let username = get("username");
    if username.is_empty() {
        return Err("用户名为空".into());
    }
    if username.chars().count() > 64
        || username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("用户名 {username} 无效（不能含空白，最多 64 字）"));
    }
    let real_name = get("name");
    if real_name.is_empty() {
        return Err("姓名为空".into());
    }
    for (field, value, max) in [
        ("姓名", real_name, 30),
        ("职务/职级", get("post"), 50),
        ("手机", get("phone"), 30),
        ("单位代码", get("unit"), 100),
    ] {
        text::check(value, max).map_err(|e| format!("{field}{e}"))?;
    }
    let id_number = IdNumber::parse(get("id_number")).map_err(|e| e.to_string())?;
    let unit_code = get("unit");
    if unit_code.is_empty() {
        return Err("单位代码为空".into());
    }
    let hash = get("password_hash");
    let salt = Some(get("salt")).filter(|s| !s.is_empty());
    let scheme = detect_scheme(hash, salt).ok_or_else(|| {
        "密码哈希无法识别（应为 32 位十六进制 MD5 或 $2y$/$2a$/$2b$ 开头的 bcrypt）".to_string()
    })?;
    let hash = if scheme == Scheme::Bcrypt {
        hash.to_string()
    } else {
        hash.to_ascii_lowercase()
    };
    Ok(LegacyUser {
        line,
        username: username.into(),
        real_name: real_name.into(),
        id_number: id_number.as_str().into(),
        unit_code: unit_code.into(),
        post: get("post").into(),
        phone: get("phone").into(),
        scheme,
        hash,
        salt: salt
            .filter(|_| scheme == Scheme::Md5Salted)
            .map(String::from),
    })
}

/// The scheme of a legacy hash: bcrypt by its prefix, MD5 (salted when a salt is given) by its
/// 32 hex digits.
fn detect_scheme(hash: &str, salt: Option<&str>) -> Option<Scheme> {
    let is_bcrypt =
        ["$2y$", "$2a$", "$2b$"].iter().any(|p| hash.starts_with(p)) && hash.len() == 60;
    if is_bcrypt {
        return Some(Scheme::Bcrypt);
    }
    if hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(if salt.is_some() {
            Scheme::Md5Salted
        } else {
            Scheme::Md5
        });
    }
    None
}

const RECORD_COLUMNS: &[(&str, &[&str])] = &[
    ("record_id", &["record_id", "id", "记录编号"]),
    ("username", &["username", "用户名"]),
    ("title", &["title", "course", "课程名称"]),
    ("kind", &["kind", "类型"]),
    ("credits", &["credits", "学分"]),
    ("date", &["date", "日期"]),
];

fn parse_records(bytes: &[u8], problems: &mut Vec<Problem>) -> Result<Vec<LegacyRecord>> {
    let sheet = Sheet::read(
        RECORDS,
        bytes,
        RECORD_COLUMNS,
        &["record_id", "username", "title", "kind", "credits", "date"],
    )?;
    let mut seen = HashSet::new();
    let mut records = Vec::new();
    for (line, record) in &sheet.rows {
        let get = |k: &'static str| sheet.get(record, k);
        match record_row(*line, &get) {
            Ok(r) if !seen.insert(r.record_id) => problems.push(Problem {
                file: RECORDS,
                line: *line,
                reason: format!("记录编号 {} 在文件中重复", r.record_id),
            }),
            Ok(r) => records.push(r),
            Err(reason) => problems.push(Problem {
                file: RECORDS,
                line: *line,
                reason,
            }),
        }
    }
    Ok(records)
}

fn record_row<'r>(
    line: u64,
    get: &dyn Fn(&'static str) -> &'r str,
) -> Result<LegacyRecord, String> {
    let id_text = get("record_id");
    let record_id = id_text
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("记录编号 {id_text} 应为正整数"))?;
    let username = get("username");
    if username.is_empty() {
        return Err("用户名为空".into());
    }
    let title = get("title");
    if title.is_empty() {
        return Err("课程名称为空".into());
    }
    text::check(title, 200).map_err(|e| format!("课程名称{e}"))?;
    let kind = get("kind");
    let bucket = match kind {
        "required" | "必修" => Bucket::Required,
        "elective" | "选修" => Bucket::Elective,
        "exam" | "考试" => Bucket::Exam,
        _ => return Err(format!("类型 {kind} 无效（应为 必修、选修 或 考试）")),
    };
    let tenths = Tenths::parse(get("credits"))?;
    if tenths.0 <= 0 || tenths.0 > 1000 {
        return Err(format!("学分 {tenths} 超出范围（应大于 0、不超过 100）"));
    }
    let date = get("date");
    let day = time::Date::parse(date, format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("日期 {date} 无效（应为 YYYY-MM-DD）"))?;
    // Noon, China time: the credit year is the date's own year whatever the hour was.
    let earned_at = day
        .with_hms(12, 0, 0)
        .map_err(|_| format!("日期 {date} 无效"))?
        .assume_offset(offset!(+8))
        .unix_timestamp();
    Ok(LegacyRecord {
        line,
        record_id,
        username: username.into(),
        title: title.into(),
        bucket,
        tenths,
        earned_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_ID: &str = "11010519491231002X";

    #[test]
    fn schemes_are_detected() {
        let md5 = "5f4dcc3b5aa765d61d8327deb882cf99";
        assert_eq!(detect_scheme(md5, None), Some(Scheme::Md5));
        assert_eq!(detect_scheme(md5, Some("ab")), Some(Scheme::Md5Salted));
        let bcrypt = "$2y$04$BwcHBwcHBwcHBwcHBwcHB.3gWCg0sm9a4gNqXlI/JtG0Itb9t5SwK";
        assert_eq!(detect_scheme(bcrypt, None), Some(Scheme::Bcrypt));
        assert_eq!(detect_scheme("plain-text", None), None);
        assert_eq!(detect_scheme(&md5[1..], None), None);
    }

    #[test]
    fn user_rows_are_checked_and_reported() {
        let csv = format!(
            "\u{feff}username,name,id_number,unit,password_hash,salt\n\
             wang01,王一,{GOOD_ID},LX,5F4DCC3B5AA765D61D8327DEB882CF99,\n\
             ,无名,{GOOD_ID},LX,5f4dcc3b5aa765d61d8327deb882cf99,\n\
             wang02,王二,110105194912310021,LX,5f4dcc3b5aa765d61d8327deb882cf99,\n\
             wang03,王三,{GOOD_ID},LX,nothash,\n\
             \n\
             wang01,王一,{GOOD_ID},LX,5f4dcc3b5aa765d61d8327deb882cf99,s\n"
        );
        let mut problems = Vec::new();
        let users = parse_users(csv.as_bytes(), &mut problems).expect("parse");
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].hash, "5f4dcc3b5aa765d61d8327deb882cf99");
        assert_eq!(users[0].scheme, Scheme::Md5);
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 7], "{problems:?}");
        assert!(problems[0].reason.contains("用户名为空"));
        assert!(problems[1].reason.contains("校验位"));
        assert!(problems[2].reason.contains("密码哈希"));
        assert!(problems[3].reason.contains("重复"));
    }

    #[test]
    fn escapes_in_a_name_are_refused() {
        let csv = format!(
            "username,name,id_number,unit,password_hash\n\
             wang01,王\u{1b}]0;x\u{7}一,{GOOD_ID},LX,5f4dcc3b5aa765d61d8327deb882cf99\n"
        );
        let mut problems = Vec::new();
        let users = parse_users(csv.as_bytes(), &mut problems).expect("parse");
        assert!(users.is_empty());
        assert_eq!(
            problems[0].reason,
            "姓名含控制字符（如 ESC、换行、制表符），不予接受"
        );
    }

    #[test]
    fn missing_columns_and_bad_encoding_refuse_the_file() {
        let mut problems = Vec::new();
        let e = parse_users(b"username,name\nx,y\n", &mut problems).expect_err("columns");
        assert!(e.to_string().contains("id_number"), "{e}");
        // Neither UTF-8 nor GB18030 (0xFF starts no GB18030 character).
        let garbage = b"username,name,id_number,unit,password_hash\n\xff\xfe,\xff,1,LX,x\n";
        let e = parse_users(garbage, &mut problems).expect_err("encoding");
        assert!(e.to_string().contains("编码无法识别"), "{e}");
    }

    #[test]
    fn gbk_files_read_like_utf8() {
        let csv = format!(
            "用户名,姓名,身份证号,单位代码,密码哈希\n\
             wang01,王一,{GOOD_ID},LX,5f4dcc3b5aa765d61d8327deb882cf99\n"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
        assert!(std::str::from_utf8(&gbk).is_err(), "really GBK bytes");
        let (mut p1, mut p2) = (Vec::new(), Vec::new());
        let from_gbk = parse_users(&gbk, &mut p1).expect("gbk");
        let from_utf8 = parse_users(csv.as_bytes(), &mut p2).expect("utf-8");
        assert_eq!(from_gbk, from_utf8);
        assert_eq!(from_gbk[0].real_name, "王一");
        assert!(p1.is_empty(), "{p1:?}");
    }

    #[test]
    fn record_rows_are_checked() {
        let csv = "记录编号,用户名,课程名称,类型,学分,日期\n\
                   7,wang01,党章学习,必修,2.5,2019-12-31\n\
                   7,wang01,党章学习,必修,2.5,2019-12-31\n\
                   x,wang01,党章学习,必修,2.5,2019-12-31\n\
                   8,wang01,党章学习,其他,2.5,2019-12-31\n\
                   9,wang01,党章学习,选修,2.55,2019-12-31\n\
                   10,wang01,党章学习,考试,1,2019-13-01\n";
        let mut problems = Vec::new();
        let records = parse_records(csv.as_bytes(), &mut problems).expect("parse");
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].tenths, Tenths(25));
        assert_eq!(records[0].bucket, Bucket::Required);
        assert_eq!(credit_year(records[0].earned_at), 2019);
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7], "{problems:?}");
    }
}
