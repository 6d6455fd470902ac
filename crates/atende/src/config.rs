//! Configuration of `atende serve`, in layers: defaults < file < environment < flags.
//!
//! The file is `atende.toml`: the path given with `--config` (which must exist), or
//! `./atende.toml` when it exists. The environment is read through a function so that tests never
//! touch the process environment. Every error says what is wrong, where it was written (file and
//! line, environment variable) and how to fix it. The database URL is a [`Secret`]: it prints as
//! `***`, so a PostgreSQL password never reaches a log.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::ops::Range;
use std::path::{Path, PathBuf};

use access::IpNet;
use serde::Deserialize;
use toml::Spanned;

/// The file read when `--config` is not given, if it exists (relative to the working directory).
pub const DEFAULT_FILE: &str = "atende.toml";

/// Environment variable: the listen address.
pub const ENV_LISTEN: &str = "ATENDE_LISTEN";
/// Environment variable: the data directory.
pub const ENV_DATA_DIR: &str = "ATENDE_DATA_DIR";
/// Environment variable: the PostgreSQL URL.
pub const ENV_DATABASE_URL: &str = "ATENDE_DATABASE_URL";
/// Environment variable: trusted proxies, comma-separated CIDRs.
pub const ENV_TRUSTED_PROXIES: &str = "ATENDE_TRUSTED_PROXIES";
/// Environment variable: session lifetime in hours.
pub const ENV_SESSION_HOURS: &str = "ATENDE_SESSION_HOURS";
/// Environment variable: `Secure` session cookies.
pub const ENV_SECURE_COOKIES: &str = "ATENDE_SECURE_COOKIES";
/// Environment variable: fill the demo account when the database is empty.
pub const ENV_DEMO: &str = "ATENDE_DEMO";
/// Environment variable: start on storage whose durability cannot be confirmed.
pub const ENV_ALLOW_WEAK_DURABILITY: &str = "ATENDE_ALLOW_WEAK_DURABILITY";

/// The longest session accepted: one year.
pub const MAX_SESSION_HOURS: u32 = 24 * 366;

/// The keys of the file, in the order of [`DEFAULT_CONFIG`].
pub const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "trusted_proxies",
    "session_hours",
    "secure_cookies",
    "demo",
    "allow_weak_durability",
];

/// The documented example `atende.toml` that `atende default-config` prints: every key with
/// its default. Parsing it gives exactly [`Config::default`].
pub const DEFAULT_CONFIG: &str = r#"# atende.toml: configuration of `atende serve`.
#
# Every key is optional; the values written here are the defaults. Each layer overrides the one
# before it: these defaults, then this file (the path given with --config, or ./atende.toml when
# it exists), then the ATENDE_* environment variables, then the command-line flags.
# Relative paths are taken from the directory atende runs in.

# Address and port the HTTP server listens on, as IP:PORT (host names are not accepted).
# 127.0.0.1 accepts connections from this machine only; use 0.0.0.0:8080 (or [::]:8080) to
# accept them from the network, preferably behind a reverse proxy that terminates TLS.
# Environment: ATENDE_LISTEN. Flag: --listen.
listen = "127.0.0.1:8080"

# Directory of the embedded SQLite database (<data_dir>/atende.sqlite) and other local files.
# Created when missing. Environment: ATENDE_DATA_DIR. Flag: --data-dir.
data_dir = "./data"

# Use PostgreSQL instead of the embedded SQLite: postgres://USER:PASSWORD@HOST:5432/DATABASE.
# Left out (the default), atende uses SQLite at <data_dir>/atende.sqlite. The URL is never
# logged. Prefer the environment variable, which keeps the password out of this file.
# Environment: ATENDE_DATABASE_URL.
# database_url = "postgres://atende:PASSWORD@localhost:5432/atende"

# Reverse proxies allowed to tell the client's address (X-Forwarded-For), as CIDR networks such
# as "10.0.0.0/8" or "2001:db8::/32". The client address decides which roles are active (allowed
# networks) and throttles logins. Empty: the connection's own address is the client's.
# Environment: ATENDE_TRUSTED_PROXIES, comma-separated ("10.0.0.0/8,192.168.1.10").
trusted_proxies = []

# How long a login session lasts, in hours (1 to 8784). Environment: ATENDE_SESSION_HOURS.
session_hours = 12

# Mark the session cookie Secure, so browsers send it over HTTPS only. Turn it on when atende is
# served behind TLS. Environment: ATENDE_SECURE_COOKIES.
secure_cookies = false

# Fill a demo account ("Loja Demo": owner@demo.example and other users, password "demo") when the
# database is empty. For trying atende out only: never on a server with real data.
# Environment: ATENDE_DEMO. Flag: --demo.
demo = false

# Start even when atende cannot make sure that an acknowledged write survives a power cut (for
# example a data directory on a file system that ignores fsync). Only for tests and throwaway
# installations. Environment: ATENDE_ALLOW_WEAK_DURABILITY.
allow_weak_durability = false
"#;

/// A value that must never be printed (the database URL, with its password). `Debug` and
/// `Display` print `***`; [`Secret::expose`] gives the value to whoever must use it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself: only to hand it to what needs it (the database driver), never to print.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The configuration of `atende serve`. `Debug` redacts the database URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Address and port the HTTP server listens on.
    pub listen: SocketAddr,
    /// Directory of the SQLite database and local files.
    pub data_dir: PathBuf,
    /// PostgreSQL URL; `None` for SQLite under `data_dir`.
    pub database_url: Option<Secret>,
    /// Proxies trusted to give the client's address.
    pub trusted_proxies: Vec<IpNet>,
    /// Session lifetime in hours.
    pub session_hours: u32,
    /// `Secure` session cookies (serving behind TLS).
    pub secure_cookies: bool,
    /// Fill the demo account when the database is empty.
    pub demo: bool,
    /// Start even when durability cannot be confirmed.
    pub allow_weak_durability: bool,
    /// The file the configuration was read from, if any (for the start-up log).
    pub file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            trusted_proxies: Vec::new(),
            session_hours: 12,
            secure_cookies: false,
            demo: false,
            allow_weak_durability: false,
            file: None,
        }
    }
}

/// Where the server keeps its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// The embedded SQLite database at this path.
    Sqlite(PathBuf),
    /// PostgreSQL at this URL.
    Postgres(Secret),
}

impl Config {
    /// The database to open: PostgreSQL when `database_url` is set, else SQLite at
    /// `<data_dir>/atende.sqlite`.
    pub fn database(&self) -> DatabaseTarget {
        match &self.database_url {
            Some(url) => DatabaseTarget::Postgres(url.clone()),
            None => DatabaseTarget::Sqlite(self.data_dir.join("atende.sqlite")),
        }
    }
}

/// What the command-line flags give; `None` / `false` means "not given".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--listen ADDR`.
    pub listen: Option<SocketAddr>,
    /// `--data-dir DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--demo`.
    pub demo: bool,
    /// `--config PATH`: must exist when given.
    pub config: Option<PathBuf>,
}

/// Where a value was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// In a configuration file, at this line when known.
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: Option<usize>,
    },
    /// In an environment variable.
    Env(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line } => {
                write!(f, "{}", path.display())?;
                if let Some(line) = line {
                    write!(f, " line {line}")?;
                }
                Ok(())
            }
            Origin::Env(var) => write!(f, "environment variable {var}"),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config` names a file that does not exist.
    #[error(
        "configuration file {} (given with --config) does not exist: write one with `atende default-config > {}`, or leave --config out to use the defaults",
        .path.display(), .path.display()
    )]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The file exists but cannot be read.
    #[error("cannot read configuration file {}: {error}; check that it is a readable UTF-8 text file", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        error: io::Error,
    },
    /// The file is not valid TOML.
    #[error("{}: not valid TOML: {message}; compare with `atende default-config`", at(.path, .line))]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What the parser said.
        message: String,
    },
    /// The file has a key atende does not know.
    #[error(
        "{}: unknown key `{key}`; the keys are {}: check its spelling, or see `atende default-config`",
        at(.path, .line), KEYS.join(", ")
    )]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// The key.
        key: String,
    },
    /// A key of the file has a value of the wrong type.
    #[error(
        "{}: {}{message}; see `atende default-config` for the type of each key",
        at(.path, .line),
        .key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default()
    )]
    WrongType {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// The key, when known.
        key: Option<String>,
        /// What the parser said.
        message: String,
    },
    /// A value of the right type that is not acceptable (an address, a network, a number out of
    /// range, a boolean written otherwise).
    #[error("{origin}: {key}: {message}")]
    Invalid {
        /// Where it was written.
        origin: Origin,
        /// The key it sets.
        key: &'static str,
        /// What is wrong and how to write it.
        message: String,
    },
}

fn at(path: &Path, line: &Option<usize>) -> Origin {
    Origin::File {
        path: path.to_path_buf(),
        line: *line,
    }
}

/// The process environment, for [`load`] (a variable that is not UTF-8 counts as absent).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Loads the configuration: defaults < file < environment (`env`) < flags (`overrides`).
///
/// The file is `overrides.config` (an error when it does not exist) or `./atende.toml` when it
/// exists. An environment variable set to an empty string counts as not set.
pub fn load(
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    load_with_default_file(overrides, env, Path::new(DEFAULT_FILE))
}

fn load_with_default_file(
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    default_file: &Path,
) -> Result<Config, ConfigError> {
    let mut config = Config::default();
    let file = match &overrides.config {
        Some(path) => {
            if !path.exists() {
                return Err(ConfigError::NotFound { path: path.clone() });
            }
            Some(path.clone())
        }
        None => default_file.exists().then(|| default_file.to_path_buf()),
    };
    if let Some(path) = file {
        let text = std::fs::read_to_string(&path).map_err(|error| ConfigError::Read {
            path: path.clone(),
            error,
        })?;
        apply_file(&mut config, &path, &text)?;
        config.file = Some(path);
    }
    apply_env(&mut config, env)?;
    if let Some(listen) = overrides.listen {
        config.listen = listen;
    }
    if let Some(dir) = &overrides.data_dir {
        config.data_dir.clone_from(dir);
    }
    if overrides.demo {
        config.demo = true;
    }
    Ok(config)
}

/// The file's keys, each optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<Spanned<String>>,
    data_dir: Option<PathBuf>,
    database_url: Option<Spanned<String>>,
    trusted_proxies: Option<Vec<Spanned<String>>>,
    session_hours: Option<Spanned<i64>>,
    secure_cookies: Option<bool>,
    demo: Option<bool>,
    allow_weak_durability: Option<bool>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn line_of_span(text: &str, span: Option<Range<usize>>) -> Option<usize> {
    span.map(|s| line_of(text, s.start))
}

/// The key written at the start of a line (`key = value`), if any.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (key, _) = l.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('#')).then(|| key.to_owned())
}

/// Reads `text` (the file at `path`) into `config`.
fn apply_file(config: &mut Config, path: &Path, text: &str) -> Result<(), ConfigError> {
    // Messages are taken from the parser without its excerpt of the file, which could show a
    // database password.
    if let Err(e) = toml::from_str::<toml::Table>(text) {
        return Err(ConfigError::Syntax {
            path: path.to_path_buf(),
            line: line_of_span(text, e.span()),
            message: e.message().trim().to_owned(),
        });
    }
    let file: FileConfig = toml::from_str(text).map_err(|e| {
        let line = line_of_span(text, e.span());
        let message = e
            .message()
            .trim()
            .replace("expected i64", "expected a whole number");
        match message.strip_prefix("unknown field `") {
            Some(rest) => ConfigError::UnknownKey {
                path: path.to_path_buf(),
                line,
                key: rest.split('`').next().unwrap_or(rest).to_owned(),
            },
            None => ConfigError::WrongType {
                path: path.to_path_buf(),
                line,
                key: line.and_then(|l| key_on_line(text, l)),
                message,
            },
        }
    })?;
    let origin = |span: Range<usize>| Origin::File {
        path: path.to_path_buf(),
        line: Some(line_of(text, span.start)),
    };
    if let Some(listen) = file.listen {
        config.listen = parse_listen(listen.get_ref(), || origin(listen.span()))?;
    }
    if let Some(dir) = file.data_dir {
        config.data_dir = dir;
    }
    if let Some(url) = file.database_url {
        config.database_url = Some(parse_database_url(url.get_ref(), || origin(url.span()))?);
    }
    if let Some(proxies) = file.trusted_proxies {
        config.trusted_proxies = proxies
            .iter()
            .map(|p| parse_proxy(p.get_ref(), || origin(p.span())))
            .collect::<Result<_, _>>()?;
    }
    if let Some(hours) = file.session_hours {
        config.session_hours = check_session_hours(*hours.get_ref(), || origin(hours.span()))?;
    }
    if let Some(b) = file.secure_cookies {
        config.secure_cookies = b;
    }
    if let Some(b) = file.demo {
        config.demo = b;
    }
    if let Some(b) = file.allow_weak_durability {
        config.allow_weak_durability = b;
    }
    Ok(())
}

/// Reads the `ATENDE_*` variables into `config`.
fn apply_env(config: &mut Config, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    let get = |var: &str| env(var).filter(|v| !v.trim().is_empty());
    if let Some(v) = get(ENV_LISTEN) {
        config.listen = parse_listen(v.trim(), || Origin::Env(ENV_LISTEN))?;
    }
    if let Some(v) = get(ENV_DATA_DIR) {
        config.data_dir = PathBuf::from(v);
    }
    if let Some(v) = get(ENV_DATABASE_URL) {
        config.database_url = Some(parse_database_url(v.trim(), || {
            Origin::Env(ENV_DATABASE_URL)
        })?);
    }
    if let Some(v) = get(ENV_TRUSTED_PROXIES) {
        config.trusted_proxies = v
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| parse_proxy(p, || Origin::Env(ENV_TRUSTED_PROXIES)))
            .collect::<Result<_, _>>()?;
    }
    if let Some(v) = get(ENV_SESSION_HOURS) {
        let origin = || Origin::Env(ENV_SESSION_HOURS);
        let hours: i64 = v.trim().parse().map_err(|_| ConfigError::Invalid {
            origin: origin(),
            key: "session_hours",
            message: format!(
                "`{}` is not a whole number of hours: write one such as 12",
                v.trim()
            ),
        })?;
        config.session_hours = check_session_hours(hours, origin)?;
    }
    for (var, key, field) in [
        (
            ENV_SECURE_COOKIES,
            "secure_cookies",
            &mut config.secure_cookies,
        ),
        (ENV_DEMO, "demo", &mut config.demo),
        (
            ENV_ALLOW_WEAK_DURABILITY,
            "allow_weak_durability",
            &mut config.allow_weak_durability,
        ),
    ] {
        if let Some(v) = get(var) {
            *field = parse_bool(v.trim()).ok_or_else(|| ConfigError::Invalid {
                origin: Origin::Env(var),
                key,
                message: format!("`{}` is not a yes or no: write true or false", v.trim()),
            })?;
        }
    }
    Ok(())
}

fn parse_listen(value: &str, origin: impl FnOnce() -> Origin) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| ConfigError::Invalid {
        origin: origin(),
        key: "listen",
        message: format!(
            "`{value}` is not an IP address with a port: write it as 127.0.0.1:8080, 0.0.0.0:8080 or [::]:8080 (host names are not accepted)"
        ),
    })
}

fn parse_proxy(value: &str, origin: impl FnOnce() -> Origin) -> Result<IpNet, ConfigError> {
    value
        .parse()
        .map_err(|e: access::IpNetError| ConfigError::Invalid {
            origin: origin(),
            key: "trusted_proxies",
            message: e.to_string(),
        })
}

/// Accepts `postgres://` and `postgresql://` URLs. The error never repeats the value, which may
/// hold a password.
fn parse_database_url(value: &str, origin: impl FnOnce() -> Origin) -> Result<Secret, ConfigError> {
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Ok(Secret::new(value))
    } else {
        Err(ConfigError::Invalid {
            origin: origin(),
            key: "database_url",
            message: "not a PostgreSQL URL (the value is not shown, it may hold a password): write postgres://USER:PASSWORD@HOST:5432/DATABASE, or leave it out to use the embedded SQLite database under data_dir".to_owned(),
        })
    }
}

fn check_session_hours(hours: i64, origin: impl FnOnce() -> Origin) -> Result<u32, ConfigError> {
    u32::try_from(hours)
        .ok()
        .filter(|h| (1..=MAX_SESSION_HOURS).contains(h))
        .ok_or_else(|| ConfigError::Invalid {
            origin: origin(),
            key: "session_hours",
            message: format!(
                "{hours} is out of range: a session lasts from 1 to {MAX_SESSION_HOURS} hours"
            ),
        })
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A directory under the system's temporary directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "atende-config-test-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn file(&self, name: &str, text: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, text).unwrap();
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    /// Loads with `./atende.toml` replaced by a path that does not exist.
    fn load_isolated(
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let dir = TempDir::new();
        load_with_default_file(overrides, env, &dir.0.join("atende.toml"))
    }

    fn with_file(path: &Path) -> Overrides {
        Overrides {
            config: Some(path.to_path_buf()),
            ..Overrides::default()
        }
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_without_file_env_or_flags() {
        let c = load_isolated(&Overrides::default(), &no_env).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.listen, addr("127.0.0.1:8080"));
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.database_url, None);
        assert!(c.trusted_proxies.is_empty());
        assert_eq!(c.session_hours, 12);
        assert!(!c.secure_cookies && !c.demo && !c.allow_weak_durability);
        assert_eq!(c.file, None);
        assert_eq!(
            c.database(),
            DatabaseTarget::Sqlite(PathBuf::from("./data/atende.sqlite"))
        );
    }

    #[test]
    fn default_config_parses_to_exactly_the_defaults() {
        let dir = TempDir::new();
        let path = dir.file("atende.toml", DEFAULT_CONFIG);
        let c = load_isolated(&with_file(&path), &no_env).unwrap();
        assert_eq!(c.file.as_deref(), Some(path.as_path()));
        assert_eq!(Config { file: None, ..c }, Config::default());
    }

    #[test]
    fn default_config_documents_every_key() {
        for key in KEYS {
            assert!(
                DEFAULT_CONFIG
                    .lines()
                    .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key} = "))),
                "{key} is not in DEFAULT_CONFIG"
            );
        }
        // With database_url uncommented, the example is still valid and only that changes.
        let dir = TempDir::new();
        let text = DEFAULT_CONFIG.replace("# database_url = ", "database_url = ");
        let path = dir.file("atende.toml", &text);
        let c = load_isolated(&with_file(&path), &no_env).unwrap();
        assert!(matches!(c.database(), DatabaseTarget::Postgres(_)));
    }

    #[test]
    fn file_overrides_defaults() {
        let dir = TempDir::new();
        let path = dir.file(
            "custom.toml",
            r#"
listen = "0.0.0.0:9000"
data_dir = "/var/lib/atende"
database_url = "postgres://atende:s3cret@db:5432/atende"
trusted_proxies = ["10.0.0.0/8", "2001:db8::/32"]
session_hours = 8
secure_cookies = true
demo = true
allow_weak_durability = true
"#,
        );
        let c = load_isolated(&with_file(&path), &no_env).unwrap();
        assert_eq!(c.listen, addr("0.0.0.0:9000"));
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/atende"));
        assert_eq!(
            c.database_url.as_ref().map(Secret::expose),
            Some("postgres://atende:s3cret@db:5432/atende")
        );
        assert_eq!(
            c.trusted_proxies,
            vec![net("10.0.0.0/8"), net("2001:db8::/32")]
        );
        assert_eq!(c.session_hours, 8);
        assert!(c.secure_cookies && c.demo && c.allow_weak_durability);
        assert_eq!(
            c.database(),
            DatabaseTarget::Postgres(Secret::new("postgres://atende:s3cret@db:5432/atende"))
        );
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let dir = TempDir::new();
        let path = dir.file("atende.toml", "session_hours = 24\n");
        let c = load_isolated(&with_file(&path), &no_env).unwrap();
        assert_eq!(
            c,
            Config {
                session_hours: 24,
                file: Some(path),
                ..Config::default()
            }
        );
    }

    #[test]
    fn default_file_is_read_when_present_and_skipped_when_absent() {
        let dir = TempDir::new();
        let absent = dir.0.join("atende.toml");
        let c = load_with_default_file(&Overrides::default(), &no_env, &absent).unwrap();
        assert_eq!(c, Config::default());

        let present = dir.file("atende.toml", "listen = \"127.0.0.1:7000\"\n");
        let c = load_with_default_file(&Overrides::default(), &no_env, &present).unwrap();
        assert_eq!(c.listen, addr("127.0.0.1:7000"));
        assert_eq!(c.file, Some(present.clone()));

        // --config wins over ./atende.toml.
        let other = dir.file("other.toml", "listen = \"127.0.0.1:7001\"\n");
        let c = load_with_default_file(&with_file(&other), &no_env, &present).unwrap();
        assert_eq!(c.listen, addr("127.0.0.1:7001"));
    }

    #[test]
    fn env_overrides_file() {
        let dir = TempDir::new();
        let path = dir.file(
            "atende.toml",
            r#"
listen = "0.0.0.0:9000"
data_dir = "/from/file"
database_url = "postgres://file:filepw@db/atende"
trusted_proxies = ["10.0.0.0/8"]
session_hours = 8
secure_cookies = false
demo = false
allow_weak_durability = false
"#,
        );
        let env = env_of(&[
            ("ATENDE_LISTEN", "127.0.0.1:9100"),
            ("ATENDE_DATA_DIR", "/from/env"),
            ("ATENDE_DATABASE_URL", "postgresql://env:envpw@db/atende"),
            ("ATENDE_TRUSTED_PROXIES", " 192.168.0.0/16, ,::1 "),
            ("ATENDE_SESSION_HOURS", "48"),
            ("ATENDE_SECURE_COOKIES", "true"),
            ("ATENDE_DEMO", "yes"),
            ("ATENDE_ALLOW_WEAK_DURABILITY", "1"),
        ]);
        let c = load_isolated(&with_file(&path), &env).unwrap();
        assert_eq!(c.listen, addr("127.0.0.1:9100"));
        assert_eq!(c.data_dir, PathBuf::from("/from/env"));
        assert_eq!(
            c.database_url.as_ref().map(Secret::expose),
            Some("postgresql://env:envpw@db/atende")
        );
        assert_eq!(c.trusted_proxies, vec![net("192.168.0.0/16"), net("::1")]);
        assert_eq!(c.session_hours, 48);
        assert!(c.secure_cookies && c.demo && c.allow_weak_durability);
    }

    #[test]
    fn env_can_switch_a_file_flag_off_and_empty_values_count_as_unset() {
        let dir = TempDir::new();
        let path = dir.file(
            "atende.toml",
            "secure_cookies = true\ndemo = true\nsession_hours = 8\n",
        );
        let env = env_of(&[
            ("ATENDE_SECURE_COOKIES", "false"),
            ("ATENDE_DEMO", "Off"),
            ("ATENDE_SESSION_HOURS", ""),
            ("ATENDE_LISTEN", "  "),
        ]);
        let c = load_isolated(&with_file(&path), &env).unwrap();
        assert!(!c.secure_cookies && !c.demo);
        assert_eq!(c.session_hours, 8);
        assert_eq!(c.listen, addr("127.0.0.1:8080"));
    }

    #[test]
    fn flags_override_env() {
        let env = env_of(&[
            ("ATENDE_LISTEN", "127.0.0.1:9100"),
            ("ATENDE_DATA_DIR", "/from/env"),
            ("ATENDE_DEMO", "false"),
        ]);
        let overrides = Overrides {
            listen: Some(addr("[::1]:9200")),
            data_dir: Some(PathBuf::from("/from/flag")),
            demo: true,
            config: None,
        };
        let c = load_isolated(&overrides, &env).unwrap();
        assert_eq!(c.listen, addr("[::1]:9200"));
        assert_eq!(c.data_dir, PathBuf::from("/from/flag"));
        assert!(c.demo);
        assert_eq!(
            c.database(),
            DatabaseTarget::Sqlite(PathBuf::from("/from/flag/atende.sqlite"))
        );
        // Without --demo, the lower layers decide.
        let c = load_isolated(
            &Overrides {
                demo: false,
                ..overrides
            },
            &env_of(&[("ATENDE_DEMO", "true")]),
        )
        .unwrap();
        assert!(c.demo);
    }

    #[test]
    fn missing_explicit_config_is_an_error() {
        let dir = TempDir::new();
        let path = dir.0.join("nope.toml");
        let err = load_isolated(&with_file(&path), &no_env).unwrap_err();
        assert!(matches!(err, ConfigError::NotFound { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("nope.toml") && msg.contains("--config"),
            "{msg}"
        );
        assert!(msg.contains("atende default-config"), "{msg}");
    }

    #[test]
    fn unreadable_file_is_an_error() {
        let dir = TempDir::new();
        // A directory exists but cannot be read as a file.
        let err = load_isolated(&with_file(&dir.0), &no_env).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("cannot read configuration file"),
            "{err}"
        );

        let path = dir.0.join("binary.toml");
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        let err = load_isolated(&with_file(&path), &no_env).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let dir = TempDir::new();
        let path = dir.file(
            "atende.toml",
            "# comment\nlisten = \"127.0.0.1:8080\"\nsesion_hours = 3\n",
        );
        let err = load_isolated(&with_file(&path), &no_env).unwrap_err();
        match &err {
            ConfigError::UnknownKey { key, line, .. } => {
                assert_eq!(key, "sesion_hours");
                assert_eq!(*line, Some(3));
            }
            other => panic!("expected UnknownKey, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("unknown key `sesion_hours`"), "{msg}");
        assert!(msg.contains("session_hours"), "{msg}");

        // A table is a key too.
        let path = dir.file("table.toml", "demo = true\n\n[server]\nport = 1\n");
        let err = load_isolated(&with_file(&path), &no_env).unwrap_err();
        assert!(
            matches!(&err, ConfigError::UnknownKey { key, .. } if key == "server"),
            "{err:?}"
        );
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let dir = TempDir::new();
        for (text, key, line) in [
            (
                "demo = true\nsession_hours = \"twelve\"\n",
                "session_hours",
                2,
            ),
            ("secure_cookies = \"yes\"\n", "secure_cookies", 1),
            (
                "\n\ntrusted_proxies = \"10.0.0.0/8\"\n",
                "trusted_proxies",
                3,
            ),
            ("listen = 8080\n", "listen", 1),
        ] {
            let path = dir.file("atende.toml", text);
            let err = load_isolated(&with_file(&path), &no_env).unwrap_err();
            match &err {
                ConfigError::WrongType {
                    key: k, line: l, ..
                } => {
                    assert_eq!(k.as_deref(), Some(key), "{err}");
                    assert_eq!(*l, Some(line), "{err}");
                }
                other => panic!("expected WrongType for {text:?}, got {other:?}"),
            }
            let msg = err.to_string();
            assert!(msg.contains(&format!("line {line}: {key}: ")), "{msg}");
        }
    }

    #[test]
    fn syntax_error_names_line_without_echoing_the_file() {
        let dir = TempDir::new();
        let path = dir.file(
            "atende.toml",
            "demo = true\ndatabase_url = \"postgres://u:hunter2@db/x\" oops\n",
        );
        let err = load_isolated(&with_file(&path), &no_env).unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: Some(2), .. }),
            "{err:?}"
        );
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
    }

    #[test]
    fn bad_listen_in_env_names_the_variable() {
        let env = env_of(&[("ATENDE_LISTEN", "localhost:8080")]);
        let err = load_isolated(&Overrides::default(), &env).unwrap_err();
        assert!(
            matches!(
                &err,
                ConfigError::Invalid {
                    origin: Origin::Env("ATENDE_LISTEN"),
                    key: "listen",
                    ..
                }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("ATENDE_LISTEN"), "{msg}");
        assert!(msg.contains("localhost:8080"), "{msg}");
        assert!(msg.contains("127.0.0.1:8080"), "{msg}");

        // A missing port is refused too.
        let env = env_of(&[("ATENDE_LISTEN", "127.0.0.1")]);
        assert!(load_isolated(&Overrides::default(), &env).is_err());
    }

    #[test]
    fn bad_listen_in_file_names_the_line() {
        let dir = TempDir::new();
        let path = dir.file("atende.toml", "\nlisten = \"0.0.0.0\"\n");
        let err = load_isolated(&with_file(&path), &no_env).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("atende.toml line 2: listen: `0.0.0.0`"),
            "{msg}"
        );
    }

    #[test]
    fn bad_cidr_names_where_it_came_from() {
        let env = env_of(&[("ATENDE_TRUSTED_PROXIES", "10.0.0.0/8,10.1.2.3/16")]);
        let err = load_isolated(&Overrides::default(), &env).unwrap_err();
        assert!(
            matches!(
                &err,
                ConfigError::Invalid {
                    origin: Origin::Env("ATENDE_TRUSTED_PROXIES"),
                    key: "trusted_proxies",
                    ..
                }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("ATENDE_TRUSTED_PROXIES"), "{msg}");
        assert!(msg.contains("did you mean 10.1.0.0/16?"), "{msg}");

        let dir = TempDir::new();
        let path = dir.file(
            "atende.toml",
            "trusted_proxies = [\n  \"10.0.0.0/8\",\n  \"office\",\n]\n",
        );
        let err = load_isolated(&with_file(&path), &no_env).unwrap_err();
        match &err {
            ConfigError::Invalid {
                origin: Origin::File { line, .. },
                key,
                ..
            } => {
                assert_eq!(*line, Some(3));
                assert_eq!(*key, "trusted_proxies");
            }
            other => panic!("expected Invalid from the file, got {other:?}"),
        }
        assert!(
            err.to_string().contains("'office' is not a network"),
            "{err}"
        );
    }

    #[test]
    fn bad_numbers_and_booleans_in_env() {
        for (var, value, key) in [
            ("ATENDE_SESSION_HOURS", "twelve", "session_hours"),
            ("ATENDE_SESSION_HOURS", "0", "session_hours"),
            ("ATENDE_SESSION_HOURS", "-3", "session_hours"),
            ("ATENDE_SESSION_HOURS", "100000", "session_hours"),
            ("ATENDE_SECURE_COOKIES", "maybe", "secure_cookies"),
            ("ATENDE_DEMO", "2", "demo"),
            (
                "ATENDE_ALLOW_WEAK_DURABILITY",
                "sim",
                "allow_weak_durability",
            ),
        ] {
            let env = env_of(&[(var, value)]);
            let err = load_isolated(&Overrides::default(), &env).unwrap_err();
            match &err {
                ConfigError::Invalid {
                    origin: Origin::Env(v),
                    key: k,
                    ..
                } => {
                    assert_eq!(*v, var);
                    assert_eq!(*k, key);
                }
                other => panic!("expected Invalid for {var}={value}, got {other:?}"),
            }
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    #[test]
    fn session_hours_out_of_range_in_file() {
        let dir = TempDir::new();
        let path = dir.file("atende.toml", "session_hours = 0\n");
        let err = load_isolated(&with_file(&path), &no_env).unwrap_err();
        assert!(
            err.to_string()
                .contains("atende.toml line 1: session_hours: 0 is out of range"),
            "{err}"
        );
    }

    #[test]
    fn database_url_must_be_postgres_and_is_never_echoed() {
        let env = env_of(&[("ATENDE_DATABASE_URL", "mysql://root:hunter2@db/x")]);
        let err = load_isolated(&Overrides::default(), &env).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("ATENDE_DATABASE_URL"), "{msg}");
        assert!(msg.contains("postgres://"), "{msg}");
        assert!(
            !msg.contains("hunter2") && !format!("{err:?}").contains("hunter2"),
            "{msg}"
        );
    }

    #[test]
    fn debug_and_display_redact_the_database_password() {
        let env = env_of(&[(
            "ATENDE_DATABASE_URL",
            "postgres://atende:correct-horse-battery@db.internal:5432/atende",
        )]);
        let c = load_isolated(&Overrides::default(), &env).unwrap();
        let debug = format!("{c:?}");
        assert!(!debug.contains("correct-horse-battery"), "{debug}");
        assert!(debug.contains("***"), "{debug}");
        let pretty = format!("{c:#?}");
        assert!(!pretty.contains("correct-horse-battery"), "{pretty}");
        let target = c.database();
        assert!(!format!("{target:?}").contains("correct-horse-battery"));
        let DatabaseTarget::Postgres(secret) = target else {
            panic!("expected PostgreSQL");
        };
        assert_eq!(secret.to_string(), "***");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(
            secret.expose(),
            "postgres://atende:correct-horse-battery@db.internal:5432/atende"
        );
    }
}
