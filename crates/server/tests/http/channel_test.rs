//! Testing a WhatsApp channel's connection (`POST /api/v1/channels/{id}/test`, the channels
//! screen's "Testar conexão"): the Graph API asked for the number with the stored token, through
//! the egress client, and what is wrong said as a stable code: a fake Graph API on loopback
//! answering 200, 401, 404 and 500 in turn, and a port nobody listens on any more. The screen's
//! offer (`channels.open`) follows `settings.integrations`.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::*;

/// What the fake answers `GET /v21.0/{number}` with: 200 (the number), 201 (another number's
/// id, answered 200), 401 (a bad token), 404 (no such number) or 500.
struct Mode(Mutex<u16>);

async fn number(
    axum::extract::State(mode): axum::extract::State<Arc<Mode>>,
    axum::extract::Path(number): axum::extract::Path<String>,
    headers: HeaderMap,
) -> axum::response::Response {
    assert_eq!(
        headers.get("authorization").and_then(|v| v.to_str().ok()),
        Some("Bearer EAAG-teste"),
        "the stored token is sent"
    );
    let m = *mode.0.lock().unwrap();
    let answer = match m {
        200 => axum::Json(json!({"id": number, "display_phone_number": "+55 11 4000-0000"}))
            .into_response(),
        201 => axum::Json(json!({"id": "999", "display_phone_number": "+55 11 4000-0000"}))
            .into_response(),
        401 => (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}})),
        )
            .into_response(),
        404 => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": {"message": "Unknown path components", "type": "OAuthException", "code": 2500}})),
        )
            .into_response(),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"error": {"message": "An unexpected error has occurred.", "code": 2}})),
        )
            .into_response(),
    };
    // Every connection is closed after its answer: once the fake stops, nothing pooled reaches it.
    ([(axum::http::header::CONNECTION, "close")], answer).into_response()
}

/// A fake Graph API on loopback answering as its mode says; the task serving it.
async fn fake() -> (SocketAddr, Arc<Mode>, tokio::task::JoinHandle<()>) {
    let mode = Arc::new(Mode(Mutex::new(200)));
    let app = axum::Router::new()
        .route("/v21.0/{number}", axum::routing::get(number))
        .with_state(Arc::clone(&mode));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (addr, mode, task)
}

pub async fn channel_test_story(w: World) {
    let dona = login(&w, "dona").await;
    let ana = login(&w, "ana").await;
    let call = |cookie: &str, method: &str, path: &str, body: Option<Value>| {
        let (cookie, method, path) = (cookie.to_owned(), method.to_owned(), path.to_owned());
        let addr = w.addr;
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

    // The screen is offered with `settings.integrations` only.
    let may = |me: Value| {
        me["may"]
            .as_array()
            .unwrap()
            .contains(&json!("channels.open"))
    };
    assert!(may(call(&dona, "GET", "/api/v1/me", None).await.json()));
    assert!(!may(call(&ana, "GET", "/api/v1/me", None).await.json()));

    let (graph, mode, task) = fake().await;
    let tail = &w.tag[w.tag.len() - 10..];
    let channel = |name: &str, number: String, base: SocketAddr| {
        json!({
            "kind": "whatsapp", "name": name, "department_id": w.suporte.0,
            "phone_number_id": number, "verify_token": "verifica", "app_secret": "segredo",
            "access_token": "EAAG-teste", "graph_base_url": format!("http://{base}/v21.0"),
        })
    };

    // A token the Graph API refuses: the channel is not created, and the answer says why.
    *mode.0.lock().unwrap() = 401;
    let r = call(
        &dona,
        "POST",
        "/api/v1/channels",
        Some(channel("Teste", format!("71{tail}"), graph)),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "channel_not_verified".into()),
        "{}",
        r.body
    );
    assert_eq!(
        r.json()["error"]["params"]["problem"],
        "bad_token",
        "{}",
        r.body
    );
    *mode.0.lock().unwrap() = 404;
    let r = call(
        &dona,
        "POST",
        "/api/v1/channels",
        Some(channel("Teste", format!("71{tail}"), graph)),
    )
    .await;
    assert_eq!(
        r.json()["error"]["params"]["problem"],
        "wrong_number",
        "{}",
        r.body
    );

    *mode.0.lock().unwrap() = 200;
    let r = call(
        &dona,
        "POST",
        "/api/v1/channels",
        Some(channel("Teste", format!("71{tail}"), graph)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let test = format!("/api/v1/channels/{id}/test");

    let r = call(&dona, "POST", &test, None).await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"ok": true})),
        "{}",
        r.body
    );
    for (m, problem, status) in [
        (401, "bad_token", json!(401)),
        (404, "wrong_number", json!(404)),
        (201, "wrong_number", json!(200)),
        (500, "graph_error", json!(500)),
    ] {
        *mode.0.lock().unwrap() = m;
        let r = call(&dona, "POST", &test, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let a = r.json();
        assert_eq!(
            (&a["ok"], &a["problem"], &a["http_status"]),
            (&json!(false), &json!(problem), &status),
            "{m}: {a}"
        );
        assert!(!r.body.contains("EAAG"), "{}", r.body);
    }
    assert_eq!(
        call(&dona, "POST", &test, None).await.json()["graph_code"],
        2
    );

    // Without `settings.integrations`: refused (and recorded), whatever the id.
    let r = call(&ana, "POST", &test, None).await;
    assert_eq!(
        (r.status, r.code()),
        (403, "forbidden".into()),
        "{}",
        r.body
    );
    // An id of no channel of the account: 404; a generic channel has nothing to test.
    let r = call(&dona, "POST", "/api/v1/channels/9000000000001/test", None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let g = call(
        &dona,
        "POST",
        "/api/v1/channels",
        Some(json!({"kind": "generic", "name": "Site"})),
    )
    .await;
    let (g, first) = (
        g.json()["id"].as_i64().unwrap(),
        g.json()["token"].as_str().unwrap().to_owned(),
    );
    let r = call(&dona, "POST", &format!("/api/v1/channels/{g}/test"), None).await;
    assert_eq!(
        (r.status, r.code()),
        (400, "bad_channel".into()),
        "{}",
        r.body
    );
    // Its token rotated (the screen's "Gerar novo token"): the old one stops working at once.
    let post = |token: String, id: &'static str| {
        let addr = w.addr;
        async move {
            let body = json!({"from": "visitante-1", "text": "oi", "id": id}).to_string();
            let auth = format!("Bearer {token}");
            request(
                addr,
                "POST",
                "/webhooks/generic/messages",
                &[("Authorization", &auth)],
                Some(&body),
            )
            .await
            .status
        }
    };
    assert_eq!(post(first.clone(), "m1").await, 200);
    let r = call(
        &dona,
        "PATCH",
        &format!("/api/v1/channels/{g}"),
        Some(json!({"rotate_token": true})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let second = r.json()["token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(post(first, "m2").await, 401, "the old token is refused");
    assert_eq!(post(second, "m3").await, 200, "the new token works");

    // The Graph API stops answering: unreachable.
    *mode.0.lock().unwrap() = 200;
    task.abort();
    let _ = task.await;
    let r = call(&dona, "POST", &test, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"ok": false, "problem": "unreachable"}),
        "{}",
        r.body
    );

    // The list says when a customer's message last arrived: never, then once one has.
    let last = async || {
        let list = call(&dona, "GET", "/api/v1/channels", None).await.json();
        let mine = list
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone();
        assert!(mine.get("token").is_none(), "{mine}");
        mine["last_received_at"].clone()
    };
    assert_eq!(last().await, Value::Null);
    let fixture = include_str!("../fixtures/whatsapp/text.json");
    let mut payload: Value = serde_json::from_str(fixture).unwrap();
    let value = &mut payload["entry"][0]["changes"][0]["value"];
    value["metadata"]["phone_number_id"] = json!(format!("71{tail}"));
    value["messages"][0]["id"] = json!(format!("wamid.teste.{tail}"));
    let body = payload.to_string();
    let signature = server::channels::whatsapp::sign("segredo", body.as_bytes());
    let before = server::clock::Clock::now_micros(&server::clock::SystemClock);
    let r = request(
        w.addr,
        "POST",
        &format!("/webhooks/whatsapp/{id}"),
        &[("X-Hub-Signature-256", &signature)],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut at = Value::Null;
    for _ in 0..50 {
        at = last().await;
        if !at.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(at.as_i64().is_some_and(|t| t >= before), "{at}");
}
