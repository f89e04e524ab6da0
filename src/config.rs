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
    /// The largest lecture file `course media` accepts, in bytes (default 2 GiB).
    pub media_max_bytes: u64,
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
            media_max_bytes: crate::rules::media::DEFAULT_MAX_BYTES,
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
    /// Loads `file` (required when given), else `./wangyuan.toml` if present, with the
    /// environment layered on top: both go through this struct's one serde definition.
    pub fn load(file: Option<&Path>, env: &dyn Env) -> Result<Settings, ConfigError> {
        let default_file = Path::new("wangyuan.toml");
        let path = match file {
            Some(path) => Some(path),
            None if default_file.exists() => Some(default_file),
            None => None,
        };
        let shown = path.map_or_else(|| "（无）".to_string(), |p| p.display().to_string());
        let table = match path {
            Some(path) => read_table(path)?,
            None => toml::Table::new(),
        };
        let mut s = Settings::deserialize(layers::Layers { file: table, env })
            .map_err(|e| e.into_config(&shown))?;
        // A checked value is reported where it came from: its variable if set, else the file.
        let blame = |key: &'static str, reason: String| match layers::var_of(env, key) {
            Some((var, value)) => ConfigError::Env {
                key,
                var,
                value,
                reason,
            },
            None => ConfigError::File {
                path: shown.clone(),
                reason: format!("{key}：{reason}"),
            },
        };
        if let Some((key, _)) = s.positives().into_iter().find(|(_, v)| **v == 0) {
            return Err(blame(key, "应为正整数".into()));
        }
        s.validate().map_err(|(key, reason)| blame(key, reason))?;
        Ok(s)
    }

    /// Limits and timeouts: whole numbers above zero (a zero limit would refuse everyone, a zero
    /// timeout would cut every connection at once).
    fn positives(&mut self) -> [(&'static str, &mut u64); 6] {
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
            ("media_max_bytes", &mut self.media_max_bytes),
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

    /// The media folder with its upload limit, as attached to the database handle.
    pub fn media_folder(&self) -> crate::store::media::MediaFolder {
        crate::store::media::MediaFolder {
            dir: self.media_dir(),
            max_bytes: self.media_max_bytes,
        }
    }

    /// The database to use; `default_file` names the SQLite file in `data_dir` when no URL is set.
    pub fn database_url_or(&self, default_file: &str) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join(default_file).display()),
        }
    }
}

fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    text.parse::<toml::Table>().map_err(|e| ConfigError::File {
        path: shown,
        reason: e.to_string().trim_end().to_string(),
    })
}

/// A serde `Deserializer` over the file's table with `WANGYUAN_<KEY>` variables laid over it:
/// the struct's field list names the variables, a variable's text is parsed as the field's type
/// asks, and every error carries its key and where the value came from.
mod layers {
    use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};

    use super::{ConfigError, Env};

    pub fn var_of(env: &dyn Env, key: &str) -> Option<(String, String)> {
        let var = format!("WANGYUAN_{}", key.to_ascii_uppercase());
        env.var(&var).map(|v| (var, v))
    }

    /// Better words than the type's own for a value that would not parse.
    fn hint(key: &str) -> Option<&'static str> {
        match key {
            "ssh_listen" | "http_listen" => Some("应为“地址:端口”，如 0.0.0.0:2222"),
            _ => None,
        }
    }

    #[derive(Debug)]
    pub enum Error {
        Custom(String),
        File {
            key: String,
            reason: String,
        },
        Env {
            key: &'static str,
            var: String,
            value: String,
            reason: String,
        },
    }

    impl Error {
        pub fn into_config(self, path: &str) -> ConfigError {
            match self {
                Error::Custom(reason) => ConfigError::File {
                    path: path.into(),
                    reason,
                },
                Error::File { key, reason } => ConfigError::File {
                    path: path.into(),
                    reason: format!("{key}：{}", hint(&key).map_or(reason, String::from)),
                },
                Error::Env {
                    key,
                    var,
                    value,
                    reason,
                } => ConfigError::Env {
                    key,
                    var,
                    value,
                    reason: hint(key).map_or(reason, String::from),
                },
            }
        }
    }

    impl std::fmt::Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                Error::Custom(m) | Error::File { reason: m, .. } | Error::Env { reason: m, .. } => {
                    f.write_str(m)
                }
            }
        }
    }

    impl std::error::Error for Error {}

    impl de::Error for Error {
        fn custom<T: std::fmt::Display>(msg: T) -> Self {
            Error::Custom(msg.to_string())
        }

        fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
            Error::Custom(format!("未知的配置项 {field}"))
        }
    }

    enum Layer {
        File(toml::Value),
        Env {
            key: &'static str,
            var: String,
            value: String,
        },
    }

    pub struct Layers<'a> {
        pub file: toml::Table,
        pub env: &'a dyn Env,
    }

    impl<'de> Deserializer<'de> for Layers<'_> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
            Err(Error::Custom("settings must be a struct".into()))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            let mut file = self.file;
            let mut entries = Vec::new();
            for &key in fields {
                if let Some((var, value)) = var_of(self.env, key) {
                    file.remove(key);
                    entries.push((key.to_string(), Layer::Env { key, var, value }));
                }
            }
            entries.extend(file.into_iter().map(|(k, v)| (k, Layer::File(v))));
            visitor.visit_map(Entries {
                entries: entries.into_iter(),
                value: None,
            })
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    struct Entries {
        entries: std::vec::IntoIter<(String, Layer)>,
        value: Option<(String, Layer)>,
    }

    impl<'de> MapAccess<'de> for Entries {
        type Error = Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Error> {
            let Some((key, layer)) = self.entries.next() else {
                return Ok(None);
            };
            let k = seed.deserialize(key.as_str().into_deserializer())?;
            self.value = Some((key, layer));
            Ok(Some(k))
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            let Some((key, layer)) = self.value.take() else {
                return Err(Error::Custom("value asked before its key".into()));
            };
            match layer {
                Layer::File(v) => seed.deserialize(v).map_err(|e| Error::File {
                    key,
                    reason: e.message().to_string(),
                }),
                Layer::Env { key, var, value } => {
                    seed.deserialize(EnvText(&value)).map_err(|e| Error::Env {
                        key,
                        var,
                        reason: e.to_string(),
                        value: value.clone(),
                    })
                }
            }
        }
    }

    /// One variable's text, read as the field's type asks.
    struct EnvText<'a>(&'a str);

    impl EnvText<'_> {
        fn whole(&self) -> Result<u64, Error> {
            self.0
                .parse()
                .map_err(|_| Error::Custom("应为非负整数".into()))
        }
    }

    impl<'de> Deserializer<'de> for EnvText<'_> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_str(self.0)
        }

        fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                "1" | "true" => visitor.visit_bool(true),
                "0" | "false" => visitor.visit_bool(false),
                _ => Err(Error::Custom("应为 true 或 false".into())),
            }
        }

        fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_u64(self.whole()?)
        }

        fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_u64(self.whole()?)
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_some(self)
        }

        serde::forward_to_deserialize_any! {
            i8 i16 i32 i64 i128 u8 u16 u128 f32 f64 char str string bytes byte_buf unit
            unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
            ignored_any
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

    /// The environment goes through the same serde struct as the file, laid over it: a variable
    /// replaces the file's value before anything is checked, and a bad variable names its key.
    #[test]
    fn env_is_layered_on_the_file_through_the_struct() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.toml");
        std::fs::write(
            &path,
            "ssh_listen = \"127.0.0.1:1\"\nssh_inactivity_timeout_secs = 0\nidle_timeout_secs = 60\n",
        )
        .expect("write");
        let env = MapEnv(HashMap::from([
            ("WANGYUAN_SSH_INACTIVITY_TIMEOUT_SECS", "7"),
            ("WANGYUAN_SECURE_COOKIES", "true"),
            ("WANGYUAN_MEDIA_DIR", "/srv/m"),
            ("WANGYUAN_NOT_A_SETTING", "ignored"),
        ]));
        let s = Settings::load(Some(&path), &env).expect("env fixes the file's zero");
        assert_eq!(s.ssh_inactivity_timeout_secs, 7);
        assert_eq!(s.idle_timeout_secs, 60, "the file's value stays");
        assert_eq!(s.ssh_listen, "127.0.0.1:1".parse().expect("addr"));
        assert!(s.secure_cookies);
        assert_eq!(s.media_dir, Some(PathBuf::from("/srv/m")));

        let env = MapEnv(HashMap::from([("WANGYUAN_SECURE_COOKIES", "maybe")]));
        let err = Settings::load(Some(&path), &env).expect_err("bad bool");
        assert!(
            matches!(
                &err,
                ConfigError::Env {
                    key: "secure_cookies",
                    ..
                }
            ),
            "{err}"
        );
        let env = MapEnv(HashMap::from([("WANGYUAN_IDLE_TIMEOUT_SECS", "-1")]));
        let err = Settings::load(None, &env).expect_err("negative");
        assert!(err.to_string().contains("idle_timeout_secs"), "{err}");
    }
}
