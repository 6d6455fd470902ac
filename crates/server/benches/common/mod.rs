//! What the benchmarks against a real `atende serve` share: arguments, a process's resident
//! memory, a minimal keep-alive HTTP/1.1 client, starting the release binary, logging in.

#![allow(dead_code, reason = "each benchmark uses its own part")]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

pub fn arg(name: &str) -> Option<String> {
    let all: Vec<String> = std::env::args().collect();
    all.iter()
        .position(|a| a == name)
        .and_then(|i| all.get(i + 1))
        .cloned()
}

pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One request on a keep-alive connection; the status.
pub async fn call(
    s: &mut BufReader<tokio::net::TcpStream>,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> u16 {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
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
    s.get_mut().write_all(req.as_bytes()).await.unwrap();
    let mut line = String::new();
    s.read_line(&mut line).await.unwrap();
    let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = 0usize;
    loop {
        line.clear();
        s.read_line(&mut line).await.unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    let mut rest = vec![0u8; length];
    s.read_exact(&mut rest).await.unwrap();
    status
}

pub async fn connect(addr: SocketAddr) -> BufReader<tokio::net::TcpStream> {
    BufReader::new(tokio::net::TcpStream::connect(addr).await.unwrap())
}

pub struct Server {
    pub child: std::process::Child,
    pub addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Starts `target/release/atende serve` on a free loopback port over `dir` (or PostgreSQL at
/// `url`), with these extra environment variables; returns once `/healthz` answers.
pub async fn serve(dir: &std::path::Path, url: Option<&str>, env: &[(&str, &str)]) -> Server {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut cmd = std::process::Command::new(root.join("target/release/atende"));
    cmd.args([
        "serve",
        "--data-dir",
        dir.to_str().unwrap(),
        "--listen",
        &addr.to_string(),
    ])
    .envs(env.iter().copied())
    // Every connection comes from this one address: no cap per address.
    .env("ATENDE_CONNECTIONS_PER_ADDRESS", "0")
    .stdout(std::process::Stdio::null());
    if let Some(u) = url {
        cmd.env("ATENDE_DATABASE_URL", u);
    }
    // Dropping the server kills and waits for the process.
    let server = Server {
        child: cmd.spawn().unwrap(),
        addr,
    };
    for _ in 0..600 {
        if let Ok(s) = tokio::net::TcpStream::connect(addr).await {
            let mut s = BufReader::new(s);
            if call(&mut s, addr, "GET", "/healthz", &[], "").await == 200 {
                return server;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

pub async fn login(addr: SocketAddr, email: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = format!(r#"{{"email":"{email}","password":"carga-1234"}}"#);
    s.write_all(format!("POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes()).await.unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).await.unwrap();
    response
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .expect("login failed")
        .to_owned()
}

/// An account "bench" with one owner (`email`, password `carga-1234`), member of its default
/// department.
pub async fn seed_owner(
    store: &store::Store,
    email: &str,
) -> (access::AccountId, access::DepartmentId) {
    use access::{BuiltinRole, Membership, MembershipKind, Scope, Settings};
    let a = store
        .directory()
        .create_account("bench", &Settings::default(), "Atendimento", 0)
        .await
        .unwrap();
    let dept = store.directory().default_department(a).await.unwrap();
    let owner = store
        .directory()
        .account_config(a)
        .await
        .unwrap()
        .builtin_role(BuiltinRole::Owner)
        .unwrap();
    let hash = server::secret::hash_password("carga-1234").unwrap();
    let user = store
        .directory()
        .create_user(
            a,
            &store::NewUser {
                email,
                name: "Dona",
                password_hash: Some(&hash),
                active: true,
            },
            0,
        )
        .await
        .unwrap();
    store
        .directory()
        .set_user_access(
            a,
            &access::User {
                id: user,
                account: a,
                active: true,
                memberships: vec![Membership {
                    department: dept,
                    kind: MembershipKind::Member,
                }],
                bindings: vec![access::Binding {
                    role: owner,
                    scope: Scope::Account,
                }],
            },
        )
        .await
        .unwrap();
    (a, dept)
}
