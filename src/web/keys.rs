//! The cookie key: 64 random bytes (hex) in `keys/cookie_key`, made once with mode 0600 and reused,
//! so a restart (or another node sharing the folder) keeps everyone signed in.

use std::path::{Path, PathBuf};

use axum_extra::extract::cookie::Key;

use crate::keyfile;

const FILE: &str = "cookie_key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("密钥目录 {0} 不存在：请先创建（mkdir -m 700 {0}）")]
    MissingDir(PathBuf),
    #[error("无法读取 Cookie 密钥 {path}：{reason}")]
    Read { path: PathBuf, reason: String },
    #[error("无法写入 Cookie 密钥 {path}：{reason}")]
    Write { path: PathBuf, reason: String },
}

pub fn load_or_create_key(dir: &Path) -> Result<Key, KeyError> {
    if !dir.is_dir() {
        return Err(KeyError::MissingDir(dir.to_path_buf()));
    }
    let path = dir.join(FILE);
    let load = |path: &Path| {
        let bad = |reason: String| KeyError::Read {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let bytes = from_hex(text.trim()).ok_or_else(|| bad("应为 128 位十六进制数字".into()))?;
        Key::try_from(bytes.as_slice()).map_err(|e| bad(e.to_string()))
    };
    let make = || {
        let key = Key::generate();
        let hex: String = key.master().iter().map(|b| format!("{b:02x}")).collect();
        Ok((key, format!("{hex}\n")))
    };
    let write_err = |e: std::io::Error| KeyError::Write {
        path: path.clone(),
        reason: e.to_string(),
    };
    let (key, source) = keyfile::load_or_publish(&path, load, make, write_err)?;
    if source == keyfile::Source::Made {
        tracing::info!(path = %path.display(), "已生成网站 Cookie 密钥");
    }
    Ok(key)
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 128 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = load_or_create_key(dir.path()).expect("make");
        let b = load_or_create_key(dir.path()).expect("reuse");
        assert_eq!(a.master(), b.master());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join(FILE), "zz").expect("write");
        assert!(matches!(
            load_or_create_key(dir.path()),
            Err(KeyError::Read { .. })
        ));
        assert!(load_or_create_key(&dir.path().join("none")).is_err());
    }
}
