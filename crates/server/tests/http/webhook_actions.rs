//! The webhooks screen's two actions (issue 15, point 2), on SQLite and PostgreSQL: a test event
//! reaches the receiver signed like any delivery and shows in the log; one the receiver refuses
//! fails, in the log with the answer's status, and once the receiver is fixed "Reenviar" queues
//! the same delivery again, which is delivered; a paused webhook sends no test; another
//! account's webhook or delivery, a delivery of another webhook, and a delivery whose
//! conversation the caller does not see are all not found, byte for byte alike; without
//! `settings.webhooks`, 403.

use access::{MembershipKind, Permission, PermissionSet};
use serde_json::{Value, json};

use super::webhooks::{call, logged, start_receiver, verified};
use super::{World, login, login_b, on_postgres, on_sqlite, seed_user, start};
use crate::common::launch_with;

const NOWHERE: i64 = 9_000_000_000_007;

async fn actions_story(w: World) {
    let (rx_addr, rx) = start_receiver().await;
    let config = server::ServerConfig {
        retry_unit_micros: 10_000,
        ..server::ServerConfig::default()
    };
    let addr = launch_with(w.store.clone(), config).await;
    let (dona, ana) = (login(&w, "dona").await, login(&w, "ana").await);
    let url = format!("http://{rx_addr}/hook/t");
    let r = call(
        addr,
        &dona,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (hook, secret) = (
        r.json()["id"].as_i64().unwrap(),
        r.json()["secret"].as_str().unwrap().to_owned(),
    );

    // A test event: signed, received, in the log as delivered.
    let test = format!("/api/v1/webhooks/{hook}/test");
    assert_eq!(call(addr, &ana, "POST", &test, None).await.status, 403);
    let r = call(addr, &dona, "POST", &test, None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let first = r.json()["delivery_id"].as_i64().unwrap();
    let hit = rx.expect("t", |p| p["type"] == "webhook.test").await;
    let p = verified(&hit, &secret);
    assert_eq!(
        (p["test"].clone(), p.get("conversation")),
        (json!(true), None),
        "{p}"
    );
    let d = logged(addr, &dona, hook, "webhook.test", "delivered").await;
    assert_eq!(d["id"], first, "{d}");

    // Refused by the receiver: the answer in the log. Not sent again while pending; pausing
    // the webhook fails what is pending (so no retry timing matters here, whichever node of
    // the shared database retries); resumed and fixed, "Reenviar" delivers it, and once more.
    rx.answer("t", Some(500));
    let r = call(addr, &dona, "POST", &test, None).await;
    let failing = r.json()["delivery_id"].as_i64().unwrap();
    let d = answered(addr, &dona, hook, failing).await;
    assert_eq!(
        (d["response_status"].clone(), d["error"].clone()),
        (json!(500), json!("the receiver answered 500")),
        "{d}"
    );
    let again = format!("/api/v1/webhooks/{hook}/deliveries/{failing}/redeliver");
    let hook_path = format!("/api/v1/webhooks/{hook}");
    if d["status"] == "pending" {
        let r = call(addr, &dona, "POST", &again, None).await;
        assert_eq!(
            (r.status, r.json()["error"]["code"].clone()),
            (409, json!("delivery_pending")),
            "{}",
            r.body
        );
    }
    let r = call(
        addr,
        &dona,
        "PATCH",
        &hook_path,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(addr, &dona, "POST", &test, None).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (409, json!("webhook_paused")),
        "{}",
        r.body
    );
    assert_eq!(one(addr, &dona, hook, failing).await["status"], "failed");
    let r = call(
        addr,
        &dona,
        "PATCH",
        &hook_path,
        Some(json!({"active": true})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    rx.answer("t", None);
    assert_eq!(call(addr, &ana, "POST", &again, None).await.status, 403);
    let r = call(addr, &dona, "POST", &again, None).await;
    assert_eq!(
        (r.status, r.json()["delivery_id"].clone()),
        (202, json!(failing)),
        "{}",
        r.body
    );
    let d = wait_for(addr, &dona, hook, failing, "delivered").await;
    assert_eq!(d["attempts"], 1, "a new cycle of attempts: {d}");
    let first_time = d["delivered_at"].as_i64().unwrap();
    let r = call(addr, &dona, "POST", &again, None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let d = until(addr, &dona, hook, failing, |d| {
        d["status"] == "delivered" && d["delivered_at"].as_i64().unwrap_or(0) > first_time
    })
    .await;
    assert_eq!(d["attempts"], 1, "{d}");

    // Not found, alike: nowhere, another account's webhook, a delivery of another webhook.
    let nowhere = call(
        addr,
        &dona,
        "POST",
        &format!("/api/v1/webhooks/{NOWHERE}/test"),
        None,
    )
    .await;
    assert_eq!(nowhere.status, 404);
    let b = login_b(&w).await;
    let r = call(
        addr,
        &b,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": format!("http://{rx_addr}/hook/b")})),
    )
    .await;
    let b_hook = r.json()["id"].as_i64().unwrap();
    let theirs = call(
        addr,
        &dona,
        "POST",
        &format!("/api/v1/webhooks/{b_hook}/test"),
        None,
    )
    .await;
    assert_eq!(
        (theirs.status, theirs.body.clone()),
        (nowhere.status, nowhere.body.clone())
    );
    let r = call(
        addr,
        &dona,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": format!("http://{rx_addr}/hook/o")})),
    )
    .await;
    let other = r.json()["id"].as_i64().unwrap();
    let wrong_hook = call(
        addr,
        &dona,
        "POST",
        &format!("/api/v1/webhooks/{other}/deliveries/{first}/redeliver"),
        None,
    )
    .await;
    let no_delivery = call(
        addr,
        &dona,
        "POST",
        &format!("/api/v1/webhooks/{hook}/deliveries/{NOWHERE}/redeliver"),
        None,
    )
    .await;
    assert_eq!(
        (wrong_hook.status, wrong_hook.body.clone()),
        (no_delivery.status, no_delivery.body.clone())
    );
    assert_eq!(no_delivery.status, 404);
    let b_redeliver = call(
        addr,
        &dona,
        "POST",
        &format!("/api/v1/webhooks/{b_hook}/deliveries/{first}/redeliver"),
        None,
    )
    .await;
    assert_eq!(
        (b_redeliver.status, b_redeliver.body),
        (404, no_delivery.body.clone())
    );

    // A delivery of a conversation of Suporte: not found for a webhook manager of Vendas only.
    let r = call(
        addr,
        &dona,
        "POST",
        &format!("/api/v1/conversations/{}/note", w.w_suporte),
        Some(json!({"text": "nota"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let suporte = wait_for_conversation(&w, hook, w.w_suporte).await;
    let role = w
        .store
        .directory()
        .create_role(
            w.a,
            "Webhooks de Vendas",
            PermissionSet::from_iter([Permission::SettingsWebhooks]),
            &[],
        )
        .await
        .unwrap();
    let hash = server::secret::hash_password("senha-forte-1").unwrap();
    seed_user(
        &w.store,
        w.a,
        &w.email("vera"),
        &hash,
        true,
        role,
        &[(w.vendas, MembershipKind::Member)],
    )
    .await;
    let vera = login(&w, "vera").await;
    let path = format!("/api/v1/webhooks/{hook}/deliveries/{suporte}/redeliver");
    let hidden = call(addr, &vera, "POST", &path, None).await;
    let none = call(
        addr,
        &vera,
        "POST",
        &format!("/api/v1/webhooks/{hook}/deliveries/{NOWHERE}/redeliver"),
        None,
    )
    .await;
    assert_eq!((hidden.status, hidden.body), (404, none.body));
    let r = call(addr, &dona, "POST", &path, None).await;
    assert_eq!(r.status, 202, "{}", r.body);
}

/// Delivery `id` of `hook` as the log shows it.
async fn one(addr: std::net::SocketAddr, cookie: &str, hook: i64, id: i64) -> Value {
    let log = call(
        addr,
        cookie,
        "GET",
        &format!("/api/v1/webhooks/{hook}/deliveries"),
        None,
    )
    .await
    .json();
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Waits until `check` holds of delivery `id` of `hook`; returns it.
async fn until(
    addr: std::net::SocketAddr,
    cookie: &str,
    hook: i64,
    id: i64,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let mut d = Value::Null;
    for _ in 0..3000 {
        d = one(addr, cookie, hook, id).await;
        if check(&d) {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("delivery {id} of webhook {hook} stayed {d}");
}

/// Once the receiver answered it at least once.
async fn answered(addr: std::net::SocketAddr, cookie: &str, hook: i64, id: i64) -> Value {
    until(addr, cookie, hook, id, |d| {
        d["attempts"].as_i64().unwrap_or(0) > 0
    })
    .await
}

/// Waits until delivery `id` of `hook` is `status` in the log; returns it.
async fn wait_for(
    addr: std::net::SocketAddr,
    cookie: &str,
    hook: i64,
    id: i64,
    status: &str,
) -> Value {
    let mut log = Value::Null;
    for _ in 0..1500 {
        log = call(
            addr,
            cookie,
            "GET",
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            None,
        )
        .await
        .json();
        if let Some(d) = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id && d["status"] == status)
        {
            return d.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("delivery {id} of webhook {hook} never `{status}`: {log}");
}

/// Waits until `hook` has a finished delivery about `conversation`; returns its id.
async fn wait_for_conversation(w: &World, hook: i64, conversation: i64) -> i64 {
    for _ in 0..1500 {
        let log = w
            .store
            .webhooks()
            .webhook_deliveries(w.a, hook, None, 200)
            .await
            .unwrap();
        if let Some(d) = log.iter().find(|d| {
            d.status != "pending"
                && serde_json::from_str::<Value>(&d.payload).unwrap()["conversation"]["id"]
                    == conversation
        }) {
            return d.id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no delivery about conversation {conversation}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_actions_on_sqlite() {
    let (store, dir) = on_sqlite("webhook_actions").await;
    actions_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_actions_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    actions_story(start(store).await).await;
}
