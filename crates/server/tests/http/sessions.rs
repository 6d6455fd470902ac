//! Sessions and login over real HTTP (issue 7, point 8): session ids of 256 random bits stored
//! only as their SHA-256; the cookie's attributes (`Secure` when configured); no fixation;
//! logout, deactivation, password changes and role removal end sessions on the server;
//! cross-site writes (and logins) refused; no GET of the OpenAPI document changes a row; every
//! failed login answers the same bytes in the same time band; throttling per account and per
//! address, growing, with `Retry-After`, reset by a success.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use server::ServerConfig;
use server::clock::{Clock, ManualClock, SystemClock};

use super::db::{Raw, diff};
use super::networks::{from, login_from};
use super::*;

const PW: &str = "senha-forte-1";

fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn patch(w: &World, cookie: &str, path: &str, body: Value) -> Response {
    request(
        w.addr,
        "PATCH",
        path,
        &[("Cookie", cookie), ("X-Forwarded-For", &w.far)],
        Some(&body.to_string()),
    )
    .await
}

/// `/api/v1/me` with this cookie: its status.
async fn me_status(w: &World, cookie: &str) -> u16 {
    from(w.addr, "GET", "/api/v1/me", Some(cookie), &w.far, None)
        .await
        .status
}

/// A role's id by its built-in kind.
async fn builtin(w: &World, role: BuiltinRole) -> i64 {
    w.store
        .directory()
        .account_config(w.a)
        .await
        .unwrap()
        .builtin_role(role)
        .unwrap()
        .0
}

pub(crate) async fn sessions_story(w: World, raw: Raw) {
    // Ids: 256 random bits, different at each login, stored only as their SHA-256.
    let r = from(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        None,
        &w.far,
        Some(json!({"email": w.email("ana"), "password": PW})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let set = r.header("set-cookie").unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(
            set.split("; ").any(|a| a == attribute),
            "{attribute}: {set}"
        );
    }
    assert!(
        !set.contains("Secure"),
        "plain HTTP unless configured: {set}"
    );
    let ana = cookie_value(&set);
    let token = ana.strip_prefix("atende_session=s_").unwrap().to_owned();
    assert!(
        token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "256 bits in hex: {token}"
    );
    let ana2 = login(&w, "ana").await;
    assert_ne!(ana, ana2);
    let stored = raw
        .texts(&format!(
            "SELECT token_hash FROM sessions WHERE user_id = {}",
            w.ana.0
        ))
        .await;
    let value = ana.strip_prefix("atende_session=").unwrap();
    assert!(
        stored.contains(&server::secret::token_hash(value)),
        "{stored:?}"
    );
    let everything = raw.snapshot(w.a.0, &w.tag).await;
    assert!(
        everything
            .values()
            .flatten()
            .all(|row| !row.contains(&token)),
        "the session id itself is stored nowhere"
    );
    // Behind TLS the cookie is Secure.
    let tls = common::launch_with(
        w.store.clone(),
        ServerConfig {
            secure_cookies: true,
            ..ServerConfig::default()
        },
    )
    .await;
    let r = from(
        tls,
        "POST",
        "/api/v1/auth/login",
        None,
        &w.far,
        Some(json!({"email": w.email("bia"), "password": PW})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let set = r.header("set-cookie").unwrap();
    assert!(set.split("; ").any(|a| a == "Secure"), "{set}");

    // No fixation: a session id chosen before login is never adopted, and a session presented
    // to the login is ended by it.
    let planted = format!("atende_session=s_{}", "ab".repeat(32));
    let r = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far), ("Cookie", &planted)],
        Some(&json!({"email": w.email("ana"), "password": PW}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let fresh = cookie_value(r.header("set-cookie").unwrap());
    assert_ne!(fresh, planted);
    assert_eq!(me_status(&w, &planted).await, 401);
    assert_eq!(me_status(&w, &fresh).await, 200);
    let r = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far), ("Cookie", &ana2)],
        Some(&json!({"email": w.email("ana"), "password": PW}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let renewed = cookie_value(r.header("set-cookie").unwrap());
    assert_ne!(renewed, ana2);
    assert_eq!(
        me_status(&w, &ana2).await,
        401,
        "the session sent to the login is replaced"
    );
    assert_eq!(me_status(&w, &renewed).await, 200);

    // Logout ends the session on the server: the old cookie, replayed, is refused.
    let r = from(
        w.addr,
        "POST",
        "/api/v1/auth/logout",
        Some(&renewed),
        &w.far,
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    let cleared = r.header("set-cookie").unwrap();
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("HttpOnly"),
        "{cleared}"
    );
    assert_eq!(me_status(&w, &renewed).await, 401);
    assert_eq!(me_status(&w, &ana).await, 200, "only that session ended");

    // Deactivation ends every session (and reactivation revives none).
    let dona = login(&w, "dona").await;
    let bia = login(&w, "bia").await;
    let path = format!("/api/v1/users/{}", w.ana.0);
    let r = patch(&w, &dona, &path, json!({"active": false})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(me_status(&w, &ana).await, 401);
    assert_eq!(me_status(&w, &fresh).await, 401);
    let r = patch(&w, &dona, &path, json!({"active": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(me_status(&w, &ana).await, 401);
    assert_eq!(
        raw.scalar(&format!(
            "SELECT COUNT(*) FROM sessions WHERE user_id = {}",
            w.ana.0
        ))
        .await,
        0
    );

    // Removing a role binding ends the user's sessions; adding one does not.
    let ana = login(&w, "ana").await;
    let agent = builtin(&w, BuiltinRole::Agent).await;
    let admin = builtin(&w, BuiltinRole::Admin).await;
    let r = patch(
        &w,
        &dona,
        &path,
        json!({"roles": [{"role_id": agent}, {"role_id": admin}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(me_status(&w, &ana).await, 200, "a new role ends nothing");
    let r = patch(&w, &dona, &path, json!({"roles": [{"role_id": agent}]})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(me_status(&w, &ana).await, 401);

    // A password change ends the other sessions, not the one that made it; a reset by an
    // administrator ends them all.
    let ana = login(&w, "ana").await;
    let ana_other = login(&w, "ana").await;
    let r = from(
        w.addr,
        "POST",
        "/api/v1/me/password",
        Some(&ana),
        &w.far,
        Some(json!({"current_password": PW, "new_password": "outra-senha-2"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(me_status(&w, &ana).await, 200);
    assert_eq!(me_status(&w, &ana_other).await, 401);
    let r = from(
        w.addr,
        "POST",
        &format!("/api/v1/users/{}/password", w.ana.0),
        Some(&dona),
        &w.far,
        Some(json!({"password": PW})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(me_status(&w, &ana).await, 401);
    let ana = login(&w, "ana").await;
    let r = from(
        w.addr,
        "POST",
        "/api/v1/me/password",
        Some(&ana),
        &w.far,
        Some(json!({"current_password": PW, "new_password": PW})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);

    // Cross-site writes with the cookie are refused, whatever the method; same-origin ones and
    // token-authenticated ones (no ambient credential) go through.
    let note = format!("/api/v1/conversations/{}/note", w.p_bia);
    let host = w.addr.to_string();
    let same_origin = format!("http://{host}");
    let refused: [(&str, &str); 5] = [
        ("Origin", "https://evil.example"),
        ("Origin", "null"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
        ("Origin", "http://127.0.0.1.evil.example"),
    ];
    for (name, value) in refused {
        for (method, path, body) in [
            ("POST", note.as_str(), json!({"text": "csrf"})),
            ("PATCH", path.as_str(), json!({"name": "CSRF"})),
            (
                "PUT",
                "/api/v1/me/availability",
                json!({"availability": "online"}),
            ),
            ("DELETE", "/api/v1/me/tokens/1", json!({})),
        ] {
            let r = request(
                w.addr,
                method,
                path,
                &[
                    ("Cookie", if method == "PATCH" { &dona } else { &bia }),
                    (name, value),
                ],
                Some(&body.to_string()),
            )
            .await;
            assert_eq!(
                (r.status, r.code()),
                (403, "cross_site".to_owned()),
                "{method} {path} with {name}: {value}"
            );
        }
        // A cross-site login is refused too (login CSRF).
        let r = request(
            w.addr,
            "POST",
            "/api/v1/auth/login",
            &[("X-Forwarded-For", &w.far), (name, value)],
            Some(&json!({"email": w.email("bia"), "password": PW}).to_string()),
        )
        .await;
        assert_eq!(
            (r.status, r.code()),
            (403, "cross_site".to_owned()),
            "login with {name}: {value}"
        );
    }
    let msgs = get(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/messages", w.p_bia),
    )
    .await;
    assert!(
        msgs.status == 200 && !msgs.body.contains("csrf"),
        "nothing was written: {}",
        msgs.body
    );
    for (name, value) in [
        ("Origin", same_origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
    ] {
        let r = request(
            w.addr,
            "POST",
            &note,
            &[("Cookie", &bia), (name, value)],
            Some(r#"{"text":"mesma origem"}"#),
        )
        .await;
        assert_eq!(r.status, 200, "{name}: {value}: {}", r.body);
        let r = request(
            w.addr,
            "POST",
            "/api/v1/auth/login",
            &[("X-Forwarded-For", &w.far), (name, value)],
            Some(&json!({"email": w.email("bia"), "password": PW}).to_string()),
        )
        .await;
        assert_eq!(r.status, 200, "{name}: {value}: {}", r.body);
    }
    let created = from(
        w.addr,
        "POST",
        "/api/v1/me/tokens",
        Some(&bia),
        &w.far,
        Some(json!({"name": "integração"})),
    )
    .await;
    let bearer = format!("Bearer {}", created.json()["token"].as_str().unwrap());
    let r = request(
        w.addr,
        "POST",
        &note,
        &[
            ("Authorization", &bearer),
            ("Origin", "https://evil.example"),
        ],
        Some(r#"{"text":"por token"}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    no_get_writes(&w, &raw, &dona, &bia).await;
    failures_look_alike(&w, &dona).await;
    throttling(&w).await;
}

/// Every GET of the OpenAPI document, with real ids, as the owner and as an agent: no row of
/// the account changes, except that the agent's refused administrative reads are recorded in
/// the audit log (one row each, `denied: ...`).
async fn no_get_writes(w: &World, raw: &Raw, dona: &str, bia: &str) {
    let doc = request(w.addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    let mut paths: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops.get("get").is_some())
        .map(|(p, _)| p.clone())
        .collect();
    assert!(paths.len() >= 20, "{paths:?}");
    // And what is served outside the API's document.
    for extra in ["/", "/assets/app.js", "/healthz", "/api/openapi.json"] {
        paths.push(extra.to_owned());
    }
    paths.sort();
    // Real ids for every path parameter.
    let hook = from(
        w.addr,
        "POST",
        "/api/v1/webhooks",
        Some(dona),
        &w.far,
        Some(json!({"url": "http://127.0.0.1:9/atende"})),
    )
    .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    let hook = hook.json()["id"].as_i64().unwrap();
    let channel = from(
        w.addr,
        "POST",
        "/api/v1/channels",
        Some(dona),
        &w.far,
        Some(json!({"kind": "generic", "name": "Site", "department_id": w.vendas.0})),
    )
    .await;
    assert_eq!(channel.status, 201, "{}", channel.body);
    let channel = channel.json()["id"].as_i64().unwrap();
    let with_ids = |p: &str| {
        let id = if p.starts_with("/api/v1/webhooks/") {
            hook
        } else if p.starts_with("/api/v1/users/") {
            w.bia.0
        } else {
            w.w_vendas
        };
        p.replace("{id}", &id.to_string())
            .replace("{channel}", &channel.to_string())
    };
    for (who, cookie) in [("dona", dona), ("bia", bia)] {
        let before = raw.snapshot(w.a.0, &w.tag).await;
        let mut refused: Vec<String> = Vec::new();
        for p in &paths {
            let path = with_ids(p);
            if p == "/api/v1/events" {
                let mut s = EventStream::open(
                    w.addr,
                    &path,
                    &[("Cookie", cookie), ("X-Forwarded-For", &w.far)],
                )
                .await;
                s.expect("ready", WAIT).await;
                continue;
            }
            let r = from(w.addr, "GET", &path, Some(cookie), &w.far, None).await;
            assert!(r.status < 500, "{who} GET {path}: {} {}", r.status, r.body);
            // A WhatsApp handshake without the channel's verify token is a 403 too, but not an
            // administrative read: it writes nothing.
            if r.status == 403 && path.starts_with("/api/") {
                refused.push(path.clone());
            }
        }
        let after = raw.snapshot(w.a.0, &w.tag).await;
        let changed = diff(&before, &after);
        if who == "dona" {
            // Exporting the contacts list is a read that is audited when done (ACCESS-MODEL v2):
            // its one row is the only write a GET of hers makes.
            let exported = |row: &String| row.contains("contact.export") && row.contains("ok");
            let changed: Vec<_> = changed
                .into_iter()
                .filter(|(table, gone, new)| {
                    let export_only = table == "audit_log"
                        && gone.is_empty()
                        && new.len() == 1
                        && new.iter().all(exported);
                    !export_only
                })
                .collect();
            assert!(changed.is_empty(), "GETs by {who} wrote: {changed:?}");
            assert!(refused.is_empty(), "{who} was refused {refused:?}");
        } else {
            assert!(
                !refused.is_empty(),
                "bia is refused the administrative reads"
            );
            assert_eq!(changed.len(), 1, "{changed:?}");
            let (table, gone, new) = &changed[0];
            assert_eq!((table.as_str(), gone.len()), ("audit_log", 0));
            assert_eq!(
                new.len(),
                refused.len(),
                "one row per refused read: {new:?}"
            );
            assert!(new.iter().all(|row| row.contains("denied: ")), "{new:?}");
        }
    }
}

/// Wrong password, unknown email, inactive user and a user with no active binding from the
/// address: the same status and bytes, and times in the same band: the fastest of twelve
/// within a factor of three of the wrong password's (the fastest is the least disturbed by the
/// other tests running beside this one; a path that skipped the hash would be some twenty times
/// faster, and the band is as narrow as two loaded cores allow).
async fn failures_look_alike(w: &World, dona: &str) {
    let r = post(
        w,
        dona,
        "/api/v1/roles",
        json!({"name": format!("Só do escritório {}", w.tag),
               "permissions": ["conversation.assume"],
               "allowed_networks": ["10.30.0.0/16"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let role = r.json()["id"].as_i64().unwrap();
    // Three users of each kind, so that each is tried four times (below throttling) and each
    // kind twelve times.
    let mut kinds: Vec<Vec<String>> = vec![Vec::new(); 4];
    for n in 0..3 {
        for (k, (who, roles, active)) in [
            ("certa", json!([]), true),
            ("inativa", json!([]), false),
            ("cercada", json!([{"role_id": role}]), true),
        ]
        .into_iter()
        .enumerate()
        {
            let email = w.email(&format!("{who}{n}"));
            let r = post(
                w,
                dona,
                "/api/v1/users",
                json!({"email": email, "name": who, "password": PW, "roles": roles}),
            )
            .await;
            assert_eq!(r.status, 201, "{}", r.body);
            if !active {
                let id = r.json()["id"].as_i64().unwrap();
                let path = format!("/api/v1/users/{id}");
                let r = patch(w, dona, &path, json!({"active": false})).await;
                assert_eq!(r.status, 200, "{}", r.body);
            }
            kinds[[0, 2, 3][k]].push(email);
        }
        kinds[1].push(w.email(&format!("ninguem{n}")));
    }
    assert!(
        login_from(w.addr, &kinds[3][0], PW, "10.30.0.1")
            .await
            .is_ok(),
        "from the office she may"
    );
    let cases = [
        "wrong password",
        "unknown user",
        "inactive user",
        "no active binding",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    let mut first: Option<(u16, String)> = None;
    for round in 0..12 {
        for (i, what) in cases.iter().enumerate() {
            let email = &kinds[i][round % 3];
            let password = if i == 0 { "errada-123" } else { PW };
            let address = format!("{}:{round:x}{i}", w.far);
            let t = Instant::now();
            let r = from(
                w.addr,
                "POST",
                "/api/v1/auth/login",
                None,
                &address,
                Some(json!({"email": email, "password": password})),
            )
            .await;
            times[i].push(t.elapsed());
            let got = (r.status, r.body.clone());
            let expected = first.get_or_insert_with(|| got.clone());
            assert_eq!(&got, expected, "{what}");
            assert!(r.header("set-cookie").is_none(), "{what}");
        }
    }
    assert_eq!(first.unwrap().0, 401);
    let fastest = |v: &mut Vec<Duration>| {
        v.sort();
        (v[0], v[v.len() / 2])
    };
    let (medians, middles): (Vec<Duration>, Vec<Duration>) = times.iter_mut().map(fastest).unzip();
    println!(
        "failed logins, fastest (median) of 12: {}",
        cases
            .iter()
            .zip(medians.iter().zip(&middles))
            .map(|(what, (m, mid))| format!("{what} {m:?} ({mid:?})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (what, m) in cases.iter().zip(&medians) {
        let ratio = m.as_secs_f64() / medians[0].as_secs_f64();
        assert!(
            (1.0 / 3.0..=3.0).contains(&ratio),
            "{what}: {m:?} against {:?}",
            medians[0]
        );
    }
}

/// Throttling on a clock the test moves: five free failures per account and per address, then
/// 429 with `Retry-After` of 1, 2, 4 s..., whatever the password (also for unknown emails); a
/// success resets both.
async fn throttling(w: &World) {
    let clock = Arc::new(ManualClock::new(SystemClock.now_micros()));
    let node = launch_clocked(
        w.store.clone(),
        ServerConfig::default(),
        Arc::clone(&clock) as Arc<dyn server::clock::Clock>,
    )
    .await;
    let attempt = |email: String, password: &'static str, address: String| async move {
        from(
            node,
            "POST",
            "/api/v1/auth/login",
            None,
            &address,
            Some(json!({"email": email, "password": password})),
        )
        .await
    };
    let second = 1_000_000;
    // Per account: each failure from another address.
    let bia = w.email("bia");
    let mut n = 0;
    let mut next_address = || {
        n += 1;
        format!("{}:7:{n:x}", w.far)
    };
    for _ in 0..5 {
        let r = attempt(bia.clone(), "errada-123", next_address()).await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
    for wait in [1, 2, 4, 8] {
        let r = attempt(bia.clone(), PW, next_address()).await;
        assert_eq!(
            (r.status, r.header("retry-after")),
            (429, Some(wait.to_string().as_str())),
            "even the right password waits: {}",
            r.body
        );
        clock.advance(wait * second - 1);
        let r = attempt(bia.clone(), PW, next_address()).await;
        assert_eq!(r.status, 429, "not yet");
        clock.advance(1);
        let r = attempt(bia.clone(), "errada-123", next_address()).await;
        assert_eq!(r.status, 401, "after {wait} s: {}", r.body);
    }
    let r = attempt(bia.clone(), PW, next_address()).await;
    assert_eq!(r.status, 429);
    clock.advance(16 * second);
    let r = attempt(bia.clone(), PW, next_address()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = attempt(bia.clone(), "errada-123", next_address()).await;
    assert_eq!(r.status, 401, "a success resets the account's count");
    for _ in 0..4 {
        assert_eq!(
            attempt(bia.clone(), "errada-123", next_address())
                .await
                .status,
            401
        );
    }
    assert_eq!(attempt(bia.clone(), PW, next_address()).await.status, 429);
    clock.advance(second);
    assert_eq!(attempt(bia.clone(), PW, next_address()).await.status, 200);

    // Per address: one address trying many emails (unknown ones too).
    let address = format!("{}:77", w.far);
    for i in 0..5 {
        let r = attempt(w.email(&format!("spray{i}")), "errada-123", address.clone()).await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
    for wait in [1, 2, 4] {
        let r = attempt(w.email("dona"), PW, address.clone()).await;
        assert_eq!(
            (r.status, r.header("retry-after")),
            (429, Some(wait.to_string().as_str()))
        );
        clock.advance(wait * second);
        let r = attempt(
            w.email(&format!("spray-{wait}")),
            "errada-123",
            address.clone(),
        )
        .await;
        assert_eq!(r.status, 401);
    }
    clock.advance(8 * second);
    let r = attempt(w.email("dona"), PW, address.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = attempt(w.email("spray-x"), "errada-123", address.clone()).await;
    assert_eq!(r.status, 401, "a success resets the address's count");
    // An unknown email is throttled exactly like a known one (no enumeration through 429).
    let ghost = w.email("fantasma");
    for _ in 0..5 {
        assert_eq!(
            attempt(ghost.clone(), "errada-123", next_address())
                .await
                .status,
            401
        );
    }
    let r = attempt(ghost, "errada-123", next_address()).await;
    assert_eq!(
        (r.status, r.header("retry-after")),
        (429, Some("1")),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_on_sqlite() {
    let (store, dir) = on_sqlite("sessions").await;
    let w = start(store).await;
    sessions_story(w, Raw::sqlite(&dir).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    let w = start(store).await;
    sessions_story(w, Raw::postgres().await).await;
}
