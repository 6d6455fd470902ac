//! "Quem vê o quê?" from a user: which conversations a user sees and why, never more than the
//! caller sees; and an agent's routing limit read back.

use std::collections::BTreeSet;

use access::{BuiltinRole, MembershipKind, Permission};
use serde_json::{Value, json};

use super::*;

fn path(u: UserId) -> String {
    format!("/api/v1/access/users/{}/conversations", u.0)
}

fn set(page: &Value) -> BTreeSet<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["conversation"]["id"].as_i64().unwrap())
        .collect()
}

/// Every conversation a user's own tabs list.
async fn own_view(w: &World, cookie: &str) -> BTreeSet<i64> {
    let mut all = BTreeSet::new();
    for tab in ["mine", "waiting", "others", "finished"] {
        let page = get(
            w,
            cookie,
            &format!("/api/v1/conversations?tab={tab}&limit=200"),
        )
        .await
        .json();
        all.extend(ids(&page));
    }
    all
}

async fn explorer_users_story(w: World) {
    // A manager of users who sees only Vendas: an agent's permissions and users.manage, member
    // of Vendas.
    let config = w.store.directory().account_config(w.a).await.unwrap();
    let agent = config.builtin_role(BuiltinRole::Agent).unwrap();
    let mut perms = config.roles.get(&agent).unwrap().permissions;
    perms.insert(Permission::UsersManage);
    let role = w
        .store
        .directory()
        .create_role(w.a, &format!("Gestão {}", w.tag), perms, &[])
        .await
        .unwrap();
    let hash = server::secret::hash_password("senha-forte-1").unwrap();
    seed_user(
        &w.store,
        w.a,
        &w.email("gestora"),
        &hash,
        true,
        role,
        &[(w.vendas, MembershipKind::Member)],
    )
    .await;
    let dona = login(&w, "dona").await;
    let bia = login(&w, "bia").await;
    let ana = login(&w, "ana").await;
    let gest = login(&w, "gestora").await;

    // The owner sees everything: bia's list is exactly what bia's own tabs list.
    let r = get(&w, &dona, &path(w.bia)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let bia_sees = own_view(&w, &bia).await;
    assert_eq!(set(&v), bia_sees, "{v}");
    assert_eq!(
        bia_sees,
        BTreeSet::from([w.w_vendas, w.w_suporte, w.p_bia]),
        "the world as seeded"
    );
    assert_eq!(v["standing"], "active");
    assert_eq!(v["counts"]["all"], 3, "{v}");
    assert_eq!(
        (v["counts"]["mine"].clone(), v["counts"]["waiting"].clone()),
        (json!(1), json!(2))
    );
    for item in v["items"].as_array().unwrap() {
        assert!(!item["reasons"].as_array().unwrap().is_empty(), "{item}");
        assert!(!item["codes"].as_array().unwrap().is_empty(), "{item}");
    }
    let p = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["conversation"]["id"] == w.p_bia)
        .unwrap();
    assert_eq!(p["tab"], "mine");
    assert!(!v["rules"].as_array().unwrap().is_empty(), "{v}");
    // One tab, pages of one, English.
    let mine = get(&w, &dona, &format!("{}?tab=mine", path(w.bia)))
        .await
        .json();
    assert_eq!(set(&mine), BTreeSet::from([w.p_bia]));
    let mut paged = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => format!("{}?limit=1", path(w.bia)),
            Some(c) => format!("{}?limit=1&cursor={c}", path(w.bia)),
        };
        let page = get(&w, &dona, &url).await.json();
        assert!(page["items"].as_array().unwrap().len() <= 1);
        paged.extend(set(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, bia_sees);
    let en = get(&w, &dona, &format!("{}?lang=en", path(w.bia)))
        .await
        .json();
    assert_ne!(en["items"][0]["reasons"], v["items"][0]["reasons"]);

    // A caller who sees less: only what both see, in items and counts.
    let gest_sees = own_view(&w, &gest).await;
    assert_eq!(gest_sees, BTreeSet::from([w.w_vendas]));
    let g = get(&w, &gest, &path(w.bia)).await.json();
    assert_eq!(set(&g), BTreeSet::from([w.w_vendas]), "{g}");
    assert_eq!(g["counts"]["all"], 1, "{g}");
    assert_eq!(g["counts"]["mine"], 0, "{g}");
    let g = get(&w, &gest, &path(w.owner_id(&dona).await)).await.json();
    assert!(set(&g).is_subset(&gest_sees), "{g}");

    // The engine's rules: ana (Vendas) does not see Suporte's waiting conversation.
    let a = get(&w, &dona, &path(w.ana)).await.json();
    assert_eq!(set(&a), own_view(&w, &ana).await);
    assert!(!set(&a).contains(&w.w_suporte));

    // An inactive user sees nothing.
    let users = get(&w, &dona, "/api/v1/users").await.json();
    let inativa = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == w.email("inativa"))
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let i = get(&w, &dona, &path(UserId(inativa))).await.json();
    assert_eq!(
        (i["standing"].clone(), set(&i).len()),
        (json!("inactive"), 0)
    );

    // Refusals: without users.manage 403; another account's user is 404 like an unknown one;
    // bad input 400.
    let r = get(&w, &ana, &path(w.bia)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let unknown = get(&w, &dona, &path(UserId(987_654_321))).await;
    let other = get(&w, &dona, &path(w.b_user)).await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (404, other.body.as_str())
    );
    for (query, code) in [
        ("tab=todos", "bad_tab"),
        ("limit=0", "bad_limit"),
        ("cursor=x", "bad_cursor"),
        ("from=nowhere", "bad_address"),
        ("lang=fr", "bad_lang"),
    ] {
        let r = get(&w, &dona, &format!("{}?{query}", path(w.bia))).await;
        assert_eq!((r.status, r.code()), (400, code.into()), "{query}");
    }

    // An agent's limit, read back.
    let limit = |u: UserId| format!("/api/v1/users/{}/routing", u.0);
    let r = get(&w, &dona, &limit(w.ana)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["max_open"], Value::Null);
    let r = request(
        w.addr,
        "PUT",
        &limit(w.ana),
        &[("Cookie", &dona)],
        Some(&json!({"max_open": 3}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = get(&w, &dona, &limit(w.ana)).await.json();
    assert_eq!(
        (
            r["max_open"].clone(),
            r["open"].clone(),
            r["availability"].clone()
        ),
        (json!(3), json!(0), json!("away")),
        "{r}"
    );
    let bia_limit = get(&w, &dona, &limit(w.bia)).await.json();
    assert_eq!(bia_limit["open"], 1, "{bia_limit}");
    assert_eq!(get(&w, &ana, &limit(w.bia)).await.status, 403);
    let unknown = get(&w, &dona, &limit(UserId(987_654_321))).await;
    let other = get(&w, &dona, &limit(w.b_user)).await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (404, other.body.as_str())
    );

    // Both are in the OpenAPI document.
    let doc = request(w.addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    assert!(doc["paths"]["/api/v1/access/users/{id}/conversations"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/users/{id}/routing"]["get"].is_object());
}

impl World {
    /// The owner's user id, read from the users list.
    async fn owner_id(&self, dona: &str) -> UserId {
        let users = get(self, dona, "/api/v1/users").await.json();
        UserId(
            users
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["email"] == self.email("dona"))
                .unwrap()["id"]
                .as_i64()
                .unwrap(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_users_on_sqlite() {
    let (store, dir) = on_sqlite("explorer-users").await;
    explorer_users_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_users_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    explorer_users_story(start(store).await).await;
}
