//! Passwords over real HTTP (issue 7, point 9): stored as argon2id with at least OWASP's
//! parameters; weaker hashes (argon2id with lower parameters, argon2i) still log in once and
//! are replaced at that login; long passwords count to their last byte; an administrator
//! holding `user.password.change_others` sets a temporary password that must be changed at
//! next login, and one without it is refused and changes nothing.

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};
use serde_json::{Value, json};

use super::db::Raw;
use super::networks::{from, login_from};
use super::*;

const PW: &str = "senha-forte-1";

/// The stored hash's algorithm and parameters, checked against OWASP's minimum.
fn assert_strong(hash: &str) {
    let parts: Vec<&str> = hash.split('$').collect();
    assert_eq!((parts[1], parts[2]), ("argon2id", "v=19"), "{hash}");
    let params: Vec<(&str, u32)> = parts[3]
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k, v.parse().unwrap())
        })
        .collect();
    let get = |name: &str| params.iter().find(|(k, _)| *k == name).unwrap().1;
    assert!(
        get("m") >= 19456 && get("t") >= 2 && get("p") >= 1,
        "{hash}"
    );
}

async fn stored_hash(raw: &Raw, user: UserId) -> String {
    raw.texts(&format!(
        "SELECT password_hash FROM users WHERE id = {}",
        user.0
    ))
    .await
    .remove(0)
}

fn weak_hash(algorithm: Algorithm, m: u32, t: u32, password: &str) -> String {
    Argon2::new(
        algorithm,
        Version::V0x13,
        Params::new(m, t, 1, None).unwrap(),
    )
    .hash_password(password.as_bytes())
    .unwrap()
    .to_string()
}

async fn own_change(w: &World, cookie: &str, current: &str, new: &str) -> Response {
    from(
        w.addr,
        "POST",
        "/api/v1/me/password",
        Some(cookie),
        &w.far,
        Some(json!({"current_password": current, "new_password": new})),
    )
    .await
}

async fn can_login(w: &World, email: &str, password: &str) -> bool {
    login_from(w.addr, email, password, &w.far).await.is_ok()
}

pub(crate) async fn passwords_story(w: World, raw: Raw) {
    let dona = login(&w, "dona").await;
    let ana_email = w.email("ana");

    // A user created through the API: argon2id, OWASP's parameters, never the password.
    let r = post(
        &w,
        &dona,
        "/api/v1/users",
        json!({"email": w.email("nova"), "name": "Nova", "password": "temporaria-1"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let nova = UserId(r.json()["id"].as_i64().unwrap());
    let h = stored_hash(&raw, nova).await;
    assert_strong(&h);
    assert!(!h.contains("temporaria-1"));

    // Weaker hashes log in once and are replaced by a strong one at that login.
    for (what, weak) in [
        (
            "argon2id m=4096 t=1",
            weak_hash(Algorithm::Argon2id, 4096, 1, PW),
        ),
        (
            "argon2id m=19456 t=1",
            weak_hash(Algorithm::Argon2id, 19456, 1, PW),
        ),
        ("argon2i", weak_hash(Algorithm::Argon2i, 19456, 2, PW)),
        (
            "argon2id version 1.0",
            Argon2::new(
                Algorithm::Argon2id,
                Version::V0x10,
                Params::new(19456, 2, 1, None).unwrap(),
            )
            .hash_password(PW.as_bytes())
            .unwrap()
            .to_string(),
        ),
    ] {
        w.store
            .auth()
            .set_password_hash(w.a, w.ana, &weak, false)
            .await
            .unwrap();
        assert!(can_login(&w, &ana_email, PW).await, "{what}");
        let upgraded = stored_hash(&raw, w.ana).await;
        assert_ne!(upgraded, weak, "{what}");
        assert_strong(&upgraded);
        assert!(can_login(&w, &ana_email, PW).await, "{what} after upgrade");
        assert!(
            !can_login(&w, &ana_email, "senha-forte-2").await,
            "{what}: a wrong password still fails"
        );
        assert_eq!(stored_hash(&raw, w.ana).await, upgraded, "upgraded once");
    }
    // A failed login with a weak hash upgrades nothing.
    let weak = weak_hash(Algorithm::Argon2id, 4096, 1, PW);
    w.store
        .auth()
        .set_password_hash(w.a, w.ana, &weak, false)
        .await
        .unwrap();
    assert!(!can_login(&w, &ana_email, "errada-123").await);
    assert_eq!(stored_hash(&raw, w.ana).await, weak);
    assert!(can_login(&w, &ana_email, PW).await);

    // Long passwords are not truncated: 200 characters differing only in the last one, ASCII
    // and multi-byte; the full 1024 bytes count; longer is refused with a clear 400.
    let ana = login(&w, "ana").await;
    let mut current = PW.to_owned();
    for (long, other) in [
        (
            format!("{}a", "x".repeat(199)),
            format!("{}b", "x".repeat(199)),
        ),
        (
            format!("{}é", "ç".repeat(199)),
            format!("{}è", "ç".repeat(199)),
        ),
        (
            format!("{}1", "z".repeat(1023)),
            format!("{}2", "z".repeat(1023)),
        ),
    ] {
        let r = own_change(&w, &ana, &current, &long).await;
        assert_eq!(r.status, 204, "{}", r.body);
        assert!(!can_login(&w, &ana_email, &other).await, "{}", other.len());
        assert!(
            !can_login(
                &w,
                &ana_email,
                &long[..long.char_indices().last().unwrap().0]
            )
            .await,
            "a prefix is not the password"
        );
        assert!(can_login(&w, &ana_email, &long).await);
        current = long;
    }
    let too_long = "z".repeat(1025);
    let r = own_change(&w, &ana, &current, &too_long).await;
    assert_eq!((r.status, r.code()), (400, "bad_password".to_owned()));
    let r = from(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        None,
        &w.far,
        Some(json!({"email": ana_email, "password": too_long})),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "too_long".to_owned()));
    let r = own_change(&w, &ana, &current, PW).await;
    assert_eq!(r.status, 204, "{}", r.body);

    // Two user managers: both hold users.manage and every permission of an agent and supervise
    // Vendas (so they see whatever ana sees: v2 compares visibility too); only one holds
    // user.password.change_others.
    let roles = get(&w, &dona, "/api/v1/roles").await.json();
    let agent_perms = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["builtin"] == true && r["name"] == "agent")
        .unwrap_or_else(|| panic!("{roles}"))["permissions"]
        .clone();
    let manager_role = |with_passwords: bool| {
        let mut perms: Vec<Value> = agent_perms.as_array().unwrap().clone();
        perms.push(json!("users.manage"));
        if with_passwords {
            perms.push(json!("user.password.change_others"));
        }
        json!({"name": format!("Gestor {with_passwords} {}", w.tag), "permissions": perms})
    };
    let mut managers = Vec::new();
    for (who, with_passwords) in [("gestor", false), ("gestora", true)] {
        let r = post(&w, &dona, "/api/v1/roles", manager_role(with_passwords)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let role = r.json()["id"].as_i64().unwrap();
        let r = post(
            &w,
            &dona,
            "/api/v1/users",
            json!({"email": w.email(who), "name": who, "password": "temporaria-1",
                   "roles": [{"role_id": role}],
                   "memberships": [{"department_id": w.vendas.0, "kind": "supervisor"}]}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let cookie = login_from(w.addr, &w.email(who), "temporaria-1", &w.far)
            .await
            .unwrap();
        let r = own_change(&w, &cookie, "temporaria-1", "definitiva-1").await;
        assert_eq!(r.status, 204, "{}", r.body);
        managers.push(cookie);
    }
    let reset = format!("/api/v1/users/{}/password", w.ana.0);
    // Without the permission: refused with the reason, nothing changes.
    let r = from(
        w.addr,
        "POST",
        &reset,
        Some(&managers[0]),
        &w.far,
        Some(json!({"password": "temporaria-9"})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.reasons()
            .contains(&"user.password.change_others".to_owned()),
        "{}",
        r.body
    );
    assert!(can_login(&w, &ana_email, PW).await);
    assert!(!can_login(&w, &ana_email, "temporaria-9").await);
    assert!(
        !get(&w, &ana, "/api/v1/me").await.json()["must_change_password"]
            .as_bool()
            .unwrap()
    );
    // With it: a temporary password; the old one and the user's sessions are gone.
    let r = from(
        w.addr,
        "POST",
        &reset,
        Some(&managers[1]),
        &w.far,
        Some(json!({"password": "temporaria-9"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(get(&w, &ana, "/api/v1/me").await.status, 401);
    assert!(!can_login(&w, &ana_email, PW).await);
    assert_strong(&stored_hash(&raw, w.ana).await);
    let ana = login_from(w.addr, &ana_email, "temporaria-9", &w.far)
        .await
        .unwrap();
    let me = get(&w, &ana, "/api/v1/me").await;
    assert_eq!(me.json()["must_change_password"], true, "{}", me.body);
    // Until it is changed, nothing else is served (reads and writes).
    for (method, path) in [
        ("GET", "/api/v1/conversations?tab=waiting"),
        ("GET", "/api/v1/conversations/counts"),
        ("GET", "/api/v1/events"),
        ("POST", "/api/v1/me/tokens"),
    ] {
        let body = (method == "POST").then(|| json!({"name": "x"}));
        let r = from(w.addr, method, path, Some(&ana), &w.far, body).await;
        assert_eq!(
            (r.status, r.code()),
            (403, "password_change_required".to_owned()),
            "{method} {path}"
        );
    }
    let r = own_change(&w, &ana, "temporaria-9", PW).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let me = get(&w, &ana, "/api/v1/me").await.json();
    assert_eq!(me["must_change_password"], false);
    assert_eq!(
        get(&w, &ana, "/api/v1/conversations?tab=waiting")
            .await
            .status,
        200
    );
    // The owner's password is out of the manager's reach (escalation), with or without it.
    let owner = w
        .store
        .auth()
        .credentials(&w.email("dona"))
        .await
        .unwrap()
        .unwrap()
        .user;
    let r = from(
        w.addr,
        "POST",
        &format!("/api/v1/users/{}/password", owner.0),
        Some(&managers[1]),
        &w.far,
        Some(json!({"password": "tomada-123"})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(can_login(&w, &w.email("dona"), PW).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_on_sqlite() {
    let (store, dir) = on_sqlite("passwords").await;
    let w = start(store).await;
    passwords_story(w, Raw::sqlite(&dir).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    let w = start(store).await;
    passwords_story(w, Raw::postgres().await).await;
}
