//! The cross-account sweep (issue 7, point 1). Every route of the OpenAPI document, as the
//! running server serves it, and every id it takes (path, query, body, nested): the owner of
//! account A (every permission, so refusals come only from the separation of accounts) sends
//! the ids of account B's objects, and each answer must be byte-identical (status, headers but
//! `Date`, body) to the answer for an id that exists nowhere. B's data, read through B's own API
//! and the store, is the same before and after. A route or an id-like parameter the sweep does
//! not know how to fill fails the test, so a new route cannot escape it.
//!
//! Cursors (message, audit, delivery and event ids used as positions) are not references to an
//! object: for them the sweep checks that B's ids as positions show nothing of B. What every
//! answer and every event of the sweep carries is kept and checked for secrets (password
//! hashes, session ids, API tokens, webhook and channel secrets) and for B's data.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::*;

/// An id that no test database reaches.
const NOWHERE: i64 = 9_000_000_000_001;

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
    Audit,
    Delivery,
    Event,
}

/// One request.
pub(crate) struct Req {
    pub(crate) method: &'static str,
    pub(crate) path: String,
    pub(crate) body: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
}

type Build<'a> = Box<dyn Fn(i64) -> Req + 'a>;

/// How the sweep fills one parameter of a route.
enum Fill<'a> {
    /// An account object's id: B's ids answer exactly as [`NOWHERE`] does.
    Id(Kind, Build<'a>),
    /// A position in a sequence all accounts share: B's ids as positions show nothing of B.
    Cursor(Kind, Build<'a>),
    /// Not an id of an account's object (a page size, a limit, a preset's or an action's name).
    NotAnId,
}

/// What the sweep needs of both accounts.
pub(crate) struct Ctx {
    pub(crate) dona: String,
    pub(crate) b_cookie: String,
    /// B's ids by kind.
    pub(crate) b: BTreeMap<Kind, Vec<i64>>,
    /// A's objects the requests use.
    a_channel_generic: i64,
    pub(crate) a_whatsapp: i64,
    a_webhook: i64,
    pub(crate) a_agent_role: i64,
    a_verify: String,
    pub(crate) a_app_secret: String,
    pub(crate) a_generic_token: String,
    pub(crate) a_token: String,
    b_token: String,
    b_external_id: String,
    /// Strings only B's data holds: none may reach A.
    pub(crate) markers: Vec<String>,
    /// Secrets: none may appear in any answer but the one that creates them.
    pub(crate) secrets: Vec<String>,
}

fn with_cookie(cookie: &str) -> Vec<(String, String)> {
    vec![("Cookie".to_owned(), cookie.to_owned())]
}

fn req(method: &'static str, path: impl Into<String>, body: Option<Value>, cookie: &str) -> Req {
    Req {
        method,
        path: path.into(),
        body: body.map(|b| b.to_string()),
        headers: with_cookie(cookie),
    }
}

pub(crate) async fn send(w: &World, r: &Req) -> Response {
    let headers: Vec<(&str, &str)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    request(w.addr, r.method, &r.path, &headers, r.body.as_deref()).await
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
        "access_token": a_access, "graph_base_url": "http://127.0.0.1:9"}),
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
        "access_token": b_access, "graph_base_url": "http://127.0.0.1:9"}),
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
    let t = call(w, bc, "POST", "/api/v1/me/tokens", json!({"name": "b"})).await;
    let b_token = t["token"].as_str().unwrap().to_owned();
    put(&mut b, Kind::Token, id_of(&t));
    let audit = call(w, bc, "GET", "/api/v1/audit?limit=200", Value::Null).await;
    for e in audit["items"].as_array().unwrap() {
        put(&mut b, Kind::Audit, id_of(e));
    }
    for e in w.store.account_events_after(w.b, 0, 10_000).await.unwrap() {
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
        .account_events_after(account, 0, 100_000)
        .await
        .unwrap();
    out.push(("events".to_owned(), json!(events.len())));
    if audit {
        let rows = w.store.audit_log(account, None, 10_000).await.unwrap();
        out.push(("audit rows".to_owned(), json!(rows.len())));
    }
    out
}

/// The id-like parameters of every operation of the document: `path:x`, `query:x` and
/// `body:a[].b` (integer-typed, an `id`, `*_id`, or a `cursor`), by `(METHOD, path)`.
fn document_slots(doc: &Value) -> BTreeMap<(String, String), BTreeSet<String>> {
    fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
        match s["$ref"].as_str() {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap();
                let s = &doc["components"]["schemas"][name];
                assert!(s.is_object(), "the document's {r} is not in its components");
                s
            }
            None => s,
        }
    }
    fn is_int(s: &Value) -> bool {
        match &s["type"] {
            Value::String(t) => t == "integer",
            Value::Array(ts) => ts.iter().any(|t| t == "integer"),
            _ => false,
        }
    }
    fn walk(doc: &Value, s: &Value, name: &str, out: &mut BTreeSet<String>, depth: u32) {
        assert!(depth < 10, "a schema nested too deep at {name}");
        let s = resolve(doc, s);
        for key in ["oneOf", "anyOf", "allOf"] {
            for sub in s[key].as_array().into_iter().flatten() {
                walk(doc, sub, name, out, depth + 1);
            }
        }
        let leaf = name.rsplit(['.', ']']).next().unwrap_or(name);
        if is_int(s) || leaf == "id" || leaf.ends_with("_id") {
            out.insert(format!("body:{name}"));
        }
        if s["items"].is_object() {
            walk(doc, &s["items"], &format!("{name}[]"), out, depth + 1);
        }
        for (k, p) in s["properties"].as_object().into_iter().flatten() {
            let n = if name.is_empty() {
                k.clone()
            } else {
                format!("{name}.{k}")
            };
            walk(doc, p, &n, out, depth + 1);
        }
    }
    let mut all = BTreeMap::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let mut slots = BTreeSet::new();
            for seg in path.split('/') {
                if let Some(p) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    slots.insert(format!("path:{p}"));
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let s = resolve(doc, &p["schema"]);
                let int = is_int(s) || s["oneOf"].as_array().into_iter().flatten().any(is_int);
                if p["in"] == "query" && (int || name == "cursor" || name.ends_with("_id")) {
                    slots.insert(format!("query:{name}"));
                }
            }
            if let Some(schema) = op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|c| &c["schema"])
            {
                walk(doc, schema, "", &mut slots, 0);
            }
            all.insert((method.to_uppercase(), path.clone()), slots);
        }
    }
    all
}

/// The ACTIONS of `POST /conversations/{id}/{action}` with a body each accepts.
pub(crate) fn actions(cx_user: i64, cx_department: i64) -> Vec<(&'static str, Value)> {
    vec![
        ("assume", json!({})),
        ("reply", json!({"text": "oi"})),
        ("note", json!({"text": "oi"})),
        ("transfer", json!({"user_id": cx_user})),
        ("change_department", json!({"department_id": cx_department})),
        ("finish", json!({})),
        ("finish_in_survey", json!({})),
        ("reopen", json!({})),
        ("tag", json!({"tag": "t"})),
        ("untag", json!({"tag": "t"})),
        ("link_contact", json!({"contact_id": null})),
    ]
}

/// How every route's ids are filled.
fn table<'a>(
    w: &'a World,
    cx: &'a Ctx,
) -> BTreeMap<(String, String), Vec<(&'static str, Fill<'a>)>> {
    let d = cx.dona.as_str();
    let key = |m: &str, p: &str| (m.to_owned(), p.to_owned());
    let c = move |p: String| format!("/api/v1{p}");
    let own_conv = w.w_vendas;
    let email = format!("nova.{}@a.example", w.tag);
    let mut t: BTreeMap<(String, String), Vec<(&'static str, Fill<'a>)>> = BTreeMap::new();
    for (m, p) in [
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/me"),
        ("POST", "/api/v1/me/tokens"),
        ("POST", "/api/v1/me/password"),
        ("GET", "/api/v1/me/availability"),
        ("PUT", "/api/v1/me/availability"),
        ("GET", "/api/v1/conversations/counts"),
        ("GET", "/api/v1/account"),
        ("PATCH", "/api/v1/account"),
        ("GET", "/api/v1/departments"),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/roles"),
        ("POST", "/api/v1/roles"),
        ("GET", "/api/v1/permissions"),
        ("GET", "/api/v1/settings"),
        ("PUT", "/api/v1/settings"),
        ("GET", "/api/v1/channels"),
        ("GET", "/api/v1/routing"),
        ("PUT", "/api/v1/routing"),
        ("GET", "/api/v1/webhooks"),
        ("POST", "/api/v1/webhooks"),
        ("GET", "/api/v1/directory"),
        ("GET", "/api/v1/tags"),
        // The operator's: no account ids (checked apart: a user's credentials do not open them).
        ("GET", "/api/v1/accounts"),
        ("POST", "/api/v1/accounts"),
    ] {
        t.insert(key(m, p), Vec::new());
    }
    // The generic channel's `id` is the channel's own message id (checked apart: B's id through
    // A's channel is a new message of A's).
    t.insert(
        key("POST", "/webhooks/generic/messages"),
        vec![("body:id", Fill::NotAnId)],
    );
    t.insert(
        key("DELETE", "/api/v1/me/tokens/{id}"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::Token,
                Box::new(move |x| req("DELETE", c(format!("/me/tokens/{x}")), None, d)),
            ),
        )],
    );
    t.insert(
        key("GET", "/api/v1/conversations"),
        vec![
            (
                "query:department",
                Fill::Id(
                    Kind::Department,
                    Box::new(move |x| {
                        req(
                            "GET",
                            c(format!("/conversations?tab=waiting&department={x}")),
                            None,
                            d,
                        )
                    }),
                ),
            ),
            (
                "query:department",
                Fill::Id(
                    Kind::Department,
                    Box::new(move |x| {
                        req(
                            "GET",
                            c(format!("/conversations?tab=others&department={x}&q=a")),
                            None,
                            d,
                        )
                    }),
                ),
            ),
            (
                "query:cursor",
                Fill::Cursor(
                    Kind::Conversation,
                    Box::new(move |x| {
                        req(
                            "GET",
                            c(format!(
                                "/conversations?tab=waiting&cursor=9999999999999999.{x}"
                            )),
                            None,
                            d,
                        )
                    }),
                ),
            ),
            ("query:limit", Fill::NotAnId),
        ],
    );
    t.insert(
        key("POST", "/api/v1/conversations"),
        vec![(
            "body:department_id",
            Fill::Id(
                Kind::Department,
                Box::new(move |x| {
                    req(
                        "POST",
                        c("/conversations".into()),
                        Some(json!({"department_id": x, "contact_name": "Varredura"})),
                        d,
                    )
                }),
            ),
        )],
    );
    for tail in ["", "/transfer_targets"] {
        t.insert(
            key("GET", &format!("/api/v1/conversations/{{id}}{tail}")),
            vec![(
                "path:id",
                Fill::Id(
                    Kind::Conversation,
                    Box::new(move |x| req("GET", c(format!("/conversations/{x}{tail}")), None, d)),
                ),
            )],
        );
    }
    t.insert(
        key("GET", "/api/v1/conversations/{id}/messages"),
        vec![
            (
                "path:id",
                Fill::Id(
                    Kind::Conversation,
                    Box::new(move |x| {
                        req("GET", c(format!("/conversations/{x}/messages")), None, d)
                    }),
                ),
            ),
            (
                "query:after",
                Fill::Cursor(
                    Kind::Message,
                    Box::new(move |x| {
                        req(
                            "GET",
                            c(format!("/conversations/{own_conv}/messages?after={x}")),
                            None,
                            d,
                        )
                    }),
                ),
            ),
            (
                "query:before",
                Fill::Cursor(
                    Kind::Message,
                    Box::new(move |x| {
                        req(
                            "GET",
                            c(format!("/conversations/{own_conv}/messages?before={x}")),
                            None,
                            d,
                        )
                    }),
                ),
            ),
            ("query:limit", Fill::NotAnId),
        ],
    );
    let mut act: Vec<(&'static str, Fill<'a>)> = vec![("path:action", Fill::NotAnId)];
    for (action, body) in actions(w.ana.0, w.suporte.0) {
        act.push((
            "path:id",
            Fill::Id(
                Kind::Conversation,
                Box::new(move |x| {
                    req(
                        "POST",
                        c(format!("/conversations/{x}/{action}")),
                        Some(body.clone()),
                        d,
                    )
                }),
            ),
        ));
    }
    let on_own = move |action: &'static str, field: &'static str| -> Build<'a> {
        Box::new(move |x| {
            req(
                "POST",
                c(format!("/conversations/{own_conv}/{action}")),
                Some(json!({ field: x })),
                d,
            )
        })
    };
    act.push((
        "body:user_id",
        Fill::Id(Kind::User, on_own("transfer", "user_id")),
    ));
    act.push((
        "body:department_id",
        Fill::Id(
            Kind::Department,
            on_own("change_department", "department_id"),
        ),
    ));
    act.push((
        "body:contact_id",
        Fill::Id(Kind::Contact, on_own("link_contact", "contact_id")),
    ));
    t.insert(key("POST", "/api/v1/conversations/{id}/{action}"), act);
    t.insert(
        key("POST", "/api/v1/conversations/{id}/template"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::Conversation,
                Box::new(move |x| {
                    req(
                        "POST",
                        c(format!("/conversations/{x}/template")),
                        Some(json!({"name": "ola", "language": "pt_BR"})),
                        d,
                    )
                }),
            ),
        )],
    );
    t.insert(
        key("GET", "/api/v1/access/conversations/{id}/viewers"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::Conversation,
                Box::new(move |x| {
                    req(
                        "GET",
                        c(format!("/access/conversations/{x}/viewers")),
                        None,
                        d,
                    )
                }),
            ),
        )],
    );
    t.insert(
        key("POST", "/api/v1/departments"),
        vec![(
            "body:parent_id",
            Fill::Id(
                Kind::Department,
                Box::new(move |x| {
                    req(
                        "POST",
                        c("/departments".into()),
                        Some(json!({"name": "Varredura", "parent_id": x})),
                        d,
                    )
                }),
            ),
        )],
    );
    let vendas = w.vendas.0;
    t.insert(
        key("PATCH", "/api/v1/departments/{id}"),
        vec![
            (
                "path:id",
                Fill::Id(
                    Kind::Department,
                    Box::new(move |x| {
                        req(
                            "PATCH",
                            c(format!("/departments/{x}")),
                            Some(json!({"name": "Varredura"})),
                            d,
                        )
                    }),
                ),
            ),
            (
                "body:parent_id",
                Fill::Id(
                    Kind::Department,
                    Box::new(move |x| {
                        req(
                            "PATCH",
                            c(format!("/departments/{vendas}")),
                            Some(json!({"parent_id": x})),
                            d,
                        )
                    }),
                ),
            ),
        ],
    );
    t.insert(
        key("DELETE", "/api/v1/departments/{id}"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::Department,
                Box::new(move |x| req("DELETE", c(format!("/departments/{x}")), None, d)),
            ),
        )],
    );
    let agent = cx.a_agent_role;
    let user_body = move |roles: Value, memberships: Value| json!({"email": email, "name": "Nova", "password": "senha-forte-1", "roles": roles, "memberships": memberships});
    let ub = user_body.clone();
    let ub2 = user_body.clone();
    t.insert(
        key("POST", "/api/v1/users"),
        vec![
            (
                "body:roles[].role_id",
                Fill::Id(
                    Kind::Role,
                    Box::new(move |x| {
                        req(
                            "POST",
                            c("/users".into()),
                            Some(user_body(json!([{"role_id": x}]), json!([]))),
                            d,
                        )
                    }),
                ),
            ),
            (
                "body:roles[].department_id",
                Fill::Id(
                    Kind::Department,
                    Box::new(move |x| {
                        req(
                            "POST",
                            c("/users".into()),
                            Some(ub(
                                json!([{"role_id": agent, "department_id": x}]),
                                json!([]),
                            )),
                            d,
                        )
                    }),
                ),
            ),
            (
                "body:memberships[].department_id",
                Fill::Id(
                    Kind::Department,
                    Box::new(move |x| {
                        req(
                            "POST",
                            c("/users".into()),
                            Some(ub2(
                                json!([]),
                                json!([{"department_id": x, "kind": "member"}]),
                            )),
                            d,
                        )
                    }),
                ),
            ),
        ],
    );
    let ana = w.ana.0;
    t.insert(key("PATCH", "/api/v1/users/{id}"), vec![
        ("path:id", Fill::Id(Kind::User, Box::new(move |x| req("PATCH", c(format!("/users/{x}")), Some(json!({"name": "Varredura"})), d)))),
        ("path:id", Fill::Id(Kind::User, Box::new(move |x| req("PATCH", c(format!("/users/{x}")), Some(json!({"active": false})), d)))),
        ("body:roles[].role_id", Fill::Id(Kind::Role, Box::new(move |x| req("PATCH", c(format!("/users/{ana}")), Some(json!({"roles": [{"role_id": x}]})), d)))),
        ("body:roles[].department_id", Fill::Id(Kind::Department, Box::new(move |x| req("PATCH", c(format!("/users/{ana}")), Some(json!({"roles": [{"role_id": agent, "department_id": x}]})), d)))),
        ("body:memberships[].department_id", Fill::Id(Kind::Department, Box::new(move |x| req("PATCH", c(format!("/users/{ana}")), Some(json!({"memberships": [{"department_id": x, "kind": "supervisor"}]})), d)))),
    ]);
    t.insert(
        key("POST", "/api/v1/users/{id}/password"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::User,
                Box::new(move |x| {
                    req(
                        "POST",
                        c(format!("/users/{x}/password")),
                        Some(json!({"password": "outra-senha-1"})),
                        d,
                    )
                }),
            ),
        )],
    );
    t.insert(
        key("PUT", "/api/v1/users/{id}/routing"),
        vec![
            (
                "path:id",
                Fill::Id(
                    Kind::User,
                    Box::new(move |x| {
                        req(
                            "PUT",
                            c(format!("/users/{x}/routing")),
                            Some(json!({"max_open": 3})),
                            d,
                        )
                    }),
                ),
            ),
            ("body:max_open", Fill::NotAnId),
        ],
    );
    t.insert(
        key("PATCH", "/api/v1/roles/{id}"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::Role,
                Box::new(move |x| {
                    req(
                        "PATCH",
                        c(format!("/roles/{x}")),
                        Some(json!({"name": "Varredura", "permissions": []})),
                        d,
                    )
                }),
            ),
        )],
    );
    t.insert(
        key("DELETE", "/api/v1/roles/{id}"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::Role,
                Box::new(move |x| req("DELETE", c(format!("/roles/{x}")), None, d)),
            ),
        )],
    );
    t.insert(
        key("POST", "/api/v1/presets/{id}"),
        vec![
            ("path:id", Fill::NotAnId),
            // `helena`'s options name departments (an object keyed by id: not in the document).
            (
                "body:access{}",
                Fill::Id(
                    Kind::Department,
                    Box::new(move |x| {
                        req(
                            "POST",
                            c("/presets/helena".into()),
                            Some(json!({"access": {x.to_string(): "agent"}})),
                            d,
                        )
                    }),
                ),
            ),
        ],
    );
    t.insert(
        key("GET", "/api/v1/audit"),
        vec![
            (
                "query:before",
                Fill::Cursor(
                    Kind::Audit,
                    Box::new(move |x| req("GET", c(format!("/audit?before={x}")), None, d)),
                ),
            ),
            ("query:limit", Fill::NotAnId),
        ],
    );
    t.insert(
        key("POST", "/api/v1/channels"),
        vec![
            // The Cloud API's number id: the platform's, not an object of an account.
            ("body:phone_number_id", Fill::NotAnId),
            (
                "body:department_id",
                Fill::Id(
                    Kind::Department,
                    Box::new(move |x| {
                        req(
                            "POST",
                            c("/channels".into()),
                            Some(
                                json!({"kind": "generic", "name": "Varredura", "department_id": x}),
                            ),
                            d,
                        )
                    }),
                ),
            ),
        ],
    );
    let gen_a = cx.a_channel_generic;
    t.insert(
        key("PATCH", "/api/v1/channels/{id}"),
        vec![
            ("body:phone_number_id", Fill::NotAnId),
            (
                "path:id",
                Fill::Id(
                    Kind::Channel,
                    Box::new(move |x| {
                        req(
                            "PATCH",
                            c(format!("/channels/{x}")),
                            Some(json!({"active": false})),
                            d,
                        )
                    }),
                ),
            ),
            (
                "path:id",
                Fill::Id(
                    Kind::Channel,
                    Box::new(move |x| {
                        req(
                            "PATCH",
                            c(format!("/channels/{x}")),
                            Some(json!({"rotate_token": true})),
                            d,
                        )
                    }),
                ),
            ),
            (
                "body:department_id",
                Fill::Id(
                    Kind::Department,
                    Box::new(move |x| {
                        req(
                            "PATCH",
                            c(format!("/channels/{gen_a}")),
                            Some(json!({"department_id": x})),
                            d,
                        )
                    }),
                ),
            ),
        ],
    );
    t.insert(
        key("DELETE", "/api/v1/channels/{id}"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::Channel,
                Box::new(move |x| req("DELETE", c(format!("/channels/{x}")), None, d)),
            ),
        )],
    );
    t.insert(
        key("PATCH", "/api/v1/webhooks/{id}"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::Webhook,
                Box::new(move |x| {
                    req(
                        "PATCH",
                        c(format!("/webhooks/{x}")),
                        Some(json!({"rotate_secret": true})),
                        d,
                    )
                }),
            ),
        )],
    );
    t.insert(
        key("DELETE", "/api/v1/webhooks/{id}"),
        vec![(
            "path:id",
            Fill::Id(
                Kind::Webhook,
                Box::new(move |x| req("DELETE", c(format!("/webhooks/{x}")), None, d)),
            ),
        )],
    );
    let hook_a = cx.a_webhook;
    t.insert(
        key("GET", "/api/v1/webhooks/{id}/deliveries"),
        vec![
            (
                "path:id",
                Fill::Id(
                    Kind::Webhook,
                    Box::new(move |x| req("GET", c(format!("/webhooks/{x}/deliveries")), None, d)),
                ),
            ),
            (
                "query:before",
                Fill::Cursor(
                    Kind::Delivery,
                    Box::new(move |x| {
                        req(
                            "GET",
                            c(format!("/webhooks/{hook_a}/deliveries?before={x}")),
                            None,
                            d,
                        )
                    }),
                ),
            ),
            ("query:limit", Fill::NotAnId),
        ],
    );
    // Live events: handled by `events_from_b_positions` (a stream does not end).
    t.insert(
        key("GET", "/api/v1/events"),
        vec![("query:after", Fill::NotAnId)],
    );
    // What channels post, with A's own credentials, to B's channels.
    let verify = cx.a_verify.clone();
    t.insert(key("GET", "/webhooks/whatsapp/{channel}"), vec![
        ("path:channel", Fill::Id(Kind::Channel, Box::new(move |x| Req {
            method: "GET",
            path: format!("/webhooks/whatsapp/{x}?hub.mode=subscribe&hub.verify_token={verify}&hub.challenge=42"),
            body: None,
            headers: Vec::new(),
        }))),
    ]);
    let app_secret = cx.a_app_secret.clone();
    t.insert(
        key("POST", "/webhooks/whatsapp/{channel}"),
        vec![(
            "path:channel",
            Fill::Id(
                Kind::Channel,
                Box::new(move |x| {
                    let body = r#"{"object":"whatsapp_business_account","entry":[]}"#;
                    Req {
                        method: "POST",
                        path: format!("/webhooks/whatsapp/{x}"),
                        body: Some(body.to_owned()),
                        headers: vec![(
                            "X-Hub-Signature-256".to_owned(),
                            server::channels::whatsapp::sign(&app_secret, body.as_bytes()),
                        )],
                    }
                }),
            ),
        )],
    );
    t
}

/// The answer without what differs between any two requests (`Date`).
fn comparable(r: &Response) -> (u16, Vec<(String, String)>, String) {
    let headers = r
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("date"))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    (r.status, headers, r.body.clone())
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

async fn sweep_story(w: World) {
    let cx = setup(&w).await;
    let doc = request(w.addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    let slots = document_slots(&doc);
    assert!(
        slots.len() > 50,
        "the document lists {} operations",
        slots.len()
    );
    let table = table(&w, &cx);
    // Every operation of the document is known, with every id-like parameter.
    let mut unknown = Vec::new();
    for ((m, p), need) in &slots {
        match table.get(&(m.clone(), p.clone())) {
            None => unknown.push(format!("{m} {p} (a route the sweep does not know)")),
            Some(fills) => {
                for s in need {
                    if !fills.iter().any(|(n, _)| n == s) {
                        unknown.push(format!("{m} {p}: {s} (an id the sweep does not fill)"));
                    }
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "the sweep must be taught:\n{}",
        unknown.join("\n")
    );
    for k in table.keys() {
        assert!(slots.contains_key(k), "{k:?} is no longer in the document");
    }

    let mut s_dona = events(&w, w.addr, &cx.dona, None).await;
    let before = snapshot_b(&w, &cx).await;
    let a_before = snapshot_a(&w, &cx).await;
    let mut s_b = events(&w, w.addr, &cx.b_cookie, None).await;
    let (mut probes, mut cursors) = (0, 0);
    for ((m, p), fills) in &table {
        for (slot, fill) in fills {
            match fill {
                Fill::NotAnId => {}
                Fill::Id(kind, build) => {
                    let nowhere = send(&w, &build(NOWHERE)).await;
                    assert!(nowhere.status < 500, "{m} {p} {slot}: {}", nowhere.body);
                    assert_clean(&cx, &format!("{m} {p}"), &nowhere.body);
                    for id in
                        cx.b.get(kind)
                            .unwrap_or_else(|| panic!("B has no {kind:?}"))
                    {
                        let r = send(&w, &build(*id)).await;
                        assert_eq!(
                            comparable(&r),
                            comparable(&nowhere),
                            "{m} {p} with B's {kind:?} {id} in {slot} answers otherwise than an id that does not exist"
                        );
                        probes += 1;
                    }
                }
                Fill::Cursor(kind, build) => {
                    for id in &cx.b[kind] {
                        let r = send(&w, &build(*id)).await;
                        assert!(r.status < 500, "{m} {p} {slot}={id}: {}", r.body);
                        assert_clean(&cx, &format!("{m} {p} {slot}={id}"), &r.body);
                        cursors += 1;
                    }
                }
            }
        }
    }
    println!(
        "sweep: {probes} ids of B answered as none, {cursors} of B's positions showed nothing of B"
    );
    events_from_b_positions(&w, &cx).await;
    // Every read that takes no id, as A: nothing of B and no secret either.
    let mut reads = 0;
    for (m, p) in slots.keys() {
        if m == "GET" && !p.contains('{') && p != "/api/v1/events" {
            let tabs = if p == "/api/v1/conversations" {
                ["mine", "waiting", "others", "finished", "my_finished"]
                    .iter()
                    .map(|t| format!("{p}?tab={t}"))
                    .collect()
            } else {
                vec![p.clone()]
            };
            for path in tabs {
                let r = get(&w, &cx.dona, &path).await;
                assert!(r.status < 500, "{path}: {}", r.body);
                assert_clean(&cx, &path, &r.body);
                reads += 1;
            }
        }
    }
    assert!(reads > 15, "{reads} reads");
    // Every refusal left A as it was too.
    let a_after = snapshot_a(&w, &cx).await;
    for (x, y) in a_before.iter().zip(&a_after) {
        assert_eq!(x, y, "A's data changed during the sweep");
    }
    other_credentials(&w, &cx).await;

    // B is as it was, and heard nothing; A's stream carried nothing of B and no secret.
    let after = snapshot_b(&w, &cx).await;
    for (x, y) in before.iter().zip(&after) {
        assert_eq!(x, y, "B's data changed during the sweep");
    }
    let last_b = *cx.b[&Kind::Event].last().unwrap();
    let heard = s_b.drain(QUIET).await;
    assert!(
        heard.iter().all(|e| e
            .id
            .as_deref()
            .is_none_or(|i| i.parse::<i64>().unwrap() <= last_b)),
        "B heard of the sweep: {heard:?}"
    );
    let seen = s_dona.drain(QUIET).await;
    for e in &seen {
        assert_clean(&cx, &format!("A's event {}", e.name), &e.data.to_string());
        for c in &cx.b[&Kind::Conversation] {
            assert!(
                e.data["id"] != *c && e.data["conversation_id"] != *c,
                "{e:?}"
            );
        }
    }
}

/// B's event ids as `Last-Event-ID` or `?after=`: the replay shows only A's conversations.
async fn events_from_b_positions(w: &World, cx: &Ctx) {
    let b_events = &cx.b[&Kind::Event];
    let firsts = [b_events[0] - 1, b_events[0], *b_events.last().unwrap()];
    for (i, id) in firsts.iter().enumerate() {
        let id = id.to_string();
        let mut s = if i % 2 == 0 {
            events(w, w.addr, &cx.dona, Some(&id)).await
        } else {
            let mut s = EventStream::open(
                w.addr,
                &format!("/api/v1/events?after={id}"),
                &[("Cookie", &cx.dona)],
            )
            .await;
            s.expect("ready", WAIT).await;
            s
        };
        for e in s.drain(QUIET).await {
            assert_clean(cx, "a replayed event", &e.data.to_string());
            for c in &cx.b[&Kind::Conversation] {
                assert!(
                    e.data["id"] != *c && e.data["conversation_id"] != *c,
                    "{e:?}"
                );
            }
        }
    }
}

/// A's credentials open nothing of B's or of the installation: the operator's routes (on a
/// node that has an operator token) refuse A's session and A's API token like a wrong token;
/// A's generic channel posting B's message id stores a message of A's.
async fn other_credentials(w: &World, cx: &Ctx) {
    let operator = "op-sweep-token";
    let config = server::ServerConfig {
        operator_token_hash: Some(server::secret::token_hash(operator)),
        ..server::ServerConfig::default()
    };
    let node = super::common::launch_with(w.store.clone(), config).await;
    let bearer = |t: &str| format!("Bearer {t}");
    let a_bearer = bearer(&cx.a_token);
    let body = json!({"name": "Conta Varredura", "owner_email": format!("op.{}@a.example", w.tag)})
        .to_string();
    for (m, b) in [("GET", None), ("POST", Some(body.as_str()))] {
        let path = "/api/v1/accounts";
        let none = request(node, m, path, &[], b).await;
        let wrong = request(node, m, path, &[("Authorization", "Bearer errado")], b).await;
        let session = request(node, m, path, &[("Cookie", &cx.dona)], b).await;
        let token = request(node, m, path, &[("Authorization", &a_bearer)], b).await;
        assert_eq!(wrong.status, 401, "{}", wrong.body);
        assert_eq!(
            comparable(&session),
            comparable(&none),
            "{m} {path} with A's session"
        );
        assert_eq!(
            comparable(&token),
            comparable(&wrong),
            "{m} {path} with A's API token"
        );
    }
    let listed = request(
        node,
        "GET",
        "/api/v1/accounts",
        &[("Authorization", &bearer(operator))],
        None,
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(
        !listed.body.contains("Conta Varredura"),
        "an account was created"
    );

    // A's generic channel with B's message id and B's channel token name: A's own message.
    let r = request(
        w.addr,
        "POST",
        "/webhooks/generic/messages",
        &[("Authorization", &bearer(&cx.a_generic_token))],
        Some(
            &json!({"from": "+5511900000066", "text": "de A", "id": cx.b_external_id}).to_string(),
        ),
    )
    .await;
    assert_eq!(
        (
            r.status,
            r.json()["received"].as_i64(),
            r.json()["duplicates"].as_i64()
        ),
        (200, Some(1), Some(0)),
        "B's message id through A's channel is a new message of A's: {}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_on_sqlite() {
    let (store, dir) = on_sqlite("sweep").await;
    sweep_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    sweep_story(start(store).await).await;
}
