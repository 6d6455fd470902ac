//! The tags screen's API (issue 15, point 3), on SQLite and PostgreSQL: a company tag is
//! created with a colour, recoloured and renamed (the conversations carrying it show the new
//! name; a name another tag has is refused with `tag_exists`), merged into another (a
//! conversation that carried both carries one), and counted only over the conversations whose
//! details the reader sees: Ana, of Vendas, counts one where the owner counts three. Another
//! account's tag answers exactly like a tag that exists nowhere.

use serde_json::{Value, json};

use super::{World, get, login, on_postgres, on_sqlite, post, send_json, start};

/// `name`'s entry of the tag list as `who` reads it with counts.
async fn listed(w: &World, who: &str, name: &str) -> Option<Value> {
    let r = get(w, who, "/api/v1/tags?counts=true").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
}

async fn conversation_tags(w: &World, who: &str, id: i64) -> Value {
    get(w, who, &format!("/api/v1/conversations/{id}"))
        .await
        .json()["tags"]
        .clone()
}

async fn tags_story(w: World) {
    let (dona, ana) = (login(&w, "dona").await, login(&w, "ana").await);
    let name = format!("novo-{}", w.tag);
    let r = post(
        &w,
        &dona,
        "/api/v1/tags",
        json!({"name": name, "colour": "teal"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    for c in [w.w_vendas, w.w_suporte, w.p_bia] {
        let r = post(
            &w,
            &dona,
            &format!("/api/v1/conversations/{c}/tag"),
            json!({"tag": name}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = post(
        &w,
        &dona,
        &format!("/api/v1/conversations/{}/tag", w.w_vendas),
        json!({"tag": "vip"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Counted over what each reader sees; without `counts`, no count.
    let mine = listed(&w, &dona, &name).await.unwrap();
    assert_eq!(
        mine,
        json!({"name": name, "colour": "teal", "conversations": 3})
    );
    assert_eq!(listed(&w, &ana, &name).await.unwrap()["conversations"], 1);
    let plain = get(&w, &ana, "/api/v1/tags").await.json();
    assert!(
        plain
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("conversations").is_none()),
        "{plain}"
    );
    let r = get(&w, &ana, "/api/v1/tags?counts=talvez").await;
    assert_eq!(r.status, 400, "{}", r.body);

    // Renamed and recoloured by `tags.company.manage` only; a taken name or an unknown colour
    // is refused in words.
    let one = format!("/api/v1/tags/{name}");
    let (status, _) = send_json(&w, &ana, "PATCH", &one, json!({"colour": "red"})).await;
    assert_eq!(status, 403);
    let (status, body) = send_json(&w, &dona, "PATCH", &one, json!({"name": "urgente"})).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("tag_exists")),
        "{body}"
    );
    let (status, body) = send_json(&w, &dona, "PATCH", &one, json!({"colour": "magenta"})).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!("bad_tag_colour")),
        "{body}"
    );
    assert_eq!(body["error"]["params"]["colour"], "magenta", "{body}");
    let renamed = format!("renomeada-{}", w.tag);
    let (status, body) = send_json(
        &w,
        &dona,
        "PATCH",
        &one,
        json!({"name": renamed, "colour": "purple"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"name": renamed, "colour": "purple"}));
    assert!(listed(&w, &dona, &name).await.is_none());
    assert_eq!(
        listed(&w, &dona, &renamed).await.unwrap()["colour"],
        "purple"
    );
    let tags = conversation_tags(&w, &ana, w.w_vendas).await;
    assert!(tags.as_array().unwrap().contains(&json!(renamed)), "{tags}");

    // Merged: every conversation carries the tag that stays, once.
    let merge = format!("/api/v1/tags/{renamed}/merge");
    let (status, _) = send_json(&w, &ana, "POST", &merge, json!({"into": "vip"})).await;
    assert_eq!(status, 403);
    let (status, body) = send_json(&w, &dona, "POST", &merge, json!({"into": renamed})).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("same_tag")),
        "{body}"
    );
    let (status, _) = send_json(&w, &dona, "POST", &merge, json!({"into": "nenhuma-assim"})).await;
    assert_eq!(status, 404);
    let (status, body) = send_json(&w, &dona, "POST", &merge, json!({"into": "vip"})).await;
    assert_eq!((status, body), (200, json!({"conversations": 3})));
    assert!(listed(&w, &dona, &renamed).await.is_none());
    assert_eq!(listed(&w, &dona, "vip").await.unwrap()["conversations"], 3);
    assert_eq!(
        conversation_tags(&w, &dona, w.w_vendas).await,
        json!(["vip"])
    );

    // Another account's tag is not found, byte for byte like one that exists nowhere.
    let theirs = format!("segredo-b-{}", w.tag);
    w.store.tags().create(w.b, &theirs, "red").await.unwrap();
    for (method, suffix, body) in [
        ("PATCH", "", json!({"colour": "blue"})),
        ("POST", "/merge", json!({"into": "vip"})),
    ] {
        let b = send_json(
            &w,
            &dona,
            method,
            &format!("/api/v1/tags/{theirs}{suffix}"),
            body.clone(),
        )
        .await;
        let none = send_json(
            &w,
            &dona,
            method,
            &format!("/api/v1/tags/nenhuma-assim{suffix}"),
            body,
        )
        .await;
        assert_eq!(b, none);
        assert_eq!(b.0, 404);
    }
    let b = w.store.tags().list(w.b).await.unwrap();
    assert!(
        b.iter().any(|t| t.name == theirs && t.colour == "red"),
        "{b:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_on_sqlite() {
    let (store, dir) = on_sqlite("tags").await;
    tags_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    tags_story(start(store).await).await;
}
