//! Channels under load, against real `atende serve` processes:
//!
//! ```text
//! cargo build --release -p atende
//! cargo bench -p atende-server --bench channels -- --bench [--backend sqlite|postgres] [--seconds 10] [--connections 64] [--idle 10000]
//! ```
//!
//! 0. The store alone: messages stored one per transaction, then 100 per transaction.
//! 1. Inbound: `--connections` keep-alive connections post signed WhatsApp webhook deliveries
//!    (one text message each, from 1,000 customers) for `--seconds`, first with group commit
//!    off (each message its own commit), then on; counts acknowledged messages per second and
//!    checks every acknowledged message is in the database.
//! 2. Live events: an agent's stream on the node (and, on PostgreSQL, on a second node) while
//!    100 messages per second arrive; the delay from posting a message to its event arriving.
//! 3. Idle streams: `--idle` connected event streams; the server's resident memory per stream.
//!
//! PostgreSQL uses `ATENDE_TEST_POSTGRES_URL`. Without `--bench` it only says how to run it.

// Tests and benches set data up directly, administrative transactions included (the rule
// that only `server::attempt` opens one is for the server's own code: clippy.toml).
#![allow(clippy::disallowed_methods)]
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a benchmark: a failure should stop it loudly"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use access::{BuiltinRole, Membership, MembershipKind, Scope, Settings};
use store::{ChannelKind, ChannelWrite, NewUser, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};

mod common;

use common::{arg, call, connect, login, rss_kib, serve};

const SECRET: &str = "bench-app-secret";
const NUMBER: &str = "100200300400500";

fn payload(number: &str, wamid: &str, from: u64, text: &str) -> String {
    serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "5511900000000", "phone_number_id": number},
        "contacts": [{"profile": {"name": format!("Cliente {from}")}, "wa_id": format!("55119{from:08}")}],
        "messages": [{"from": format!("55119{from:08}"), "id": wamid, "timestamp": "1764000000", "type": "text", "text": {"body": text}}]}}]}]})
    .to_string()
}

async fn post_message(
    s: &mut BufReader<tokio::net::TcpStream>,
    addr: SocketAddr,
    number: &str,
    channel: i64,
    wamid: &str,
    from: u64,
    text: &str,
) -> u16 {
    let body = payload(number, wamid, from, text);
    let sig = server::channels::whatsapp::sign(SECRET, body.as_bytes());
    call(
        s,
        addr,
        "POST",
        &format!("/webhooks/whatsapp/{channel}"),
        &[("X-Hub-Signature-256", &sig)],
        &body,
    )
    .await
}

/// Opens an event stream; returns the raw connection after the response head.
async fn stream(addr: SocketAddr, cookie: &str) -> tokio::net::TcpStream {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!("GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut b).await.unwrap();
        head.push(b[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    s
}

/// Reads a stream, recording when each `mark-N` text first appears.
fn watch(mut s: tokio::net::TcpStream, seen: Arc<std::sync::Mutex<Vec<(u64, Instant)>>>) {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65536];
        let mut carry = String::new();
        loop {
            let n = match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let now = Instant::now();
            carry.push_str(&String::from_utf8_lossy(&buf[..n]));
            while let Some(i) = carry.find("\"mark-") {
                let rest = &carry[i + 6..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if rest.len() == digits.len() {
                    break;
                }
                if let Ok(k) = digits.parse() {
                    seen.lock().unwrap().push((k, now));
                }
                carry = carry[i + 6 + digits.len()..].to_owned();
            }
            if carry.len() > 16 {
                carry = carry[carry.len() - 16..].to_owned();
            }
        }
    });
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "channels: run it with `cargo bench -p atende-server --bench channels -- --bench` after `cargo build --release -p atende`"
        );
        return;
    }
    let backend = arg("--backend").unwrap_or_else(|| "sqlite".into());
    let seconds: u64 = arg("--seconds").map_or(10, |v| v.parse().unwrap());
    let connections: usize = arg("--connections").map_or(64, |v| v.parse().unwrap());
    let idle: usize = arg("--idle").map_or(10_000, |v| v.parse().unwrap());
    let dir = std::env::temp_dir().join(format!("atende-channels-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = (backend == "postgres")
        .then(|| std::env::var("ATENDE_TEST_POSTGRES_URL").expect("ATENDE_TEST_POSTGRES_URL"));
    let store = match &url {
        Some(u) => Store::open_postgres(u).await.unwrap(),
        None => Store::open_sqlite(&dir.join("atende.sqlite"))
            .await
            .unwrap(),
    };
    store.migrate().await.unwrap();
    let run = std::process::id();
    let a = store
        .directory()
        .create_account("bench", &Settings::default(), "Atendimento", 0)
        .await
        .unwrap();
    let dept = store.directory().default_department(a).await.unwrap();
    let agent = store
        .directory()
        .account_config(a)
        .await
        .unwrap()
        .builtin_role(BuiltinRole::Agent)
        .unwrap();
    let hash = server::secret::hash_password("carga-1234").unwrap();
    let email = format!("watcher.{run}@bench.example");
    let id = store
        .directory()
        .create_user(
            a,
            &NewUser {
                email: &email,
                name: "w",
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
                id,
                account: a,
                active: true,
                memberships: vec![Membership {
                    department: dept,
                    kind: MembershipKind::Member,
                }],
                bindings: vec![access::Binding {
                    role: agent,
                    scope: Scope::Account,
                }],
            },
        )
        .await
        .unwrap();
    let number = format!("{NUMBER}{run}");
    let mut tx = store.directory().begin_admin(a).await.unwrap();
    let channel = tx
        .create_channel(
            ChannelKind::WhatsApp,
            &ChannelWrite {
                name: "bench",
                phone_number_id: Some(&number),
                verify_token: Some("v"),
                app_secret: Some(SECRET),
                access_token: Some("t"),
                graph_base_url: Some("http://127.0.0.1:9"),
                active: true,
                ..ChannelWrite::default()
            },
            0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let count =
        |store: Store| async move { store.conversations().bench_messages(a).await.unwrap() };

    // 0. The store alone (no HTTP): one transaction per message, then 100 per transaction.
    let channel_row = store.channels().channel(channel).await.unwrap().unwrap();
    for batch in [1usize, 100] {
        let n = 20_000usize;
        let texts: Vec<(String, String)> = (0..n)
            .map(|k| {
                (
                    format!("wamid.store.{batch}.{k}"),
                    format!("55118{:08}", k % 1000),
                )
            })
            .collect();
        let t = Instant::now();
        for chunk in texts.chunks(batch) {
            let items: Vec<store::Inbound<'_>> = chunk
                .iter()
                .map(|(id, from)| store::Inbound {
                    external_id: id,
                    from,
                    profile_name: None,
                    body: "Olá",
                    at: 1,
                    media: None,
                    quoted: None,
                })
                .collect();
            store
                .channels()
                .receive(&channel_row, &items)
                .await
                .unwrap();
        }
        let rate = n as f64 / t.elapsed().as_secs_f64();
        println!(
            "{backend}: store alone, {batch} message(s) per transaction: {n} messages in {:.2?}: {rate:.0}/s",
            t.elapsed()
        );
    }

    // 1. Inbound throughput, group commit off then on.
    let mut results = Vec::new();
    for group in [false, true] {
        let server = serve(
            &dir,
            url.as_deref(),
            &[("ATENDE_GROUP_COMMIT", if group { "true" } else { "false" })],
        )
        .await;
        let addr = server.addr;
        let before = count(store.clone()).await;
        let acked = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for c in 0..connections {
            let (acked, number) = (Arc::clone(&acked), number.clone());
            tasks.push(tokio::spawn(async move {
                let mut s = connect(addr).await;
                let mut k = 0u64;
                while Instant::now() < deadline {
                    k += 1;
                    let wamid = format!("wamid.{group}.{c}.{k}");
                    let from = (c as u64 * 7919 + k) % 1000;
                    let body = payload(&number, &wamid, from, "Olá, bom dia");
                    let sig = server::channels::whatsapp::sign(SECRET, body.as_bytes());
                    let st = call(
                        &mut s,
                        addr,
                        "POST",
                        &format!("/webhooks/whatsapp/{channel}"),
                        &[("X-Hub-Signature-256", &sig)],
                        &body,
                    )
                    .await;
                    assert_eq!(st, 200);
                    acked.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let acked = acked.load(Ordering::Relaxed);
        let stored = (count(store.clone()).await - before) as u64;
        assert_eq!(stored, acked, "every acknowledged message is stored");
        let rate = acked as f64 / seconds as f64;
        println!(
            "{backend}: inbound webhook, group commit {}: {acked} messages acknowledged in {seconds} s by {connections} connections: {rate:.0}/s (all {stored} in the database)",
            if group { "on" } else { "off" }
        );
        results.push(rate);
        drop(server);
    }
    println!(
        "{backend}: group commit / one commit per message: {:.1}x",
        results[1] / results[0]
    );

    // 2. Event latency: one node, and on PostgreSQL a second node.
    let server = serve(&dir, url.as_deref(), &[("ATENDE_GROUP_COMMIT", "true")]).await;
    let second = if url.is_some() {
        Some(serve(&dir, url.as_deref(), &[("ATENDE_GROUP_COMMIT", "true")]).await)
    } else {
        None
    };
    let cookie = login(server.addr, &email).await;
    let mut nodes = vec![("same node", server.addr)];
    if let Some(s) = &second {
        nodes.push(("other node", s.addr));
    }
    let mut seen = Vec::new();
    for (_, addr) in &nodes {
        let s = stream(*addr, &cookie).await;
        let v = Arc::new(std::sync::Mutex::new(Vec::new()));
        watch(s, Arc::clone(&v));
        seen.push(v);
    }
    let mut sent = Vec::new();
    let mut poster = connect(server.addr).await;
    for k in 0..500u64 {
        let t = Instant::now();
        let st = post_message(
            &mut poster,
            server.addr,
            &number,
            channel,
            &format!("wamid.lat.{run}.{k}"),
            k % 50,
            &format!("mark-{k}"),
        )
        .await;
        assert_eq!(st, 200);
        sent.push(t);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for ((name, _), v) in nodes.iter().zip(&seen) {
        let v = v.lock().unwrap();
        let mut lat: Vec<Duration> = v
            .iter()
            .map(|(k, at)| at.duration_since(sent[*k as usize]))
            .collect();
        lat.sort_unstable();
        assert!(!lat.is_empty(), "no event arrived on the {name}");
        let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize];
        println!(
            "{backend}: event delay, message posted to the node -> agent's stream on the {name}: {} of 500 events, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
            lat.len(),
            p(0.5),
            p(0.99),
            p(1.0)
        );
    }
    drop(second);

    // 3. Idle streams.
    let pid = server.child.id();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rest = rss_kib(pid);
    let mut open = Vec::with_capacity(idle);
    for _ in 0..idle {
        open.push(stream(server.addr, &cookie).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let loaded = rss_kib(pid);
    println!(
        "{backend}: {idle} idle event streams: server memory {rest} KiB -> {loaded} KiB, {:.1} KiB per stream",
        (loaded.saturating_sub(rest)) as f64 / idle as f64
    );
    drop(open);
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}
