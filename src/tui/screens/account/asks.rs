//! What a typed line on the 账号 tab asks for: the kinds of prompt, reading the typed line into
//! an `AccountOp` (or a Chinese reason why not, before anything is sent), and the y/n question
//! each change asks.

use crate::app::actor::RoleKind;
use crate::app::credentials::key_fingerprint;
use crate::tui::data::AccountOp;

/// What a typed line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ask {
    Disable,
    Enable,
    Unlock,
    Reset,
    Exempt,
    /// "单位代码或名称 原因".
    Move,
    Batch,
    /// "office", "college" or "unit 单位代码".
    Grant,
    /// One OpenSSH public key line.
    AddKey,
}

impl Ask {
    pub(super) fn label(self) -> &'static str {
        match self {
            Ask::Disable => "停用原因：",
            Ask::Enable => "启用原因：",
            Ask::Unlock => "解除锁定原因：",
            Ask::Reset => "重置密码原因：",
            Ask::Exempt => "免考核原因（如 省管干部）：",
            Ask::Move => "调入单位（代码或唯一的名称，空格后写原因）：",
            Ask::Batch => "新批次（1、2 或 3）：",
            Ask::Grant => "授予角色（office、college 或 unit 单位代码）：",
            Ask::AddKey => "粘贴 SSH 公钥（一行）：",
        }
    }
}

/// The change a typed line asks for, or why the line is not accepted (nothing is sent then).
pub(super) fn op_of(ask: Ask, text: String) -> Result<AccountOp, String> {
    Ok(match ask {
        Ask::Disable => AccountOp::Disable(text),
        Ask::Enable => AccountOp::Enable(text),
        Ask::Unlock => AccountOp::Unlock(text),
        Ask::Reset => AccountOp::ResetPassword(text),
        Ask::Exempt if text.is_empty() => {
            return Err("请写明免于考核的原因，如 省管干部".into());
        }
        Ask::Exempt => AccountOp::Exempt(Some(text)),
        Ask::Move => {
            let (code, reason) = text.split_once(' ').unwrap_or((text.as_str(), ""));
            if code.is_empty() {
                return Err("请输入调入单位的代码或名称".into());
            }
            // The unit as typed; `move_target` resolves it before the question is asked.
            AccountOp::Move {
                unit_code: code.to_string(),
                unit_name: String::new(),
                reason: reason.trim().to_string(),
            }
        }
        Ask::Batch => match text.parse::<i64>() {
            Ok(b @ 1..=3) => AccountOp::Batch(b),
            _ => return Err("批次只能是 1、2 或 3".into()),
        },
        Ask::Grant => role_of(&text)?,
        Ask::AddKey if text.is_empty() => return Err("请粘贴一行 OpenSSH 公钥".into()),
        Ask::AddKey => AccountOp::AddKey {
            fingerprint: key_fingerprint(&text).map_err(|e| e.to_string())?,
            line: text,
        },
    })
}

/// "office", "college" or "unit 单位代码" (the Chinese role names work too).
fn role_of(text: &str) -> Result<AccountOp, String> {
    const USAGE: &str = "角色只能是 office、college，或 unit 加单位代码（如 unit LX01）";
    let words: Vec<&str> = text.split_whitespace().collect();
    let kind = words
        .first()
        .and_then(|w| {
            [RoleKind::Office, RoleKind::College, RoleKind::Unit]
                .into_iter()
                .find(|k| k.code().eq_ignore_ascii_case(w) || k.label() == *w)
        })
        .ok_or(USAGE)?;
    let unit_code = match (kind, &words[1..]) {
        (RoleKind::Unit, [code]) => Some(code.to_string()),
        (RoleKind::Unit, []) => return Err("单位联络员须写单位代码，如 unit LX01".into()),
        (_, []) => None,
        (RoleKind::Office | RoleKind::College, _) => {
            return Err(format!("{}的范围是全市，不写单位代码", kind.label()));
        }
        (RoleKind::Unit, _) => return Err(USAGE.into()),
    };
    Ok(AccountOp::GrantRole {
        role: kind,
        unit_code,
    })
}

/// The y/n question for a change.
pub(super) fn question(username: &str, op: &AccountOp) -> String {
    match op {
        AccountOp::Disable(_) => format!("停用账号 {username}？停用后不能登录"),
        AccountOp::Enable(_) => format!("启用账号 {username}？"),
        AccountOp::Unlock(_) => format!("解除账号 {username} 的登录锁定？"),
        AccountOp::ResetPassword(_) => format!("重置账号 {username} 的密码？"),
        AccountOp::Exempt(Some(r)) => format!("将账号 {username} 标记为免考核（{r}）？"),
        AccountOp::Exempt(None) => format!("取消账号 {username} 的免考核标记？"),
        AccountOp::Move {
            unit_code,
            unit_name,
            ..
        } => format!("将账号 {username} 调至单位 {unit_code} {unit_name}？"),
        AccountOp::Batch(b) => format!("将账号 {username} 调为第 {b} 批？"),
        AccountOp::GrantRole { role, unit_code } => format!(
            "授予账号 {username} 角色：{}（{}）？",
            role.label(),
            unit_code.as_deref().unwrap_or("全市")
        ),
        AccountOp::RevokeRole { role, unit_code } => format!(
            "撤销账号 {username} 的角色 {}（{}）？",
            role.label(),
            unit_code.as_deref().unwrap_or("全市")
        ),
        AccountOp::AddKey { fingerprint, .. } => {
            format!("为账号 {username} 添加公钥 {fingerprint}？")
        }
        AccountOp::RemoveKey(fp) => {
            format!("删除账号 {username} 的公钥 {fp}？删除后不能再用它登录")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_read_with_their_scope() {
        let grant = |role, unit: Option<&str>| AccountOp::GrantRole {
            role,
            unit_code: unit.map(str::to_string),
        };
        assert_eq!(role_of("office"), Ok(grant(RoleKind::Office, None)));
        assert_eq!(role_of("市网络学院"), Ok(grant(RoleKind::College, None)));
        assert_eq!(
            role_of("unit  LX01"),
            Ok(grant(RoleKind::Unit, Some("LX01")))
        );
        assert!(role_of("unit").unwrap_err().contains("须写单位代码"));
        assert!(role_of("office LX").unwrap_err().contains("全市"));
        assert!(role_of("admin").unwrap_err().contains("只能是"));
        assert!(role_of("unit LX01 LX02").unwrap_err().contains("只能是"));
    }

    #[test]
    fn a_bad_key_line_is_refused_before_asking() {
        let e = op_of(Ask::AddKey, "ssh-ed25519 not-base64".into()).unwrap_err();
        assert!(e.contains("公钥"), "{e}");
        assert!(op_of(Ask::AddKey, String::new()).is_err());
        let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDQIYory/slZTCHOVKCiUiixr+5RgvvQoO1asvXWANiA me@host";
        match op_of(Ask::AddKey, line.into()) {
            Ok(AccountOp::AddKey { fingerprint, .. }) => {
                assert_eq!(
                    fingerprint,
                    "SHA256:tEACtjlhY6DyNTPYXWB39IFHL5l1atbDAt/Mf00DgBY"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
