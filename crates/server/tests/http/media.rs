//! Media over real HTTP: the recorded Cloud API payloads of every media type (image, voice
//! note, video, document, sticker) are acknowledged while the fake Graph API still holds their
//! files back, then downloaded (media id → URL → bytes, with the channel's token), checked
//! against the SHA-256 Meta announced, stored (a directory on SQLite, the S3-compatible server on
//! PostgreSQL), and served byte for byte to a reader who may see the conversation's details,
//! with headers that keep a browser from running them; 404 for anyone else, byte-identical to an
//! id that does not exist. A download that fails is retried; a file whose digest does not match,
//! or that is too large, ends `failed` with the reason on the message.

use std::net::SocketAddr;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::common::{launch_with, request_bytes};

use super::fake_graph::start_fake;
use super::*;

pub(crate) const PHOTO: &[u8] = include_bytes!("../fixtures/media/photo.jpg");
pub(crate) const VOICE: &[u8] = include_bytes!("../fixtures/media/voice.ogg");
pub(crate) const CLIP: &[u8] = include_bytes!("../fixtures/media/clip.mp4");
pub(crate) const INVOICE: &[u8] = include_bytes!("../fixtures/media/invoice.pdf");
const STICKER: &[u8] = include_bytes!("../fixtures/media/sticker.webp");

pub(crate) fn sha(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

/// A recorded payload for `number`, with the media id and the SHA-256 of the file served.
pub(crate) fn payload(
    fixture: &str,
    kind: &str,
    number: &str,
    media_id: &str,
    digest: &str,
    wamid: &str,
) -> String {
    let mut v: Value = serde_json::from_str(fixture).unwrap();
    let value = &mut v["entry"][0]["changes"][0]["value"];
    value["metadata"]["phone_number_id"] = json!(number);
    let m = &mut value["messages"][0];
    m["id"] = json!(wamid);
    m[kind]["id"] = json!(media_id);
    m[kind]["sha256"] = json!(digest);
    v.to_string()
}

pub(crate) async fn login(w: &World, addr: SocketAddr, who: &str) -> String {
    let r = request(
        addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&json!({"email": w.email(who), "password": "senha-forte-1"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The messages of the conversation the customer's deliveries went to.
pub(crate) async fn messages(addr: SocketAddr, cookie: &str, conv: i64) -> Vec<Value> {
    let r = request(
        addr,
        "GET",
        &format!("/api/v1/conversations/{conv}/messages"),
        &[("Cookie", cookie)],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json().as_array().unwrap().clone()
}

/// Waits until the conversation's files (in order) satisfy `done`; their attachments.
pub(crate) async fn files_when(
    addr: SocketAddr,
    cookie: &str,
    conv: i64,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..1000 {
        let all: Vec<Value> = messages(addr, cookie, conv)
            .await
            .iter()
            .flat_map(|m| m["attachments"].as_array().cloned().unwrap_or_default())
            .collect();
        if done(&all) {
            return all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "the files never got there: {:?}",
        messages(addr, cookie, conv).await
    );
}

/// Waits until every file of the conversation has left `pending`.
async fn settled(addr: SocketAddr, cookie: &str, conv: i64, files: usize) -> Vec<Value> {
    files_when(addr, cookie, conv, |all| {
        all.len() == files && all.iter().all(|a| a["state"] != "pending")
    })
    .await
}

/// A WhatsApp channel into Suporte, connected by the owner (`cookie`) with a token the fake
/// Graph API at `graph` confirms; (channel id, phone number id, access token).
pub(crate) async fn connect_channel(
    w: &World,
    addr: SocketAddr,
    cookie: &str,
    (graph, fake): (SocketAddr, &super::fake_graph::Fake),
    prefix: &str,
    app_secret: &str,
) -> (i64, String, String) {
    let number = format!("{prefix}{}", &w.tag[w.tag.len() - 11..]);
    let token = format!("EAAG-{prefix}-{}", w.tag);
    fake.grant(&number, &token);
    let r = request(
        addr,
        "POST",
        "/api/v1/channels",
        &[("Cookie", cookie)],
        Some(
            &json!({
                "kind": "whatsapp", "name": format!("WhatsApp {prefix}"), "department_id": w.suporte.0,
                "phone_number_id": number, "verify_token": "v", "app_secret": app_secret,
                "access_token": token, "graph_base_url": format!("http://{graph}/v21.0"),
            })
            .to_string(),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    (r.json()["id"].as_i64().unwrap(), number, token)
}

#[expect(clippy::too_many_lines, reason = "one story, told in order")]
pub async fn media_story(w: World) {
    let (graph, fake) = start_fake().await;
    let config = server::ServerConfig {
        // Retries within a few hundred milliseconds.
        retry_unit_micros: 1_000,
        ..server::ServerConfig::default()
    };
    let addr = launch_with(w.store.clone(), config).await;
    let (dona, bia, ana) = (
        login(&w, addr, "dona").await,
        login(&w, addr, "bia").await,
        login(&w, addr, "ana").await,
    );
    let (channel, number, token) =
        connect_channel(&w, addr, &dona, (graph, &fake), "2065", "segredo-midia").await;

    // The five kinds, served by the fake with the channel's token; the gate holds the bytes.
    let t = &w.tag;
    let kinds: [(&str, &str, &[u8], &str, &str); 5] = [
        (
            "image",
            include_str!("../fixtures/whatsapp/image.json"),
            PHOTO,
            "image/jpeg",
            "Foto da caixa amassada",
        ),
        (
            "audio",
            include_str!("../fixtures/whatsapp/audio.json"),
            VOICE,
            "audio/ogg; codecs=opus",
            "",
        ),
        (
            "video",
            include_str!("../fixtures/whatsapp/video.json"),
            CLIP,
            "video/mp4",
            "Olha o barulho que faz",
        ),
        (
            "document",
            include_str!("../fixtures/whatsapp/document.json"),
            INVOICE,
            "application/pdf",
            "Segue a nota",
        ),
        (
            "sticker",
            include_str!("../fixtures/whatsapp/sticker.json"),
            STICKER,
            "image/webp",
            "",
        ),
    ];
    fake.close_gate();
    let deliver = |body: String| {
        let sig = server::channels::whatsapp::sign("segredo-midia", body.as_bytes());
        async move {
            request_bytes(
                addr,
                "POST",
                &format!("/webhooks/whatsapp/{channel}"),
                &[("X-Hub-Signature-256", &sig)],
                Some(body.as_bytes()),
            )
            .await
        }
    };
    for (kind, fixture, bytes, mime, _) in &kinds {
        let id = format!("{kind}-{t}");
        fake.file(&id, bytes, mime, &token);
        let r = deliver(payload(
            fixture,
            kind,
            &number,
            &id,
            &sha(bytes),
            &format!("wamid.{kind}.{t}"),
        ))
        .await;
        // Acknowledged while the file is still held back: the arrival never waits for it.
        assert_eq!(r.status, 200, "{kind}: {}", r.body);
    }
    let conv = {
        let r = request(
            addr,
            "GET",
            "/api/v1/conversations?tab=waiting&q=987654321",
            &[("Cookie", &bia)],
            None,
        )
        .await;
        let items = r.json()["items"].as_array().cloned().unwrap();
        assert_eq!(items.len(), 1, "{}", r.body);
        items[0]["id"].as_i64().unwrap()
    };
    let before = messages(addr, &bia, conv).await;
    assert_eq!(before.len(), 5);
    for (m, (kind, _, _, mime, caption)) in before.iter().zip(&kinds) {
        assert_eq!(m["body"], *caption, "{m}");
        let a = &m["attachments"][0];
        assert_eq!(
            (a["kind"].as_str(), a["state"].as_str()),
            (Some(*kind), Some("pending")),
            "{m}"
        );
        assert_eq!(a["mime_type"], *mime);
        assert!(
            a.get("url").is_none(),
            "no URL before the file is there: {a}"
        );
    }
    assert_eq!(before[1]["attachments"][0]["voice"], true);
    assert_eq!(
        before[3]["attachments"][0]["file_name"],
        "nota-fiscal-1234.pdf"
    );
    assert!(fake.files_served.lock().unwrap().is_empty());
    fake.open_gate();
    let files = settled(addr, &bia, conv, 5).await;

    // Each file byte for byte, with safe headers; the PDF is a download, never inline.
    for (a, (kind, _, bytes, mime, _)) in files.iter().zip(&kinds) {
        assert_eq!(a["state"], "ready", "{a}");
        assert_eq!(a["size"], bytes.len(), "{a}");
        let url = a["url"].as_str().unwrap();
        let r = request(addr, "GET", url, &[("Cookie", &bia)], None).await;
        assert_eq!(r.status, 200, "{kind}: {}", r.body);
        assert!(
            r.raw == *bytes,
            "{kind}: the bytes served are the bytes sent"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(
            r.header("content-security-policy"),
            Some("default-src 'none'; sandbox")
        );
        let disposition = r.header("content-disposition").unwrap();
        if *kind == "document" {
            assert_eq!(r.header("content-type"), Some("application/octet-stream"));
            assert!(
                disposition.starts_with("attachment; filename=\"nota-fiscal-1234.pdf\""),
                "{disposition}"
            );
        } else {
            assert_eq!(r.header("content-type"), Some(*mime));
            assert!(disposition.starts_with("inline;"), "{disposition}");
        }
    }

    // Anyone who may not see the details: 404, byte-identical to a file that does not exist,
    // also through an API token of theirs.
    let photo = files[0]["url"].as_str().unwrap().to_owned();
    let hidden = request(addr, "GET", &photo, &[("Cookie", &ana)], None).await;
    let missing = request(
        addr,
        "GET",
        "/api/v1/attachments/999999999",
        &[("Cookie", &bia)],
        None,
    )
    .await;
    assert_eq!((hidden.status, &hidden.body), (404, &missing.body));
    let anonymous = request(addr, "GET", &photo, &[], None).await;
    assert_eq!(anonymous.status, 401);
    let owner = request(addr, "GET", &photo, &[("Cookie", &dona)], None).await;
    assert_eq!(owner.status, 200);

    // A download that fails once is retried and lands; one whose digest differs from the
    // announced one, or too large for its kind, ends failed with the reason on the message.
    fake.file_failures.lock().unwrap().push(503);
    let id = format!("retry-{t}");
    fake.file(&id, PHOTO, "image/jpeg", &token);
    let fixture = include_str!("../fixtures/whatsapp/image.json");
    assert_eq!(
        deliver(payload(
            fixture,
            "image",
            &number,
            &id,
            &sha(PHOTO),
            &format!("wamid.retry.{t}")
        ))
        .await
        .status,
        200
    );
    let id = format!("bad-{t}");
    fake.file(&id, PHOTO, "image/jpeg", &token);
    assert_eq!(
        deliver(payload(
            fixture,
            "image",
            &number,
            &id,
            &sha(STICKER),
            &format!("wamid.bad.{t}")
        ))
        .await
        .status,
        200
    );
    let id = format!("big-{t}");
    fake.file(&id, &vec![0_u8; 600 * 1024], "image/webp", &token);
    let stickers = include_str!("../fixtures/whatsapp/sticker.json");
    assert_eq!(
        deliver(payload(
            stickers,
            "sticker",
            &number,
            &id,
            &sha(&[]),
            &format!("wamid.big.{t}")
        ))
        .await
        .status,
        200
    );
    // On PostgreSQL every story's node downloads (one bucket, one database): a node with the
    // default backoff (seconds) may take the bad file's retries, so the story waits for its
    // first failure shown, and for the end only where this node is the only one (SQLite).
    let sqlite = w.store.backend() == store::Backend::Sqlite;
    let files = files_when(addr, &bia, conv, |all| {
        all.len() == 8
            && all[5]["state"] == "ready"
            && all[6]["error"]
                .as_str()
                .is_some_and(|e| e.contains("SHA-256"))
            && (!sqlite || all[6]["state"] == "failed")
            && all[7]["state"] == "failed"
    })
    .await;
    assert!(
        files[7]["error"].as_str().unwrap().contains("limit"),
        "{}",
        files[7]
    );
    // Nothing to serve for a file that failed (or is still being retried).
    let failed = files[6]["id"].as_i64().unwrap();
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
