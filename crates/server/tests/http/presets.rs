//! A preset explains itself before it happens and is undone as one step (issue 15, point 5),
//! on SQLite and PostgreSQL: the preview of Helena's with Suporte opened to its team says which
//! department changes and who sees more (Bia's figure after is what she sees once it is
//! applied) and writes nothing; the applied preset is undone (Suporte back to "agent", one
//! `preset.undo` row) and cannot be undone twice; Opa!'s roles and rebound users are undone
//! too; a change made after a preset means it is no longer undone; an agent may do neither.

use serde_json::{Value, json};

use super::{World, get, login, on_postgres, on_sqlite, post, send_json, start};

/// What `who` (a user id) sees in all, as the access explorer counts it for the owner.
async fn sees(w: &World, dona: &str, who: access::UserId) -> u64 {
    let r = get(
        w,
        dona,
        &format!("/api/v1/access/users/{}/conversations?limit=1", who.0),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["counts"]["all"].as_u64().unwrap()
}

async fn access_of(w: &World, dona: &str, dept: access::DepartmentId) -> Value {
    let all = get(w, dona, "/api/v1/departments").await.json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == dept.0)
        .unwrap()["access"]
        .clone()
}

async fn presets_story(w: World) {
    let (dona, ana) = (login(&w, "dona").await, login(&w, "ana").await);
    let helena = json!({"access": {w.suporte.0.to_string(): "team"}});
    // A conversation of Suporte someone else works on: Bia sees it only when Suporte is open
    // to its team.
    w.store
        .conversations()
        .create_conversation(&store::NewConversation {
            account: w.a,
            department: w.suporte,
            status: access::Status::InProgress,
            assignee: Some(w.ana),
            contact: None,
            channel: "api",
            at: 20,
        })
        .await
        .unwrap();

    // An agent may neither preview nor undo.
    let (status, _) = send_json(
        &w,
        &ana,
        "POST",
        "/api/v1/presets/helena/preview",
        helena.clone(),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send_json(&w, &ana, "POST", "/api/v1/presets/undo", json!({})).await;
    assert_eq!(status, 403);

    // The preview: what changes, who sees more; nothing written.
    let bia_now = sees(&w, &dona, w.bia).await;
    let r = post(&w, &dona, "/api/v1/presets/helena/preview", helena.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.json();
    assert_eq!(
        p["departments"],
        json!([{"id": w.suporte.0, "name": "Suporte", "before": "agent", "after": "team"}]),
        "{p}"
    );
    assert_eq!(p["refused"], json!([]), "{p}");
    let bia = p["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == w.bia.0)
        .unwrap()
        .clone();
    assert_eq!(bia["before"], bia_now, "{p}");
    assert!(bia["after"].as_u64().unwrap() > bia_now, "{p}");
    let ana_row = p["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == w.ana.0)
        .unwrap()
        .clone();
    assert_eq!(ana_row["before"], ana_row["after"], "{p}");
    assert_eq!(
        p["users"][0]["id"], w.bia.0,
        "the largest change first: {p}"
    );
    assert_eq!(access_of(&w, &dona, w.suporte).await, "agent");
    let (status, body) = send_json(&w, &dona, "POST", "/api/v1/presets/undo", json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("nothing_to_undo")),
        "{body}"
    );

    // Applied: the preview's figure is what Bia sees; then undone as one step.
    let r = post(&w, &dona, "/api/v1/presets/helena", helena).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(sees(&w, &dona, w.bia).await, bia["after"].as_u64().unwrap());
    let u = get(&w, &dona, "/api/v1/presets/undo").await.json();
    assert_eq!(
        (u["available"].clone(), u["preset"].clone()),
        (json!(true), json!("helena")),
        "{u}"
    );
    let (status, body) = send_json(&w, &dona, "POST", "/api/v1/presets/undo", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(access_of(&w, &dona, w.suporte).await, "agent");
    assert_eq!(sees(&w, &dona, w.bia).await, bia_now);
    let audit = get(&w, &dona, "/api/v1/audit?limit=1").await.json();
    assert_eq!(audit["items"][0]["action"], "preset.undo", "{audit}");
    let (status, _) = send_json(&w, &dona, "POST", "/api/v1/presets/undo", json!({})).await;
    assert_eq!(status, 409, "undone once");

    // Opa!: roles created and users rebound, all undone.
    let roles_before = get(&w, &dona, "/api/v1/roles").await.json();
    let users_before = get(&w, &dona, "/api/v1/users").await.json();
    let r = post(&w, &dona, "/api/v1/presets/opa", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_ne!(get(&w, &dona, "/api/v1/roles").await.json(), roles_before);
    let (status, body) = send_json(&w, &dona, "POST", "/api/v1/presets/undo", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(get(&w, &dona, "/api/v1/roles").await.json(), roles_before);
    assert_eq!(get(&w, &dona, "/api/v1/users").await.json(), users_before);

    // A change after a preset: no longer undone.
    let r = post(&w, &dona, "/api/v1/presets/oklac", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (status, body) = send_json(
        &w,
        &dona,
        "PATCH",
        &format!("/api/v1/departments/{}", w.vendas.0),
        json!({"name": "Vendas", "parent_id": null, "access": "agent"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        get(&w, &dona, "/api/v1/presets/undo").await.json()["available"],
        false
    );
    let (status, _) = send_json(&w, &dona, "POST", "/api/v1/presets/undo", json!({})).await;
    assert_eq!(status, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_on_sqlite() {
    let (store, dir) = on_sqlite("presets").await;
    presets_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    presets_story(start(store).await).await;
}
