//! Allowed networks over real HTTP (issue 7, point 7): a role restricted to networks grants its
//! permissions only to requests from inside one of them, at both edges of each CIDR, for IPv4,
//! IPv6 and IPv4-mapped IPv6 addresses; `X-Forwarded-For` is believed only from configured
//! trusted proxies (also when the proxy's address arrives IPv4-mapped on a dual-stack
//! listener); and the same session loses the permission, in the API and in the event stream,
//! as soon as it comes from outside.

use std::sync::Arc;

use serde_json::{Value, json};
use server::clock::SystemClock;
use server::{AppState, ServerConfig};

use super::*;

/// A request from client address `from` (through the trusted loopback proxy).
pub(crate) async fn from(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    from: &str,
    body: Option<Value>,
) -> Response {
    let mut headers = vec![("X-Forwarded-For", from)];
    if let Some(c) = cookie {
        headers.push(("Cookie", c));
    }
    let body = body.map(|b| b.to_string());
    request(addr, method, path, &headers, body.as_deref()).await
}

/// The session cookie of a login from `address`, or the failed answer.
pub(crate) async fn login_from(
    addr: SocketAddr,
    email: &str,
    password: &str,
    address: &str,
) -> Result<String, Response> {
    let r = from(
        addr,
        "POST",
        "/api/v1/auth/login",
        None,
        address,
        Some(json!({"email": email, "password": password})),
    )
    .await;
    if r.status != 200 {
        return Err(r);
    }
    Ok(r.header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned())
}

/// A node bound to `bind` that trusts exactly `proxies` (the common launcher always trusts
/// loopback; this one does not).
async fn node(store: Store, bind: &str, proxies: &[&str]) -> SocketAddr {
    let config = ServerConfig {
        trusted_proxies: proxies.iter().map(|p| p.parse().unwrap()).collect(),
        event_retention_micros: None,
        ..ServerConfig::default()
    };
    let state = AppState::new(store, Arc::new(SystemClock), config).unwrap();
    let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::launch_with_listener(
        listener,
        state,
        std::future::pending(),
    ));
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(addr).await.is_ok()
            && request(addr, "GET", "/healthz", &[], None).await.status == 200
        {
            return addr;
        }
        tokio::task::yield_now().await;
    }
    panic!("the node on {addr} never became ready");
}

pub(crate) async fn networks_story(w: World) {
    let far = w.far.clone();
    let dona = login(&w, "dona").await;
    let missing = get(&w, &dona, "/api/v1/conversations/987654321").await;
    assert_eq!(missing.status, 404);

    // The office role: the company's waiting queue and the users list, only from the office
    // (an IPv4 and an IPv6 network).
    let r = post(
        &w,
        &dona,
        "/api/v1/roles",
        json!({"name": format!("Escritório {}", w.tag),
               "permissions": ["conversations.waiting.view_company", "users.manage"],
               "allowed_networks": ["10.20.0.0/16", "2001:db8:20::/48"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let office = r.json()["id"].as_i64().unwrap();
    let config = w.store.directory().account_config(w.a).await.unwrap();
    let agent = config.builtin_role(BuiltinRole::Agent).unwrap().0;
    let r = request(
        w.addr,
        "PATCH",
        &format!("/api/v1/users/{}", w.ana.0),
        &[("Cookie", &dona)],
        Some(&json!({"roles": [{"role_id": agent}, {"role_id": office}]}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // ana logs in from the office; the same session is used from everywhere below.
    let ana = login_from(w.addr, &w.email("ana"), "senha-forte-1", "10.20.1.1")
        .await
        .unwrap();
    let hidden = format!("/api/v1/conversations/{}", w.w_suporte);
    let inside = [
        "10.20.0.0",
        "10.20.255.255",
        "10.20.7.9",
        "::ffff:10.20.0.1",
        "::ffff:10.20.255.255",
        "2001:db8:20::",
        "2001:db8:20:ffff:ffff:ffff:ffff:ffff",
    ];
    let outside = [
        "10.19.255.255",
        "10.21.0.0",
        "::ffff:10.21.0.0",
        "::ffff:10.19.255.255",
        "2001:db8:1f:ffff:ffff:ffff:ffff:ffff",
        "2001:db8:21::",
        "10.20.1.1.evil", // not an address: the client's address is unknown
        &far,
    ];
    for address in inside {
        let r = from(w.addr, "GET", &hidden, Some(&ana), address, None).await;
        assert_eq!(r.status, 200, "{address}: {}", r.body);
        let me = from(w.addr, "GET", "/api/v1/me", Some(&ana), address, None)
            .await
            .json();
        let perms = me["permissions"].as_array().unwrap();
        assert!(
            perms.contains(&json!("conversations.waiting.view_company"))
                && perms.contains(&json!("users.manage")),
            "{address}: {me}"
        );
        // The screens are told by the server what they may offer, decided the same way.
        let may = me["may"].as_array().unwrap();
        for offer in ["admin", "users.open", "roles.open", "viewers.open"] {
            assert!(may.contains(&json!(offer)), "{address}: {offer} {me}");
        }
        let users = from(w.addr, "GET", "/api/v1/users", Some(&ana), address, None).await;
        assert_eq!(users.status, 200, "{address}: {}", users.body);
        let counts = from(
            w.addr,
            "GET",
            "/api/v1/conversations/counts",
            Some(&ana),
            address,
            None,
        )
        .await
        .json();
        assert_eq!(counts["waiting"], 2, "{address}: {counts}");
    }
    for address in outside {
        let r = from(w.addr, "GET", &hidden, Some(&ana), address, None).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (404, missing.body.as_str()),
            "{address}: the permission is gone, the conversation is unknown"
        );
        let me = from(w.addr, "GET", "/api/v1/me", Some(&ana), address, None)
            .await
            .json();
        let perms = me["permissions"].as_array().unwrap();
        assert!(
            !perms.contains(&json!("conversations.waiting.view_company"))
                && !perms.contains(&json!("users.manage")),
            "{address}: {me}"
        );
        let may = me["may"].as_array().unwrap();
        for offer in ["users.open", "roles.open", "viewers.open"] {
            assert!(!may.contains(&json!(offer)), "{address}: {offer} {me}");
        }
        let users = from(w.addr, "GET", "/api/v1/users", Some(&ana), address, None).await;
        assert_eq!(users.status, 403, "{address}: {}", users.body);
        let counts = from(
            w.addr,
            "GET",
            "/api/v1/conversations/counts",
            Some(&ana),
            address,
            None,
        )
        .await
        .json();
        assert_eq!(counts["waiting"], 1, "{address}: {counts}");
        let waiting = from(
            w.addr,
            "GET",
            "/api/v1/conversations?tab=waiting",
            Some(&ana),
            address,
            None,
        )
        .await
        .json();
        assert_eq!(ids(&waiting), vec![w.w_vendas], "{address}");
    }

    // X-Forwarded-For walks from the right: what a client claims before the trusted proxy
    // appended the real address is not believed.
    let spoofed = from(
        w.addr,
        "GET",
        &hidden,
        Some(&ana),
        "10.20.1.1, 203.0.113.5",
        None,
    )
    .await;
    assert_eq!(spoofed.status, 404, "{}", spoofed.body);
    let chained = from(
        w.addr,
        "GET",
        &hidden,
        Some(&ana),
        "203.0.113.5, 10.20.1.1, 127.0.0.1",
        None,
    )
    .await;
    assert_eq!(
        chained.status, 200,
        "trusted hops on the right are skipped: {}",
        chained.body
    );

    // A node that trusts no proxy: the header is ignored, the peer (loopback) is the client.
    let untrusting = node(w.store.clone(), "127.0.0.1:0", &[]).await;
    let r = from(untrusting, "GET", &hidden, Some(&ana), "10.20.1.1", None).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (404, missing.body.as_str()),
        "X-Forwarded-For from an untrusted peer is not believed"
    );
    // A node that trusts another proxy (not loopback): ignored as well.
    let elsewhere = node(w.store.clone(), "127.0.0.1:0", &["192.0.2.0/24"]).await;
    let r = from(elsewhere, "GET", &hidden, Some(&ana), "10.20.1.1", None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    // A dual-stack listener sees the IPv4 loopback peer as ::ffff:127.0.0.1: an IPv4 proxy
    // network still matches it, and its header is believed.
    let dual = node(w.store.clone(), "[::]:0", &["127.0.0.0/8"]).await;
    let dual_v4 = SocketAddr::from(([127, 0, 0, 1], dual.port()));
    let r = from(dual_v4, "GET", &hidden, Some(&ana), "10.20.1.1", None).await;
    assert_eq!(
        r.status, 200,
        "an IPv4-mapped proxy address is the IPv4 proxy: {}",
        r.body
    );
    let r = from(dual_v4, "GET", &hidden, Some(&ana), "10.21.0.1", None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let dual_untrusting = node(w.store.clone(), "[::]:0", &[]).await;
    let r = from(
        SocketAddr::from(([127, 0, 0, 1], dual_untrusting.port())),
        "GET",
        &hidden,
        Some(&ana),
        "10.20.1.1",
        None,
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);

    // A user whose only role is restricted: from outside they cannot log in, and the answer is
    // the one of a wrong password; inside they can; the same session from outside is as good
    // as logged out.
    let r = post(
        &w,
        &dona,
        "/api/v1/roles",
        json!({"name": format!("Atendente do escritório {}", w.tag),
               "permissions": ["conversation.assume", "conversations.waiting.view_department"],
               "allowed_networks": ["10.20.0.0/16"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let office_agent = r.json()["id"].as_i64().unwrap();
    let rede_email = w.email("rede");
    let r = post(
        &w,
        &dona,
        "/api/v1/users",
        json!({"email": rede_email, "name": "Rede", "password": "temporaria-1",
               "roles": [{"role_id": office_agent}],
               "memberships": [{"department_id": w.vendas.0, "kind": "member"}]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let out_addr = format!("{far}:1");
    let refused = login_from(w.addr, &rede_email, "temporaria-1", &out_addr)
        .await
        .unwrap_err();
    let wrong = login_from(w.addr, &rede_email, "errada-123", &out_addr)
        .await
        .unwrap_err();
    assert_eq!(
        (refused.status, refused.body.as_str()),
        (401, wrong.body.as_str())
    );
    let mapped_in = login_from(w.addr, &rede_email, "temporaria-1", "::ffff:10.20.3.4").await;
    let rede = mapped_in.unwrap();
    let me = from(w.addr, "GET", "/api/v1/me", Some(&rede), "10.20.3.4", None).await;
    assert_eq!(me.status, 200, "{}", me.body);
    let me = from(w.addr, "GET", "/api/v1/me", Some(&rede), "10.21.3.4", None).await;
    assert_eq!(
        (me.status, me.code()),
        (401, "unauthorized".to_owned()),
        "no active binding from here"
    );

    // The event stream: ana's session from the office hears of a new waiting conversation in
    // Suporte; the same session from outside hears nothing of it.
    let mut s_in = EventStream::open(
        w.addr,
        "/api/v1/events",
        &[("Cookie", &ana), ("X-Forwarded-For", "10.20.9.9")],
    )
    .await;
    s_in.expect("ready", WAIT).await;
    let mut s_out = EventStream::open(
        w.addr,
        "/api/v1/events",
        &[("Cookie", &ana), ("X-Forwarded-For", "10.21.9.9")],
    )
    .await;
    s_out.expect("ready", WAIT).await;
    let r = from(
        w.addr,
        "POST",
        "/api/v1/conversations",
        Some(&dona),
        &far,
        Some(json!({"department_id": w.suporte.0, "contact_name": "Cliente de fora"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let fresh = r.json()["id"].as_i64().unwrap();
    loop {
        let e = s_in.expect("conversation", WAIT).await;
        if e.data["id"] == fresh {
            break;
        }
    }
    let heard = s_out.drain(QUIET).await;
    assert_eq!(
        about(&heard, "conversation", fresh) + about(&heard, "message", fresh),
        0,
        "{heard:?}"
    );
    // From outside the user still hears of what the unrestricted role lets them see.
    let r = from(
        w.addr,
        "POST",
        "/api/v1/conversations",
        Some(&dona),
        &far,
        Some(json!({"department_id": w.vendas.0, "contact_name": "Cliente de Vendas"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let vendas_new = r.json()["id"].as_i64().unwrap();
    loop {
        let e = s_out.expect("conversation", WAIT).await;
        assert_ne!(e.data["id"], fresh, "{e:?}");
        if e.data["id"] == vendas_new {
            break;
        }
    }
    // A restricted-only user's stream from outside is refused like no session at all.
    let r = request(
        w.addr,
        "GET",
        "/api/v1/events",
        &[("Cookie", &rede), ("X-Forwarded-For", "10.21.3.4")],
        None,
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn networks_on_sqlite() {
    let (store, dir) = on_sqlite("networks").await;
    networks_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn networks_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    networks_story(start(store).await).await;
}
