//! Staff accounts and roles from the server's console (`wangyuan admin …`).

use crate::store::audit::{self, AuditEntry};
use crate::store::units::UnitRow;
use crate::store::{Db, accounts, units};

use super::actor::RoleKind;
use super::changes::{self, Topic};
use super::{Actor, Error, Result, password};

#[derive(Debug, Clone)]
pub struct AddStaff<'a> {
    pub role: RoleKind,
    /// Required for a unit role; office and college default to the city root.
    pub unit_code: Option<&'a str>,
    pub username: &'a str,
    pub real_name: Option<&'a str>,
    /// None: a random initial password is made and returned.
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedStaff {
    pub account_id: i64,
    pub created: bool,
    /// The initial password, when one was generated here.
    pub generated_password: Option<String>,
    pub unit_code: String,
    pub unit_name: String,
}

/// Grants a staff role, creating the account when the username is new. Only the office (or the
/// local operator) grants roles.
pub async fn add_staff(db: &Db, actor: &Actor, req: AddStaff<'_>, now: i64) -> Result<AddedStaff> {
    actor.require_office("授予管理角色")?;
    let username = req.username.trim();
    validate_username(username)?;
    let real_name = req
        .real_name
        .map(|n| super::checked_text("姓名", n, 30))
        .transpose()?;
    let unit = role_unit(db, req.role, req.unit_code).await?;
    let existing = accounts::by_username(db.reader(), username).await?;
    // Hash before the transaction: it takes CPU time, not database time.
    let (hash, generated) = match (&existing, req.password) {
        (Some(_), Some(_)) => {
            return Err(Error::Conflict(format!(
                "账号 {username} 已存在，不能通过此命令修改密码"
            )));
        }
        (Some(_), None) => (None, None),
        (None, Some(pw)) => {
            password::validate(&pw, username)?;
            (Some(password::hash(pw).await?), None)
        }
        (None, None) => {
            let pw = password::random_initial();
            (Some(password::hash(pw.clone()).await?), Some(pw))
        }
    };
    let mut tx = db.begin().await?;
    let (account_id, created) = match (&existing, &hash) {
        (Some(a), _) => (a.id, false),
        (None, Some(hash)) => {
            let id = accounts::insert(
                &mut tx,
                &accounts::NewAccount {
                    username,
                    real_name: real_name.unwrap_or(username),
                    id_number: None,
                    unit_id: unit.id,
                    post: "",
                    phone: "",
                    is_learner: false,
                    batch: None,
                    exempt: false,
                    password_hash: hash,
                    password_scheme: "argon2id",
                    must_change: generated.is_some(),
                    issued_at: now,
                },
                now,
            )
            .await?;
            (id, true)
        }
        (None, None) => return Err(Error::internal("缺少密码")),
    };
    accounts::grant_role(
        &mut tx,
        account_id,
        req.role.code(),
        unit.id,
        actor.account_id,
        now,
    )
    .await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            action: "role.grant",
            target: format!("account:{account_id}"),
            before: None,
            after: Some(format!("{} @ {}", req.role.code(), unit.code)),
            detail: if created {
                format!("新建账号 {username}")
            } else {
                String::new()
            },
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Accounts]).await?;
    Ok(AddedStaff {
        account_id,
        created,
        generated_password: generated,
        unit_code: unit.code,
        unit_name: unit.name,
    })
}

/// The unit a role is scoped to: the given unit, or the city root for office and college (which
/// may not be scoped below the city).
pub async fn role_unit(db: &Db, role: RoleKind, unit_code: Option<&str>) -> Result<UnitRow> {
    let unit = match (role.is_city_wide(), unit_code) {
        (_, Some(code)) => units::by_code(db.reader(), code)
            .await?
            .ok_or_else(|| Error::NotFound(format!("单位 {code}")))?,
        (true, None) => units::root(db.reader()).await?.ok_or_else(|| {
            Error::NotFound("全市单位树（请先运行 wangyuan demo 或导入单位）".into())
        })?,
        (false, None) => return Err(Error::invalid("--unit", "单位联络员必须指定单位代码")),
    };
    if role.is_city_wide() && unit.parent_id.is_some() {
        return Err(Error::invalid(
            "--unit",
            format!("{}的范围是全市，不能指定下级单位", role.label()),
        ));
    }
    Ok(unit)
}

pub use super::credentials::add_key;

/// Usernames: 3–32 characters of ASCII letters, digits, '_', '-', '.'; starting with a letter.
pub fn validate_username(u: &str) -> Result<()> {
    let ok_len = (3..=32).contains(&u.len());
    let ok_start = u.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok_len && ok_start && ok_chars {
        Ok(())
    } else {
        Err(Error::invalid(
            "用户名",
            "应为 3–32 位字母、数字或 _ - .，以字母开头",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_rules() {
        assert!(validate_username("zhangsan").is_ok());
        assert!(validate_username("zs").is_err());
        assert!(validate_username("1abc").is_err());
        assert!(validate_username("张三").is_err());
    }
}
