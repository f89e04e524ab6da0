//! Settings: defaults, then an optional `wangyuan.toml`, then `WANGYUAN_*` environment variables.
//! A bad value is reported with its key and where it came from.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite database, demo credentials and media live.
    pub data_dir: PathBuf,
    /// Lecture media served to learners; default `media` in `data_dir`.
    pub media_dir: Option<PathBuf>,
    /// `sqlite://…` or `postgres://…`; default: SQLite `wangyuan.db` in `data_dir`.
    pub database_url: Option<String>,
    /// SSH host keys and the cookie key (mode 0600, made at first start).
    pub keys_dir: PathBuf,
    pub ssh_listen: SocketAddr,
    pub http_listen: SocketAddr,
    /// Mark the web site's cookies `Secure` (when it is served over HTTPS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// Idle interface sessions are warned, then closed, after this many seconds.
    pub idle_timeout_secs: u64,
    /// An SSH connection that has not signed in this many seconds after connecting is closed.
    pub ssh_login_grace_secs: u64,
    /// At most this many SSH connections may be waiting to sign in at once …
    pub ssh_max_unauthenticated: u64,
    /// … and at most this many from one address (an IPv6 /64 counts as one address).
    pub ssh_max_unauthenticated_per_address: u64,
    /// An SSH connection that neither sends nor takes data (not even keepalive answers) for this
    /// many seconds is closed.
    pub ssh_inactivity_timeout_secs: u64,
    /// A web client must send a request's whole header within this many seconds (also how long
    /// an idle keep-alive connection stays open).
    pub http_header_timeout_secs: u64,
    /// tracing filter, e.g. `info` or `wangyuan=debug`.
    pub log: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("data"),
            media_dir: None,
            database_url: None,
            keys_dir: PathBuf::from("keys"),
            ssh_listen: SocketAddr::from(([0, 0, 0, 0], 2222)),
            http_listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            secure_cookies: false,
            idle_timeout_secs: 900,
            ssh_login_grace_secs: 60,
            ssh_max_unauthenticated: 64,
            ssh_max_unauthenticated_per_address: 8,
            ssh_inactivity_timeout_secs: 300,
            http_header_timeout_secs: 20,
            log: "info".into(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("无法读取配置文件 {path}：{reason}")]
    Read { path: String, reason: String },
    #[error("配置文件 {path} 有误：{reason}")]
    File { path: String, reason: String },
    #[error("配置项 {key}（环境变量 {var}）的值 {value:?} 无效：{reason}")]
    Env {
        key: &'static str,
        var: String,
        value: String,
        reason: String,
    },
}

/// Where environment variables come from (the process environment, or a map in tests).
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Settings {
    /// Loads `file` (required when given), else `./wangyuan.toml` if present, then applies the
    /// environment.
    pub fn load(file: Option<&Path>, env: &dyn Env) -> Result<Settings, ConfigError> {
        let default_file = Path::new("wangyuan.toml");
        let mut s = match file {
            Some(path) => Settings::from_file(path)?,
            None if default_file.exists() => Settings::from_file(default_file)?,
            None => Settings::default(),
        };
        s.apply_env(env)?;
        Ok(s)
    }

    fn from_file(path: &Path) -> Result<Settings, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let mut s: Settings = toml::from_str(&text).map_err(|e| ConfigError::File {
            path: shown.clone(),
            reason: e.to_string().trim_end().to_string(),
        })?;
        if let Some((key, _)) = s.positives().into_iter().find(|(_, v)| **v == 0) {
            return Err(ConfigError::File {
                path: shown,
                reason: format!("{key}：应为正整数"),
            });
        }
        s.validate().map_err(|(key, reason)| ConfigError::File {
            path: shown,
            reason: format!("{key}：{reason}"),
        })?;
        Ok(s)
    }

    fn apply_env(&mut self, env: &dyn Env) -> Result<(), ConfigError> {
        fn get(env: &dyn Env, key: &'static str) -> Option<(String, String)> {
            let var = format!("WANGYUAN_{}", key.to_ascii_uppercase());
            env.var(&var).map(|v| (var, v))
        }
        fn bad(
            key: &'static str,
            var: String,
            value: String,
            reason: impl ToString,
        ) -> ConfigError {
            ConfigError::Env {
                key,
                var,
                value,
                reason: reason.to_string(),
            }
        }
        if let Some((_, v)) = get(env, "data_dir") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some((_, v)) = get(env, "media_dir") {
            self.media_dir = Some(PathBuf::from(v));
        }
        if let Some((_, v)) = get(env, "keys_dir") {
            self.keys_dir = PathBuf::from(v);
        }
        if let Some((var, v)) = get(env, "database_url") {
            self.database_url = Some(v.clone());
            if let Err((key, reason)) = self.validate() {
                return Err(bad(key, var, v, reason));
            }
        }
        for key in ["ssh_listen", "http_listen"] {
            if let Some((var, v)) = get(env, key) {
                let addr: SocketAddr = v.parse().map_err(|_| {
                    bad(
                        key,
                        var.clone(),
                        v.clone(),
                        "应为“地址:端口”，如 0.0.0.0:2222",
                    )
                })?;
                match key {
                    "ssh_listen" => self.ssh_listen = addr,
                    _ => self.http_listen = addr,
                }
            }
        }
        if let Some((var, v)) = get(env, "idle_timeout_secs") {
            self.idle_timeout_secs = v.parse().map_err(|_| {
                bad(
                    "idle_timeout_secs",
                    var.clone(),
                    v.clone(),
                    "应为秒数（非负整数）",
                )
            })?;
        }
        for (key, slot) in self.positives() {
            if let Some((var, v)) = get(env, key) {
                *slot = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(key, var, v, "应为正整数"))?;
            }
        }
        if let Some((var, v)) = get(env, "secure_cookies") {
            self.secure_cookies = match v.as_str() {
                "1" | "true" => true,
                "0" | "false" => false,
                _ => return Err(bad("secure_cookies", var, v, "应为 true 或 false")),
            };
        }
        if let Some((_, v)) = get(env, "log") {
            self.log = v;
        }
        Ok(())
    }

    /// Limits and timeouts: whole numbers above zero (a zero limit would refuse everyone, a zero
    /// timeout would cut every connection at once).
    fn positives(&mut self) -> [(&'static str, &mut u64); 5] {
        [
            ("ssh_login_grace_secs", &mut self.ssh_login_grace_secs),
            ("ssh_max_unauthenticated", &mut self.ssh_max_unauthenticated),
            (
                "ssh_max_unauthenticated_per_address",
                &mut self.ssh_max_unauthenticated_per_address,
            ),
            (
                "ssh_inactivity_timeout_secs",
                &mut self.ssh_inactivity_timeout_secs,
            ),
            (
                "http_header_timeout_secs",
                &mut self.http_header_timeout_secs,
            ),
        ]
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(url) = &self.database_url
            && crate::store::Backend::from_url(url).is_none()
        {
            return Err(("database_url", "应以 sqlite: 或 postgres: 开头".into()));
        }
        Ok(())
    }

    /// The folder of lecture media (`courses.media_path` names a file in it).
    pub fn media_dir(&self) -> PathBuf {
        self.media_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("media"))
    }

    /// The database to use; `default_file` names the SQLite file in `data_dir` when no URL is set.
    pub fn database_url_or(&self, default_file: &str) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join(default_file).display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct MapEnv(HashMap<&'static str, &'static str>);

    impl Env for MapEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
    }

    #[test]
    fn defaults_then_env() {
        let env = MapEnv(HashMap::from([
            ("WANGYUAN_SSH_LISTEN", "127.0.0.1:2300"),
            ("WANGYUAN_DATA_DIR", "/tmp/wy"),
        ]));
        let s = Settings::load(None, &env).expect("settings");
        assert_eq!(s.ssh_listen, "127.0.0.1:2300".parse().expect("addr"));
        assert_eq!(s.http_listen, "0.0.0.0:8080".parse().expect("addr"));
        assert_eq!(
            s.database_url_or("wangyuan.db"),
            "sqlite:///tmp/wy/wangyuan.db"
        );
        assert_eq!(s.media_dir(), PathBuf::from("/tmp/wy/media"));
        let env = MapEnv(HashMap::from([("WANGYUAN_MEDIA_DIR", "/srv/media")]));
        let s = Settings::load(None, &env).expect("settings");
        assert_eq!(s.media_dir(), PathBuf::from("/srv/media"));
    }

    #[test]
    fn bad_env_value_names_its_key() {
        let env = MapEnv(HashMap::from([("WANGYUAN_HTTP_LISTEN", "nonsense")]));
        let err = Settings::load(None, &env).expect_err("must fail");
        let text = err.to_string();
        assert!(
            text.contains("http_listen") && text.contains("WANGYUAN_HTTP_LISTEN"),
            "{text}"
        );
        let env = MapEnv(HashMap::from([("WANGYUAN_DATABASE_URL", "mysql://x")]));
        assert!(
            Settings::load(None, &env)
                .expect_err("must fail")
                .to_string()
                .contains("database_url")
        );
    }

    #[test]
    fn file_with_unknown_or_bad_key_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.toml");
        std::fs::write(&path, "ssh_listen = \"127.0.0.1:1\"\nbogus = 1\n").expect("write");
        let err = Settings::load(Some(&path), &MapEnv(HashMap::new())).expect_err("unknown key");
        assert!(err.to_string().contains("bogus"), "{err}");
        std::fs::write(&path, "ssh_listen = \"x\"\n").expect("write");
        assert!(Settings::load(Some(&path), &MapEnv(HashMap::new())).is_err());
        std::fs::write(
            &path,
            "ssh_listen = \"127.0.0.1:1\"\nidle_timeout_secs = 60\n",
        )
        .expect("write");
        let s = Settings::load(Some(&path), &MapEnv(HashMap::new())).expect("good file");
        assert_eq!(s.idle_timeout_secs, 60);
    }

    #[test]
    fn connection_limits_default_then_env_and_refuse_zero() {
        let s = Settings::load(None, &MapEnv(HashMap::new())).expect("defaults");
        assert_eq!(
            (
                s.ssh_login_grace_secs,
                s.ssh_max_unauthenticated,
                s.ssh_max_unauthenticated_per_address
            ),
            (60, 64, 8)
        );
        let env = MapEnv(HashMap::from([
            ("WANGYUAN_SSH_LOGIN_GRACE_SECS", "5"),
            ("WANGYUAN_SSH_MAX_UNAUTHENTICATED_PER_ADDRESS", "2"),
            ("WANGYUAN_HTTP_HEADER_TIMEOUT_SECS", "3"),
        ]));
        let s = Settings::load(None, &env).expect("settings");
        assert_eq!(s.ssh_login_grace_secs, 5);
        assert_eq!(s.ssh_max_unauthenticated_per_address, 2);
        assert_eq!(s.http_header_timeout_secs, 3);
        for bad in ["0", "-1", "x"] {
            let env = MapEnv(HashMap::from([("WANGYUAN_SSH_MAX_UNAUTHENTICATED", bad)]));
            let err = Settings::load(None, &env).expect_err("must fail");
            assert!(err.to_string().contains("ssh_max_unauthenticated"), "{err}");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.toml");
        std::fs::write(&path, "ssh_inactivity_timeout_secs = 0\n").expect("write");
        let err = Settings::load(Some(&path), &MapEnv(HashMap::new())).expect_err("zero");
        assert!(
            err.to_string().contains("ssh_inactivity_timeout_secs"),
            "{err}"
        );
    }
}
