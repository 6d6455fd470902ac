//! The egress policy over real HTTP (hardening round 2, findings 2 and 7(b)).
//!
//! Outbound requests (webhooks, the Graph API) never reach an internal address unless the
//! operator's `outbound_allow` lists it: a webhook URL or a channel's `graph_base_url` written
//! with an internal address in any encoding is refused when configured (400
//! `target_not_allowed`); a host name resolving to one (`localhost`) is refused when connecting;
//! rows stored before the policy (planted in the database here) are refused when delivered,
//! with the same error as a closed port and nothing of any answer; a redirect is not followed.
//! Changing where a channel sends needs its token again, so an administrator who cannot read
//! the token cannot send it to a listener of theirs; a number is bound to an account only when
//! the Graph API confirms that the given token may use it, and stays bound to one channel.
//!
//! "Traps" are raw listeners on loopback addresses the tests' nodes never allow (127.0.0.2,
//! 127.0.0.3, `::1`; the harness allows 127.0.0.1 only): they record every connection and
//! answer like an internal service that leaks (`500` with a password in the body). On
//! PostgreSQL other stories' nodes share the database and deliver this account's webhooks and
//! messages too; they allow 127.0.0.1 only, so they refuse the same targets. The story holds
//! the lock of the stories whose retries another node must not take (channels, webhooks).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use server::clock::SystemClock;
use server::egress::UNREACHABLE;
use server::{AppState, ServerConfig};
use store::{ChannelWrite, EventKind, WebhookWrite};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

/// What an internal service answers: the kind of body that must never reach a tenant.
const LEAK: &str = "internal error: db_password=hunter2-internal";

/// A listener that records what each connection sent, and answers `500` with [`LEAK`].
#[derive(Default)]
struct Trap {
    seen: Mutex<Vec<String>>,
}

impl Trap {
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn trap(ip: &str) -> (SocketAddr, Arc<Trap>) {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let trap = Arc::new(Trap::default());
    let t = Arc::clone(&trap);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let t = Arc::clone(&t);
            tokio::spawn(async move {
                let mut buf = vec![0; 16 * 1024];
                let n = tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(0);
                t.seen
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                let answer = format!(
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{LEAK}",
                    LEAK.len()
                );
                let _ = s.write_all(answer.as_bytes()).await;
            });
        }
    });
    (addr, trap)
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

/// A node with exactly these egress exceptions (loopback trusted as a proxy), and what stops it
/// (its sender and webhook loops end with it).
async fn node(store: Store, allow: &[&str]) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let config = ServerConfig {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        event_retention_micros: None,
        outbound_allow: allow.iter().map(|a| a.parse().unwrap()).collect(),
        ..ServerConfig::default()
    };
    let state = AppState::new(store, Arc::new(SystemClock), config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::launch_with_listener(listener, state, async {
        let _ = stopped.await;
    }));
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(addr).await.is_ok()
            && request(addr, "GET", "/healthz", &[], None).await.status == 200
        {
            return (addr, stop);
        }
        tokio::task::yield_now().await;
    }
    panic!("the node on {addr} never became ready");
}

async fn call(
    addr: SocketAddr,
    cookie: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Response {
    let body = body.map(|b| b.to_string());
    request(addr, method, path, &[("Cookie", cookie)], body.as_deref()).await
}

/// The first delivery of webhook `hook` that was attempted (polls its log).
async fn attempted(
    addr: SocketAddr,
    cookie: &str,
    hook: i64,
    what: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..1500 {
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
            .find(|d| d["attempts"].as_i64() > Some(0) && what(d))
        {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("webhook {hook} has no such attempted delivery: {last}");
}

/// Plants a webhook with `url` straight into the database, as a row written before the policy
/// (or a name that resolved elsewhere when it was configured) would be.
async fn plant_webhook(w: &World, url: &str) -> i64 {
    // Acting for the owner, who sees everything: only the address can stop it.
    let owner = w
        .store
        .directory()
        .user_profiles(w.a)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.email == w.email("dona"))
        .unwrap()
        .user;
    let mut tx = w.store.directory().begin_admin(w.a).await.unwrap();
    let id = tx
        .create_webhook(
            &WebhookWrite {
                url,
                events: &[EventKind::Conversation],
                active: true,
                acting_user: Some(owner),
            },
            "whsec_planted",
            0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn unreachable_graph() -> String {
    format!(
        "could not confirm that `access_token` may use `phone_number_id`: the Graph API could not be reached ({UNREACHABLE}): check `graph_base_url`"
    )
}

/// Every internal address the attack suite tried, as URL hosts.
const INTERNAL_HOSTS: [&str; 10] = [
    "127.0.0.1",
    "[::1]",
    "0.0.0.0",
    "169.254.169.254",
    "10.0.0.1",
    "192.168.1.1",
    "2130706433",
    "0x7f000001",
    "127.1",
    "[::ffff:127.0.0.1]",
];

#[expect(clippy::too_many_lines, reason = "one story, told in order")]
pub async fn egress_story(w: World) {
    let dona = login(&w, "dona").await;
    let (t2_addr, t2) = trap("127.0.0.2").await;
    let (t6_addr, t6) = trap("::1").await;
    let (graph_addr, graph) = super::channels::start_fake_on("127.0.0.2").await;
    let fake_base = format!("http://{graph_addr}/v21.0");
    let number = |k: u8| format!("77{k}{}", &w.tag[w.tag.len() - 12..]);
    let (n1, n2) = (number(1), number(2));
    graph.grant(&n1, "EAAG-dona");
    let whatsapp = |name: &str, number: &str, token: &str, base: &str| {
        json!({"kind": "whatsapp", "name": name, "phone_number_id": number, "verify_token": "v-123",
               "app_secret": "segredo-do-app", "access_token": token, "graph_base_url": base})
    };
    let count = |addr, cookie: String, path: &'static str| async move {
        call(addr, &cookie, "GET", path, None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len()
    };

    // 1. A node with no exceptions: internal targets are refused when configured.
    let (strict, stop_strict) = node(w.store.clone(), &[]).await;
    let (hooks, channels) = (
        count(strict, dona.clone(), "/api/v1/webhooks").await,
        count(strict, dona.clone(), "/api/v1/channels").await,
    );
    for host in INTERNAL_HOSTS {
        for scheme in ["http", "https"] {
            let url = format!("{scheme}://{host}:{}/hook", t2_addr.port());
            let r = call(
                strict,
                &dona,
                "POST",
                "/api/v1/webhooks",
                Some(json!({"url": url})),
            )
            .await;
            assert_eq!(
                (r.status, r.code()),
                (400, "target_not_allowed".into()),
                "{url}: {}",
                r.body
            );
            let base = format!("{scheme}://{host}:{}/v21.0", t2_addr.port());
            let r = call(
                strict,
                &dona,
                "POST",
                "/api/v1/channels",
                Some(whatsapp("WA", &n2, "EAAG-x", &base)),
            )
            .await;
            assert_eq!(
                (r.status, r.code()),
                (400, "target_not_allowed".into()),
                "{base}: {}",
                r.body
            );
        }
    }
    // Also the tests' own fake on 127.0.0.2, and plain http to a public host.
    let r = call(
        strict,
        &dona,
        "POST",
        "/api/v1/channels",
        Some(whatsapp("WA", &n1, "EAAG-dona", &fake_base)),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "target_not_allowed".into()),
        "{}",
        r.body
    );
    let r = call(
        strict,
        &dona,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": "http://hooks.example.com/a"})),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "https_required".into()),
        "{}",
        r.body
    );
    assert_eq!(count(strict, dona.clone(), "/api/v1/webhooks").await, hooks);
    assert_eq!(
        count(strict, dona.clone(), "/api/v1/channels").await,
        channels
    );

    // A host name is checked when connecting: `localhost` passes the configuration check, and
    // the proof that the token may use the number never connects (the trap on 127.0.0.1 sees
    // nothing); the answer is the same as for a port nothing listens on.
    let (t1_addr, t1) = trap("127.0.0.1").await;
    let base = format!("https://localhost:{}/v21.0", t1_addr.port());
    let refused = call(
        strict,
        &dona,
        "POST",
        "/api/v1/channels",
        Some(whatsapp("WA", &n2, "EAAG-x", &base)),
    )
    .await;
    assert_eq!(
        (refused.status, refused.code()),
        (400, "channel_not_verified".into()),
        "{}",
        refused.body
    );
    assert_eq!(refused.json()["error"]["message"], unreachable_graph());
    // The world's node allows 127.0.0.1 (the tests' fakes): there, a closed port.
    let base = format!("http://127.0.0.1:{}/v21.0", closed_port().await);
    let closed = call(
        w.addr,
        &dona,
        "POST",
        "/api/v1/channels",
        Some(whatsapp("WA", &n2, "EAAG-x", &base)),
    )
    .await;
    assert_eq!(
        (closed.status, closed.body.as_str()),
        (refused.status, refused.body.as_str())
    );
    assert!(t1.seen().is_empty(), "{:?}", t1.seen());
    assert_eq!(
        count(strict, dona.clone(), "/api/v1/channels").await,
        channels
    );
    let _ = stop_strict.send(());

    // 2. Rows written before the policy are refused when delivered: nothing reaches the traps,
    // nothing of an answer is logged, and the error is a closed port's.
    let v4 = plant_webhook(&w, &format!("http://127.0.0.2:{}/hook", t2_addr.port())).await;
    let v6 = plant_webhook(&w, &format!("http://[::1]:{}/hook", t6_addr.port())).await;
    let mapped = plant_webhook(
        &w,
        &format!("http://[::ffff:127.0.0.2]:{}/hook", t2_addr.port()),
    )
    .await;
    let r = call(w.addr, &dona, "POST", "/api/v1/webhooks",
        Some(json!({"url": format!("http://127.0.0.1:{}/hook", closed_port().await), "events": ["conversation"]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let closed = r.json()["id"].as_i64().unwrap();
    // A receiver the node may reach, answering a redirect to a trap: not followed.
    let redirect_to = format!("http://127.0.0.2:{}/internal", t2_addr.port());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let to = redirect_to.clone();
            async move { (StatusCode::FOUND, [("location", to)], "x".repeat(5000)).into_response() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rx = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let r = call(
        w.addr,
        &dona,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": format!("http://{rx}/hook"), "events": ["conversation"]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let redirecting = r.json()["id"].as_i64().unwrap();
    let r = call(
        w.addr,
        &dona,
        "POST",
        "/api/v1/conversations",
        Some(json!({"contact_name": "Cliente Egress", "message": "Oi"})),
    )
    .await;
    assert!(r.status == 201 || r.status == 204, "{}", r.body);
    let is_created = |d: &Value| d["event_type"] == "conversation.created";
    let addr = w.addr;
    let errors: Vec<Value> = futures_util::future::join_all([v4, v6, mapped, closed].map(|h| {
        let dona = dona.clone();
        async move { attempted(addr, &dona, h, is_created).await }
    }))
    .await;
    for d in &errors {
        assert_eq!(d["response_status"], Value::Null, "{d}");
        assert_eq!(
            d["error"],
            json!(format!("the receiver could not be reached: {UNREACHABLE}")),
            "{d}"
        );
    }
    let d = attempted(w.addr, &dona, redirecting, |d| {
        is_created(d) && d["response_status"] == 302
    })
    .await;
    let error = d["error"].as_str().unwrap();
    assert!(
        error.starts_with("the receiver answered 302") && error.len() < 300,
        "{d}"
    );
    tokio::time::sleep(QUIET).await;
    assert!(
        t2.seen().is_empty() && t6.seen().is_empty(),
        "{:?} {:?}",
        t2.seen(),
        t6.seen()
    );
    for h in [v4, v6, mapped, closed, redirecting] {
        let r = call(
            w.addr,
            &dona,
            "PATCH",
            &format!("/api/v1/webhooks/{h}"),
            Some(json!({"active": false})),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    // 3. A node whose operator allows 127.0.0.2 (an on-premises Graph API proxy, say): the
    // owner connects a number the Graph API confirms for her token.
    let (allowing, _keep) = node(w.store.clone(), &["127.0.0.1/32", "127.0.0.2/32"]).await;
    let r = call(
        allowing,
        &dona,
        "POST",
        "/api/v1/channels",
        Some(whatsapp("WA Egress", &n1, "EAAG-dona", &fake_base)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let channel = r.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/channels/{channel}");
    let asked = graph.asked.lock().unwrap().clone();
    assert_eq!(asked, vec![(n1.clone(), "Bearer EAAG-dona".to_owned())]);
    let shown = |cookie: String| async move {
        let all = call(allowing, &cookie, "GET", "/api/v1/channels", None)
            .await
            .json();
        all.as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == channel)
            .unwrap()
            .clone()
    };

    // An administrator who cannot read the token moves the channel to a listener of theirs:
    // refused without the token, nothing changes, nothing reaches the listener.
    let theirs = format!("http://127.0.0.2:{}/v21.0", t2_addr.port());
    for change in [
        json!({"graph_base_url": theirs}),
        json!({"phone_number_id": n2}),
        json!({"graph_base_url": theirs, "phone_number_id": n2, "name": "X"}),
    ] {
        let r = call(allowing, &dona, "PATCH", &path, Some(change.clone())).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "secret_required".into()),
            "{change}: {}",
            r.body
        );
    }
    assert_eq!(
        shown(dona.clone()).await["graph_base_url"],
        json!(fake_base)
    );
    // The same base URL again moves nothing: no token needed, no proof asked.
    let r = call(
        allowing,
        &dona,
        "PATCH",
        &path,
        Some(json!({"graph_base_url": fake_base, "name": "WA Egress 2"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // With a token of their own, the proof goes to their listener with THAT token, fails, and
    // the answer carries its status, not its body.
    let r = call(
        allowing,
        &dona,
        "PATCH",
        &path,
        Some(json!({"graph_base_url": theirs, "access_token": "EAAG-theirs"})),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "channel_not_verified".into()),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("HTTP 500") && !r.body.contains("db_password"),
        "{}",
        r.body
    );
    let seen = t2.seen().join("\n");
    assert!(
        seen.contains("Bearer EAAG-theirs") && !seen.contains("EAAG-dona"),
        "{seen}"
    );
    // A token the Graph API does not confirm for the number: refused with its error code only.
    let r = call(
        allowing,
        &dona,
        "PATCH",
        &path,
        Some(json!({"access_token": "EAAG-wrong"})),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "channel_not_verified".into()),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("error code 100") && !r.body.contains("Unsupported"),
        "{}",
        r.body
    );
    assert_eq!(
        shown(dona.clone()).await["graph_base_url"],
        json!(fake_base)
    );
    graph.grant(&n1, "EAAG-novo");
    let r = call(
        allowing,
        &dona,
        "PATCH",
        &path,
        Some(json!({"access_token": "EAAG-novo"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = graph.asked.lock().unwrap().len();
    let r = call(
        allowing,
        &dona,
        "PATCH",
        &path,
        Some(json!({"name": "WA Egress 3"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        graph.asked.lock().unwrap().len(),
        before,
        "a rename asked the Graph API"
    );

    // 7(b): another account cannot bind a number without the proof (neither A's nor a free
    // one); with a token Meta accepts for A's number, it learns only that the number is taken,
    // in the same bytes A gets for its own duplicate.
    let b = login_b(&w).await;
    let b_channels = count(allowing, b.clone(), "/api/v1/channels").await;
    for n in [&n1, &n2] {
        let r = call(
            allowing,
            &b,
            "POST",
            "/api/v1/channels",
            Some(whatsapp("WA B egress", n, "EAAG-b", &fake_base)),
        )
        .await;
        assert_eq!(
            (r.status, r.code()),
            (400, "channel_not_verified".into()),
            "{}",
            r.body
        );
    }
    assert_eq!(
        count(allowing, b.clone(), "/api/v1/channels").await,
        b_channels
    );
    graph.grant(&n1, "EAAG-b");
    let b_taken = call(
        allowing,
        &b,
        "POST",
        "/api/v1/channels",
        Some(whatsapp("WA B egress", &n1, "EAAG-b", &fake_base)),
    )
    .await;
    assert_eq!(
        (b_taken.status, b_taken.code()),
        (409, "phone_number_taken".into()),
        "{}",
        b_taken.body
    );
    let a_taken = call(
        allowing,
        &dona,
        "POST",
        "/api/v1/channels",
        Some(whatsapp("WA dup", &n1, "EAAG-novo", &fake_base)),
    )
    .await;
    assert_eq!(
        (a_taken.status, a_taken.body.as_str()),
        (b_taken.status, b_taken.body.as_str())
    );
    assert_eq!(
        count(allowing, b.clone(), "/api/v1/channels").await,
        b_channels
    );

    // 4. A reply through a channel whose base URL was stored before the policy (planted): the
    // sender refuses it like an unreachable host; the message says so, nothing of an answer.
    let (t3_addr, t3) = trap("127.0.0.3").await;
    let text = include_str!("../fixtures/whatsapp/text.json").replace("106540352242922", &n1);
    let sig = server::channels::whatsapp::sign("segredo-do-app", text.as_bytes());
    let r = request(
        allowing,
        "POST",
        &format!("/webhooks/whatsapp/{channel}"),
        &[("X-Hub-Signature-256", &sig)],
        Some(&text),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = call(
        allowing,
        &dona,
        "GET",
        "/api/v1/conversations?tab=waiting&q=Mariana",
        None,
    )
    .await
    .json();
    let conv = list["items"][0]["id"].as_i64().unwrap();
    let mut tx = w.store.directory().begin_admin(w.a).await.unwrap();
    let planted = format!("http://127.0.0.3:{}/v21.0", t3_addr.port());
    tx.update_channel(
        channel,
        &ChannelWrite {
            name: "WA Egress 3",
            graph_base_url: Some(&planted),
            active: true,
            ..ChannelWrite::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for (action, body) in [
        ("assume", json!({})),
        ("reply", json!({"text": "Resposta egress"})),
    ] {
        let r = call(
            allowing,
            &dona,
            "POST",
            &format!("/api/v1/conversations/{conv}/{action}"),
            Some(body),
        )
        .await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }
    let mut last = Value::Null;
    for _ in 0..1500 {
        last = call(
            allowing,
            &dona,
            "GET",
            &format!("/api/v1/conversations/{conv}/messages"),
            None,
        )
        .await
        .json();
        if last
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "Resposta egress" && m["delivery_error"].is_string())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let m = last
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == "Resposta egress")
        .unwrap();
    assert_eq!(
        m["delivery_error"],
        json!(format!(
            "WhatsApp Graph API error (HTTP 0): the Graph API could not be reached: {UNREACHABLE}"
        )),
        "{m}"
    );
    assert!(t3.seen().is_empty(), "{:?}", t3.seen());
    let r = call(
        allowing,
        &dona,
        "PATCH",
        &path,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_on_sqlite() {
    let (store, dir) = on_sqlite("egress").await;
    egress_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    let _alone = super::AHEAD_OF_TIME.lock().await;
    egress_story(start(store).await).await;
}
