//! SSH host keys: Ed25519, plus RSA for old clients. Made once in the keys directory (mode 0600)
//! and reused on every start, so clients' known_hosts stay valid.

use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::{KeypairData, RsaKeypair};
use russh::keys::{Algorithm, HashAlg, PrivateKey};

use crate::keyfile;

const ED25519_FILE: &str = "ssh_host_ed25519_key";
const RSA_FILE: &str = "ssh_host_rsa_key";
const RSA_BITS: usize = 3072;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "密钥目录 {0} 不存在：请先创建（mkdir -m 700 {0}），或用 WANGYUAN_KEYS_DIR 指向已有目录"
    )]
    MissingDir(PathBuf),
    #[error("无法读取密钥 {path}：{reason}")]
    Read { path: PathBuf, reason: String },
    #[error("无法写入密钥 {path}：{reason}")]
    Write { path: PathBuf, reason: String },
    #[error("无法生成密钥：{0}")]
    Generate(String),
}

/// The host keys in `dir`, generating any that are missing. The directory itself must exist.
pub fn load_or_create(dir: &Path) -> Result<Vec<PrivateKey>, KeyError> {
    if !dir.is_dir() {
        return Err(KeyError::MissingDir(dir.to_path_buf()));
    }
    Ok(vec![
        load_or_make(&dir.join(ED25519_FILE), || {
            PrivateKey::random(&mut rand10::rng(), Algorithm::Ed25519)
                .map_err(|e| KeyError::Generate(e.to_string()))
        })?,
        load_or_make(&dir.join(RSA_FILE), || {
            let pair = RsaKeypair::random(&mut rand10::rng(), RSA_BITS)
                .map_err(|e| KeyError::Generate(e.to_string()))?;
            PrivateKey::new(KeypairData::from(pair), "wangyuan host key")
                .map_err(|e| KeyError::Generate(e.to_string()))
        })?,
    ])
}

fn load_or_make(
    path: &Path,
    make: impl FnOnce() -> Result<PrivateKey, KeyError>,
) -> Result<PrivateKey, KeyError> {
    let load = |path: &Path| {
        let read_err = |e: &dyn std::fmt::Display| KeyError::Read {
            path: path.into(),
            reason: e.to_string(),
        };
        let text = std::fs::read_to_string(path).map_err(|e| read_err(&e))?;
        PrivateKey::from_openssh(text).map_err(|e| read_err(&e))
    };
    let write_err = |e: &dyn std::fmt::Display| KeyError::Write {
        path: path.into(),
        reason: e.to_string(),
    };
    let make = || {
        let key = make()?;
        let text = key.to_openssh(LineEnding::LF).map_err(|e| write_err(&e))?;
        Ok((key, text))
    };
    let (key, source) = keyfile::load_or_publish(path, load, make, |e| write_err(&e))?;
    if source == keyfile::Source::Made {
        tracing::info!(path = %path.display(), "已生成 SSH 主机密钥");
    }
    Ok(key)
}

/// (algorithm, SHA-256 fingerprint) of each key, as `ssh-keygen -l` shows them.
pub fn fingerprints(keys: &[PrivateKey]) -> Vec<(String, String)> {
    keys.iter()
        .map(|k| {
            (
                k.algorithm().as_str().to_string(),
                k.public_key().fingerprint(HashAlg::Sha256).to_string(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = fingerprints(&load_or_create(dir.path()).expect("create"));
        let second = fingerprints(&load_or_create(dir.path()).expect("reload"));
        assert_eq!(first, second, "the same keys on the second start");
        assert_eq!(first.len(), 2);
        assert!(first.iter().all(|(_, fp)| fp.starts_with("SHA256:")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(ED25519_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = load_or_create(&dir.path().join("nope")).expect_err("missing");
        assert!(matches!(err, KeyError::MissingDir(_)));
        assert!(err.to_string().contains("WANGYUAN_KEYS_DIR"));
    }

    #[test]
    fn a_corrupt_key_file_is_reported_with_its_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(ED25519_FILE), "not a key").expect("write");
        let err = load_or_create(dir.path()).expect_err("corrupt");
        assert!(err.to_string().contains(ED25519_FILE), "{err}");
    }
}
