//! Connections that never end (hardening round 2, finding 6), on a node whose timeouts are
//! shortened to a second: twenty connections that sent half a header, one that sent nothing,
//! one kept alive after its answer, and a request that sent 1 byte of a 1,000-byte body (to the
//! API and to a webhook) are all closed within the timeout (the body with a 408); a live event
//! stream stays open well past it and still delivers. On a node capped at four connections per
//! address, the fifth from one address is answered 503 and closed while another address and
//! the trusted proxy are served, and a slot is given back when a connection ends.

use std::time::{Duration, Instant};

use serde_json::json;
use server::ServerConfig;
use server::serve::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

const TIMEOUT: Duration = Duration::from_secs(1);

/// A connection to `addr` from the loopback address `source` (127.0.0.x).
async fn connect_from(source: &str, addr: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Reads until the server closes the connection: what it sent and when, or `None` when it is
/// still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<(String, Duration)> {
    let t = Instant::now();
    let mut got = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| (String::from_utf8_lossy(&got).into_owned(), t.elapsed()))
}

/// Reads one answer with a `Content-Length` from a kept-alive connection: its head and body.
async fn one_answer(stream: &mut TcpStream) -> (String, String) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                let body = String::from_utf8_lossy(&got[end + 4..end + 4 + length]).into_owned();
                return (head, body);
            }
        }
        let n = tokio::time::timeout(WAIT, stream.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(
            n > 0,
            "closed before answering: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: atende\r\n\r\n";

pub(crate) async fn connections_story(w: World) {
    let node = common::launch_with(
        w.store.clone(),
        ServerConfig {
            connections: Limits {
                header_timeout: TIMEOUT,
                body_timeout: TIMEOUT,
                per_address: 64,
            },
            ..ServerConfig::default()
        },
    )
    .await;
    let dona = login(&w, "dona").await;
    // A live event stream on the node, before the slow clients.
    let mut stream = events(&w, node, &dona, None).await;

    // Half a header, twenty times; nothing at all; a connection kept alive after its answer.
    let mut halves = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(node).await.unwrap();
        s.write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: atende\r\nX-Slow: ")
            .await
            .unwrap();
        halves.push(s);
    }
    let mut silent = TcpStream::connect(node).await.unwrap();
    let mut kept = TcpStream::connect(node).await.unwrap();
    kept.write_all(HEALTH).await.unwrap();
    let (head, body) = one_answer(&mut kept).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body, "ok");
    // A body that stops after 1 byte of 1,000: to the API and to a webhook.
    let mut bodies = Vec::new();
    for path in ["/api/v1/auth/login", "/webhooks/generic/messages"] {
        let mut s = TcpStream::connect(node).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: atende\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        bodies.push(s);
    }
    let limit = TIMEOUT + Duration::from_secs(4);
    for (i, s) in halves.iter_mut().enumerate() {
        let closed = closed_within(s, limit).await;
        assert!(
            closed.is_some(),
            "half header {i}: still open after {limit:?}"
        );
    }
    for (what, s) in [("silent", &mut silent), ("kept alive", &mut kept)] {
        let (_, after) = closed_within(s, limit)
            .await
            .unwrap_or_else(|| panic!("{what}: still open after {limit:?}"));
        println!("{what}: closed after {after:?}");
    }
    for s in &mut bodies {
        let (answer, _) = closed_within(s, limit)
            .await
            .unwrap_or_else(|| panic!("slow body: still open after {limit:?}"));
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("request_timeout"), "{answer}");
    }

    // The event stream outlived every timeout and still delivers.
    let r = request(
        node,
        "POST",
        &format!("/api/v1/conversations/{}/note", w.w_vendas),
        &[("Cookie", &dona)],
        Some(&json!({"text": "depois do tempo"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = stream.expect("message", WAIT).await;
    assert_eq!(got.data["message"]["body"], "depois do tempo");
    assert!(!stream.ended());
    // A body sent in time is read whole.
    let r = request(
        node,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&json!({"email": w.email("bia"), "password": "senha-forte-1"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The cap: four connections per address (the trusted proxy, loopback, is not counted).
    let capped = common::launch_with(
        w.store.clone(),
        ServerConfig {
            connections: Limits {
                per_address: 4,
                ..Limits::default()
            },
            ..ServerConfig::default()
        },
    )
    .await;
    let mut four = Vec::new();
    for _ in 0..4 {
        let mut s = connect_from("127.0.0.2", capped).await;
        s.write_all(HEALTH).await.unwrap();
        let (head, _) = one_answer(&mut s).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        four.push(s);
    }
    let mut fifth = connect_from("127.0.0.2", capped).await;
    let (answer, _) = closed_within(&mut fifth, WAIT)
        .await
        .expect("the fifth is closed");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("too_many_connections"), "{answer}");
    let mut other = connect_from("127.0.0.3", capped).await;
    other.write_all(HEALTH).await.unwrap();
    assert!(one_answer(&mut other).await.0.starts_with("HTTP/1.1 200"));
    let mut proxied = Vec::new();
    for _ in 0..8 {
        let mut s = TcpStream::connect(capped).await.unwrap();
        s.write_all(HEALTH).await.unwrap();
        assert!(one_answer(&mut s).await.0.starts_with("HTTP/1.1 200"));
        proxied.push(s);
    }
    // One of the four ends: its slot is given back.
    drop(four.pop());
    let t = Instant::now();
    loop {
        let mut s = connect_from("127.0.0.2", capped).await;
        if s.write_all(HEALTH).await.is_ok() {
            let mut buf = [0u8; 12];
            if s.read_exact(&mut buf).await.is_ok() && buf.starts_with(b"HTTP/1.1 200") {
                break;
            }
        }
        assert!(t.elapsed() < WAIT, "the slot was never given back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_on_sqlite() {
    let (store, dir) = on_sqlite("connections").await;
    connections_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    connections_story(start(store).await).await;
}
