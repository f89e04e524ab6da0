//! Who is acting: an account with its staff roles and their unit scopes, or the local operator.
//! Every permission question is answered here.

use crate::store::audit::AuditEntry;
use crate::store::{Db, accounts, units};

use super::{Error, Result};

pub use crate::rules::status::RoleKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub kind: RoleKind,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// None for the local operator (the `wangyuan` command on the server itself).
    pub account_id: Option<i64>,
    pub username: String,
    pub roles: Vec<Role>,
    pub address: String,
    /// Only `local_operator()` sets this: office powers without an account.
    local: bool,
}

impl Actor {
    /// Whoever runs `wangyuan` on the server's own shell: they own the database file anyway, so
    /// they act with the office's powers, and the audit log says it was the local console.
    pub fn local_operator() -> Actor {
        Actor {
            account_id: None,
            username: "本机控制台".into(),
            roles: Vec::new(),
            address: "local".into(),
            local: true,
        }
    }

    pub async fn load(db: &Db, username: &str, address: &str) -> Result<Actor> {
        let account = accounts::by_username(db.reader(), username)
            .await?
            .ok_or_else(|| Error::NotFound(format!("账号 {username}")))?;
        let roles = accounts::roles_of(db.reader(), account.id)
            .await?
            .into_iter()
            .filter_map(|r| {
                Some(Role {
                    kind: RoleKind::from_code(&r.role)?,
                    unit_id: r.unit_id,
                    unit_code: r.unit_code,
                    unit_name: r.unit_name,
                    unit_path: r.unit_path,
                })
            })
            .collect();
        Ok(Actor {
            account_id: Some(account.id),
            username: account.username,
            roles,
            address: address.into(),
            local: false,
        })
    }

    /// An account acting with the given roles (as loaded by `load`).
    pub fn with_roles(account_id: i64, username: &str, roles: Vec<Role>, address: &str) -> Actor {
        Actor {
            account_id: Some(account_id),
            username: username.into(),
            roles,
            address: address.into(),
            local: false,
        }
    }

    /// The real name behind the actor, for `whoami` and headers; the local operator has none.
    pub async fn real_name(&self, db: &Db) -> Result<String> {
        let Some(id) = self.account_id else {
            return Ok(self.username.clone());
        };
        let account = accounts::by_id(db.reader(), id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("账号 {}", self.username)))?;
        Ok(account.real_name)
    }

    pub fn is_local(&self) -> bool {
        self.local
    }

    pub fn has(&self, kind: RoleKind) -> bool {
        self.roles.iter().any(|r| r.kind == kind)
    }

    pub fn is_staff(&self) -> bool {
        self.is_local() || !self.roles.is_empty()
    }

    /// Office powers: the office itself or the local operator.
    pub fn require_office(&self, what: &str) -> Result<()> {
        if self.is_local() || self.has(RoleKind::Office) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("{what}仅限市在线学习办")))
        }
    }

    /// Catalogue powers (courses, media, exam banks): the college, which runs the catalogue, and
    /// the office (Art. 14).
    pub fn require_catalog(&self, what: &str) -> Result<()> {
        if self.is_local() || self.has(RoleKind::College) || self.has(RoleKind::Office) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "{what}仅限市网络学院和市在线学习办"
            )))
        }
    }

    /// Whether the actor's scope covers the unit with this path (a unit covers itself and
    /// everything below it; office and college cover the city).
    pub fn covers(&self, unit_path: &str) -> bool {
        self.is_local()
            || self
                .roles
                .iter()
                .any(|r| r.kind.is_city_wide() || unit_path.starts_with(&r.unit_path))
    }

    pub fn require_covers(&self, unit_path: &str, unit_name: &str) -> Result<()> {
        if self.covers(unit_path) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("{unit_name}不在您的管理范围内")))
        }
    }

    /// The office, or a unit liaison whose scope holds the unit with this path (the college,
    /// city-wide but not the people's unit, is not asked to act for them).
    pub fn require_office_or_unit_of(&self, unit_path: &str, what: &str) -> Result<()> {
        let unit_of = self
            .roles
            .iter()
            .any(|r| r.kind == RoleKind::Unit && unit_path.starts_with(&r.unit_path));
        if self.is_local() || self.has(RoleKind::Office) || unit_of {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "{what}仅限市在线学习办和账号所在单位"
            )))
        }
    }

    /// An audit-log entry by this actor (who and from where); the caller fills in the rest.
    pub fn audit_entry(&self) -> AuditEntry<'_> {
        AuditEntry {
            actor_id: self.account_id,
            actor: &self.username,
            address: &self.address,
            ..Default::default()
        }
    }

    /// Refuses unless `account` is the actor's own or belongs to a unit the actor covers.
    pub async fn require_self_or_covers(
        &self,
        db: &Db,
        account: &accounts::AccountRow,
    ) -> Result<()> {
        if self.account_id == Some(account.id) {
            return Ok(());
        }
        let unit = units::by_id(db.reader(), account.unit_id)
            .await?
            .ok_or_else(|| Error::internal(format!("账号 {} 的单位不存在", account.username)))?;
        self.require_covers(&unit.path, &unit.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_actor(path: &str) -> Actor {
        let role = Role {
            kind: RoleKind::Unit,
            unit_id: 2,
            unit_code: "LX".into(),
            unit_name: "娄星区".into(),
            unit_path: path.into(),
        };
        Actor::with_roles(1, "u", vec![role], "")
    }

    #[test]
    fn unit_scope_is_its_subtree() {
        let a = unit_actor("/1/2/");
        assert!(a.covers("/1/2/"));
        assert!(a.covers("/1/2/9/"));
        assert!(!a.covers("/1/3/"));
        assert!(!a.covers("/1/"));
        // '/1/2/' must not cover '/1/22/'
        assert!(!a.covers("/1/22/"));
        assert!(a.require_office("撤销学分").is_err());
    }

    #[test]
    fn local_operator_has_office_powers() {
        let a = Actor::local_operator();
        assert!(a.covers("/1/5/"));
        assert!(a.require_office("撤销学分").is_ok());
    }
}
