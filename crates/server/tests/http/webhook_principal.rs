//! A webhook acts with its user's principal (round 2, finding 3; ACCESS-MODEL v2, "No
//! escalation through memberships, webhooks or tokens"). wally holds only `settings.webhooks`
//! (a custom role) and is a member of Vendas, with details hidden until assumed:
//!
//! - his webhooks (one to a dead loopback port, one to a receiver) get only Vendas'
//!   conversations, with the contact masked while waiting, no message of a conversation whose
//!   details he may not see (internal notes included), and nothing of Suporte;
//! - the delivery log of the owner's webhook, read by wally, shows only what wally sees, masked
//!   as it is for him; the owner reads the same deliveries whole;
//! - wally pointing the owner's webhook at his own URL makes it act for him: its deliveries
//!   built for the owner (a Suporte note, retrying) fail unsent, and nothing wally may not see
//!   reaches his URL;
//! - leaving Vendas stops Vendas' events; deactivated, his webhooks are paused and deliver
//!   nothing; a webhook with no acting user (as after the migration) is paused until changed.

use std::time::Duration;

use access::{Permission, PermissionSet};
use serde_json::{Value, json};

use super::db::Raw;
use super::webhooks::{Receiver, call, start_receiver};
use super::*;

const LONG: Duration = Duration::from_secs(40);

/// A webhook's delivery log as `cookie` reads it (its first page of 200).
async fn log(addr: SocketAddr, cookie: &str, hook: i64) -> Vec<Value> {
    let r = call(
        addr,
        cookie,
        "GET",
        &format!("/api/v1/webhooks/{hook}/deliveries?limit=200"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["items"].as_array().unwrap().clone()
}

/// Waits until `cookie`'s reading of a webhook's log has an item satisfying `what`.
async fn logged(addr: SocketAddr, cookie: &str, hook: i64, what: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + LONG;
    loop {
        let items = log(addr, cookie, hook).await;
        if let Some(d) = items.iter().find(|d| what(d)) {
            return d.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing matching in the log of webhook {hook}: {items:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn conversation(d: &Value) -> Option<i64> {
    d["payload"]["conversation"]["id"].as_i64()
}

fn body(d: &Value) -> Option<&str> {
    d["payload"]["message"]["body"].as_str()
}

/// A delivery of a message event with this body.
fn message(text: &'static str) -> impl Fn(&Value) -> bool {
    move |d: &Value| body(d) == Some(text)
}

/// Every payload a receiver got for `hook`.
fn received(rx: &Receiver, hook: &str) -> Vec<Value> {
    rx.hits(hook).iter().map(|h| h.json()).collect()
}

/// Waits until a webhook's cursor has passed `event` (it decided that event).
async fn passed(raw: &Raw, hook: i64, event: i64) {
    let deadline = tokio::time::Instant::now() + LONG;
    while raw
        .scalar(&format!("SELECT cursor FROM webhooks WHERE id = {hook}"))
        .await
        < event
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "webhook {hook} never reached event {event}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn create(addr: SocketAddr, cookie: &str, url: &str) -> Value {
    let r = call(
        addr,
        cookie,
        "POST",
        "/api/v1/webhooks",
        Some(json!({ "url": url })),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

async fn act(w: &World, cookie: &str, conversation: i64, action: &str, body: Value) {
    let r = post(
        w,
        cookie,
        &format!("/api/v1/conversations/{conversation}/{action}"),
        body,
    )
    .await;
    assert_eq!(r.status, 200, "{action} on {conversation}: {}", r.body);
}

/// The webhooks as the owner lists them, by id.
async fn listed(addr: SocketAddr, cookie: &str, id: i64) -> Value {
    let r = call(addr, cookie, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == id)
        .unwrap()
        .clone()
}

#[expect(clippy::too_many_lines, reason = "one story, told in order")]
pub(crate) async fn webhook_principal_story(w: World, raw: Raw) {
    let addr = w.addr;
    let (rx_addr, rx) = start_receiver().await;
    let hook_url = |name: &str| format!("http://{rx_addr}/hook/{name}");
    // Dead URLs: loopback ports nothing listens on (connections refused, retried).
    let dead = || {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/dead", l.local_addr().unwrap())
    };
    let hidden = Settings {
        hide_details_until_assumed: true,
        ..Settings::default()
    };
    w.store
        .directory()
        .set_settings(w.a, &hidden)
        .await
        .unwrap();
    let role = w
        .store
        .directory()
        .create_role(
            w.a,
            &format!("Integrações {}", w.tag),
            [Permission::SettingsWebhooks]
                .into_iter()
                .collect::<PermissionSet>(),
            &[],
        )
        .await
        .unwrap();
    let hash = server::secret::hash_password("senha-forte-1").unwrap();
    let wally_id = seed_user(
        &w.store,
        w.a,
        &w.email("wally"),
        &hash,
        true,
        role,
        &[(w.vendas, MembershipKind::Member)],
    )
    .await;
    let dona = login(&w, "dona").await;
    let ana = login(&w, "ana").await;
    let wally = login(&w, "wally").await;
    // The company's tags the story attaches ("vip" exists in every world).
    for tag in ["sentinela", "inativo"] {
        w.store.tags().create(w.a, tag, "gray").await.unwrap();
    }
    // What wally may not see is 404 to him.
    for c in [w.w_suporte, w.p_bia] {
        let r = get(&w, &wally, &format!("/api/v1/conversations/{c}")).await;
        assert_eq!(r.status, 404, "{}", r.body);
    }

    let wd = create(addr, &wally, &dead()).await["id"].as_i64().unwrap();
    let wl = create(addr, &wally, &hook_url("wally")).await["id"]
        .as_i64()
        .unwrap();
    let dd = create(addr, &dona, &dead()).await["id"].as_i64().unwrap();
    let dl = create(addr, &dona, &hook_url("dona")).await["id"]
        .as_i64()
        .unwrap();

    // Notes and tags on conversations wally does not see, and on Vendas' waiting one, which
    // he sees without its details.
    act(
        &w,
        &dona,
        w.w_suporte,
        "note",
        json!({"text": "segredo do suporte"}),
    )
    .await;
    act(
        &w,
        &dona,
        w.p_bia,
        "note",
        json!({"text": "segredo da bia"}),
    )
    .await;
    act(
        &w,
        &dona,
        w.w_vendas,
        "note",
        json!({"text": "nota escondida"}),
    )
    .await;
    act(&w, &dona, w.w_vendas, "tag", json!({"tag": "vip"})).await;
    act(&w, &dona, w.w_suporte, "tag", json!({"tag": "vip"})).await;
    // Every webhook has decided all of it once the owner's dead one logged the last change,
    // and wally's the change before.
    let last = logged(addr, &dona, dd, |d| {
        d["event_type"] == "conversation.updated" && conversation(d) == Some(w.w_suporte)
    })
    .await["event_id"]
        .as_i64()
        .unwrap();
    for hook in [wd, wl, dl] {
        passed(&raw, hook, last).await;
    }

    // wally's webhooks: only Vendas' conversation, its contact masked, no note of it.
    let seen = log(addr, &dona, wd).await;
    assert!(
        seen.iter().all(|d| conversation(d) == Some(w.w_vendas)),
        "the dead webhook's log, read by the owner: {seen:?}"
    );
    assert!(
        seen.iter()
            .all(|d| d["event_type"] == "conversation.updated"),
        "{seen:?}"
    );
    assert!(
        !seen.is_empty(),
        "the tag of Vendas' conversation is delivered"
    );
    for d in &seen {
        let c = &d["payload"]["conversation"];
        assert_eq!(
            (c["details_hidden"].clone(), c["contact"].clone()),
            (json!(true), Value::Null),
            "{d}"
        );
    }
    // Decided is not yet posted: wait for the receiver to have it.
    let deadline = tokio::time::Instant::now() + LONG;
    while received(&rx, "wally").is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = received(&rx, "wally");
    assert!(!got.is_empty());
    assert!(
        got.iter().all(|p| p["conversation"]["id"] == w.w_vendas
            && p["conversation"]["contact"].is_null()
            && p.get("message").is_none()),
        "{got:?}"
    );
    // The owner's webhook got everything, whole.
    let all = log(addr, &dona, dd).await;
    for text in ["segredo do suporte", "segredo da bia", "nota escondida"] {
        assert!(all.iter().any(message(text)), "{text}: {all:?}");
    }
    let vendas_updates: Vec<&Value> = all
        .iter()
        .filter(|d| {
            d["event_type"] == "conversation.updated" && conversation(d) == Some(w.w_vendas)
        })
        .collect();
    assert!(!vendas_updates.is_empty(), "{all:?}");
    for d in &vendas_updates {
        assert_eq!(
            d["payload"]["conversation"]["contact"]["name"], "Cliente Um",
            "{d}"
        );
    }
    let visible: Vec<i64> = vendas_updates
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();

    // wally reading the owner's log: only what he sees, masked for him.
    let r = call(
        addr,
        &wally,
        "GET",
        &format!("/api/v1/webhooks/{dd}/deliveries?limit=200"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for secret in ["segredo", "nota escondida", "Cliente Um", "+5511999990001"] {
        assert!(!r.body.contains(secret), "{secret} in {}", r.body);
    }
    let his = r.json()["items"].as_array().unwrap().clone();
    let ids: Vec<i64> = his.iter().map(|d| d["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, visible, "{his:?}");
    for d in &his {
        assert_eq!(d["payload"]["conversation"]["details_hidden"], true, "{d}");
        assert_eq!(d["payload"]["conversation"]["contact"], Value::Null, "{d}");
        // The receiver's answer might echo the details: hidden with them.
        assert!(
            d["error"].is_null()
                || d["error"]
                    .as_str()
                    .unwrap()
                    .contains("hidden with the conversation's details"),
            "{d}"
        );
    }
    // Page by page, one at a time: the same deliveries, then an empty last page; nothing tells
    // him of those he may not see.
    let mut paged = Vec::new();
    let mut before = String::new();
    loop {
        let r = call(
            addr,
            &wally,
            "GET",
            &format!("/api/v1/webhooks/{dd}/deliveries?limit=1{before}"),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.json();
        paged.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_i64().unwrap()),
        );
        match page["next_before"].as_i64() {
            Some(next) => before = format!("&before={next}"),
            None => {
                assert_eq!(page["items"], json!([]), "{page}");
                break;
            }
        }
    }
    assert_eq!(paged, visible);

    // ana assumes Vendas' conversation: wally sees its details now (a member of Vendas, in
    // progress), so his webhooks get its contact and its next note.
    act(&w, &ana, w.w_vendas, "assume", json!({})).await;
    act(
        &w,
        &ana,
        w.w_vendas,
        "note",
        json!({"text": "nota visível"}),
    )
    .await;
    let p = rx
        .expect("wally", |p| p["message"]["body"] == "nota visível")
        .await
        .json();
    assert_eq!(p["conversation"]["contact"]["name"], "Cliente Um");
    assert_eq!(p["message"]["kind"], "note");
    logged(addr, &dona, wd, message("nota visível")).await;

    // The webhooks as listed: who each acts for.
    let h = listed(addr, &dona, wl).await;
    assert_eq!(
        (h["acting_user_id"].clone(), h["paused"].clone()),
        (json!(wally_id.0), Value::Null),
        "{h}"
    );

    // wally points the owner's dead webhook, still retrying the Suporte note, at his own URL:
    // it acts for him now, so that delivery fails unsent, and he receives only what he sees.
    let pending = logged(addr, &dona, dd, message("segredo do suporte")).await;
    assert_eq!(pending["status"], "pending", "{pending}");
    let r = call(
        addr,
        &wally,
        "PATCH",
        &format!("/api/v1/webhooks/{dd}"),
        Some(json!({"url": hook_url("stolen")})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["acting_user_id"], wally_id.0);
    let done = logged(addr, &dona, dd, |d| {
        body(d) == Some("segredo do suporte") && d["status"] != "pending"
    })
    .await;
    assert!(
        !received(&rx, "stolen")
            .iter()
            .any(|p| p["message"]["body"] == "segredo do suporte"),
        "the owner's delivery reached wally's URL"
    );
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        done["error"].as_str().unwrap().starts_with("not sent"),
        "{done}"
    );
    act(
        &w,
        &dona,
        w.p_bia,
        "note",
        json!({"text": "segredo depois"}),
    )
    .await;
    act(
        &w,
        &ana,
        w.w_vendas,
        "note",
        json!({"text": "depois da troca"}),
    )
    .await;
    rx.expect("stolen", |p| p["message"]["body"] == "depois da troca")
        .await;
    let stolen = received(&rx, "stolen");
    assert!(
        stolen.iter().all(|p| p["conversation"]["id"] == w.w_vendas),
        "{stolen:?}"
    );

    // wally leaves Vendas for Suporte: Vendas' events stop reaching him; Suporte's waiting
    // conversation reaches him without details.
    let r = call(
        addr,
        &dona,
        "PATCH",
        &format!("/api/v1/users/{}", wally_id.0),
        Some(json!({"memberships": [{"department_id": w.suporte.0, "kind": "member"}]})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    act(&w, &ana, w.w_vendas, "note", json!({"text": "sem vendas"})).await;
    act(&w, &dona, w.w_suporte, "tag", json!({"tag": "sentinela"})).await;
    let p = rx
        .expect("wally", |p| p["conversation"]["id"] == w.w_suporte)
        .await
        .json();
    assert_eq!(
        (
            p["conversation"]["details_hidden"].clone(),
            p["conversation"]["contact"].clone()
        ),
        (json!(true), Value::Null),
        "{p}"
    );
    let sentinel = p["id"].as_i64().unwrap();
    logged(addr, &dona, dl, message("sem vendas")).await;
    for hook in [wd, wl, dd] {
        passed(&raw, hook, sentinel).await;
        assert!(
            !log(addr, &dona, hook)
                .await
                .iter()
                .any(message("sem vendas")),
            "{hook}"
        );
    }

    // Deactivated, wally's webhooks are paused: they deliver nothing.
    let r = call(
        addr,
        &dona,
        "PATCH",
        &format!("/api/v1/users/{}", wally_id.0),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for id in [wd, wl, dd] {
        assert_eq!(listed(addr, &dona, id).await["paused"], "user_inactive");
    }
    act(&w, &dona, w.w_suporte, "tag", json!({"tag": "inativo"})).await;
    let event = rx
        .expect("dona", |p| {
            p["type"] == "conversation.updated"
                && p["conversation"]["id"] == w.w_suporte
                && p["id"].as_i64().unwrap() > sentinel
        })
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    for hook in [wd, wl, dd] {
        passed(&raw, hook, event).await;
        assert!(
            log(addr, &dona, hook)
                .await
                .iter()
                .all(|d| d["event_id"].as_i64().unwrap() < event),
            "{hook}"
        );
    }
    for hook in ["wally", "stolen"] {
        assert!(
            received(&rx, hook)
                .iter()
                .all(|p| p["id"].as_i64().unwrap() < event),
            "{hook}"
        );
    }

    // A webhook with no acting user (as the migration leaves the older ones) is paused until
    // a holder of settings.webhooks changes it, becoming the user it acts for.
    raw.execute(&format!(
        "UPDATE webhooks SET acting_user_id = NULL WHERE id = {dl}"
    ))
    .await
    .unwrap();
    let h = listed(addr, &dona, dl).await;
    assert_eq!(
        (h["acting_user_id"].clone(), h["paused"].clone()),
        (Value::Null, json!("no_user")),
        "{h}"
    );
    let r = call(
        addr,
        &dona,
        "PATCH",
        &format!("/api/v1/webhooks/{dl}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let dona_id = r.json()["acting_user_id"].as_i64().unwrap();
    assert_ne!(dona_id, wally_id.0);
    assert_eq!(r.json()["paused"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_principal_on_sqlite() {
    let (store, dir) = on_sqlite("webhook-principal").await;
    let world = start(store).await;
    webhook_principal_story(world, Raw::sqlite(&dir).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_principal_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    // No node of another story with its clock ahead retries this story's deliveries sooner.
    let _alone = AHEAD_OF_TIME.lock().await;
    let world = start(store).await;
    webhook_principal_story(world, Raw::postgres().await).await;
}
