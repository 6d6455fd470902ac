//! Channels over real HTTP: a WhatsApp channel configured through the API, the webhook
//! handshake, signed deliveries of recorded Cloud API payloads (bad or missing signature: 401,
//! nothing stored; the same message twice: stored once), the message live in the right
//! agents' streams and nowhere else, replies delivered to a fake Graph API on loopback with
//! retries and permanent failures shown on the message, statuses, the 24-hour window, the
//! generic channel, and routing.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{Value, json};
use server::clock::ManualClock;

use super::*;

pub(crate) use super::fake_graph::{start_fake, start_fake_on};

fn signed(secret: &str, body: &str) -> String {
    server::channels::whatsapp::sign(secret, body.as_bytes())
}

async fn webhook(addr: SocketAddr, channel: i64, body: &str, signature: Option<&str>) -> Response {
    let mut headers = vec![];
    if let Some(s) = signature {
        headers.push(("X-Hub-Signature-256", s));
    }
    request(
        addr,
        "POST",
        &format!("/webhooks/whatsapp/{channel}"),
        &headers,
        Some(body),
    )
    .await
}

/// Waits until a message of the conversation has this delivery state (the sender works in the
/// background); returns the message.
async fn delivery(
    w: &World,
    addr: SocketAddr,
    cookie: &str,
    conv: i64,
    body: &str,
    state: &str,
) -> Value {
    for _ in 0..300 {
        let list = request(
            addr,
            "GET",
            &format!("/api/v1/conversations/{conv}/messages"),
            &[("Cookie", cookie)],
            None,
        )
        .await
        .json();
        if let Some(m) = list
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["body"] == body && m["delivery"] == state)
        {
            return m.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let _ = w;
    panic!("message `{body}` never became `{state}`");
}

#[expect(clippy::too_many_lines, reason = "one story, told in order")]
pub async fn channels_story(w: World) {
    let (graph, fake) = start_fake().await;
    // A clock the story moves (backoff, the 24-hour window), starting now: other stories share
    // the PostgreSQL database, and a node's loops act on what is due by its own clock.
    let start_at = server::clock::Clock::now_micros(&server::clock::SystemClock);
    let clock = Arc::new(ManualClock::new(start_at));
    // Sessions outlive the days this story moves the clock by.
    let config = server::ServerConfig {
        session_ttl_micros: 365 * 24 * 3600 * 1_000_000,
        ..server::ServerConfig::default()
    };
    let addr = launch_clocked(w.store.clone(), config, clock.clone()).await;
    let login_at = |who: &'static str| {
        let w = &w;
        async move {
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
    };
    let dona = login_at("dona").await;
    let bia = login_at("bia").await;
    let ana = login_at("ana").await;
    let call = |cookie: &str, method: &str, path: &str, body: Option<Value>| {
        let (cookie, method, path) = (cookie.to_owned(), method.to_owned(), path.to_owned());
        async move {
            let body = body.map(|b| b.to_string());
            request(
                addr,
                &method,
                &path,
                &[("Cookie", &cookie)],
                body.as_deref(),
            )
            .await
        }
    };

    // The administrator connects a number (secrets are written, never read back); the Graph
    // API confirms that the token may use it.
    let number = format!("1065{}", &w.tag[w.tag.len() - 11..]);
    fake.grant(&number, "EAAG-token");
    let created = call(
        &dona,
        "POST",
        "/api/v1/channels",
        Some(json!({
            "kind": "whatsapp", "name": "WhatsApp Suporte", "department_id": w.suporte.0,
            "phone_number_id": number, "verify_token": "verifica-123", "app_secret": "segredo-do-app",
            "access_token": "EAAG-token", "graph_base_url": format!("http://{graph}/v21.0"),
        })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let ch = created.json();
    assert!(
        !created.body.contains("segredo-do-app") && !created.body.contains("EAAG-token"),
        "{}",
        created.body
    );
    assert_eq!(
        (ch["has_app_secret"].clone(), ch["has_access_token"].clone()),
        (json!(true), json!(true))
    );
    let channel = ch["id"].as_i64().unwrap();
    // Agents may not see or configure channels.
    let r = call(&bia, "GET", "/api/v1/channels", None).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = call(
        &dona,
        "POST",
        "/api/v1/channels",
        Some(json!({"kind": "whatsapp", "name": "Falta"})),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "bad_channel".into()),
        "{}",
        r.body
    );

    // The webhook handshake.
    let path = |token: &str| {
        format!(
            "/webhooks/whatsapp/{channel}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        )
    };
    let ok = request(addr, "GET", &path("verifica-123"), &[], None).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "1158201444"));
    let wrong = request(addr, "GET", &path("outro"), &[], None).await;
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    let unknown = request(
        addr,
        "GET",
        "/webhooks/whatsapp/987654321?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
        &[],
        None,
    )
    .await;
    // An unknown channel is answered as a wrong token is: the id alone tells nothing.
    assert_eq!(
        (unknown.status, unknown.code()),
        (403, "handshake_failed".into()),
        "{}",
        unknown.body
    );
    let wrong_unknown = request(
        addr,
        "GET",
        "/webhooks/whatsapp/987654321?hub.mode=subscribe&hub.verify_token=outro&hub.challenge=1158201444",
        &[],
        None,
    )
    .await;
    assert_eq!(
        (wrong_unknown.status, wrong_unknown.body.as_str()),
        (wrong.status, wrong.body.as_str())
    );

    // Streams: bia (Suporte) must hear of the new conversation, ana (Vendas) must not.
    let mut s_bia = EventStream::open(addr, "/api/v1/events", &[("Cookie", &bia)]).await;
    s_bia.expect("ready", WAIT).await;
    let mut s_ana = EventStream::open(addr, "/api/v1/events", &[("Cookie", &ana)]).await;
    s_ana.expect("ready", WAIT).await;

    // A recorded delivery, with a bad and a missing signature: 401, nothing stored.
    let text = include_str!("../fixtures/whatsapp/text.json").replace("106540352242922", &number);
    // The account's own events: other stories write theirs into a shared PostgreSQL meanwhile.
    let before = w
        .store
        .events()
        .account_events_after(w.a, 0, 100_000)
        .await
        .unwrap()
        .len();
    for signature in [Some(signed("outro-segredo", &text)), None] {
        let r = webhook(addr, channel, &text, signature.as_deref()).await;
        assert_eq!(
            (r.status, r.code()),
            (401, "bad_signature".into()),
            "{}",
            r.body
        );
    }
    assert_eq!(
        w.store
            .events()
            .account_events_after(w.a, 0, 100_000)
            .await
            .unwrap()
            .len(),
        before,
        "a refused delivery wrote something"
    );
    let r = webhook(addr, channel, &text, Some(&signed("segredo-do-app", &text))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["received"], 1);
    let e = s_bia.expect("conversation", WAIT).await;
    let conv = e.data["id"].as_i64().unwrap();
    assert_eq!(e.data["department_id"].as_i64(), Some(w.suporte.0));
    assert_eq!(e.data["status"], "waiting");
    assert_eq!(e.data["contact"]["name"], "Mariana Souza");
    assert_eq!(e.data["channel"], "whatsapp");
    let m = s_bia.expect("message", WAIT).await;
    assert_eq!(
        m.data["message"]["body"],
        "Olá! Meu pedido #4821 ainda não chegou, podem verificar?"
    );
    // The same delivery again (the platform retries): stored once.
    let again = webhook(addr, channel, &text, Some(&signed("segredo-do-app", &text))).await;
    assert_eq!(
        (
            again.json()["received"].clone(),
            again.json()["duplicates"].clone()
        ),
        (json!(0), json!(1))
    );
    let msgs = call(
        &bia,
        "GET",
        &format!("/api/v1/conversations/{conv}/messages"),
        None,
    )
    .await
    .json();
    assert_eq!(msgs.as_array().unwrap().len(), 1, "{msgs}");
    let seen = s_ana.drain(QUIET).await;
    assert!(seen.is_empty(), "ana (Vendas) saw {seen:?}");
    // A real delivery whose message cannot be read (an `interactive` without its object, and
    // no timestamp): acknowledged, not refused for Meta to retry for days; kept as unsupported
    // with its raw type, at the time it arrived.
    let odd = text
        .replace("\"timestamp\": \"1749416383\",", "")
        .replace("\"type\": \"text\"", "\"type\": \"interactive\"")
        .replace("wamid.HBgN", "wamid.ODD");
    assert_ne!(odd, text);
    let r = webhook(addr, channel, &odd, Some(&signed("segredo-do-app", &odd))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["received"], 1, "{}", r.body);
    let m = s_bia.expect("message", WAIT).await;
    assert_eq!(m.data["message"]["body"], "[unsupported: interactive]");
    // What is not a WhatsApp delivery at all, even signed, is still refused.
    let alien = r#"{"object": "page", "entry": []}"#;
    let r = webhook(addr, channel, alien, Some(&signed("segredo-do-app", alien))).await;
    assert_eq!(
        (r.status, r.code()),
        (400, "bad_payload".into()),
        "{}",
        r.body
    );

    // bia assumes and replies: the reply goes to the Graph API with the channel's token.
    let r = call(
        &bia,
        "POST",
        &format!("/api/v1/conversations/{conv}/assume"),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(
        &bia,
        "POST",
        &format!("/api/v1/conversations/{conv}/reply"),
        Some(json!({"text": "Vou verificar agora!"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sent = delivery(&w, addr, &bia, conv, "Vou verificar agora!", "sent").await;
    {
        let received = fake.received.lock().unwrap();
        let (path, auth, body) = received.last().unwrap();
        assert_eq!(path, &format!("/v21.0/{number}/messages"));
        assert_eq!(auth, "Bearer EAAG-token");
        assert_eq!(body["to"], "5511987654321");
        assert_eq!(body["text"]["body"], "Vou verificar agora!");
    }
    let wamid = format!("wamid.fake.{}", fake.received.lock().unwrap().len());
    let _ = sent;
    // Statuses from the platform move it forward (never back).
    for status in ["delivered", "read", "delivered"] {
        let payload = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": number},
            "statuses": [{"id": wamid, "status": status, "timestamp": "1749416400", "recipient_id": "5511987654321"}]}}]}]})
        .to_string();
        let r = webhook(
            addr,
            channel,
            &payload,
            Some(&signed("segredo-do-app", &payload)),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    delivery(&w, addr, &bia, conv, "Vou verificar agora!", "read").await;

    // A temporary failure is retried with backoff, then delivered.
    fake.script.lock().unwrap().extend([
        (503, "unavailable".to_owned()),
        (503, "unavailable".to_owned()),
    ]);
    let r = call(
        &bia,
        "POST",
        &format!("/api/v1/conversations/{conv}/reply"),
        Some(json!({"text": "Um instante"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let pending = delivery(&w, addr, &bia, conv, "Um instante", "pending").await;
    // The backoff (2 s, then 4 s) passes on the clock; the third attempt goes through.
    for _ in 0..200 {
        if fake.script.lock().unwrap().is_empty() && fake.received.lock().unwrap().len() >= 4 {
            break;
        }
        clock.advance(5_000_000);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let _ = pending;
    delivery(&w, addr, &bia, conv, "Um instante", "sent").await;
    // A permanent refusal is shown on the message.
    fake.script.lock().unwrap().push((400, json!({"error": {"message": "Re-engagement message", "type": "OAuthException", "code": 131047, "fbtrace_id": "A1"}}).to_string()));
    let r = call(
        &bia,
        "POST",
        &format!("/api/v1/conversations/{conv}/reply"),
        Some(json!({"text": "Recusada"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let failed = delivery(&w, addr, &bia, conv, "Recusada", "failed").await;
    assert!(
        failed["delivery_error"]
            .as_str()
            .unwrap()
            .contains("131047"),
        "{failed}"
    );
    // Notes never leave.
    let before = fake.received.lock().unwrap().len();
    let r = call(
        &bia,
        "POST",
        &format!("/api/v1/conversations/{conv}/note"),
        Some(json!({"text": "nota interna"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    tokio::time::sleep(QUIET).await;
    assert_eq!(fake.received.lock().unwrap().len(), before);

    let window = |r: Response| r.json()["customer_window_open"].clone();
    let detail = format!("/api/v1/conversations/{conv}");
    assert_eq!(window(call(&bia, "GET", &detail, None).await), json!(true));
    // 25 hours later the window is closed: a free reply is refused, a template is sent.
    clock.advance(25 * 3600 * 1_000_000);
    assert_eq!(window(call(&bia, "GET", &detail, None).await), json!(false));
    let r = call(
        &bia,
        "POST",
        &format!("/api/v1/conversations/{conv}/reply"),
        Some(json!({"text": "Oi de novo"})),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (409, "outside_customer_window".into()),
        "{}",
        r.body
    );
    assert!(r.body.contains("template"), "{}", r.body);
    let r = call(
        &bia,
        "POST",
        &format!("/api/v1/conversations/{conv}/template"),
        Some(
            json!({"name": "retomar_atendimento", "language": "pt_BR", "parameters": ["Mariana"]}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    delivery(
        &w,
        addr,
        &bia,
        conv,
        "[template retomar_atendimento] Mariana",
        "sent",
    )
    .await;
    {
        let received = fake.received.lock().unwrap();
        let (_, _, body) = received.last().unwrap();
        assert_eq!(body["type"], "template");
        assert_eq!(body["template"]["name"], "retomar_atendimento");
        assert_eq!(body["template"]["language"]["code"], "pt_BR");
    }
    // ana may not send a template in a conversation she cannot see: 404.
    let r = call(
        &ana,
        "POST",
        &format!("/api/v1/conversations/{conv}/template"),
        Some(json!({"name": "x", "language": "pt_BR"})),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // The customer writes again: the window opens.
    let text2 = text.replace("wamid.HBgN", "wamid.NOVO").replace(
        "1749416383",
        &(start_at / 1_000_000 + 25 * 3600 + 10).to_string(),
    );
    let r = webhook(
        addr,
        channel,
        &text2,
        Some(&signed("segredo-do-app", &text2)),
    )
    .await;
    assert_eq!(r.json()["received"], 1, "{}", r.body);
    assert_eq!(window(call(&bia, "GET", &detail, None).await), json!(true));
    let r = call(
        &bia,
        "POST",
        &format!("/api/v1/conversations/{conv}/reply"),
        Some(json!({"text": "De volta!"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The generic channel: a token shown once; a message posted with it starts a conversation.
    let r = call(
        &dona,
        "POST",
        "/api/v1/channels",
        Some(json!({"kind": "generic", "name": "Site", "department_id": w.vendas.0})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let listed = call(&dona, "GET", "/api/v1/channels", None).await;
    assert!(!listed.body.contains(&token), "{}", listed.body);
    let post_generic = |token: String, body: Value| async move {
        let auth = format!("Bearer {token}");
        request(
            addr,
            "POST",
            "/webhooks/generic/messages",
            &[("Authorization", &auth)],
            Some(&body.to_string()),
        )
        .await
    };
    let r = post_generic(token.clone(), json!({"from": "visitante-42", "name": "Visitante", "text": "Oi, vocês entregam em Campinas?", "id": "site-1"})).await;
    assert_eq!(
        (r.status, r.json()["received"].clone()),
        (200, json!(1)),
        "{}",
        r.body
    );
    let r = post_generic(
        token.clone(),
        json!({"from": "visitante-42", "text": "Oi, vocês entregam em Campinas?", "id": "site-1"}),
    )
    .await;
    assert_eq!(r.json()["duplicates"], 1, "{}", r.body);
    let e = s_ana.expect("conversation", WAIT).await;
    assert_eq!(
        (e.data["department_id"].as_i64(), e.data["channel"].clone()),
        (Some(w.vendas.0), json!("generic"))
    );
    let r = post_generic("ch_wrong".into(), json!({"from": "x", "text": "y"})).await;
    assert_eq!(r.status, 401, "{}", r.body);
    let r = post_generic(token.clone(), json!({"from": "", "text": "y"})).await;
    assert_eq!(
        (r.status, r.code()),
        (400, "bad_message".into()),
        "{}",
        r.body
    );
}
