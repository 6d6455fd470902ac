//! Configuration of `atende serve`, in layers: defaults < file < environment < flags.
//!
//! The file is `atende.toml`: the path given with `--config` (which must exist), or
//! `./atende.toml` when it exists. The environment is read through a function so that tests never
//! touch the process environment. Every error says what is wrong, where it was written (file and
//! line, environment variable) and how to fix it. The database URL is a [`Secret`]: it prints as
//! `***`, so a PostgreSQL password never reaches a log. The `files_s3_*` keys: `config_files.rs`.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::ops::Range;
use std::path::{Path, PathBuf};

use access::IpNet;
use serde::Deserialize;
use toml::Spanned;

pub use crate::logging::{LogFilter, LogFormat};
pub use file_store::FilesS3;

#[path = "config_files.rs"]
mod file_store;

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
/// Environment variable: exceptions to the egress policy, comma-separated CIDRs and host names.
pub const ENV_OUTBOUND_ALLOW: &str = "ATENDE_OUTBOUND_ALLOW";
/// Environment variable: session lifetime in hours.
pub const ENV_SESSION_HOURS: &str = "ATENDE_SESSION_HOURS";
/// Environment variable: `Secure` session cookies.
pub const ENV_SECURE_COOKIES: &str = "ATENDE_SECURE_COOKIES";
/// Environment variable: the installation operator's token.
pub const ENV_OPERATOR_TOKEN: &str = "ATENDE_OPERATOR_TOKEN";
/// Environment variable: group commit of arrivals.
pub const ENV_GROUP_COMMIT: &str = "ATENDE_GROUP_COMMIT";
/// Environment variable: fill the demo account when the database is empty.
pub const ENV_DEMO: &str = "ATENDE_DEMO";
/// Environment variable: start on storage whose durability cannot be confirmed.
pub const ENV_ALLOW_WEAK_DURABILITY: &str = "ATENDE_ALLOW_WEAK_DURABILITY";
/// Environment variable: seconds a request's header may take (also the idle timeout).
pub const ENV_HEADER_TIMEOUT: &str = "ATENDE_HEADER_TIMEOUT_SECONDS";
/// Environment variable: seconds a request's body may take.
pub const ENV_BODY_TIMEOUT: &str = "ATENDE_BODY_TIMEOUT_SECONDS";
/// Environment variable: connections open at once from one address.
pub const ENV_CONNECTIONS_PER_ADDRESS: &str = "ATENDE_CONNECTIONS_PER_ADDRESS";
/// Environment variable of `log`.
pub const ENV_LOG: &str = "ATENDE_LOG";
/// Environment variable of `log_format`.
pub const ENV_LOG_FORMAT: &str = "ATENDE_LOG_FORMAT";

/// The longest header or body timeout accepted, in seconds: an hour.
pub const MAX_TIMEOUT_SECONDS: u32 = 3600;
/// The largest cap on connections per address accepted.
pub const MAX_CONNECTIONS_PER_ADDRESS: u32 = 100_000;

/// The longest session accepted: one year.
pub const MAX_SESSION_HOURS: u32 = 24 * 366;

/// The keys of the file, in the order of [`DEFAULT_CONFIG`].
pub const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "files_s3_bucket",
    "files_s3_endpoint",
    "files_s3_region",
    "files_s3_access_key_id",
    "files_s3_secret_access_key",
    "trusted_proxies",
    "outbound_allow",
    "session_hours",
    "secure_cookies",
    "operator_token",
    "group_commit",
    "demo",
    "allow_weak_durability",
    "header_timeout_seconds",
    "body_timeout_seconds",
    "connections_per_address",
    "log",
    "log_format",
];

/// The documented example `atende.toml` that `atende default-config` prints: every key with
/// its default. Parsing it gives exactly [`Config::default`].
pub const DEFAULT_CONFIG: &str = include_str!("default-config.toml");

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

/// The configuration of `atende serve`. `Debug` redacts the database URL and the other secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Address and port the HTTP server listens on.
    pub listen: SocketAddr,
    /// Directory of the SQLite database and local files.
    pub data_dir: PathBuf,
    /// PostgreSQL URL; `None` for SQLite under `data_dir`.
    pub database_url: Option<Secret>,
    /// The S3-compatible bucket of the files (`files_s3_*`); no bucket: `<data_dir>/files`.
    pub files_s3: FilesS3,
    /// Proxies trusted to give the client's address.
    pub trusted_proxies: Vec<IpNet>,
    /// Exceptions to the egress policy (networks and host names).
    pub outbound_allow: Vec<server::egress::Allowed>,
    /// Session lifetime in hours.
    pub session_hours: u32,
    /// `Secure` session cookies (serving behind TLS).
    pub secure_cookies: bool,
    /// The installation operator's token; `None`: no operator endpoints.
    pub operator_token: Option<Secret>,
    /// Group commit of arrivals.
    pub group_commit: bool,
    /// Fill the demo account when the database is empty.
    pub demo: bool,
    /// Start even when durability cannot be confirmed.
    pub allow_weak_durability: bool,
    /// Seconds a request's header may take (also the idle timeout).
    pub header_timeout_seconds: u32,
    /// Seconds a request's body may take once its header has arrived.
    pub body_timeout_seconds: u32,
    /// Connections open at once from one address (trusted proxies excepted); 0: no cap.
    pub connections_per_address: u32,
    /// Which log lines are written: a `tracing` filter (`info`, `warn,atende::request=debug`).
    pub log: LogFilter,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// The file the configuration was read from, if any (for the start-up log).
    pub file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            files_s3: FilesS3::default(),
            trusted_proxies: Vec::new(),
            outbound_allow: Vec::new(),
            session_hours: 12,
            secure_cookies: false,
            operator_token: None,
            group_commit: true,
            demo: false,
            allow_weak_durability: false,
            header_timeout_seconds: 10,
            body_timeout_seconds: 30,
            connections_per_address: 256,
            log: LogFilter::default(),
            log_format: LogFormat::Text,
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

    /// Where the files of messages are kept: the S3 bucket when `files_s3_bucket` is set, else
    /// `<data_dir>/files`.
    pub fn files(&self) -> server::files::Location {
        file_store::location(self)
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
    /// The files' S3 bucket without its credentials, or credentials without a bucket.
    #[error("{message}")]
    Incomplete {
        /// What is set, what is missing (with its environment variable) and how to fix it.
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
    file_store::check(&config)?;
    Ok(config)
}

/// The file's keys, each optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<Spanned<String>>,
    data_dir: Option<PathBuf>,
    database_url: Option<Spanned<String>>,
    files_s3_bucket: Option<Spanned<String>>,
    files_s3_endpoint: Option<Spanned<String>>,
    files_s3_region: Option<Spanned<String>>,
    files_s3_access_key_id: Option<Spanned<String>>,
    files_s3_secret_access_key: Option<Spanned<String>>,
    trusted_proxies: Option<Vec<Spanned<String>>>,
    outbound_allow: Option<Vec<Spanned<String>>>,
    session_hours: Option<Spanned<i64>>,
    secure_cookies: Option<bool>,
    operator_token: Option<Spanned<String>>,
    group_commit: Option<bool>,
    demo: Option<bool>,
    allow_weak_durability: Option<bool>,
    header_timeout_seconds: Option<Spanned<i64>>,
    body_timeout_seconds: Option<Spanned<i64>>,
    connections_per_address: Option<Spanned<i64>>,
    log: Option<Spanned<String>>,
    log_format: Option<Spanned<String>>,
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
    file_store::apply_file(&mut config.files_s3, &file, &origin)?;
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
    if let Some(allow) = file.outbound_allow {
        config.outbound_allow = allow
            .iter()
            .map(|a| parse_outbound(a.get_ref(), || origin(a.span())))
            .collect::<Result<_, _>>()?;
    }
    if let Some(hours) = file.session_hours {
        config.session_hours = check_session_hours(*hours.get_ref(), || origin(hours.span()))?;
    }
    if let Some(b) = file.secure_cookies {
        config.secure_cookies = b;
    }
    if let Some(t) = file.operator_token {
        config.operator_token = Some(parse_operator_token(t.get_ref(), || origin(t.span()))?);
    }
    if let Some(b) = file.group_commit {
        config.group_commit = b;
    }
    if let Some(b) = file.demo {
        config.demo = b;
    }
    if let Some(b) = file.allow_weak_durability {
        config.allow_weak_durability = b;
    }
    if let Some(v) = file.log {
        config.log = LogFilter::parse(v.get_ref(), || origin(v.span()))?;
    }
    if let Some(v) = file.log_format {
        config.log_format = LogFormat::parse(v.get_ref(), || origin(v.span()))?;
    }
    for (value, limit, field) in [
        (
            file.header_timeout_seconds,
            HEADER_TIMEOUT,
            &mut config.header_timeout_seconds,
        ),
        (
            file.body_timeout_seconds,
            BODY_TIMEOUT,
            &mut config.body_timeout_seconds,
        ),
        (
            file.connections_per_address,
            CONNECTIONS_PER_ADDRESS,
            &mut config.connections_per_address,
        ),
    ] {
        if let Some(v) = value {
            *field = limit.check(*v.get_ref(), || origin(v.span()))?;
        }
    }
    Ok(())
}

/// A whole-number setting and its range.
struct Limit {
    key: &'static str,
    env: &'static str,
    min: u32,
    max: u32,
    unit: &'static str,
}

const HEADER_TIMEOUT: Limit = Limit {
    key: "header_timeout_seconds",
    env: ENV_HEADER_TIMEOUT,
    min: 1,
    max: MAX_TIMEOUT_SECONDS,
    unit: "seconds",
};
const BODY_TIMEOUT: Limit = Limit {
    key: "body_timeout_seconds",
    env: ENV_BODY_TIMEOUT,
    min: 1,
    max: MAX_TIMEOUT_SECONDS,
    unit: "seconds",
};
const CONNECTIONS_PER_ADDRESS: Limit = Limit {
    key: "connections_per_address",
    env: ENV_CONNECTIONS_PER_ADDRESS,
    min: 0,
    max: MAX_CONNECTIONS_PER_ADDRESS,
    unit: "connections (0: no cap)",
};

impl Limit {
    fn check(&self, value: i64, origin: impl FnOnce() -> Origin) -> Result<u32, ConfigError> {
        u32::try_from(value)
            .ok()
            .filter(|v| (self.min..=self.max).contains(v))
            .ok_or_else(|| ConfigError::Invalid {
                origin: origin(),
                key: self.key,
                message: format!(
                    "{value} is out of range: write {} to {} {}",
                    self.min, self.max, self.unit
                ),
            })
    }

    /// Reads the setting from its environment variable, when set.
    fn read_env(
        &self,
        get: impl Fn(&str) -> Option<String>,
        field: &mut u32,
    ) -> Result<(), ConfigError> {
        let Some(v) = get(self.env) else {
            return Ok(());
        };
        let origin = || Origin::Env(self.env);
        let n: i64 = v.trim().parse().map_err(|_| ConfigError::Invalid {
            origin: origin(),
            key: self.key,
            message: format!(
                "`{}` is not a whole number: write {} to {} {}",
                v.trim(),
                self.min,
                self.max,
                self.unit
            ),
        })?;
        *field = self.check(n, origin)?;
        Ok(())
    }
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
    if let Some(v) = get(ENV_OUTBOUND_ALLOW) {
        config.outbound_allow = v
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| parse_outbound(a, || Origin::Env(ENV_OUTBOUND_ALLOW)))
            .collect::<Result<_, _>>()?;
    }
    if let Some(v) = get(ENV_OPERATOR_TOKEN) {
        config.operator_token = Some(parse_operator_token(v.trim(), || {
            Origin::Env(ENV_OPERATOR_TOKEN)
        })?);
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
    if let Some(v) = get(ENV_LOG) {
        config.log = LogFilter::parse(v.trim(), || Origin::Env(ENV_LOG))?;
    }
    if let Some(v) = get(ENV_LOG_FORMAT) {
        config.log_format = LogFormat::parse(v.trim(), || Origin::Env(ENV_LOG_FORMAT))?;
    }
    HEADER_TIMEOUT.read_env(get, &mut config.header_timeout_seconds)?;
    BODY_TIMEOUT.read_env(get, &mut config.body_timeout_seconds)?;
    CONNECTIONS_PER_ADDRESS.read_env(get, &mut config.connections_per_address)?;
    file_store::apply_env(&mut config.files_s3, get)?;
    for (var, key, field) in [
        (
            ENV_SECURE_COOKIES,
            "secure_cookies",
            &mut config.secure_cookies,
        ),
        (ENV_DEMO, "demo", &mut config.demo),
        (ENV_GROUP_COMMIT, "group_commit", &mut config.group_commit),
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

fn parse_outbound(
    value: &str,
    origin: impl FnOnce() -> Origin,
) -> Result<server::egress::Allowed, ConfigError> {
    value.parse().map_err(|message| ConfigError::Invalid {
        origin: origin(),
        key: "outbound_allow",
        message,
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

/// The shortest operator token accepted.
pub const MIN_OPERATOR_TOKEN: usize = 32;

/// An operator token: at least [`MIN_OPERATOR_TOKEN`] characters, no spaces. The error never
/// repeats the value.
fn parse_operator_token(
    value: &str,
    origin: impl FnOnce() -> Origin,
) -> Result<Secret, ConfigError> {
    if value.chars().count() >= MIN_OPERATOR_TOKEN && !value.chars().any(char::is_whitespace) {
        Ok(Secret::new(value))
    } else {
        Err(ConfigError::Invalid {
            origin: origin(),
            key: "operator_token",
            message: format!(
                "too short or with spaces (the value is not shown): use at least {MIN_OPERATOR_TOKEN} characters without spaces, such as the output of `openssl rand -hex 32`"
            ),
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
#[path = "config_tests.rs"]
mod tests;
