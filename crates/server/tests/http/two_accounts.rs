//! Two accounts filled with one object of every kind through their owners' API, for the
//! hardening stories (the cross-account sweep, writes, strict input): B's ids by kind, the
//! strings only B's data holds, every secret handed out, and snapshots of each account as its
//! owner reads it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;

/// What an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Conversation,
    User,
    Department,
    Role,
    Channel,
    Webhook,
    Token,
    Contact,
    Message,
    Attachment,
    Audit,
    Delivery,
    Event,
}

/// What the stories need of both accounts.
pub(crate) struct Ctx {
    pub(crate) dona: String,
    pub(crate) b_cookie: String,
    /// B's ids by kind.
    pub(crate) b: BTreeMap<Kind, Vec<i64>>,
    /// A's objects the requests use.
    pub(crate) a_channel_generic: i64,
    pub(crate) a_whatsapp: i64,
    pub(crate) a_webhook: i64,
    /// A contact of A (merges name two contacts).
    pub(crate) a_contact: i64,
    pub(crate) a_agent_role: i64,
    pub(crate) a_verify: String,
    pub(crate) a_app_secret: String,
    pub(crate) a_generic_token: String,
    pub(crate) a_token: String,
    pub(crate) b_token: String,
    pub(crate) b_external_id: String,
    /// Strings only B's data holds: none may reach A.
    pub(crate) markers: Vec<String>,
    /// Secrets: none may appear in any answer but the one that creates them.
    pub(crate) secrets: Vec<String>,
}

async fn call(w: &World, cookie: &str, method: &'static str, path: &str, body: Value) -> Value {
    let body = (method != "GET").then(|| body.to_string());
    let r = request(w.addr, method, path, &[("Cookie", cookie)], body.as_deref()).await;
    assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.body);
    if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

fn put(b: &mut BTreeMap<Kind, Vec<i64>>, k: Kind, id: i64) {
    b.entry(k).or_default().push(id);
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// Fills both accounts with one object of every kind, through their owners' API.
pub(crate) async fn setup(w: &World) -> Ctx {
    let dona = login(w, "dona").await;
    let b_cookie = login_b(w).await;
    let tag = &w.tag;
    let mut b: BTreeMap<Kind, Vec<i64>> = BTreeMap::new();

    // Both accounts' WhatsApp numbers, confirmed by a fake Graph API for their tokens.
    let (graph, fake) = super::channels::start_fake().await;
    let graph = format!("http://{graph}/v21.0");
    fake.grant(&format!("a{tag}"), &format!("a-access-{tag}"));
    fake.grant(&format!("b{tag}"), &format!("b-access-{tag}"));

    // A: an API token, a WhatsApp and a generic channel, a webhook.
    let t = call(w, &dona, "POST", "/api/v1/me/tokens", json!({"name": "a"})).await;
    let a_token = t["token"].as_str().unwrap().to_owned();
    let a_verify = format!("a-verify-{tag}");
    let a_app_secret = format!("a-app-secret-{tag}");
    let a_access = format!("a-access-{tag}");
    let wa = call(
        w,
        &dona,
        "POST",
        "/api/v1/channels",
        json!({"kind": "whatsapp", "name": "WA A",
        "phone_number_id": format!("a{tag}"), "verify_token": a_verify, "app_secret": a_app_secret,
        "access_token": a_access, "graph_base_url": graph}),
    )
    .await;
    let a_whatsapp = id_of(&wa);
    let g = call(
        w,
        &dona,
        "POST",
        "/api/v1/channels",
        json!({"kind": "generic", "name": "Gen A"}),
    )
    .await;
    let (a_channel_generic, a_generic_token) = (id_of(&g), g["token"].as_str().unwrap().to_owned());
    let h = call(
        w,
        &dona,
        "POST",
        "/api/v1/webhooks",
        json!({"url": "http://127.0.0.1:9/a"}),
    )
    .await;
    let (a_webhook, a_whsec) = (id_of(&h), h["secret"].as_str().unwrap().to_owned());
    let a_contact = id_of(
        &call(
            w,
            &dona,
            "POST",
            "/api/v1/contacts",
            json!({"name": "Contato de A"}),
        )
        .await,
    );
    let roles = call(w, &dona, "GET", "/api/v1/roles", Value::Null).await;
    let a_agent_role = id_of(
        roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "agent")
            .unwrap(),
    );

    // B: a webhook first (so B's later events are delivered, and B has deliveries), then a
    // department, a user, a role, conversations with a contact, messages, a note and a tag,
    // both kinds of channel, a message through its generic channel and an API token.
    let bc = &b_cookie;
    let h = call(
        w,
        bc,
        "POST",
        "/api/v1/webhooks",
        json!({"url": "http://127.0.0.1:9/b"}),
    )
    .await;
    let (b_hook, b_whsec) = (id_of(&h), h["secret"].as_str().unwrap().to_owned());
    put(&mut b, Kind::Webhook, b_hook);
    let d = call(
        w,
        bc,
        "POST",
        "/api/v1/departments",
        json!({"name": "Sub B", "parent_id": w.b_dept.0}),
    )
    .await;
    put(&mut b, Kind::Department, w.b_dept.0);
    put(&mut b, Kind::Department, id_of(&d));
    let b_roles = call(w, bc, "GET", "/api/v1/roles", Value::Null).await;
    for r in b_roles.as_array().unwrap() {
        put(&mut b, Kind::Role, id_of(r));
    }
    let b_agent_role = id_of(
        b_roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "agent")
            .unwrap(),
    );
    let r = call(
        w,
        bc,
        "POST",
        "/api/v1/roles",
        json!({"name": "Papel B", "permissions": ["conversation.assume"]}),
    )
    .await;
    put(&mut b, Kind::Role, id_of(&r));
    let u = call(
        w,
        bc,
        "POST",
        "/api/v1/users",
        json!({"email": format!("agente-b.{tag}@b.example"),
        "name": "Agente B", "password": "senha-forte-1", "roles": [{"role_id": b_agent_role}],
        "memberships": [{"department_id": w.b_dept.0, "kind": "member"}]}),
    )
    .await;
    put(&mut b, Kind::User, w.b_user.0);
    put(&mut b, Kind::User, id_of(&u));
    let c = call(
        w,
        bc,
        "POST",
        "/api/v1/conversations",
        json!({"department_id": w.b_dept.0,
        "contact_name": "Cliente Secreto B", "contact_phone": "+5511900000099",
        "message": "mensagem secreta de B"}),
    )
    .await;
    let b_conv2 = id_of(&c);
    let on = |action: &str| format!("/api/v1/conversations/{b_conv2}/{action}");
    call(w, bc, "POST", &on("assume"), json!({})).await;
    call(
        w,
        bc,
        "POST",
        &on("note"),
        json!({"text": "nota secreta de B"}),
    )
    .await;
    call(w, bc, "POST", "/api/v1/tags", json!({"name": "segredo-b"})).await;
    call(w, bc, "POST", &on("tag"), json!({"tag": "segredo-b"})).await;
    let detail = call(
        w,
        bc,
        "GET",
        &format!("/api/v1/conversations/{b_conv2}"),
        Value::Null,
    )
    .await;
    put(&mut b, Kind::Contact, id_of(&detail["contact"]));
    put(&mut b, Kind::Conversation, w.b_conv);
    put(&mut b, Kind::Conversation, b_conv2);
    let b_verify = format!("b-verify-{tag}");
    let b_app = format!("b-app-secret-{tag}");
    let b_access = format!("b-access-{tag}");
    let wa = call(
        w,
        bc,
        "POST",
        "/api/v1/channels",
        json!({"kind": "whatsapp", "name": "WA B",
        "phone_number_id": format!("b{tag}"), "verify_token": b_verify, "app_secret": b_app,
        "access_token": b_access, "graph_base_url": graph}),
    )
    .await;
    put(&mut b, Kind::Channel, id_of(&wa));
    let g = call(
        w,
        bc,
        "POST",
        "/api/v1/channels",
        json!({"kind": "generic", "name": "Gen B"}),
    )
    .await;
    put(&mut b, Kind::Channel, id_of(&g));
    let b_generic_token = g["token"].as_str().unwrap().to_owned();
    let b_external_id = format!("ext-{tag}");
    let r = request(
        w.addr,
        "POST",
        "/webhooks/generic/messages",
        &[("Authorization", &format!("Bearer {b_generic_token}"))],
        Some(
            &json!({"from": "+5511900000077", "name": "Contato Generico B",
            "text": "texto generico B", "id": b_external_id})
            .to_string(),
        ),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["received"].as_i64()),
        (200, Some(1)),
        "{}",
        r.body
    );
    // A photo a customer sent B on WhatsApp, fetched from the fake Graph API with B's token.
    let photo = include_bytes!("../fixtures/media/photo.jpg");
    fake.file(&format!("b-photo-{tag}"), photo, "image/jpeg", &b_access);
    let body = include_str!("../fixtures/whatsapp/image.json")
        .replace("106540352242922", &format!("b{tag}"))
        .replace("1003383421387256", &format!("b-photo-{tag}"))
        .replace("ZK4fKQ7ivv1gTQyS6Oq+vG4S3C8DTMR0mBXD3Cqk9Ns=", "");
    let sig = server::channels::whatsapp::sign(&b_app, body.as_bytes());
    let r = request(
        w.addr,
        "POST",
        &format!("/webhooks/whatsapp/{}", id_of(&wa)),
        &[("X-Hub-Signature-256", &sig)],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let waiting = call(
        w,
        bc,
        "GET",
        "/api/v1/conversations?tab=waiting",
        Value::Null,
    )
    .await;
    for c in waiting["items"].as_array().unwrap() {
        if !b[&Kind::Conversation].contains(&id_of(c)) {
            put(&mut b, Kind::Conversation, id_of(c));
            if let Some(k) = c["contact"].as_object() {
                put(&mut b, Kind::Contact, k["id"].as_i64().unwrap());
            }
        }
    }
    for conv in b[&Kind::Conversation].clone() {
        let msgs = call(
            w,
            bc,
            "GET",
            &format!("/api/v1/conversations/{conv}/messages"),
            Value::Null,
        )
        .await;
        for m in msgs.as_array().unwrap() {
            put(&mut b, Kind::Message, id_of(m));
        }
    }
    // The photo, once fetched.
    let mut tries = 0;
    while !b.contains_key(&Kind::Attachment) {
        for conv in b[&Kind::Conversation].clone() {
            let msgs = call(
                w,
                bc,
                "GET",
                &format!("/api/v1/conversations/{conv}/messages"),
                Value::Null,
            )
            .await;
            for a in msgs
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|m| m["attachments"].as_array().cloned().unwrap_or_default())
            {
                if a["state"] == "ready" {
                    put(&mut b, Kind::Attachment, id_of(&a));
                }
            }
        }
        tries += 1;
        assert!(tries < 500, "B's photo was never fetched");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let t = call(w, bc, "POST", "/api/v1/me/tokens", json!({"name": "b"})).await;
    let b_token = t["token"].as_str().unwrap().to_owned();
    put(&mut b, Kind::Token, id_of(&t));
    let audit = call(w, bc, "GET", "/api/v1/audit?limit=200", Value::Null).await;
    for e in audit["items"].as_array().unwrap() {
        put(&mut b, Kind::Audit, id_of(e));
    }
    for e in w
        .store
        .events()
        .account_events_after(w.b, 0, 10_000)
        .await
        .unwrap()
    {
        put(&mut b, Kind::Event, e.id);
    }
    // The webhook worker turns B's events into deliveries (failing: nothing listens there).
    let mut tries = 0;
    loop {
        let page = call(
            w,
            bc,
            "GET",
            &format!("/api/v1/webhooks/{b_hook}/deliveries"),
            Value::Null,
        )
        .await;
        let items = page["items"].as_array().unwrap().clone();
        if !items.is_empty() {
            for d in &items {
                put(&mut b, Kind::Delivery, id_of(d));
            }
            break;
        }
        tries += 1;
        assert!(tries < 500, "B's webhook never got a delivery");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let b_owner_email = w.email("dono-b");
    let markers = [
        "Loja B",
        "Sub B",
        "Papel B",
        "Agente B",
        "Cliente Secreto B",
        "+5511900000099",
        "mensagem secreta de B",
        "nota secreta de B",
        "segredo-b",
        "Contato Generico B",
        "+5511900000077",
        "texto generico B",
        "WA B",
        "Gen B",
        "127.0.0.1:9/b",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([
        b_owner_email,
        format!("agente-b.{tag}@b.example"),
        format!("b{tag}"),
    ])
    .collect();
    let cookie_value = |c: &str| c.split_once('=').unwrap().1.to_owned();
    let secrets = vec![
        "$argon2".to_owned(),
        cookie_value(&dona),
        cookie_value(&b_cookie),
        a_token.clone(),
        b_token.clone(),
        a_whsec,
        b_whsec,
        a_generic_token.clone(),
        b_generic_token,
        a_verify.clone(),
        a_app_secret.clone(),
        a_access,
        b_verify,
        b_app,
        b_access,
    ];
    Ctx {
        dona,
        b_cookie,
        b,
        a_channel_generic,
        a_whatsapp,
        a_webhook,
        a_contact,
        a_agent_role,
        a_verify,
        a_app_secret,
        a_generic_token,
        a_token,
        b_token,
        b_external_id,
        markers,
        secrets,
    }
}

/// B as B sees it: every read of B's API (but webhook deliveries: their attempts go on), B's
/// events and audit rows in the store.
pub(crate) async fn snapshot_b(w: &World, cx: &Ctx) -> Vec<(String, Value)> {
    let convs = cx.b[&Kind::Conversation].clone();
    snapshot(w, &cx.b_cookie, w.b, &convs, &cx.b_token, true).await
}

/// A as its owner sees it, but for the audit log (refusals are recorded there).
pub(crate) async fn snapshot_a(w: &World, cx: &Ctx) -> Vec<(String, Value)> {
    let convs = [w.w_vendas, w.w_suporte, w.p_bia];
    snapshot(w, &cx.dona, w.a, &convs, &cx.a_token, false).await
}

/// An account as one of its users reads it through the API, with its events (and audit rows)
/// in the store, and whether `token` still works.
async fn snapshot(
    w: &World,
    cookie: &str,
    account: access::AccountId,
    convs: &[i64],
    token: &str,
    audit: bool,
) -> Vec<(String, Value)> {
    let mut paths: Vec<String> = [
        "/api/v1/me",
        "/api/v1/account",
        "/api/v1/departments",
        "/api/v1/users",
        "/api/v1/roles",
        "/api/v1/settings",
        "/api/v1/routing",
        "/api/v1/me/availability",
        "/api/v1/channels",
        "/api/v1/webhooks",
        "/api/v1/tags",
        "/api/v1/directory",
        "/api/v1/conversations/counts",
        "/api/v1/contacts?limit=200",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if audit {
        paths.push("/api/v1/audit?limit=200".to_owned());
    }
    for tab in ["mine", "waiting", "others", "finished", "my_finished"] {
        paths.push(format!("/api/v1/conversations?tab={tab}"));
    }
    for c in convs {
        for tail in ["", "/messages", "/transfer_targets"] {
            paths.push(format!("/api/v1/conversations/{c}{tail}"));
        }
    }
    let mut out = Vec::new();
    for p in paths {
        let r = get(w, cookie, &p).await;
        assert_eq!(r.status, 200, "{p}: {}", r.body);
        out.push((p, r.json()));
    }
    // The API token still works.
    let auth = format!("Bearer {token}");
    let me = request(
        w.addr,
        "GET",
        "/api/v1/me",
        &[("Authorization", &auth)],
        None,
    )
    .await;
    out.push(("token".to_owned(), json!(me.status)));
    let events = w
        .store
        .events()
        .account_events_after(account, 0, 100_000)
        .await
        .unwrap();
    out.push(("events".to_owned(), json!(events.len())));
    if audit {
        let rows = w.store.audit().page(account, None, 10_000).await.unwrap();
        out.push(("audit rows".to_owned(), json!(rows.len())));
    }
    out
}

/// Nothing of B and no secret in what A received.
pub(crate) fn assert_clean(cx: &Ctx, what: &str, text: &str) {
    for m in &cx.markers {
        assert!(!text.contains(m.as_str()), "{what} shows B's `{m}`: {text}");
    }
    for s in &cx.secrets {
        assert!(
            !text.contains(s.as_str()),
            "{what} carries a secret (`{s}`): {text}"
        );
    }
}
