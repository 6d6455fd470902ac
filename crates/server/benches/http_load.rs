//! HTTP load on loopback against a real `atende serve` process:
//!
//! ```text
//! cargo build --release -p atende
//! cargo bench -p atende-server --bench http_load -- --bench [--rows 100000] [--seconds 20] [--connections 32]
//! ```
//!
//! Prepares a SQLite database (one account, 50 departments, 1,000 users, `--rows`
//! conversations), starts `target/release/atende serve` on it, logs in as an agent of one team,
//! and keeps `--connections` keep-alive connections asking for the `waiting` tab for `--seconds`.
//! Prints requests per second, latency percentiles and the server's resident memory at rest and
//! after the load. Without `--bench` (as `cargo test --benches` runs it) it does nothing but say
//! how to run it: it needs the release binary.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a benchmark: a failure should stop it loudly"
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use access::{BuiltinRole, Membership, MembershipKind, Scope, Settings};
use store::{NewUser, Store};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

fn arg(name: &str) -> Option<String> {
    let all: Vec<String> = std::env::args().collect();
    all.iter()
        .position(|a| a == name)
        .and_then(|i| all.get(i + 1))
        .cloned()
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One request on a keep-alive connection; returns the status.
async fn get(
    stream: &mut BufReader<tokio::net::TcpStream>,
    addr: SocketAddr,
    path: &str,
    cookie: &str,
) -> u16 {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n");
    stream.get_mut().write_all(req.as_bytes()).await.unwrap();
    let mut line = String::new();
    stream.read_line(&mut line).await.unwrap();
    let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).await.unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.unwrap();
    status
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "http_load: run it with `cargo bench -p atende-server --bench http_load -- --bench` after `cargo build --release -p atende`"
        );
        return;
    }
    let rows: i64 = arg("--rows").map_or(100_000, |v| v.parse().unwrap());
    let seconds: u64 = arg("--seconds").map_or(20, |v| v.parse().unwrap());
    let connections: usize = arg("--connections").map_or(32, |v| v.parse().unwrap());
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = root.join("target/release/atende");
    assert!(
        bin.exists(),
        "build the server first: cargo build --release -p atende"
    );
    let dir = std::env::temp_dir().join(format!("atende-http-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // The database: directory, then the conversations.
    let store = Store::open_sqlite(&dir.join("atende.sqlite"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let a = store
        .directory()
        .create_account("load", &Settings::default(), "d1", 0)
        .await
        .unwrap();
    let mut depts = vec![store.directory().default_department(a).await.unwrap()];
    for i in 2..=50 {
        depts.push(
            store
                .directory()
                .create_department(a, &format!("d{i}"), None, access::AccessOption::Team)
                .await
                .unwrap(),
        );
    }
    let agent = store
        .directory()
        .account_config(a)
        .await
        .unwrap()
        .builtin_role(BuiltinRole::Agent)
        .unwrap();
    let hash = server::secret::hash_password("carga-1234").unwrap();
    let mut users = Vec::new();
    for i in 1..=1000usize {
        let id = store
            .directory()
            .create_user(
                a,
                &NewUser {
                    email: &format!("u{i}@load.example"),
                    name: "u",
                    password_hash: Some(&hash),
                    active: true,
                },
                0,
            )
            .await
            .unwrap();
        let user = access::User {
            id,
            account: a,
            active: true,
            memberships: vec![Membership {
                department: depts[i % 50],
                kind: MembershipKind::Member,
            }],
            bindings: vec![access::Binding {
                role: agent,
                scope: Scope::Account,
            }],
        };
        store.directory().set_user_access(a, &user).await.unwrap();
        users.push(id);
    }
    store
        .conversations()
        .bench_fill(a, &depts, &users, rows)
        .await
        .unwrap();
    store.close().await;

    // The server, as a user runs it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut child = std::process::Command::new(&bin)
        .args([
            "serve",
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            &addr.to_string(),
        ])
        // Every connection comes from this one address: no cap per address.
        .env("ATENDE_CONNECTIONS_PER_ADDRESS", "0")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut ready = false;
    for _ in 0..600 {
        if let Ok(s) = tokio::net::TcpStream::connect(addr).await {
            let mut s = BufReader::new(s);
            if get(&mut s, addr, "/healthz", "").await == 200 {
                ready = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the server did not become ready");
    let rest = rss_kib(pid);

    // Log in as an agent of one team (u2, department d3).
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = r#"{"email":"u2@load.example","password":"carga-1234"}"#;
    s.write_all(format!("POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes()).await.unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).await.unwrap();
    let cookie = response
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .expect("login failed")
        .to_owned();

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let cookie = cookie.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = BufReader::new(tokio::net::TcpStream::connect(addr).await.unwrap());
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                if get(&mut s, addr, "/api/v1/conversations?tab=waiting", &cookie).await != 200 {
                    errors += 1;
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let loaded = rss_kib(pid);
    child.kill().ok();
    child.wait().ok();
    all.sort_unstable();
    let p = |q: f64| all[((all.len() as f64 - 1.0) * q) as usize];
    println!(
        "waiting tab, {connections} connections, {seconds} s, {rows} conversations: {} requests ({errors} errors), {:.0} req/s, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        all.len(),
        all.len() as f64 / seconds as f64,
        p(0.5),
        p(0.99),
        p(1.0)
    );
    println!("server memory (VmRSS): {rest} KiB at rest, {loaded} KiB after the load");
    std::fs::remove_dir_all(&dir).ok();
}
