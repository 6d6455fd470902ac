//! Outbound webhooks over real HTTP: the owner configures webhooks (the secret shown once,
//! never listed), an agent may not; conversation and message events reach a fake receiver on
//! loopback as signed JSON with the conversation's full details (the owner's webhooks act for
//! the owner, who sees everything; see `webhook_principal` for a user who sees less); a
//! receiver failing twice gets the delivery on the third attempt, one always answering 410
//! sees it fail after the last attempt, both in the delivery log; a deactivated webhook
//! receives nothing; another account's events never arrive; bad input is 400; every change is
//! audited.
//!
//! Two nodes share the database: the world's (system clock) and this story's, with quick
//! retries and a clock an hour ahead, so that the world's node never finds this node's retries
//! due (it would retry them on its own, slower, schedule).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use server::clock::{Clock, SystemClock};

use super::*;

/// How long a delivery may take to arrive (the slowest: eight attempts with backoff).
const LONG: Duration = Duration::from_secs(30);

/// One request the fake receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub(crate) hook: String,
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: String,
}

impl Hit {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// The fake receiver: records every request, answers from a script per hook name (then
/// `always`, then 200).
#[derive(Default)]
pub(crate) struct Receiver {
    hits: Mutex<Vec<Hit>>,
    script: Mutex<HashMap<String, Vec<u16>>>,
    always: Mutex<HashMap<String, u16>>,
}

impl Receiver {
    pub(crate) fn hits(&self, hook: &str) -> Vec<Hit> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.hook == hook)
            .cloned()
            .collect()
    }

    /// Answers every request to `hook` with `status` from now on (`None`: 200 again).
    pub(crate) fn answer(&self, hook: &str, status: Option<u16>) {
        let mut always = self.always.lock().unwrap();
        match status {
            Some(s) => always.insert(hook.to_owned(), s),
            None => always.remove(hook),
        };
    }

    /// Waits for a request to `hook` whose payload satisfies `what`.
    pub(crate) async fn expect(&self, hook: &str, what: impl Fn(&Value) -> bool) -> Hit {
        let deadline = tokio::time::Instant::now() + LONG;
        while tokio::time::Instant::now() < deadline {
            if let Some(h) = self.hits(hook).into_iter().find(|h| what(&h.json())) {
                return h;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "no matching delivery to `{hook}` within {LONG:?}; got {:?}",
            self.hits(hook)
        );
    }
}

async fn receive(
    State(rx): State<Arc<Receiver>>,
    UrlPath(hook): UrlPath<String>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    rx.hits.lock().unwrap().push(Hit {
        hook: hook.clone(),
        headers,
        body,
    });
    let scripted = {
        let mut s = rx.script.lock().unwrap();
        s.get_mut(&hook)
            .and_then(|v| (!v.is_empty()).then(|| v.remove(0)))
    };
    let status = scripted
        .or_else(|| rx.always.lock().unwrap().get(&hook).copied())
        .unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

pub(crate) async fn start_receiver() -> (SocketAddr, Arc<Receiver>) {
    let rx = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route("/hook/{name}", axum::routing::post(receive))
        .with_state(Arc::clone(&rx));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, rx)
}

/// The system clock, moved ahead.
struct Ahead(i64);

impl Clock for Ahead {
    fn now_micros(&self) -> i64 {
        SystemClock.now_micros() + self.0
    }
}

pub(crate) async fn call(
    addr: SocketAddr,
    cookie: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Response {
    let body = body.map(|b| b.to_string());
    request(addr, method, path, &[("Cookie", cookie)], body.as_deref()).await
}

/// HMAC-SHA256 of the body with the secret, as a receiver computes it (not the server's code).
fn expected_signature(secret: &str, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// Checks a delivery's headers and signature; returns its payload.
pub(crate) fn verified(hit: &Hit, secret: &str) -> Value {
    assert_eq!(hit.header("content-type"), "application/json");
    assert_eq!(
        hit.header("x-atende-signature-256"),
        expected_signature(secret, &hit.body),
        "{hit:?}"
    );
    let p = hit.json();
    assert_eq!(hit.header("x-atende-event"), p["type"].as_str().unwrap());
    assert!(hit.header("x-atende-delivery").parse::<i64>().unwrap() > 0);
    p
}

/// Waits until a webhook's log has a delivery of this type in a final state; returns it.
pub(crate) async fn logged(
    addr: SocketAddr,
    cookie: &str,
    hook: i64,
    event_type: &str,
    status: &str,
) -> Value {
    let deadline = tokio::time::Instant::now() + LONG;
    let mut last = Value::Null;
    while tokio::time::Instant::now() < deadline {
        let r = call(
            addr,
            cookie,
            "GET",
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        last = r.json();
        if let Some(d) = last["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["event_type"] == event_type && d["status"] == status)
        {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no `{event_type}` delivery `{status}` in the log of webhook {hook}: {last}");
}

#[expect(clippy::too_many_lines, reason = "one story, told in order")]
pub async fn webhooks_story(w: World) {
    let (rx_addr, rx) = start_receiver().await;
    let config = server::ServerConfig {
        retry_unit_micros: 10_000,
        ..server::ServerConfig::default()
    };
    let addr =
        common::launch_clocked(w.store.clone(), config, Arc::new(Ahead(3600 * 1_000_000))).await;
    let hook_url = |name: &str| format!("http://{rx_addr}/hook/{name}");
    let dona = login(&w, "dona").await;
    let ana = login(&w, "ana").await;

    // The owner creates a webhook: the secret is in the answer, once.
    let r = call(
        addr,
        &dona,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": hook_url("a")})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let a = r.json();
    let secret = a["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(
        (
            a["events"].clone(),
            a["active"].clone(),
            a["has_secret"].clone()
        ),
        (json!(["conversation", "message"]), json!(true), json!(true))
    );
    let a_id = a["id"].as_i64().unwrap();
    // Listed without it.
    let r = call(addr, &dona, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains(&secret), "{}", r.body);
    let listed = r.json();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == a_id)
        .unwrap();
    assert!(mine.get("secret").is_none(), "{mine}");
    assert_eq!(mine["has_secret"], true);

    // An agent may neither list nor create webhooks.
    let r = call(addr, &ana, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = call(
        addr,
        &ana,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": hook_url("x")})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = call(
        addr,
        &ana,
        "GET",
        &format!("/api/v1/webhooks/{a_id}/deliveries"),
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // Bad input: 400 with a clear message, nothing created.
    let long = format!("https://example.com/{}", "x".repeat(2048));
    for body in [
        json!({"url": "ftp://example.com/x"}),
        json!({"url": "not a url"}),
        json!({"url": "https://"}),
        json!({"url": long}),
        json!({}),
        json!({"url": hook_url("x"), "events": ["conversation", "contact"]}),
        json!({"url": hook_url("x"), "events": []}),
        json!({"url": hook_url("x"), "rotate_secret": true}),
    ] {
        let r = call(addr, &dona, "POST", "/api/v1/webhooks", Some(body.clone())).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "bad_webhook".into()),
            "{body}: {}",
            r.body
        );
    }
    let r = call(
        addr,
        &dona,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": hook_url("x"), "secret": "mine"})),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "invalid_json".into()),
        "{}",
        r.body
    );
    let r = call(
        addr,
        &dona,
        "PATCH",
        &format!("/api/v1/webhooks/{a_id}"),
        Some(json!({"url": "javascript:alert(1)"})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = call(addr, &dona, "GET", "/api/v1/webhooks", None).await;
    assert!(!r.body.contains("/hook/x"), "{}", r.body);

    // A deactivated webhook receives nothing.
    let r = call(
        addr,
        &dona,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": hook_url("d")})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let d_id = r.json()["id"].as_i64().unwrap();
    let r = call(
        addr,
        &dona,
        "PATCH",
        &format!("/api/v1/webhooks/{d_id}"),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["active"], false);
    assert!(r.json().get("secret").is_none(), "{}", r.body);

    // An agent assumes a conversation: the owner's webhook gets it, signed, with every detail.
    let r = call(
        addr,
        &ana,
        "POST",
        &format!("/api/v1/conversations/{}/assume", w.w_vendas),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let hit = rx
        .expect("a", |p| {
            p["type"] == "conversation.updated"
                && p["conversation"]["id"] == w.w_vendas
                && p["conversation"]["assignee_id"] == w.ana.0
        })
        .await;
    let p = verified(&hit, &secret);
    assert!(
        server::channels::whatsapp::signature_valid(
            &secret,
            hit.body.as_bytes(),
            Some(hit.header("x-atende-signature-256"))
        ),
        "{hit:?}"
    );
    assert_eq!(p["account_id"], w.a.0);
    assert!(
        p["id"].as_i64().unwrap() > 0 && p["at"].as_i64().unwrap() > 0,
        "{p}"
    );
    assert_eq!(p["conversation"]["status"], "in_progress");
    assert_eq!(p["conversation"]["department_id"], w.vendas.0);
    assert_eq!(p["conversation"]["details_hidden"], false);
    assert_eq!(p["conversation"]["contact"]["name"], "Cliente Um");
    assert_eq!(p["conversation"]["contact"]["phone"], "+5511999990001");
    assert!(p.get("message").is_none(), "{p}");

    // A reply: `message.created` with the message and its conversation.
    let r = call(
        addr,
        &ana,
        "POST",
        &format!("/api/v1/conversations/{}/reply", w.w_vendas),
        Some(json!({"text": "Olá! Já vejo isso."})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let hit = rx
        .expect("a", |p| {
            p["type"] == "message.created" && p["message"]["body"] == "Olá! Já vejo isso."
        })
        .await;
    let p = verified(&hit, &secret);
    assert_eq!(p["message"]["kind"], "out");
    assert_eq!(p["message"]["author_id"], w.ana.0);
    assert_eq!(p["conversation"]["id"], w.w_vendas);

    // A receiver answering 500 twice, then 200: delivered on the third attempt.
    rx.script.lock().unwrap().insert("r".into(), vec![500, 500]);
    let r = call(
        addr,
        &dona,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": hook_url("r"), "events": ["conversation"]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r_hook = r.json();
    let (r_id, r_secret) = (
        r_hook["id"].as_i64().unwrap(),
        r_hook["secret"].as_str().unwrap().to_owned(),
    );
    assert_eq!(r_hook["events"], json!(["conversation"]));
    assert_ne!(r_secret, secret);
    let r = call(
        addr,
        &dona,
        "POST",
        "/api/v1/conversations",
        Some(json!({"contact_name": "Cliente Dois", "contact_phone": "+5511999990002", "message": "Oi, tudo bem?"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let new_conv = r.json()["id"].as_i64().unwrap();
    let d = logged(addr, &dona, r_id, "conversation.created", "delivered").await;
    assert_eq!(
        (
            d["attempts"].clone(),
            d["response_status"].clone(),
            d["error"].clone()
        ),
        (json!(3), json!(200), Value::Null),
        "{d}"
    );
    assert_eq!(d["payload"]["conversation"]["id"], new_conv);
    assert!(d["delivered_at"].as_i64().is_some(), "{d}");
    let tries = rx.hits("r");
    assert_eq!(tries.len(), 3, "{tries:?}");
    for t in &tries {
        assert_eq!(t.body, tries[0].body);
        assert_eq!(t.header("x-atende-delivery"), d["id"].to_string());
        verified(t, &r_secret);
    }
    // It asked for conversations only; the first webhook got both.
    let p = rx
        .expect("a", |p| {
            p["type"] == "conversation.created" && p["conversation"]["id"] == new_conv
        })
        .await
        .json();
    assert_eq!(p["conversation"]["contact"]["name"], "Cliente Dois");
    assert_eq!(p["conversation"]["status"], "waiting");
    rx.expect("a", |p| {
        p["type"] == "message.created"
            && p["message"]["body"] == "Oi, tudo bem?"
            && p["message"]["kind"] == "in"
    })
    .await;

    // A receiver that always answers 410: failed after the last attempt, the status logged.
    rx.always.lock().unwrap().insert("f".into(), 410);
    let r = call(
        addr,
        &dona,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": hook_url("f"), "events": ["message"]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let f_id = r.json()["id"].as_i64().unwrap();
    let r = call(
        addr,
        &ana,
        "POST",
        &format!("/api/v1/conversations/{}/note", w.w_vendas),
        Some(json!({"text": "nota interna"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = logged(addr, &dona, f_id, "message.created", "failed").await;
    let max = server::channels::sender::MAX_ATTEMPTS;
    assert_eq!(
        (d["attempts"].clone(), d["response_status"].clone()),
        (json!(max), json!(410)),
        "{d}"
    );
    assert!(d["error"].as_str().unwrap().contains("410"), "{d}");
    assert_eq!(d["next_attempt_at"], Value::Null);
    assert_eq!(d["payload"]["message"]["kind"], "note");
    assert_eq!(rx.hits("f").len(), usize::try_from(max).unwrap());
    // Internal notes reach the owner's webhook too (the owner sees their details).
    rx.expect("a", |p| p["message"]["body"] == "nota interna")
        .await;

    // Another account's events never reach this account's webhooks; its owner cannot see them.
    let b_owner = login_b(&w).await;
    let r = call(
        addr,
        &b_owner,
        "POST",
        &format!("/api/v1/conversations/{}/assume", w.b_conv),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for (method, path) in [
        ("GET", format!("/api/v1/webhooks/{a_id}/deliveries")),
        ("DELETE", format!("/api/v1/webhooks/{a_id}")),
    ] {
        let r = call(addr, &b_owner, method, &path, None).await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
    }
    let r = call(
        addr,
        &b_owner,
        "PATCH",
        &format!("/api/v1/webhooks/{a_id}"),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = call(addr, &b_owner, "GET", "/api/v1/webhooks", None).await;
    assert_eq!((r.status, r.json()), (200, json!([])), "{}", r.body);

    // Rotating the secret: shown once; what follows is signed with the new one.
    let r = call(
        addr,
        &dona,
        "PATCH",
        &format!("/api/v1/webhooks/{a_id}"),
        Some(json!({"rotate_secret": true})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rotated = r.json()["secret"].as_str().unwrap().to_owned();
    assert!(rotated.starts_with("whsec_") && rotated != secret);
    // A sentinel after the other account's change: once it arrives, the other would have too.
    let r = call(
        addr,
        &ana,
        "POST",
        &format!("/api/v1/conversations/{}/reply", w.w_vendas),
        Some(json!({"text": "sentinela"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let hit = rx
        .expect("a", |p| p["message"]["body"] == "sentinela")
        .await;
    verified(&hit, &rotated);
    let all = rx.hits.lock().unwrap().clone();
    for h in &all {
        let p = h.json();
        assert_eq!(p["account_id"], w.a.0, "{h:?}");
        assert_ne!(p["conversation"]["id"], w.b_conv, "{h:?}");
    }
    assert!(rx.hits("d").is_empty(), "{:?}", rx.hits("d"));
    let r = call(
        addr,
        &dona,
        "GET",
        &format!("/api/v1/webhooks/{d_id}/deliveries"),
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.json()["items"].clone()),
        (200, json!([])),
        "{}",
        r.body
    );

    // The log: newest first, by pages.
    let page = |before: Option<i64>| {
        let dona = dona.clone();
        async move {
            let q = before.map_or(String::new(), |b| format!("&before={b}"));
            let r = call(
                addr,
                &dona,
                "GET",
                &format!("/api/v1/webhooks/{a_id}/deliveries?limit=2{q}"),
                None,
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()
        }
    };
    let first = page(None).await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{first}");
    assert!(items[0]["id"].as_i64() > items[1]["id"].as_i64(), "{first}");
    let next = first["next_before"].as_i64().unwrap();
    assert_eq!(Some(next), items[1]["id"].as_i64());
    let second = page(Some(next)).await;
    assert!(
        second["items"][0]["id"].as_i64().unwrap() < next,
        "{second}"
    );
    let r = call(
        addr,
        &dona,
        "GET",
        &format!("/api/v1/webhooks/{a_id}/deliveries?limit=0"),
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);

    // Deleting: gone with its log; a second time is 404.
    for id in [a_id, d_id, r_id, f_id] {
        let r = call(
            addr,
            &dona,
            "DELETE",
            &format!("/api/v1/webhooks/{id}"),
            None,
        )
        .await;
        assert_eq!(r.status, 204, "{}", r.body);
    }
    let r = call(
        addr,
        &dona,
        "DELETE",
        &format!("/api/v1/webhooks/{a_id}"),
        None,
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = call(
        addr,
        &dona,
        "GET",
        &format!("/api/v1/webhooks/{a_id}/deliveries"),
        None,
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);

    // The audit log has every change, and the refusals, never a secret.
    let r = call(addr, &dona, "GET", "/api/v1/audit?limit=200", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for s in [&secret, &rotated, &r_secret] {
        assert!(!r.body.contains(s.as_str()), "a secret in the audit log");
    }
    let audit = r.json();
    let rows = audit["items"].as_array().unwrap();
    let count = |action: &str, result: &str| {
        rows.iter()
            .filter(|e| e["action"] == action && e["result"].as_str().unwrap().starts_with(result))
            .count()
    };
    assert_eq!(count("webhook.create", "ok"), 4, "{audit}");
    assert_eq!(count("webhook.update", "ok"), 2, "{audit}");
    assert_eq!(count("webhook.delete", "ok"), 4, "{audit}");
    assert_eq!(count("webhook.list", "denied"), 1, "{audit}");
    assert_eq!(count("webhook.create", "denied"), 1, "{audit}");
    assert_eq!(count("webhook.deliveries", "denied"), 2, "{audit}");
    let created = rows
        .iter()
        .find(|e| e["action"] == "webhook.create" && e["target"] == format!("webhook#{a_id}"))
        .unwrap();
    assert_eq!(created["after"]["url"], hook_url("a"), "{created}");
    let rotation = rows
        .iter()
        .find(|e| e["action"] == "webhook.update" && e["after"]["secret_rotated"] == true)
        .unwrap();
    assert_eq!(rotation["target"], format!("webhook#{a_id}"));
}
