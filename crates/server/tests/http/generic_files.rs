//! Files through the generic channel over real HTTP: an integration posts a message whose
//! `attachment` names a URL of its own storage (a small server on loopback here, which the
//! tests' nodes allow as an operator's `outbound_allow` would). The message is acknowledged
//! while the storage still holds the bytes back; the node's downloader (the same one that
//! fetches WhatsApp's media) then fetches the URL, checks the size and the SHA-256 announced,
//! and the file is served byte for byte to a reader who may see the conversation's details,
//! 404 to anyone else. A URL the egress policy refuses is a 400 before anything is stored; a
//! file over its kind's limit ends `failed` with the reason.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::media::{INVOICE, PHOTO, files_when, login, messages, sha};
use super::*;

/// An integration's file storage on loopback: `GET /f/{name}` answers the file (its bytes
/// and type), once the gate is open.
pub(crate) struct Storage {
    files: Mutex<HashMap<String, (Vec<u8>, String)>>,
    /// Names served, in order.
    pub(crate) served: Mutex<Vec<String>>,
    gate: tokio::sync::Semaphore,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            files: Mutex::default(),
            served: Mutex::default(),
            // Closed: downloads wait until `open_gate`.
            gate: tokio::sync::Semaphore::new(0),
        }
    }
}

impl Storage {
    /// Serves `bytes` as `name`.
    pub(crate) fn put(&self, name: &str, bytes: &[u8], mime: &str) {
        self.files
            .lock()
            .unwrap()
            .insert(name.to_owned(), (bytes.to_vec(), mime.to_owned()));
    }

    /// Lets downloads go on (the storage starts closed: they wait).
    pub(crate) fn open_gate(&self) {
        self.gate.add_permits(tokio::sync::Semaphore::MAX_PERMITS);
    }
}

async fn serve_file(
    State(storage): State<Arc<Storage>>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> axum::response::Response {
    let _pass = storage.gate.acquire().await.unwrap();
    let file = storage.files.lock().unwrap().get(&name).cloned();
    match file {
        Some((bytes, mime)) => {
            storage.served.lock().unwrap().push(name);
            ([(axum::http::header::CONTENT_TYPE, mime)], bytes).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The storage on 127.0.0.1, its gate closed.
pub(crate) async fn start_storage() -> (SocketAddr, Arc<Storage>) {
    let storage = Arc::new(Storage::default());
    let app = axum::Router::new()
        .route("/f/{name}", axum::routing::get(serve_file))
        .with_state(Arc::clone(&storage));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, storage)
}

/// A generic channel into `department`, created by the owner (`cookie`); its token.
pub(crate) async fn generic_channel(addr: SocketAddr, cookie: &str, department: i64) -> String {
    let r = request(
        addr,
        "POST",
        "/api/v1/channels",
        &[("Cookie", cookie)],
        Some(
            &json!({"kind": "generic", "name": "Site com arquivos", "department_id": department})
                .to_string(),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["token"].as_str().unwrap().to_owned()
}

/// Posts a generic message with the channel's token.
pub(crate) async fn post_generic(addr: SocketAddr, token: &str, body: &Value) -> Response {
    let auth = format!("Bearer {token}");
    request(
        addr,
        "POST",
        "/webhooks/generic/messages",
        &[("Authorization", &auth)],
        Some(&body.to_string()),
    )
    .await
}

/// The one conversation of the account whose contact is named `name`, as `cookie` finds it.
pub(crate) async fn conversation_of(addr: SocketAddr, cookie: &str, name: &str) -> i64 {
    let r = request(
        addr,
        "GET",
        &format!("/api/v1/conversations?tab=waiting&q={name}"),
        &[("Cookie", cookie)],
        None,
    )
    .await;
    let items = r.json()["items"].as_array().cloned().unwrap();
    assert_eq!(items.len(), 1, "{}", r.body);
    items[0]["id"].as_i64().unwrap()
}

#[expect(clippy::too_many_lines, reason = "one story, told in order")]
pub async fn generic_files_story(w: World) {
    let addr = w.addr;
    let (files, storage) = start_storage().await;
    let (dona, bia, ana) = (
        login(&w, addr, "dona").await,
        login(&w, addr, "bia").await,
        login(&w, addr, "ana").await,
    );
    // Into Suporte: bia sees it, ana (Vendas only) does not.
    let token = generic_channel(addr, &dona, w.suporte.0).await;
    let t = &w.tag;
    let customer = format!("visitante-{}", &t[t.len() - 12..]);
    let name = format!("Arquivista{}", &t[t.len() - 6..]);
    storage.put(&format!("nota-{t}.pdf"), INVOICE, "application/pdf");
    storage.put(&format!("foto-{t}"), PHOTO, "image/jpeg");

    // A document with its caption, its size and SHA-256 announced; a photo alone, its kind
    // from its type. Both acknowledged while the storage holds the bytes back.
    let document = json!({
        "from": customer, "name": name, "text": "Segue a nota", "id": format!("doc-{t}"),
        "attachment": {
            "url": format!("http://{files}/f/nota-{t}.pdf"), "mime_type": "application/pdf",
            "kind": "document", "file_name": "nota-fiscal.pdf", "size": INVOICE.len(),
            "sha256": sha(INVOICE),
        },
    });
    let r = post_generic(addr, &token, &document).await;
    assert_eq!(
        (r.status, r.json()["received"].clone()),
        (200, json!(1)),
        "{}",
        r.body
    );
    let photo = json!({
        "from": customer, "id": format!("foto-{t}"),
        "attachment": {"url": format!("http://{files}/f/foto-{t}"), "mime_type": "image/jpeg"},
    });
    let r = post_generic(addr, &token, &photo).await;
    assert_eq!(
        (r.status, r.json()["received"].clone()),
        (200, json!(1)),
        "{}",
        r.body
    );
    // The same id again: stored once, no second file.
    let r = post_generic(addr, &token, &document).await;
    assert_eq!(r.json()["duplicates"], 1, "{}", r.body);
    let conv = conversation_of(addr, &bia, &name).await;
    let before = messages(addr, &bia, conv).await;
    assert_eq!(before.len(), 2, "{before:?}");
    assert_eq!(
        (before[0]["body"].clone(), before[1]["body"].clone()),
        (json!("Segue a nota"), json!(""))
    );
    for (m, kind) in before.iter().zip(["document", "image"]) {
        let a = &m["attachments"][0];
        assert_eq!(
            (a["kind"].as_str(), a["state"].as_str()),
            (Some(kind), Some("pending")),
            "{m}"
        );
        assert!(
            a.get("url").is_none(),
            "no URL before the file is there: {a}"
        );
    }
    assert_eq!(before[0]["attachments"][0]["file_name"], "nota-fiscal.pdf");
    assert!(storage.served.lock().unwrap().is_empty());

    storage.open_gate();
    let ready = files_when(addr, &bia, conv, |all| {
        all.len() == 2 && all.iter().all(|a| a["state"] != "pending")
    })
    .await;
    let missing = request(
        addr,
        "GET",
        "/api/v1/attachments/999999999",
        &[("Cookie", &bia)],
        None,
    )
    .await;
    for (a, (bytes, mime)) in ready
        .iter()
        .zip([(INVOICE, "application/octet-stream"), (PHOTO, "image/jpeg")])
    {
        assert_eq!(a["state"], "ready", "{a}");
        assert_eq!(a["size"], bytes.len(), "{a}");
        let url = a["url"].as_str().unwrap();
        // Who may see the conversation's details: the same bytes.
        for who in [&bia, &dona] {
            let r = request(addr, "GET", url, &[("Cookie", who)], None).await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert!(
                r.raw == *bytes,
                "the bytes served are the bytes the integration had"
            );
            assert_eq!(r.header("content-type"), Some(mime));
            assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        }
        // Who may not: 404, byte-identical to a file that does not exist.
        let hidden = request(addr, "GET", url, &[("Cookie", &ana)], None).await;
        assert_eq!((hidden.status, &hidden.body), (404, &missing.body));
    }

    // Refused before anything is stored, with a 400 that says why.
    let with =
        |attachment: Value| json!({"from": customer, "text": "recusado", "attachment": attachment});
    let refused = [
        // Loopback, but not the address the operator allowed.
        (
            with(
                json!({"url": format!("http://127.0.0.2:{}/f/x", files.port()), "mime_type": "image/jpeg"}),
            ),
            "target_not_allowed",
        ),
        (
            with(
                json!({"url": "http://169.254.169.254/latest/meta-data/", "mime_type": "text/plain"}),
            ),
            "target_not_allowed",
        ),
        (
            with(json!({"url": "http://files.example.com/f/1.jpg", "mime_type": "image/jpeg"})),
            "https_required",
        ),
        (
            with(json!({"url": "file:///etc/passwd", "mime_type": "text/plain"})),
            "bad_attachment",
        ),
        (
            with(json!({"url": "não é uma URL", "mime_type": "image/jpeg"})),
            "bad_attachment",
        ),
        (
            with(
                json!({"url": "https://files.example.com/1", "mime_type": "image/gif", "kind": "gif"}),
            ),
            "bad_attachment",
        ),
        (
            with(json!({"url": "https://files.example.com/1", "mime_type": "jpeg"})),
            "bad_attachment",
        ),
        (
            with(
                json!({"url": "https://files.example.com/1", "mime_type": "image/png", "sha256": "abc"}),
            ),
            "bad_attachment",
        ),
        (
            with(
                json!({"url": "https://files.example.com/1", "mime_type": "image/png", "size": 6 * 1024 * 1024}),
            ),
            "file_too_large",
        ),
        (json!({"from": customer}), "bad_message"),
        (json!({"from": customer, "text": "  "}), "bad_message"),
    ];
    for (body, code) in &refused {
        let r = post_generic(addr, &token, body).await;
        assert_eq!(
            (r.status, r.code()),
            (400, (*code).to_owned()),
            "{body}: {}",
            r.body
        );
    }
    let r = post_generic(
        addr,
        &token,
        &with(json!({"url": "https://files.example.com/1", "mime_type": "image/png", "extra": 1})),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "invalid_json".to_owned()),
        "{}",
        r.body
    );
    assert_eq!(
        messages(addr, &bia, conv).await.len(),
        2,
        "nothing refused was stored"
    );

    // A sticker over its kind's limit (500 KiB), and a URL the storage does not know: both
    // acknowledged, both end failed with the reason.
    storage.put(
        &format!("grande-{t}"),
        &vec![0_u8; 600 * 1024],
        "image/webp",
    );
    for (id, url) in [
        ("grande", format!("http://{files}/f/grande-{t}")),
        ("sumiu", format!("http://{files}/f/sumiu-{t}")),
    ] {
        let r = post_generic(
            addr,
            &token,
            &json!({"from": customer, "id": format!("{id}-{t}"),
                    "attachment": {"url": url, "mime_type": "image/webp", "kind": "sticker"}}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let all = files_when(addr, &bia, conv, |all| {
        all.len() == 4 && all[2]["state"] == "failed" && all[3]["state"] == "failed"
    })
    .await;
    let big = all[2]["error"].as_str().unwrap();
    assert!(
        big.contains("limit") && big.contains("500 KiB"),
        "{}",
        all[2]
    );
    let gone = all[3]["error"].as_str().unwrap();
    assert!(gone.contains("HTTP 404"), "{}", all[3]);
    assert!(!gone.contains("sumiu"), "the URL is never shown: {gone}");
    let failed = all[2]["id"].as_i64().unwrap();
    let r = request(
        addr,
        "GET",
        &format!("/api/v1/attachments/{failed}"),
        &[("Cookie", &bia)],
        None,
    )
    .await;
    assert_eq!(
        (r.status, &r.body),
        (404, &missing.body),
        "nothing to serve for a failed file"
    );
}
