//! When the event stream stops (issue 7, point 6): after a role loses a permission or a
//! conversation changes department, nothing more about the conversations the user no longer sees
//! reaches them; deactivation, a removed role binding, a password change (other sessions) and
//! logout close the stream on the server with `closed` and end the session.

use serde_json::{Value, json};

use crate::common::{EventStream, request};
use crate::{QUIET, WAIT, World, about, events, get, login, post};

async fn call(w: &World, cookie: &str, method: &str, path: &str, body: Value) -> u16 {
    let r = request(
        w.addr,
        method,
        path,
        &[("Cookie", cookie)],
        Some(&body.to_string()),
    )
    .await;
    assert!(r.status < 500, "{method} {path}: {} {}", r.status, r.body);
    r.status
}

/// The stream says `closed`, then the server ends it; the session is gone.
async fn ends(w: &World, mut s: EventStream, cookie: &str, why: &str) {
    s.expect("closed", WAIT).await;
    assert!(
        s.next(WAIT).await.is_none() && s.ended(),
        "{why}: the stream goes on after `closed`"
    );
    assert_eq!(get(w, cookie, "/api/v1/me").await.status, 401, "{why}");
}

async fn streams_story(w: World) {
    let dona = login(&w, "dona").await;
    // A custom role with the Atendente's permissions, for ana (Vendas).
    let roles = get(&w, &dona, "/api/v1/roles").await.json();
    let agent = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["builtin"] == true && r["name"] == "agent")
        .unwrap_or_else(|| panic!("{roles}"))
        .clone();
    // Members see their departments' queues by membership; a permission shows the whole
    // company's waiting queue: ana (Vendas) sees Suporte's waiting conversation through it.
    let mut perms: Vec<Value> = agent["permissions"].as_array().unwrap().clone();
    perms.push(json!("conversations.waiting.view_company"));
    let r = post(
        &w,
        &dona,
        "/api/v1/roles",
        json!({"name": format!("Vendedora {}", w.tag), "permissions": perms}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let role = r.json()["id"].as_i64().unwrap();
    // Giving ana the role in place of the built-in one removes a binding: her sessions end.
    let ana_old = login(&w, "ana").await;
    let old_stream = events(&w, w.addr, &ana_old, None).await;
    let status = call(
        &w,
        &dona,
        "PATCH",
        &format!("/api/v1/users/{}", w.ana.0),
        json!({"roles": [{"role_id": role}]}),
    )
    .await;
    assert_eq!(status, 200);
    ends(&w, old_stream, &ana_old, "a removed binding").await;

    // ana sees Suporte's waiting conversation; the role loses the permission: her stream
    // removes it and says access changed, and nothing about it follows.
    let ana = login(&w, "ana").await;
    let mut s = events(&w, w.addr, &ana, None).await;
    assert_eq!(
        get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_suporte))
            .await
            .status,
        200
    );
    // A note makes it one her stream has shown.
    let r = post(
        &w,
        &dona,
        &format!("/api/v1/conversations/{}/note", w.w_suporte),
        json!({"text": "antes da mudança do papel"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let heard = s.drain(QUIET).await;
    assert_eq!(about(&heard, "conversation", w.w_suporte), 1, "{heard:?}");
    let fewer: Vec<Value> = perms
        .iter()
        .filter(|p| *p != "conversations.waiting.view_company")
        .cloned()
        .collect();
    let status = call(
        &w,
        &dona,
        "PATCH",
        &format!("/api/v1/roles/{role}"),
        json!({"permissions": fewer}),
    )
    .await;
    assert_eq!(status, 200);
    let heard = s.drain(QUIET).await;
    assert_eq!(about(&heard, "removed", w.w_suporte), 1, "{heard:?}");
    assert!(heard.iter().any(|e| e.name == "access"), "{heard:?}");
    let r = post(
        &w,
        &dona,
        &format!("/api/v1/conversations/{}/note", w.w_suporte),
        json!({"text": "depois da mudança do papel"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after = s.drain(QUIET).await;
    assert_eq!(about(&after, "conversation", w.w_suporte), 0, "{after:?}");
    assert_eq!(about(&after, "message", w.w_suporte), 0, "{after:?}");
    assert_eq!(
        get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_suporte))
            .await
            .status,
        404
    );

    // Vendas's waiting conversation (hers by membership) moves to Suporte, where ana is not:
    // removed, and nothing after.
    assert_eq!(
        get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_vendas))
            .await
            .status,
        200
    );
    let r = post(
        &w,
        &dona,
        &format!("/api/v1/conversations/{}/change_department", w.w_vendas),
        json!({"department_id": w.suporte.0}),
    )
    .await;
    assert!(r.status == 200 || r.status == 204, "{}", r.body);
    let heard = s.drain(QUIET).await;
    assert_eq!(about(&heard, "removed", w.w_vendas), 1, "{heard:?}");
    let r = post(
        &w,
        &dona,
        &format!("/api/v1/conversations/{}/note", w.w_vendas),
        json!({"text": "agora no Suporte"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after = s.drain(QUIET).await;
    assert!(
        after
            .iter()
            .all(|e| e.data["id"] != w.w_vendas && e.data["conversation_id"] != w.w_vendas),
        "{after:?}"
    );

    // Logout closes the stream of that session.
    let status = call(&w, &ana, "POST", "/api/v1/auth/logout", json!({})).await;
    assert!(status == 200 || status == 204, "logout: {status}");
    ends(&w, s, &ana, "logout").await;

    // A password change ends the user's other sessions (and their streams).
    let one = login(&w, "ana").await;
    let two = login(&w, "ana").await;
    let s1 = events(&w, w.addr, &one, None).await;
    let status = call(
        &w,
        &two,
        "POST",
        "/api/v1/me/password",
        json!({"current_password": "senha-forte-1", "new_password": "senha-forte-2"}),
    )
    .await;
    assert!(status == 200 || status == 204, "password change: {status}");
    ends(&w, s1, &one, "a password change").await;
    assert_eq!(get(&w, &two, "/api/v1/me").await.status, 200);

    // Deactivation closes every stream of the user and ends every session.
    let s2 = events(&w, w.addr, &two, None).await;
    let status = call(
        &w,
        &dona,
        "PATCH",
        &format!("/api/v1/users/{}", w.ana.0),
        json!({"active": false}),
    )
    .await;
    assert_eq!(status, 200);
    ends(&w, s2, &two, "deactivation").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_end_on_sqlite() {
    let (store, dir) = crate::on_sqlite("streams").await;
    streams_story(crate::start(store).await).await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_end_on_postgres() {
    let Some(store) = crate::on_postgres().await else {
        return;
    };
    streams_story(crate::start(store).await).await;
}
