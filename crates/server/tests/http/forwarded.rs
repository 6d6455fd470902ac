//! A forged hop behind a trusted proxy (hardening round 2, finding 5). The proxy (loopback,
//! trusted) appends what it saw to `X-Forwarded-For`; a client wrote an office address to its
//! left. When the right-most hop carries a port (`198.51.100.7:4711`, `[2001:db8::7]:4711`) it is
//! read as that address; when it names no address (`unknown`, `_hidden`) the client's address is
//! unknown. Either way the office address the client wrote is never believed: a role limited to
//! the office grants nothing (`GET /users` is refused), and a user whose only role is limited
//! cannot log in. The real office, written by the proxy, with or without a port, still works.

use serde_json::json;

use super::networks::{from, login_from};
use super::*;

pub(crate) async fn forwarded_story(w: World) {
    let dona = login(&w, "dona").await;
    let r = post(
        &w,
        &dona,
        "/api/v1/roles",
        json!({"name": format!("Escritório {}", w.tag),
               "permissions": ["users.manage"],
               "allowed_networks": ["10.20.0.0/16", "2001:db8:20::/48"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let office = r.json()["id"].as_i64().unwrap();
    let config = w.store.directory().account_config(w.a).await.unwrap();
    let agent = config.builtin_role(BuiltinRole::Agent).unwrap().0;
    // ana: an agent anywhere, an administrator of users in the office.
    let r = request(
        w.addr,
        "PATCH",
        &format!("/api/v1/users/{}", w.ana.0),
        &[("Cookie", &dona)],
        Some(&json!({"roles": [{"role_id": agent}, {"role_id": office}]}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ana = login_from(w.addr, &w.email("ana"), "senha-forte-1", "10.20.1.1")
        .await
        .unwrap();
    // gil0, gil1...: only the office role (one per shape below, each tried once, so that no
    // throttling answers for the refusal).
    for i in 0..8 {
        let r = post(
            &w,
            &dona,
            "/api/v1/users",
            json!({"email": w.email(&format!("gil{i}")), "name": "Gil", "password": "senha-forte-1",
                   "roles": [{"role_id": office}]}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // The suite's addresses are fixed, and every unknown address shares one throttling key:
    // this story's failures are its own (PostgreSQL keeps earlier runs').
    for key in ["unknown", "198.51.100.7", "2001:db8::7"] {
        w.store
            .auth()
            .clear_login_failures(&format!("address:{key}"))
            .await
            .unwrap();
    }

    let users_from = |forwarded: &'static str| {
        let (addr, ana) = (w.addr, ana.clone());
        async move {
            from(addr, "GET", "/api/v1/users", Some(&ana), forwarded, None)
                .await
                .status
        }
    };
    // What the proxy saw, right-most, is the client: with a port or brackets it is read.
    for forwarded in [
        "10.20.0.1",
        "198.51.100.7, 10.20.0.1",
        "10.20.0.1:4711",
        "198.51.100.7, 10.20.0.1:4711",
        "[2001:db8:20::9]:4711",
        "[::ffff:10.20.0.1]:4711",
    ] {
        assert_eq!(users_from(forwarded).await, 200, "{forwarded}");
    }
    // The suite's forged shapes: the office address written by the client to the left of the
    // proxy's hop is never used.
    for (i, forwarded) in [
        "10.20.0.1, 198.51.100.7:4711",
        "10.20.0.1, [2001:db8::7]:4711",
        "10.20.0.1, [2001:db8::7]",
        "10.20.0.1, unknown",
        "10.20.0.1, _hidden",
        "10.20.0.1, 10.20.0.2.evil",
        "10.20.0.1,",
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(users_from(forwarded).await, 403, "{forwarded}");
        let me = from(w.addr, "GET", "/api/v1/me", Some(&ana), forwarded, None).await;
        assert_eq!(me.status, 200, "{forwarded}: still an agent: {}", me.body);
        assert!(
            !me.json()["permissions"]
                .as_array()
                .unwrap()
                .contains(&json!("users.manage")),
            "{forwarded}: {}",
            me.body
        );
        // Whoever has only the office role cannot log in with it.
        let gil = w.email(&format!("gil{i}"));
        let r = login_from(w.addr, &gil, "senha-forte-1", forwarded).await;
        let r = r.expect_err(forwarded);
        assert_eq!(
            (r.status, r.code()),
            (401, "login_failed".into()),
            "{forwarded}"
        );
    }
    assert!(
        login_from(w.addr, &w.email("gil7"), "senha-forte-1", "10.20.3.3")
            .await
            .is_ok(),
        "from the office gil may"
    );
    // Refusals from an unknown address are audited as such.
    let r = get(&w, &dona, "/api/v1/audit?limit=100").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("\"address\":\"unknown\""), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_on_sqlite() {
    let (store, dir) = on_sqlite("forwarded").await;
    forwarded_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    forwarded_story(start(store).await).await;
}
