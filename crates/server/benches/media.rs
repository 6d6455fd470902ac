//! Media against a real `atende serve` process and a fake Graph API in this process:
//!
//! ```text
//! cargo build --release -p atende
//! cargo bench -p atende-server --bench media -- --bench [--messages 400] [--clients 100] [--mib 16]
//! ```
//!
//! 1. Arrival: signed deliveries from 20 customers posted one after the other on a keep-alive
//!    connection, alternating a text and a photo; the time to the acknowledgement of each kind (the photo's
//!    file is fetched afterwards), then how long the files took to be ready.
//! 2. Serving: `--clients` concurrent downloads of one `--mib` MiB document through
//!    `GET /api/v1/attachments/{id}`; time to the first byte of each, and the server's resident
//!    memory growth (sampled every 5 ms), against the obvious way in the same run: a server
//!    (this binary, `--obvious`) that reads the whole file into memory for each request.
//!
//! SQLite, files in the data directory. Without `--bench` it only says how to run it.

#![allow(clippy::disallowed_methods)]
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a benchmark: a failure should stop it loudly"
)]

#[path = "common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use access::{BuiltinRole, Membership, MembershipKind, Scope, Settings};
use base64::Engine as _;
use common::{arg, call, connect, login, rss_kib, serve};
use serde_json::{Value, json};
use sha2::Digest as _;
use store::{ChannelKind, ChannelWrite, NewUser, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "bench-app-secret";
const NUMBER: &str = "100200300400777";
const TOKEN: &str = "bench-token";
const PHOTO: &[u8] = include_bytes!("../tests/fixtures/media/photo.jpg");

fn sha64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(b))
}

/// The fake Graph API: `GET /v21.0/{id}` (the number's proof, or a file's description) and
/// `GET /files/{id}`.
async fn fake_graph(
    files: Arc<std::collections::HashMap<String, (Vec<u8>, &'static str)>>,
) -> SocketAddr {
    use axum::extract::{Path, State};
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    type Files = Arc<std::collections::HashMap<String, (Vec<u8>, &'static str)>>;
    async fn describe(
        State(f): State<Files>,
        Path(id): Path<String>,
        h: HeaderMap,
    ) -> axum::response::Response {
        let host = h
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if id == NUMBER {
            return axum::Json(json!({"id": NUMBER})).into_response();
        }
        match f.get(&id) {
            Some((b, mime)) => axum::Json(json!({"url": format!("http://{host}/files/{id}"), "mime_type": mime, "sha256": sha64(b), "file_size": b.len(), "id": id})).into_response(),
            None => axum::http::StatusCode::NOT_FOUND.into_response(),
        }
    }
    async fn file(State(f): State<Files>, Path(id): Path<String>) -> axum::response::Response {
        match f.get(&id) {
            Some((b, mime)) => {
                ([(axum::http::header::CONTENT_TYPE, *mime)], b.clone()).into_response()
            }
            None => axum::http::StatusCode::NOT_FOUND.into_response(),
        }
    }
    let app = axum::Router::new()
        .route("/v21.0/{id}", axum::routing::get(describe))
        .route("/files/{id}", axum::routing::get(file))
        .with_state(files);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn delivery(wamid: &str, from: u64, media: Option<(&str, &str, &[u8], &str)>) -> String {
    let mut m = json!({"from": format!("55119{from:08}"), "id": wamid, "timestamp": "1764000000"});
    match media {
        None => {
            m["type"] = json!("text");
            m["text"] = json!({"body": "Olá, tudo bem?"});
        }
        Some((kind, id, bytes, mime)) => {
            m["type"] = json!(kind);
            m[kind] = json!({"id": id, "mime_type": mime, "sha256": sha64(bytes), "filename": "nota.pdf"});
        }
    }
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "5511900000000", "phone_number_id": NUMBER},
        "contacts": [{"profile": {"name": format!("Cliente {from}")}, "wa_id": format!("55119{from:08}")}],
        "messages": [m]}}]}]})
    .to_string()
}

async fn get_json(addr: SocketAddr, path: &str, cookie: &str) -> Value {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let body = raw.split_once("\r\n\r\n").unwrap().1;
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// `n` clients download `path` at once; (time to first byte of each, peak RSS growth KiB, time
/// until the last byte of the last one).
async fn downloads(
    addr: SocketAddr,
    pid: u32,
    path: &str,
    cookie: &str,
    n: usize,
    size: usize,
) -> (Vec<Duration>, u64, Duration) {
    let before = rss_kib(pid);
    let began = Instant::now();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        })
    };
    let start = tokio::sync::Barrier::new(n);
    let start = Arc::new(start);
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (path, cookie, start) = (path.to_owned(), cookie.to_owned(), Arc::clone(&start));
            tokio::spawn(async move {
                let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                start.wait().await;
                let t = Instant::now();
                s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n").as_bytes())
                    .await
                    .unwrap();
                let mut buf = vec![0_u8; 64 * 1024];
                let mut first = None;
                let mut total = 0;
                loop {
                    let k = s.read(&mut buf).await.unwrap();
                    if k == 0 {
                        break;
                    }
                    first.get_or_insert_with(|| t.elapsed());
                    total += k;
                }
                assert!(total > size, "a whole answer: {total} bytes");
                first.unwrap()
            })
        })
        .collect();
    let mut firsts = Vec::new();
    for t in tasks {
        firsts.push(t.await.unwrap());
    }
    let all = began.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await.unwrap();
    firsts.sort();
    (firsts, peak.saturating_sub(before), all)
}

/// The obvious way: each request reads the whole file, then answers it.
async fn obvious_server(port: u16, file: std::path::PathBuf) {
    let app = axum::Router::new().route(
        "/file",
        axum::routing::get(move || {
            let file = file.clone();
            async move { tokio::fs::read(&file).await.unwrap() }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}

/// The floor: the same streaming from the same file store (files crate, local directory), with
/// no session, no access check and no database: what serving costs on this machine by itself.
async fn floor_server(port: u16, dir: std::path::PathBuf, key: String) {
    let files = files::Files::directory(&dir).unwrap();
    let app = axum::Router::new().route(
        "/file",
        axum::routing::get(move || {
            let (files, key) = (files.clone(), key.clone());
            async move {
                use futures_util::StreamExt as _;
                let reading = files.get(&key).await.unwrap();
                let chunks = reading
                    .chunks
                    .map(|c| c.map_err(|e| std::io::Error::other(e.to_string())));
                let mut response =
                    axum::response::Response::new(axum::body::Body::from_stream(chunks));
                response.headers_mut().insert(
                    axum::http::header::CONTENT_LENGTH,
                    axum::http::HeaderValue::from(reading.size),
                );
                response
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}

/// Starts this binary as another server (`args`) and waits until it accepts connections.
async fn helper_server(args: &[&str]) -> (std::process::Child, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .arg(port.to_string())
        .args(args)
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (child, addr)
}

fn pct(v: &[Duration], p: f64) -> f64 {
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let port = || std::env::args().nth(1).unwrap().parse().unwrap();
    if std::env::args().any(|a| a == "--obvious") {
        obvious_server(port(), arg("--file").unwrap().into()).await;
        return;
    }
    if std::env::args().any(|a| a == "--floor") {
        floor_server(port(), arg("--dir").unwrap().into(), arg("--key").unwrap()).await;
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "media: run it with `cargo bench -p atende-server --bench media -- --bench` after `cargo build --release -p atende`"
        );
        return;
    }
    let messages: usize = arg("--messages").map_or(400, |v| v.parse().unwrap());
    let clients: usize = arg("--clients").map_or(100, |v| v.parse().unwrap());
    let mib: usize = arg("--mib").map_or(16, |v| v.parse().unwrap());
    let dir = std::env::temp_dir().join(format!("atende-media-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open_sqlite(&dir.join("atende.sqlite"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
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
    let email = "dona@bench.example";
    let user = store
        .directory()
        .create_user(
            a,
            &NewUser {
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
    let big: Vec<u8> = (0..mib * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let mut files = std::collections::HashMap::new();
    for i in 0..messages / 2 {
        files.insert(format!("photo-{i}"), (PHOTO.to_vec(), "image/jpeg"));
    }
    files.insert("big".to_owned(), (big.clone(), "application/pdf"));
    let graph = fake_graph(Arc::new(files)).await;
    let mut tx = store.directory().begin_admin(a).await.unwrap();
    let channel = tx
        .create_channel(
            ChannelKind::WhatsApp,
            &ChannelWrite {
                name: "w",
                phone_number_id: Some(NUMBER),
                app_secret: Some(SECRET),
                access_token: Some(TOKEN),
                graph_base_url: Some(&format!("http://{graph}/v21.0")),
                active: true,
                ..ChannelWrite::default()
            },
            0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    let server = serve(&dir, None, &[("ATENDE_OUTBOUND_ALLOW", "127.0.0.1")]).await;
    let addr = server.addr;
    let pid = server.child.id();

    // 1. Arrival: text and photo alternating, each acknowledged before the next is posted.
    let mut s = connect(addr).await;
    let (mut text, mut photo) = (Vec::new(), Vec::new());
    for i in 0..messages {
        let media = (i % 2 == 1).then(|| ("image", format!("photo-{}", i / 2)));
        let body = delivery(
            &format!("wamid.{i}"),
            (i % 20) as u64,
            media
                .as_ref()
                .map(|(k, id)| (*k, id.as_str(), PHOTO, "image/jpeg")),
        );
        let sig = server::channels::whatsapp::sign(SECRET, body.as_bytes());
        let t = Instant::now();
        let status = call(
            &mut s,
            addr,
            "POST",
            &format!("/webhooks/whatsapp/{channel}"),
            &[("X-Hub-Signature-256", &sig)],
            &body,
        )
        .await;
        assert_eq!(status, 200);
        if media.is_some() {
            photo.push(t.elapsed())
        } else {
            text.push(t.elapsed())
        }
    }
    let posted = Instant::now();
    let cookie = login(addr, email).await;
    text.sort();
    photo.sort();
    println!(
        "arrival, {} texts and {} photos posted one after the other (SQLite):",
        text.len(),
        photo.len()
    );
    println!(
        "  text   acknowledged: p50 {:.2} ms, p99 {:.2} ms",
        pct(&text, 0.5),
        pct(&text, 0.99)
    );
    println!(
        "  photo  acknowledged: p50 {:.2} ms, p99 {:.2} ms",
        pct(&photo, 0.5),
        pct(&photo, 0.99)
    );

    // Every photo's file fetched, and the big document.
    let big_body = delivery(
        "wamid.big",
        99_999_999,
        Some(("document", "big", &big, "application/pdf")),
    );
    let sig = server::channels::whatsapp::sign(SECRET, big_body.as_bytes());
    assert_eq!(
        call(
            &mut s,
            addr,
            "POST",
            &format!("/webhooks/whatsapp/{channel}"),
            &[("X-Hub-Signature-256", &sig)],
            &big_body
        )
        .await,
        200
    );
    let big_id = loop {
        let page = get_json(addr, "/api/v1/conversations?tab=waiting&limit=200", &cookie).await;
        let mut ready = 0;
        let mut big_id = None;
        for c in page["items"].as_array().unwrap() {
            let msgs = get_json(
                addr,
                &format!("/api/v1/conversations/{}/messages", c["id"]),
                &cookie,
            )
            .await;
            for a in msgs
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|m| m["attachments"].as_array().cloned().unwrap_or_default())
            {
                if a["state"] == "ready" {
                    ready += 1;
                    if a["kind"] == "document" {
                        big_id = a["id"].as_i64();
                    }
                }
            }
        }
        if ready == photo.len() + 1 {
            break big_id.unwrap();
        }
        assert!(
            posted.elapsed() < Duration::from_secs(120),
            "files not ready: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "  every file fetched and stored {:.2} s after the last post",
        posted.elapsed().as_secs_f64()
    );

    // 2. Serving, ours then the obvious way.
    let (ours, grown, ours_all) = downloads(
        addr,
        pid,
        &format!("/api/v1/attachments/{big_id}"),
        &cookie,
        clients,
        big.len(),
    )
    .await;
    // The floor: the same file store and streaming, nothing else.
    let floor_dir = dir.join("floor");
    let key = files::new_key("floor").unwrap();
    files::Files::directory(&floor_dir)
        .unwrap()
        .put(
            &key,
            futures_util::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from(
                big.clone(),
            ))]),
            u64::MAX,
        )
        .await
        .unwrap();
    let (mut floor, floor_addr) = helper_server(&[
        "--floor",
        "--dir",
        floor_dir.to_str().unwrap(),
        "--key",
        &key,
    ])
    .await;
    let (bare, bare_grown, bare_all) =
        downloads(floor_addr, floor.id(), "/file", "", clients, big.len()).await;
    floor.kill().ok();
    floor.wait().ok();
    // The obvious way.
    let file = dir.join("big.bin");
    std::fs::write(&file, &big).unwrap();
    let (mut naive, naive_addr) =
        helper_server(&["--obvious", "--file", file.to_str().unwrap()]).await;
    let (theirs, theirs_grown, theirs_all) =
        downloads(naive_addr, naive.id(), "/file", "", clients, big.len()).await;
    naive.kill().ok();
    naive.wait().ok();
    println!("serving, {clients} concurrent downloads of a {mib} MiB file:");
    println!(
        "  Atende (streamed):       first byte p50 {:.2} ms, p99 {:.2} ms; resident memory +{} MiB; all done in {:.2} s",
        pct(&ours, 0.5),
        pct(&ours, 0.99),
        grown / 1024,
        ours_all.as_secs_f64()
    );
    println!(
        "  the floor (same streaming, no session, no access check, no database): first byte p50 {:.2} ms, p99 {:.2} ms; resident memory +{} MiB; all done in {:.2} s",
        pct(&bare, 0.5),
        pct(&bare, 0.99),
        bare_grown / 1024,
        bare_all.as_secs_f64()
    );
    println!(
        "  whole file in memory:    first byte p50 {:.2} ms, p99 {:.2} ms; resident memory +{} MiB; all done in {:.2} s",
        pct(&theirs, 0.5),
        pct(&theirs, 0.99),
        theirs_grown / 1024,
        theirs_all.as_secs_f64()
    );
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}
