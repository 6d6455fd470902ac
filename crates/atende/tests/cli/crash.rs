//! Crash durability (issue 7, point 11), against the real binary: a load generator posts
//! inbound messages with client ids to the generic channel of `atende serve` and records every
//! 2xx; the server is killed with SIGKILL at a random moment; then, with the server down, every
//! acknowledged message is in the database exactly once and SQLite's `PRAGMA integrity_check`
//! is `ok`; after the restart everything is posted again (idempotent ingest: an acknowledged
//! message answers `duplicates: 1`, nothing is stored twice).
//!
//! `ATENDE_CRASH_ROUNDS` sets the number of rounds (default 20 on each backend); the
//! soak run of docs/security.md sets 200.

#![allow(clippy::indexing_slicing, reason = "a test fails loudly")]

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Connection;

use super::TempDir;

/// Concurrent senders of the load generator.
const SENDERS: usize = 8;
/// Longest wait, after the first acknowledgement, before the kill.
const KILL_WITHIN_MS: u64 = 400;

/// Where the server keeps its data.
enum Db {
    /// The data directory.
    Sqlite(PathBuf),
    /// The database URL.
    Postgres(String),
}

impl Db {
    /// `atende` with only this database's settings in its environment.
    fn atende(&self, dir: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_atende"));
        c.current_dir(dir);
        for (k, _) in std::env::vars() {
            if k.starts_with("ATENDE_") {
                c.env_remove(k);
            }
        }
        match self {
            Db::Sqlite(data) => c.env("ATENDE_DATA_DIR", data),
            Db::Postgres(url) => c.env("ATENDE_DATABASE_URL", url),
        };
        c
    }

    /// With the server down: how many times each external id of the channel is stored, and
    /// on SQLite the problems `PRAGMA integrity_check` and `PRAGMA foreign_key_check` report.
    fn stored(&self, channel: i64) -> (BTreeMap<String, i64>, Vec<String>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let count = "SELECT external_id, COUNT(*) FROM messages WHERE channel_id = $1 \
                         AND external_id IS NOT NULL GROUP BY external_id";
            match self {
                Db::Sqlite(data) => {
                    let options = sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(data.join("atende.sqlite"))
                        .create_if_missing(false);
                    let mut conn = sqlx::SqliteConnection::connect_with(&options)
                        .await
                        .unwrap();
                    let mut problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    problems.retain(|p| p != "ok");
                    let dangling = sqlx::query("PRAGMA foreign_key_check")
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    if !dangling.is_empty() {
                        problems.push(format!("{} rows fail foreign_key_check", dangling.len()));
                    }
                    let rows: Vec<(String, i64)> = sqlx::query_as(count)
                        .bind(channel)
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    conn.close().await.unwrap();
                    (rows.into_iter().collect(), problems)
                }
                Db::Postgres(url) => {
                    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                    let rows: Vec<(String, i64)> = sqlx::query_as(count)
                        .bind(channel)
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    conn.close().await.unwrap();
                    (rows.into_iter().collect(), Vec::new())
                }
            }
        })
    }
}

/// A running `atende serve`, killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    /// Starts the server on a free loopback port, with or without group commit; returns once
    /// `/healthz` answers 200.
    fn start(db: &Db, dir: &Path, group_commit: bool) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = dir.join("server.log");
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = db
            .atende(dir)
            .args(["serve", "--listen", &addr.to_string()])
            .env("ATENDE_GROUP_COMMIT", group_commit.to_string())
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .unwrap();
        let mut server = Server { child, addr, log };
        let started = Instant::now();
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("the server exited ({status}):\n{}", server.log_text());
            }
            if matches!(http(addr, "GET", "/healthz", &[], ""), Ok((200, _, _))) {
                return server;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server never became ready:\n{}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, then reaps the process.
    fn kill(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 request on its own connection: (status, head, body). An error when the
/// connection fails or the answer is cut short.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let cut = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "answer cut short");
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(cut)?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(cut)?;
    let length: Option<usize> = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse().ok())
            .flatten()
    });
    if length.is_some_and(|n| rest.len() < n) {
        return Err(cut());
    }
    Ok((status, head.to_owned(), rest.to_owned()))
}

/// What posting one message answered: `Some((received, duplicates))` for a complete 200.
type Answer = std::io::Result<(u16, String)>;

fn post_message(addr: SocketAddr, token: &str, id: &str) -> Answer {
    let body = format!(
        r#"{{"from":"crash-{}","text":"message {id}","id":"{id}"}}"#,
        {
            // One contact per sender, so conversations continue as well as start.
            id.rsplit_once('-').map_or(id, |(prefix, _)| prefix)
        }
    );
    let auth = format!("Bearer {token}");
    let (status, _, body) = http(
        addr,
        "POST",
        "/webhooks/generic/messages",
        &[("Authorization", &auth)],
        &body,
    )?;
    Ok((status, body))
}

/// `(received, duplicates)` of a complete 200 answer.
fn counts(answer: &Answer) -> Option<(i64, i64)> {
    let (200, body) = answer.as_ref().ok()? else {
        return None;
    };
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    Some((v["received"].as_i64()?, v["duplicates"].as_i64()?))
}

/// A random number below `n` (std's hasher keys are random per process and per call).
fn random_below(n: u64, salt: u64) -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(salt);
    h.finish() % n.max(1)
}

/// The cookie a login answers.
fn login(addr: SocketAddr, email: &str, password: &str) -> String {
    let body = serde_json::json!({"email": email, "password": password}).to_string();
    let (status, head, text) = http(addr, "POST", "/api/v1/auth/login", &[], &body).unwrap();
    assert_eq!(status, 200, "{text}");
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie")
                .then(|| v.trim().split(';').next().unwrap_or_default().to_owned())
        })
        .unwrap()
}

/// Creates an account with `atende account create` and, through the API as its owner, a
/// generic channel: (channel id, channel token).
fn setup(db: &Db, dir: &Path, tag: &str) -> (i64, String) {
    let email = format!("crash-{tag}@test.example");
    let created = db
        .atende(dir)
        .args([
            "account",
            "create",
            "--name",
            &format!("Crash {tag}"),
            "--owner-email",
            &email,
            "--owner-name",
            "Crash",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&created.stdout);
    assert!(
        created.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let temporary = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Temporary password: "))
        .unwrap()
        .trim()
        .to_owned();
    let server = Server::start(db, dir, true);
    let cookie = login(server.addr, &email, &temporary);
    let change =
        serde_json::json!({"current_password": temporary, "new_password": "crash-test-password"})
            .to_string();
    let (status, _, text) = http(
        server.addr,
        "POST",
        "/api/v1/me/password",
        &[("Cookie", &cookie)],
        &change,
    )
    .unwrap();
    assert_eq!(status, 204, "{text}");
    let (status, _, text) = http(
        server.addr,
        "POST",
        "/api/v1/channels",
        &[("Cookie", &cookie)],
        r#"{"kind":"generic","name":"Crash"}"#,
    )
    .unwrap();
    assert_eq!(status, 201, "{text}");
    let channel: serde_json::Value = serde_json::from_str(&text).unwrap();
    (
        channel["id"].as_i64().unwrap(),
        channel["token"].as_str().unwrap().to_owned(),
    )
}

/// What one round sent.
#[derive(Default)]
struct Round {
    /// Every id posted (answered or not).
    sent: Vec<String>,
    /// The ids answered 200 with `received: 1`.
    acked: BTreeSet<String>,
    /// Complete answers other than 200 while the server ran (must be none).
    refused: Vec<String>,
}

/// Posts messages from [`SENDERS`] threads until the server dies; kills it with SIGKILL at a
/// random moment after the first acknowledgement.
fn load_and_kill(server: &mut Server, token: &str, tag: &str, round: usize) -> Round {
    let shared = Arc::new(Mutex::new(Round::default()));
    let addr = server.addr;
    let senders: Vec<_> = (0..SENDERS)
        .map(|t| {
            let (shared, token, tag) = (Arc::clone(&shared), token.to_owned(), tag.to_owned());
            std::thread::spawn(move || {
                for n in 0..100_000 {
                    let id = format!("{tag}-r{round}-s{t}-{n}");
                    shared.lock().unwrap().sent.push(id.clone());
                    let answer = post_message(addr, &token, &id);
                    match (counts(&answer), answer) {
                        (Some((1, 0)), _) => {
                            shared.lock().unwrap().acked.insert(id);
                        }
                        // Killed: the connection failed or the answer was cut short.
                        (_, Err(_)) => break,
                        (_, Ok((status, body))) => {
                            shared
                                .lock()
                                .unwrap()
                                .refused
                                .push(format!("{id}: {status} {body}"));
                        }
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while shared.lock().unwrap().acked.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no message acknowledged:\n{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    // The random moment of the crash.
    std::thread::sleep(Duration::from_millis(random_below(
        KILL_WITHIN_MS,
        round as u64,
    )));
    server.kill();
    for s in senders {
        s.join().unwrap();
    }
    Arc::try_unwrap(shared).ok().unwrap().into_inner().unwrap()
}

/// Checks, with the server down, that every acknowledged message is stored exactly once,
/// nothing was stored that was not sent, and the database is sound.
fn check_stored(db: &Db, channel: i64, sent: &BTreeSet<String>, acked: &BTreeSet<String>) {
    let (stored, problems) = db.stored(channel);
    assert!(problems.is_empty(), "database problems: {problems:?}");
    for id in acked {
        assert_eq!(
            stored.get(id),
            Some(&1),
            "acknowledged message {id} is not stored exactly once"
        );
    }
    for (id, n) in &stored {
        assert_eq!(*n, 1, "{id} stored {n} times");
        assert!(sent.contains(id), "{id} stored but never sent");
    }
}

/// Posts every id again: each answers 200 once (received if the crash lost it before the
/// acknowledgement, a duplicate otherwise; always a duplicate when it was acknowledged).
fn resend(addr: SocketAddr, token: &str, round: &Round) {
    for id in &round.sent {
        let answer = post_message(addr, token, id);
        let Some((received, duplicates)) = counts(&answer) else {
            panic!("resending {id}: {answer:?}");
        };
        assert_eq!(received + duplicates, 1, "{id}: {answer:?}");
        if round.acked.contains(id) {
            assert_eq!(duplicates, 1, "{id} was acknowledged, then stored again");
        }
    }
}

/// The rounds: the server starts (restarts), the previous round's messages are posted again,
/// the load runs, the server is killed, the database is checked. Even rounds run with group
/// commit (the default), odd ones without: both must acknowledge only what is committed.
fn crash_rounds(db: &Db, dir: &Path, default_rounds: usize) {
    let rounds = std::env::var("ATENDE_CRASH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default_rounds);
    let tag = format!("{}{}", std::process::id(), random_below(1_000_000_000, 7));
    let (channel, token) = setup(db, dir, &tag);
    let (mut all_sent, mut all_acked) = (BTreeSet::new(), BTreeSet::new());
    let mut previous = Round::default();
    let started = Instant::now();
    for round in 0..=rounds {
        let mut server = Server::start(db, dir, round % 2 == 0);
        resend(server.addr, &token, &previous);
        if round == rounds {
            server.kill();
            // Everything sent, posted again after the last restart, is there exactly once.
            check_stored(db, channel, &all_sent, &all_sent);
            break;
        }
        let this = load_and_kill(&mut server, &token, &tag, round);
        assert!(
            this.refused.is_empty(),
            "answers other than 200: {:?}",
            this.refused
        );
        all_sent.extend(this.sent.iter().cloned());
        all_acked.extend(this.acked.iter().cloned());
        check_stored(db, channel, &all_sent, &all_acked);
        eprintln!(
            "crash round {round}: {} sent, {} acknowledged before the kill",
            this.sent.len(),
            this.acked.len()
        );
        previous = this;
    }
    eprintln!(
        "crash durability: {rounds} rounds, {} messages sent, {} acknowledged before a kill, in {:.1} s",
        all_sent.len(),
        all_acked.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn crash_durability_on_sqlite() {
    let dir = TempDir::new("crash-sqlite");
    let db = Db::Sqlite(dir.path().join("data"));
    crash_rounds(&db, dir.path(), 20);
}

#[test]
fn crash_durability_on_postgres() {
    let Some(url) = postgres_url() else {
        return;
    };
    let dir = TempDir::new("crash-postgres");
    crash_rounds(&Db::Postgres(url), dir.path(), 20);
}

/// `ATENDE_TEST_POSTGRES_URL`; `None` when it is not set, which CI does not allow.
fn postgres_url() -> Option<String> {
    match std::env::var("ATENDE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "under CI the PostgreSQL tests need ATENDE_TEST_POSTGRES_URL"
            );
            None
        }
    }
}

/// The server refuses to start on a PostgreSQL that does not commit durably
/// (`synchronous_commit = off`, here set for the session through the URL), naming the setting;
/// `allow_weak_durability` starts it anyway with a warning. SQLite is opened in WAL mode.
#[test]
fn weak_durability_is_refused_unless_allowed() {
    let dir = TempDir::new("weak-durability");
    let sqlite = Db::Sqlite(dir.path().join("data"));
    let migrated = sqlite.atende(dir.path()).arg("migrate").output().unwrap();
    assert!(migrated.status.success(), "{migrated:?}");
    assert!(
        !String::from_utf8_lossy(&migrated.stderr).contains("warning"),
        "{migrated:?}"
    );
    let mode = {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(dir.path().join("data/atende.sqlite"));
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .unwrap();
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
            mode
        })
    };
    assert_eq!(mode, "wal");
    let Some(url) = postgres_url() else {
        return;
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let weak = Db::Postgres(format!("{url}{sep}options=-c%20synchronous_commit%3Doff"));
    let refused = weak.atende(dir.path()).arg("migrate").output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        stderr.contains("synchronous_commit is off") && stderr.contains("allow_weak_durability"),
        "{stderr}"
    );
    let allowed = weak
        .atende(dir.path())
        .arg("migrate")
        .env("ATENDE_ALLOW_WEAK_DURABILITY", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&allowed.stderr);
    assert!(allowed.status.success(), "{allowed:?}");
    // A warning in the log (tracing, on standard error).
    assert!(
        stderr.contains("WARN") && stderr.contains("synchronous_commit is off"),
        "{stderr}"
    );
    let sound = Db::Postgres(url)
        .atende(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(sound.status.success(), "{sound:?}");
    let stderr = String::from_utf8_lossy(&sound.stderr);
    assert!(
        !stderr.contains("WARN") && !stderr.contains("synchronous_commit"),
        "{sound:?}"
    );
}
