//! Staff accounts and roles from the server's console (`wangyuan admin …`).

use crate::store::audit::{self, AuditEntry};
use crate::store::units::UnitRow;
use crate::store::{Db, Tx, accounts, units};

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
        (None, pw) => {
            let (hash, generated) = initial_password(pw, username).await?;
            (Some(hash), generated)
        }
    };
    let mut tx = db.begin().await?;
    let (account_id, created) = match (&existing, &hash) {
        (Some(a), _) => (a.id, false),
        (None, Some(hash)) => {
            let name = real_name.unwrap_or(username);
            let must_change = generated.is_some();
            let id = insert_staff(&mut tx, username, name, unit.id, hash, must_change, now).await?;
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

/// The Argon2id hash of a new staff account's password: the one given (checked against the
/// password rules), or a random initial one, returned to be shown once. Hashed before any
/// transaction: it takes CPU time, not database time.
pub(super) async fn initial_password(
    given: Option<String>,
    username: &str,
) -> Result<(String, Option<String>)> {
    match given {
        Some(pw) => {
            password::validate(&pw, username)?;
            Ok((password::hash(pw).await?, None))
        }
        None => {
            let pw = password::random_initial();
            Ok((password::hash(pw.clone()).await?, Some(pw)))
        }
    }
}

/// Creates a staff (not learner) account; `must_change` for a generated initial password.
pub(super) async fn insert_staff(
    tx: &mut Tx,
    username: &str,
    real_name: &str,
    unit_id: i64,
    hash: &str,
    must_change: bool,
    now: i64,
) -> Result<i64> {
    Ok(accounts::insert(
        tx,
        &accounts::NewAccount {
            username,
            real_name,
            id_number: None,
            unit_id,
            post: "",
            phone: "",
            is_learner: false,
            batch: None,
            exempt: false,
            password_hash: hash,
            password_scheme: "argon2id",
            must_change,
            issued_at: now,
        },
        now,
    )
    .await?)
}

/// The unit a role is scoped to: the given unit, or the city root for office and college (which
/// may not be scoped below the city).
pub async fn role_unit(db: &Db, role: RoleKind, unit_code: Option<&str>) -> Result<UnitRow> {
    let unit = match (role.is_city_wide(), unit_code) {
        (_, Some(code)) => super::unit_tree::find(db, code).await?,
        (true, None) => units::root(db.reader()).await?.ok_or_else(|| {
            Error::NotFound("全市单位树（请先运行 wangyuan init 建立全市单位）".into())
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

/// Usernames of new accounts: `rules::username::check`.
pub fn validate_username(u: &str) -> Result<()> {
    super::types::Username::parse(u).map(|_| ())
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
