//! A staff member's interface preferences (theme, ASCII borders), remembered per account.

use crate::store::Db;
use crate::store::prefs::{self, PrefsRow};

use super::{Actor, Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefs {
    pub theme: String,
    pub ascii_borders: bool,
}

impl Default for Prefs {
    fn default() -> Prefs {
        Prefs {
            theme: "default".into(),
            ascii_borders: false,
        }
    }
}

/// The actor's preferences, or the defaults when none were saved (or for the local operator).
pub async fn get(db: &Db, actor: &Actor) -> Result<Prefs> {
    let Some(id) = actor.account_id else {
        return Ok(Prefs::default());
    };
    Ok(match prefs::get(db.reader(), id).await? {
        Some(r) => Prefs {
            theme: r.theme,
            ascii_borders: r.ascii_borders == 1,
        },
        None => Prefs::default(),
    })
}

/// Saves the actor's preferences. A theme name is a short identifier.
pub async fn set(db: &Db, actor: &Actor, p: &Prefs) -> Result<()> {
    let Some(id) = actor.account_id else {
        return Err(Error::invalid("偏好设置", "本机控制台没有账号，无法保存"));
    };
    let valid = !p.theme.is_empty()
        && p.theme.len() <= 32
        && p.theme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(Error::invalid("主题", format!("名称无效：{}", p.theme)));
    }
    let mut tx = db.begin().await?;
    prefs::put(
        &mut tx,
        id,
        &PrefsRow {
            theme: p.theme.clone(),
            ascii_borders: i64::from(p.ascii_borders),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
