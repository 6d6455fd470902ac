//! Files agents send, over real HTTP: a photo, a voice note, a video and a document as replies
//! (stored, uploaded to the fake Graph API as multipart, then sent as the right WhatsApp type
//! with the uploaded id, the caption where WhatsApp takes one, the document's name), a voice note
//! recorded in a browser (WebM/Opus, stored and sent as OGG/Opus with `voice: true`; a WebM that
//! is not one: 400, nothing stored), a file as an internal note (never sent), and the refusals:
//! over the kind's limit (413, nothing stored), an empty file, a bad query, a user who may not
//! see the conversation (404, nothing stored).

use serde_json::{Value, json};

use crate::common::{launch_with, request_bytes};

use super::fake_graph::start_fake;
use super::media::{CLIP, INVOICE, PHOTO, VOICE, connect_channel, files_when, login, messages};

/// Two seconds of a tone in WebM/Opus (101 packets, pre-skip 312), as a browser records it.
const WEBM: &[u8] = include_bytes!("../fixtures/media/voice.webm");
use super::*;

#[expect(clippy::too_many_lines, reason = "one story, told in order")]
pub async fn media_out_story(w: World) {
    let (graph, fake) = start_fake().await;
    let addr = launch_with(w.store.clone(), server::ServerConfig::default()).await;
    let (dona, bia, ana) = (
        login(&w, addr, "dona").await,
        login(&w, addr, "bia").await,
        login(&w, addr, "ana").await,
    );
    let (channel, number, _) =
        connect_channel(&w, addr, &dona, (graph, &fake), "3065", "segredo-envio").await;
    // The customer writes: the 24-hour window is open.
    let body = include_str!("../fixtures/whatsapp/text.json").replace("106540352242922", &number);
    let sig = server::channels::whatsapp::sign("segredo-envio", body.as_bytes());
    let r = request(
        addr,
        "POST",
        &format!("/webhooks/whatsapp/{channel}"),
        &[("X-Hub-Signature-256", &sig)],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let conv = {
        let r = request(
            addr,
            "GET",
            "/api/v1/conversations?tab=waiting&q=987654321",
            &[("Cookie", &bia)],
            None,
        )
        .await;
        r.json()["items"][0]["id"].as_i64().unwrap()
    };
    let send = |cookie: &str, query: &str, mime: &str, bytes: &'static [u8]| {
        let (cookie, path, mime) = (
            cookie.to_owned(),
            format!("/api/v1/conversations/{conv}/files{query}"),
            mime.to_owned(),
        );
        async move {
            request_bytes(
                addr,
                "POST",
                &path,
                &[("Cookie", &cookie), ("Content-Type", &mime)],
                Some(bytes),
            )
            .await
        }
    };

    // bia takes the conversation (a reply needs it).
    let r = request(
        addr,
        "POST",
        &format!("/api/v1/conversations/{conv}/assume"),
        &[("Cookie", &bia)],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Who may not see the conversation: 404, nothing stored.
    let hidden = send(&ana, "", "image/jpeg", PHOTO).await;
    assert_eq!(hidden.status, 404, "{}", hidden.body);
    // Bad query, empty file, too large for its kind: refused, nothing stored.
    let r = send(&bia, "?mode=sms", "image/jpeg", PHOTO).await;
    assert_eq!((r.status, r.code()), (400, "bad_mode".into()), "{}", r.body);
    let r = send(&bia, "", "image/jpeg", b"").await;
    assert_eq!(
        (r.status, r.code()),
        (400, "empty_file".into()),
        "{}",
        r.body
    );
    let big: &'static [u8] = Box::leak(vec![7_u8; 5 * 1024 * 1024 + 1].into_boxed_slice());
    let r = send(&bia, "", "image/png", big).await;
    assert_eq!(
        (r.status, r.code()),
        (413, "file_too_large".into()),
        "{}",
        r.body
    );
    assert_eq!(
        messages(addr, &bia, conv).await.len(),
        1,
        "only the customer's text"
    );

    // Replies: each stored with its file, then uploaded and sent as its WhatsApp type.
    let sent: Vec<(&str, &str, &[u8], &str)> = vec![
        ("?caption=Segue%20a%20foto", "image/jpeg", PHOTO, "image"),
        ("", "audio/ogg; codecs=opus", VOICE, "audio"),
        ("?caption=O%20v%C3%ADdeo", "video/mp4", CLIP, "video"),
        (
            "?name=boleto%20junho.pdf&caption=Seu%20boleto",
            "application/pdf",
            INVOICE,
            "document",
        ),
    ];
    for (query, mime, bytes, kind) in &sent {
        let r = send(&bia, query, mime, bytes).await;
        assert_eq!(r.status, 201, "{kind}: {}", r.body);
        let m = r.json();
        assert_eq!(
            (m["kind"].as_str(), m["delivery"].as_str()),
            (Some("out"), Some("pending")),
            "{m}"
        );
        assert_eq!(m["attachments"][0]["kind"], *kind, "{m}");
        assert_eq!(m["attachments"][0]["size"], bytes.len());
    }
    let all = files_when(addr, &bia, conv, |_| {
        fake.received.lock().unwrap().len() >= 4
    })
    .await;
    assert_eq!(all.len(), 4);
    let got: Vec<Value> = fake
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, b)| b.clone())
        .collect();
    let uploads = fake.uploads.lock().unwrap().clone();
    assert_eq!(uploads.len(), 4, "each file uploaded once");
    for ((_, mime, bytes, kind), body) in sent.iter().zip(&got) {
        assert_eq!(body["type"], *kind, "{body}");
        let id = body[*kind]["id"].as_str().unwrap();
        let n: usize = id.strip_prefix("uploaded-").unwrap().parse().unwrap();
        let (content_type, upload) = &uploads[n - 1];
        assert!(
            content_type.starts_with("multipart/form-data"),
            "{content_type}"
        );
        assert!(
            upload.windows(bytes.len()).any(|w| w == *bytes),
            "{kind}: the file's bytes were uploaded"
        );
        let text = String::from_utf8_lossy(upload);
        assert!(
            text.contains("whatsapp") && text.contains(mime),
            "{kind}: messaging_product and type"
        );
    }
    assert_eq!(got[0]["image"]["caption"], "Segue a foto");
    assert!(
        got[1]["audio"].get("caption").is_none(),
        "WhatsApp takes no caption on audio"
    );
    assert_eq!(
        got[1]["audio"]["voice"], true,
        "an OGG/Opus audio is a voice note"
    );
    assert_eq!(got[3]["document"]["filename"], "boleto junho.pdf");
    assert_eq!(got[3]["document"]["caption"], "Seu boleto");
    // Each shows as sent, its file readable by who may see the conversation.
    let shown = messages(addr, &bia, conv).await;
    for m in shown.iter().filter(|m| m["kind"] == "out") {
        for _ in 0..200 {
            if messages(addr, &bia, conv)
                .await
                .iter()
                .find(|x| x["id"] == m["id"])
                .unwrap()["delivery"]
                == "sent"
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    let url = shown[1]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = request(addr, "GET", &url, &[("Cookie", &bia)], None).await;
    assert!(r.status == 200 && r.raw == PHOTO, "{}", r.status);

    // A voice note recorded in a browser (WebM/Opus): remuxed, stored and sent as OGG/Opus,
    // a voice note; a WebM that is not one is refused, nothing stored nor sent.
    let count = messages(addr, &bia, conv).await.len();
    for bad in [&b"not a recording"[..], &WEBM[..64], PHOTO] {
        let r = send(&bia, "", "audio/webm;codecs=opus", bad).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "bad_voice_note".into()),
            "{}",
            r.body
        );
    }
    let r = send(&bia, "", "audio/webm", b"").await;
    assert_eq!((r.status, r.code()), (400, "empty_file".into()));
    assert_eq!(messages(addr, &bia, conv).await.len(), count);
    let r = send(
        &bia,
        "?name=voice-note.webm&caption=ignored",
        "audio/webm;codecs=opus",
        WEBM,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let a = r.json()["attachments"][0].clone();
    assert_eq!(
        (&a["kind"], &a["voice"], &a["mime_type"], &a["file_name"]),
        (
            &json!("audio"),
            &json!(true),
            &json!("audio/ogg; codecs=opus"),
            &json!("voice-note.ogg")
        ),
        "{a}"
    );
    assert_eq!(a["duration_ms"], (96_960 - 312) * 1000 / 48_000);
    files_when(addr, &bia, conv, |_| {
        fake.received.lock().unwrap().len() >= 5
    })
    .await;
    let body = fake.received.lock().unwrap()[4].2.clone();
    assert_eq!(body["type"], "audio", "{body}");
    assert_eq!(body["audio"]["voice"], true, "{body}");
    assert!(body["audio"].get("caption").is_none(), "{body}");
    let (content_type, upload) = fake.uploads.lock().unwrap()[4].clone();
    assert!(content_type.starts_with("multipart/form-data"));
    let text = String::from_utf8_lossy(&upload);
    assert!(
        text.contains("audio/ogg; codecs=opus") && text.contains("voice-note.ogg"),
        "the type and name WhatsApp sees"
    );
    let at = upload.windows(4).position(|w| w == b"OggS").unwrap();
    assert_eq!(&upload[at + 28..at + 36], b"OpusHead", "an OGG/Opus file");
    assert!(
        !upload.windows(4).any(|w| w == [0x1a, 0x45, 0xdf, 0xa3]),
        "no WebM"
    );
    let stored = request(
        addr,
        "GET",
        a["url"].as_str().unwrap(),
        &[("Cookie", &bia)],
        None,
    )
    .await;
    assert_eq!(stored.status, 200);
    assert!(
        stored.raw.starts_with(b"OggS")
            && upload.windows(stored.raw.len()).any(|w| w == stored.raw)
    );
    assert_eq!(a["size"], stored.raw.len());

    // A note with a file: stored, never sent to the customer.
    let before = fake.received.lock().unwrap().len();
    let r = send(&bia, "?mode=note&name=print.png", "image/png", PHOTO).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["kind"], "note");
    assert!(r.json().get("delivery").is_none());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        fake.received.lock().unwrap().len(),
        before,
        "a note is never sent"
    );
    assert_eq!(fake.uploads.lock().unwrap().len(), 5);

    // The customer reacts to the photo sent (WhatsApp's id of it: the fake's first send), then
    // replies quoting it: the reaction goes on the photo, not in a message of its own; the reply
    // shows what it quotes; a reaction removed is gone.
    let incoming = |id: &str, content: Value| {
        let mut m = json!({"from": "5511987654321", "id": id, "timestamp": "1749416600"});
        if let (Some(m), Some(c)) = (m.as_object_mut(), content.as_object()) {
            m.extend(c.clone());
        }
        json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": number},
            "contacts": [{"profile": {"name": "Mariana Souza"}, "wa_id": "5511987654321"}], "messages": [m]}}]}]})
        .to_string()
    };
    let deliver = |body: String| {
        let sig = server::channels::whatsapp::sign("segredo-envio", body.as_bytes());
        async move {
            request(
                addr,
                "POST",
                &format!("/webhooks/whatsapp/{channel}"),
                &[("X-Hub-Signature-256", &sig)],
                Some(&body),
            )
            .await
        }
    };
    let photo_id = shown.iter().find(|m| m["body"] == "Segue a foto").unwrap()["id"].clone();
    let count = messages(addr, &bia, conv).await.len();
    let r = deliver(incoming(
        &format!("wamid.react.{}", w.tag),
        json!({"type": "reaction", "reaction": {"message_id": "wamid.fake.1", "emoji": "👍"}}),
    ))
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let now = messages(addr, &bia, conv).await;
    assert_eq!(now.len(), count, "a reaction is not a message");
    assert_eq!(
        now.iter().find(|m| m["id"] == photo_id).unwrap()["reaction"],
        "👍"
    );
    let r = deliver(incoming(&format!("wamid.quote.{}", w.tag), json!({"type": "text", "text": {"body": "Pode ser essa?"}, "context": {"from": "15550783881", "id": "wamid.fake.1"}}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let now = messages(addr, &bia, conv).await;
    let reply = now.iter().find(|m| m["body"] == "Pode ser essa?").unwrap();
    assert_eq!(reply["quoted"]["id"], photo_id, "{reply}");
    assert_eq!(reply["quoted"]["excerpt"], "Segue a foto");
    assert_eq!(reply["quoted"]["kind"], "out");
    let r = deliver(incoming(
        &format!("wamid.unreact.{}", w.tag),
        json!({"type": "reaction", "reaction": {"message_id": "wamid.fake.1", "emoji": ""}}),
    ))
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let now = messages(addr, &bia, conv).await;
    assert!(
        now.iter()
            .find(|m| m["id"] == photo_id)
            .unwrap()
            .get("reaction")
            .is_none()
    );
    // A reaction to a message the channel never had stays a message, as before.
    let r = deliver(incoming(
        &format!("wamid.stray.{}", w.tag),
        json!({"type": "reaction", "reaction": {"message_id": "wamid.nowhere", "emoji": "🙏"}}),
    ))
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        messages(addr, &bia, conv)
            .await
            .iter()
            .any(|m| m["body"] == "[reaction] 🙏")
    );
}
