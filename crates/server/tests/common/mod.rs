//! The tests' minimal HTTP/1.1 client: one request per connection, status, headers and body.

#![allow(
    dead_code,
    reason = "each test binary uses its own part of the helpers"
)]

use std::net::SocketAddr;

use std::sync::Arc;

use serde_json::Value;
use server::clock::SystemClock;
use server::{AppState, ServerConfig};
use store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    pub fn reasons(&self) -> Vec<String> {
        self.json()["error"]["reasons"]
            .as_array()
            .map(|a| a.iter().map(|r| r.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    }
}

/// A minimal HTTP/1.1 client: one request per connection.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Response {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Starts a server on port 0 over `store` (loopback trusted as a proxy, so tests can give each
/// run its own client address) and returns its address once `/healthz` answers.
pub async fn launch(store: Store) -> SocketAddr {
    launch_with(store, ServerConfig::default()).await
}

/// [`launch`] with these settings (loopback is always a trusted proxy).
pub async fn launch_with(store: Store, mut config: ServerConfig) -> SocketAddr {
    config.trusted_proxies.push("127.0.0.1/32".parse().unwrap());
    let state = AppState::new(store, Arc::new(SystemClock), config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::launch_with_listener(
        listener,
        state,
        std::future::pending(),
    ));
    // Ready when /healthz answers, never after a sleep.
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(addr).await.is_ok()
            && request(addr, "GET", "/healthz", &[], None).await.status == 200
        {
            return addr;
        }
        tokio::task::yield_now().await;
    }
    panic!("the server on {addr} never became ready");
}
