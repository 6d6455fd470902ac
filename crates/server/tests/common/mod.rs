//! The tests' minimal HTTP/1.1 client: one request per connection, status, headers and body.

#![allow(
    dead_code,
    reason = "the stories of the http binary each use their own part of the helpers"
)]

use std::net::SocketAddr;

use std::sync::Arc;

use serde_json::Value;
use server::clock::SystemClock;
use server::{AppState, ServerConfig};
use store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body's bytes (files).
    pub raw: Vec<u8>,
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
    request_bytes(addr, method, path, headers, body.map(str::as_bytes)).await
}

/// [`request`] with a body of any bytes (sent as JSON unless `headers` give a `Content-Type`).
pub async fn request_bytes(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    if let Some(b) = body {
        bytes.extend_from_slice(b);
    }
    // A server may answer (and close) before the whole body is sent (413 from the declared
    // length): the answer is read all the same.
    let _ = stream.write_all(&bytes).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let rest = &raw[split + 4..];
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
    let raw = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Response {
        status,
        headers,
        body: String::from_utf8(raw.clone()).unwrap_or_default(),
        raw,
    }
}

fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = s.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&s[..eol]).unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        let rest = &s[eol + 2..];
        out.extend_from_slice(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Where the tests' nodes keep files: on PostgreSQL, where the nodes of every story share one
/// database (and claim each other's downloads), the S3-compatible server of the run
/// (`ATENDE_TEST_S3_URL`, `http://KEY:SECRET@HOST:PORT/BUCKET`; required under CI); on SQLite,
/// and on PostgreSQL without one, a directory shared by every node of this process.
pub fn test_files(store: &Store) -> server::files::Location {
    let s3 = std::env::var("ATENDE_TEST_S3_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if store.backend() == store::Backend::Postgres {
        assert!(
            s3.is_some() || std::env::var("CI").is_err(),
            "under CI the PostgreSQL tests keep files in S3: ATENDE_TEST_S3_URL"
        );
    }
    match s3 {
        Some(url) if store.backend() == store::Backend::Postgres => {
            let rest = url.strip_prefix("http://").unwrap();
            let (creds, rest) = rest.split_once('@').unwrap();
            let (key, secret) = creds.split_once(':').unwrap();
            let (host, bucket) = rest.split_once('/').unwrap();
            server::files::Location::S3(server::files::S3Settings {
                bucket: bucket.to_owned(),
                endpoint: Some(format!("http://{host}")),
                region: "us-east-1".to_owned(),
                access_key_id: key.to_owned(),
                secret_access_key: secret.to_owned(),
            })
        }
        _ => server::files::Location::Directory(
            std::env::temp_dir().join(format!("atende-test-files-{}", std::process::id())),
        ),
    }
}

/// Starts a server on port 0 over `store` (loopback trusted as a proxy, so tests can give each
/// run its own client address) and returns its address once `/healthz` answers.
pub async fn launch(store: Store) -> SocketAddr {
    launch_with(store, ServerConfig::default()).await
}

/// [`launch`] with these settings (loopback is always a trusted proxy).
pub async fn launch_with(store: Store, config: ServerConfig) -> SocketAddr {
    launch_clocked(store, config, Arc::new(SystemClock)).await
}

/// [`launch_with`] on this clock. The tests' fakes (Graph API, webhook receivers) listen on
/// 127.0.0.1, which the node's egress policy allows as an operator's `outbound_allow` would an
/// on-premises receiver; every other internal address stays refused.
pub async fn launch_clocked(
    store: Store,
    mut config: ServerConfig,
    clock: Arc<dyn server::clock::Clock>,
) -> SocketAddr {
    config.outbound_allow.push("127.0.0.1/32".parse().unwrap());
    config.trusted_proxies.push("127.0.0.1/32".parse().unwrap());
    // Test worlds write events at made-up times (µs 10, 11, ...) into a database other
    // stories share: a node pruning "old" events would take theirs (the store's tests cover
    // pruning).
    config.event_retention_micros = None;
    if config.files == ServerConfig::default().files {
        config.files = test_files(&store);
    }
    let state = AppState::new(store, clock, config).unwrap();
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

/// One Server-Sent Event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub name: String,
    pub id: Option<String>,
    pub data: Value,
}

/// A live `text/event-stream` response, read as events arrive (chunked transfer decoded).
pub struct EventStream {
    stream: tokio::net::TcpStream,
    /// Raw bytes not yet decoded from chunks.
    raw: Vec<u8>,
    /// Decoded body text not yet split into events.
    text: String,
    /// The last chunk (size 0) arrived: the server ended the response.
    ended: bool,
}

impl EventStream {
    /// Opens `GET path` and checks the answer is an event stream.
    pub async fn open(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> EventStream {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut req =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        let head_end = loop {
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "the server closed the stream before answering");
            raw.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8(raw[..head_end].to_vec()).unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase().contains("text/event-stream"),
            "{head}"
        );
        let raw = raw[head_end + 4..].to_vec();
        EventStream {
            stream,
            raw,
            text: String::new(),
            ended: false,
        }
    }

    /// Moves complete chunks from `raw` to `text`.
    fn dechunk(&mut self) {
        loop {
            let Some(eol) = self.raw.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let size_line = String::from_utf8_lossy(&self.raw[..eol]).to_string();
            let size = usize::from_str_radix(size_line.trim(), 16).unwrap();
            if self.raw.len() < eol + 2 + size + 2 {
                return;
            }
            if size == 0 {
                self.ended = true;
            }
            let chunk = self.raw[eol + 2..eol + 2 + size].to_vec();
            self.text.push_str(&String::from_utf8(chunk).unwrap());
            self.raw.drain(..eol + 2 + size + 2);
        }
    }

    /// The next event (comments skipped), or `None` when none comes within `within`.
    pub async fn next(&mut self, within: std::time::Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            self.dechunk();
            while let Some(end) = self.text.find("\n\n") {
                let block: String = self.text.drain(..end + 2).collect();
                let (mut name, mut id, mut data) = (String::from("message"), None, String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(SseEvent {
                    name,
                    id,
                    data: serde_json::from_str(&data).unwrap(),
                });
            }
            if self.ended {
                return None;
            }
            let mut buf = [0u8; 8192];
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await;
            match read {
                Err(_) => return None,
                Ok(Ok(0)) => return None,
                Ok(Ok(n)) => self.raw.extend_from_slice(&buf[..n]),
                Ok(Err(e)) => panic!("reading the event stream: {e}"),
            }
        }
    }

    /// Whether the server ended the response (its last chunk arrived).
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Every event that arrives within `within` (waits the whole time).
    pub async fn drain(&mut self, within: std::time::Duration) -> Vec<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        let mut out = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return out;
            }
            match self.next(left).await {
                Some(e) => out.push(e),
                None => return out,
            }
        }
    }

    /// Skips events until one named `name` arrives (panics after `within`).
    pub async fn expect(&mut self, name: &str, within: std::time::Duration) -> SseEvent {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(e) if e.name == name => return e,
                Some(_) => {}
                None => panic!("no `{name}` event within {within:?}"),
            }
        }
    }
}
