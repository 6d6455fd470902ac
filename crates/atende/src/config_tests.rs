//! Tests of the layered configuration (`config.rs`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A directory under the system's temporary directory, removed on drop (also used by the tests
/// of `config_files.rs`).
pub(super) struct TempDir(pub(super) PathBuf);

impl TempDir {
    pub(super) fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "atende-config-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub(super) fn file(&self, name: &str, text: &str) -> PathBuf {
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

pub(super) fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

pub(super) fn no_env(_: &str) -> Option<String> {
    None
}

/// Loads with `./atende.toml` replaced by a path that does not exist.
pub(super) fn load_isolated(
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let dir = TempDir::new();
    load_with_default_file(overrides, env, &dir.0.join("atende.toml"))
}

pub(super) fn with_file(path: &Path) -> Overrides {
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

#[test]
fn operator_token_from_file_or_env_is_redacted_and_checked() {
    let dir = TempDir::new();
    let token = "f00dcafe".repeat(5);
    let path = dir.file("atende.toml", &format!("operator_token = \"{token}\"\n"));
    let c = load_isolated(&with_file(&path), &no_env).unwrap();
    assert_eq!(
        c.operator_token.as_ref().map(Secret::expose),
        Some(token.as_str())
    );
    assert!(!format!("{c:?}").contains(&token));
    let other = "beef".repeat(10);
    let env = env_of(&[("ATENDE_OPERATOR_TOKEN", other.as_str())]);
    let c = load_isolated(&with_file(&path), &env).unwrap();
    assert_eq!(
        c.operator_token.as_ref().map(Secret::expose),
        Some(other.as_str())
    );
    // Too short: refused, naming where it came from, without repeating the value.
    let path = dir.file("short.toml", "\n\noperator_token = \"hunter2hunter2\"\n");
    let err = load_isolated(&with_file(&path), &no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 3") && err.contains("operator_token"),
        "{err}"
    );
    assert!(
        err.contains("at least 32") && !err.contains("hunter2"),
        "{err}"
    );
    let env = env_of(&[(
        "ATENDE_OPERATOR_TOKEN",
        "with spaces with spaces with spaces x",
    )]);
    let err = load_isolated(&Overrides::default(), &env)
        .unwrap_err()
        .to_string();
    assert!(err.contains("ATENDE_OPERATOR_TOKEN"), "{err}");
    assert_eq!(
        load_isolated(&Overrides::default(), &no_env)
            .unwrap()
            .operator_token,
        None
    );
}

#[test]
fn outbound_allow_from_file_or_env_and_bad_entries_named() {
    use server::egress::Allowed;
    let dir = TempDir::new();
    let path = dir.file(
        "atende.toml",
        "outbound_allow = [\"10.1.0.0/16\", \"CRM.intranet.example\", \"::1\"]\n",
    );
    let c = load_isolated(&with_file(&path), &no_env).unwrap();
    assert_eq!(
        c.outbound_allow,
        vec![
            Allowed::Net(net("10.1.0.0/16")),
            Allowed::Host("crm.intranet.example".into()),
            Allowed::Net(net("::1")),
        ]
    );
    let env = env_of(&[("ATENDE_OUTBOUND_ALLOW", " 127.0.0.1/32, ,hooks.local ")]);
    let c = load_isolated(&with_file(&path), &env).unwrap();
    assert_eq!(
        c.outbound_allow,
        vec![
            Allowed::Net(net("127.0.0.1/32")),
            Allowed::Host("hooks.local".into())
        ]
    );
    let env = env_of(&[("ATENDE_OUTBOUND_ALLOW", "10.0.0.0/8,not a host")]);
    let err = load_isolated(&Overrides::default(), &env).unwrap_err();
    assert!(
        matches!(
            &err,
            ConfigError::Invalid {
                origin: Origin::Env("ATENDE_OUTBOUND_ALLOW"),
                key: "outbound_allow",
                ..
            }
        ),
        "{err:?}"
    );
    let path = dir.file("bad.toml", "\noutbound_allow = [\"10.0.0.1/8\"]\n");
    let err = load_isolated(&with_file(&path), &no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2") && err.contains("outbound_allow"),
        "{err}"
    );
}

#[test]
fn connection_limits_from_file_or_env_within_their_ranges() {
    let dir = TempDir::new();
    let path = dir.file(
        "limits.toml",
        "header_timeout_seconds = 5\nbody_timeout_seconds = 60\nconnections_per_address = 0\n",
    );
    let c = load_isolated(&with_file(&path), &no_env).unwrap();
    assert_eq!(
        (
            c.header_timeout_seconds,
            c.body_timeout_seconds,
            c.connections_per_address
        ),
        (5, 60, 0)
    );
    let env = env_of(&[
        (ENV_HEADER_TIMEOUT, "7"),
        (ENV_CONNECTIONS_PER_ADDRESS, " 200 "),
    ]);
    let c = load_isolated(&with_file(&path), &env).unwrap();
    assert_eq!(
        (
            c.header_timeout_seconds,
            c.body_timeout_seconds,
            c.connections_per_address
        ),
        (7, 60, 200),
        "the environment overrides the file"
    );
    let path = dir.file("zero.toml", "\nheader_timeout_seconds = 0\n");
    let e = load_isolated(&with_file(&path), &no_env)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("zero.toml line 2")
            && e.contains("header_timeout_seconds")
            && e.contains("1 to 3600"),
        "{e}"
    );
    for (var, value) in [
        (ENV_BODY_TIMEOUT, "3601"),
        (ENV_BODY_TIMEOUT, "soon"),
        (ENV_CONNECTIONS_PER_ADDRESS, "-1"),
    ] {
        let e = load_isolated(&Overrides::default(), &env_of(&[(var, value)]))
            .unwrap_err()
            .to_string();
        assert!(e.contains(var) && e.contains(value), "{e}");
    }
}

#[test]
fn log_filter_and_format_from_file_or_env() {
    let c = load_isolated(&Overrides::default(), &no_env).unwrap();
    assert_eq!(
        (c.log.to_string(), c.log_format),
        ("info".to_owned(), LogFormat::Text)
    );
    let dir = TempDir::new();
    let path = dir.file(
        "logs.toml",
        "log = \"warn,atende::request=debug\"\nlog_format = \"json\"\n",
    );
    let c = load_isolated(&with_file(&path), &no_env).unwrap();
    assert_eq!(c.log.to_string(), "warn,atende::request=debug");
    assert_eq!(c.log_format, LogFormat::Json);
    let env = env_of(&[(ENV_LOG, " debug "), (ENV_LOG_FORMAT, "TEXT")]);
    let c = load_isolated(&with_file(&path), &env).unwrap();
    assert_eq!(
        (c.log.to_string(), c.log_format),
        ("debug".to_owned(), LogFormat::Text),
        "the environment overrides the file"
    );
}

#[test]
fn bad_log_settings_are_named_in_the_error() {
    for (var, value, key) in [
        (ENV_LOG, "verbose", "log"),
        (ENV_LOG, "info,server=loud", "log"),
        (ENV_LOG_FORMAT, "xml", "log_format"),
    ] {
        let err = load_isolated(&Overrides::default(), &env_of(&[(var, value)])).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { origin: Origin::Env(v), key: k, .. } if *v == var && *k == key),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(var) && text.contains(value), "{text}");
    }
    let dir = TempDir::new();
    let path = dir.file("bad.toml", "\nlog_format = \"yaml\"\n");
    let err = load_isolated(&with_file(&path), &no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.toml line 2") && err.contains("log_format") && err.contains("yaml"),
        "{err}"
    );
}
