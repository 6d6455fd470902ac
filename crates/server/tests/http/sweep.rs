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

use super::two_accounts::{Ctx, Kind, assert_clean, setup, snapshot_a, snapshot_b};
use super::*;

/// An id that no test database reaches.
const NOWHERE: i64 = 9_000_000_000_001;

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

fn with_cookie(cookie: &str) -> Vec<(String, String)> {
    vec![("Cookie".to_owned(), cookie.to_owned())]
}

pub(crate) async fn send(w: &World, r: &Req) -> Response {
    let headers: Vec<(&str, &str)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    request(w.addr, r.method, &r.path, &headers, r.body.as_deref()).await
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

/// What a row of [`PROBES`] does with the id.
#[derive(Clone, Copy)]
enum Use {
    Id(Kind),
    Cursor(Kind),
    Not,
}

const ACT: &str = "/api/v1/conversations/{id}/{action}";

/// Every operation of the document (method, route); an id-like parameter of it as
/// [`document_slots`] names it (empty: it has none); how the sweep uses it; and the request that
/// carries it: `X` is the id, `CONV`, `VENDAS`, `SUPORTE`, `ANA`, `AGENT`, `GENERIC`, `HOOK`,
/// `EMAIL` and `VERIFY` are A's (see [`probe`]).
#[rustfmt::skip]
const PROBES: &[(&str, &str, &str, Use, &str, &str)] = {
    use Kind::*;
    use Use::{Cursor, Id, Not};
    &[
    ("POST", "/api/v1/auth/login", "", Not, "", ""),
    ("GET", "/api/v1/setup", "", Not, "", ""),
    ("POST", "/api/v1/setup", "", Not, "", ""),
    ("POST", "/api/v1/auth/logout", "", Not, "", ""),
    ("GET", "/api/v1/me", "", Not, "", ""),
    ("POST", "/api/v1/me/tokens", "", Not, "", ""),
    ("POST", "/api/v1/me/password", "", Not, "", ""),
    ("GET", "/api/v1/me/availability", "", Not, "", ""),
    ("PUT", "/api/v1/me/availability", "", Not, "", ""),
    ("GET", "/api/v1/conversations/counts", "", Not, "", ""),
    ("GET", "/api/v1/account", "", Not, "", ""),
    ("PATCH", "/api/v1/account", "", Not, "", ""),
    ("GET", "/api/v1/departments", "", Not, "", ""),
    ("GET", "/api/v1/users", "", Not, "", ""),
    ("GET", "/api/v1/roles", "", Not, "", ""),
    ("POST", "/api/v1/roles", "", Not, "", ""),
    ("GET", "/api/v1/permissions", "", Not, "", ""),
    ("GET", "/api/v1/audit/actions", "", Not, "", ""),
    ("GET", "/api/v1/settings", "", Not, "", ""),
    ("PUT", "/api/v1/settings", "", Not, "", ""),
    ("GET", "/api/v1/channels", "", Not, "", ""),
    ("GET", "/api/v1/routing", "", Not, "", ""),
    ("PUT", "/api/v1/routing", "", Not, "", ""),
    ("GET", "/api/v1/webhooks", "", Not, "", ""),
    ("POST", "/api/v1/webhooks", "", Not, "", ""),
    ("GET", "/api/v1/directory", "", Not, "", ""),
    ("GET", "/api/v1/tags", "", Not, "", ""),
    // Tags are named, not numbered: B's tag names are among the markers A never sees.
    ("POST", "/api/v1/tags", "", Not, "", ""),
    ("PATCH", "/api/v1/tags/{name}", "path:name", Not, "", ""),
    ("DELETE", "/api/v1/tags/{name}", "path:name", Not, "", ""),
    ("POST", "/api/v1/tags/{name}/merge", "path:name", Not, "", ""),
    // The operator's: no account ids (checked apart: a user's credentials do not open them).
    ("GET", "/api/v1/accounts", "", Not, "", ""),
    ("POST", "/api/v1/accounts", "", Not, "", ""),
    ("DELETE", "/api/v1/me/tokens/{id}", "path:id", Id(Token), "/api/v1/me/tokens/X", ""),
    ("GET", "/api/v1/conversations", "query:department", Id(Department), "/api/v1/conversations?tab=waiting&department=X", ""),
    ("GET", "/api/v1/conversations", "query:department", Id(Department), "/api/v1/conversations?tab=others&department=X&q=a", ""),
    ("GET", "/api/v1/conversations", "query:cursor", Cursor(Conversation), "/api/v1/conversations?tab=waiting&cursor=9999999999999999.X", ""),
    ("GET", "/api/v1/conversations", "query:limit", Not, "", ""),
    ("POST", "/api/v1/conversations", "body:department_id", Id(Department), "/api/v1/conversations", r#"{"department_id":X,"contact_name":"Varredura"}"#),
    ("GET", "/api/v1/conversations/{id}", "path:id", Id(Conversation), "/api/v1/conversations/X", ""),
    ("GET", "/api/v1/conversations/{id}/transfer_targets", "path:id", Id(Conversation), "/api/v1/conversations/X/transfer_targets", ""),
    ("GET", "/api/v1/attachments/{id}", "path:id", Id(Attachment), "/api/v1/attachments/X", ""),
    ("POST", "/api/v1/conversations/{id}/files", "path:id", Id(Conversation), "/api/v1/conversations/X/files?mode=note", ""),
    ("GET", "/api/v1/contacts", "query:cursor", Cursor(Contact), "/api/v1/contacts?cursor=X.", ""),
    ("GET", "/api/v1/contacts", "query:limit", Not, "", ""),
    ("POST", "/api/v1/contacts", "", Not, "", ""),
    ("POST", "/api/v1/contacts/import", "", Not, "", ""),
    ("GET", "/api/v1/contacts/export", "", Not, "", ""),
    ("GET", "/api/v1/contacts/{id}", "path:id", Id(Contact), "/api/v1/contacts/X", ""),
    ("PUT", "/api/v1/contacts/{id}", "path:id", Id(Contact), "/api/v1/contacts/X", r#"{"name":"Varredura"}"#),
    ("DELETE", "/api/v1/contacts/{id}", "path:id", Id(Contact), "/api/v1/contacts/X", ""),
    ("GET", "/api/v1/contacts/{id}/conversations", "path:id", Id(Contact), "/api/v1/contacts/X/conversations", ""),
    ("POST", "/api/v1/contacts/{id}/conversations", "path:id", Id(Contact), "/api/v1/contacts/X/conversations", "{}"),
    ("POST", "/api/v1/contacts/{id}/conversations", "body:department_id", Id(Department), "/api/v1/contacts/KONTACT/conversations", r#"{"department_id":X}"#),
    ("POST", "/api/v1/contacts/{id}/conversations", "body:channel_id", Id(Channel), "/api/v1/contacts/KONTACT/conversations", r#"{"channel_id":X}"#),
    ("POST", "/api/v1/conversations/outbound", "body:department_id", Id(Department), "/api/v1/conversations/outbound", r#"{"phone":"+5585988511238","department_id":X}"#),
    ("POST", "/api/v1/conversations/outbound", "body:channel_id", Id(Channel), "/api/v1/conversations/outbound", r#"{"phone":"+5585988511238","channel_id":X}"#),
    ("POST", "/api/v1/contacts/{id}/merge", "path:id", Id(Contact), "/api/v1/contacts/X/merge", r#"{"from":KONTACT}"#),
    ("POST", "/api/v1/contacts/{id}/merge", "body:from", Id(Contact), "/api/v1/contacts/KONTACT/merge", r#"{"from":X}"#),
    ("GET", "/api/v1/conversations/{id}/messages", "path:id", Id(Conversation), "/api/v1/conversations/X/messages", ""),
    ("GET", "/api/v1/conversations/{id}/messages", "query:after", Cursor(Message), "/api/v1/conversations/CONV/messages?after=X", ""),
    ("GET", "/api/v1/conversations/{id}/messages", "query:before", Cursor(Message), "/api/v1/conversations/CONV/messages?before=X", ""),
    ("GET", "/api/v1/conversations/{id}/messages", "query:limit", Not, "", ""),
    ("POST", ACT, "path:action", Not, "", ""),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/assume", "{}"),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/reply", r#"{"text":"oi"}"#),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/note", r#"{"text":"oi"}"#),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/transfer", r#"{"user_id":ANA}"#),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/change_department", r#"{"department_id":SUPORTE}"#),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/finish", "{}"),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/finish_in_survey", "{}"),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/reopen", "{}"),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/tag", r#"{"tag":"t"}"#),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/untag", r#"{"tag":"t"}"#),
    ("POST", ACT, "path:id", Id(Conversation), "/api/v1/conversations/X/link_contact", r#"{"contact_id":null}"#),
    ("POST", ACT, "body:user_id", Id(User), "/api/v1/conversations/CONV/transfer", r#"{"user_id":X}"#),
    ("POST", ACT, "body:department_id", Id(Department), "/api/v1/conversations/CONV/change_department", r#"{"department_id":X}"#),
    ("POST", ACT, "body:contact_id", Id(Contact), "/api/v1/conversations/CONV/link_contact", r#"{"contact_id":X}"#),
    ("POST", "/api/v1/conversations/{id}/template", "path:id", Id(Conversation), "/api/v1/conversations/X/template", r#"{"name":"ola","language":"pt_BR"}"#),
    ("GET", "/api/v1/access/conversations/{id}/viewers", "path:id", Id(Conversation), "/api/v1/access/conversations/X/viewers", ""),
    ("GET", "/api/v1/access/users/{id}/conversations", "path:id", Id(User), "/api/v1/access/users/X/conversations", ""),
    ("GET", "/api/v1/access/users/{id}/conversations", "query:cursor", Cursor(Conversation), "/api/v1/access/users/ANA/conversations?cursor=9999999999999999.X", ""),
    ("GET", "/api/v1/access/users/{id}/conversations", "query:limit", Not, "", ""),
    ("POST", "/api/v1/departments", "body:parent_id", Id(Department), "/api/v1/departments", r#"{"name":"Varredura","parent_id":X}"#),
    ("PATCH", "/api/v1/departments/{id}", "path:id", Id(Department), "/api/v1/departments/X", r#"{"name":"Varredura"}"#),
    ("PATCH", "/api/v1/departments/{id}", "body:parent_id", Id(Department), "/api/v1/departments/VENDAS", r#"{"parent_id":X}"#),
    ("DELETE", "/api/v1/departments/{id}", "path:id", Id(Department), "/api/v1/departments/X", ""),
    ("POST", "/api/v1/users", "body:roles[].role_id", Id(Role), "/api/v1/users", r#"{"email":"EMAIL","name":"Nova","password":"senha-forte-1","roles":[{"role_id":X}]}"#),
    ("POST", "/api/v1/users", "body:roles[].department_id", Id(Department), "/api/v1/users", r#"{"email":"EMAIL","name":"Nova","password":"senha-forte-1","roles":[{"role_id":AGENT,"department_id":X}]}"#),
    ("POST", "/api/v1/users", "body:memberships[].department_id", Id(Department), "/api/v1/users", r#"{"email":"EMAIL","name":"Nova","password":"senha-forte-1","memberships":[{"department_id":X,"kind":"member"}]}"#),
    ("PATCH", "/api/v1/users/{id}", "path:id", Id(User), "/api/v1/users/X", r#"{"name":"Varredura"}"#),
    ("PATCH", "/api/v1/users/{id}", "path:id", Id(User), "/api/v1/users/X", r#"{"active":false}"#),
    ("PATCH", "/api/v1/users/{id}", "body:roles[].role_id", Id(Role), "/api/v1/users/ANA", r#"{"roles":[{"role_id":X}]}"#),
    ("PATCH", "/api/v1/users/{id}", "body:roles[].department_id", Id(Department), "/api/v1/users/ANA", r#"{"roles":[{"role_id":AGENT,"department_id":X}]}"#),
    ("PATCH", "/api/v1/users/{id}", "body:memberships[].department_id", Id(Department), "/api/v1/users/ANA", r#"{"memberships":[{"department_id":X,"kind":"supervisor"}]}"#),
    ("POST", "/api/v1/users/{id}/password", "path:id", Id(User), "/api/v1/users/X/password", r#"{"password":"outra-senha-1"}"#),
    ("GET", "/api/v1/users/{id}/routing", "path:id", Id(User), "/api/v1/users/X/routing", ""),
    ("PUT", "/api/v1/users/{id}/routing", "path:id", Id(User), "/api/v1/users/X/routing", r#"{"max_open":3}"#),
    ("PUT", "/api/v1/users/{id}/routing", "body:max_open", Not, "", ""),
    ("PATCH", "/api/v1/roles/{id}", "path:id", Id(Role), "/api/v1/roles/X", r#"{"name":"Varredura","permissions":[]}"#),
    ("DELETE", "/api/v1/roles/{id}", "path:id", Id(Role), "/api/v1/roles/X", ""),
    ("POST", "/api/v1/presets/{id}", "path:id", Not, "", ""),
    ("POST", "/api/v1/presets/{id}/preview", "path:id", Not, "", ""),
    ("POST", "/api/v1/presets/{id}/preview", "body:access{}", Id(Department), "/api/v1/presets/helena/preview", r#"{"access":{"X":"agent"}}"#),
    ("GET", "/api/v1/presets/undo", "", Not, "", ""),
    ("POST", "/api/v1/presets/undo", "", Not, "", ""),
    // `helena`'s options name departments (an object keyed by id: not in the document).
    ("POST", "/api/v1/presets/{id}", "body:access{}", Id(Department), "/api/v1/presets/helena", r#"{"access":{"X":"agent"}}"#),
    ("GET", "/api/v1/audit", "query:before", Cursor(Audit), "/api/v1/audit?before=X", ""),
    ("GET", "/api/v1/audit", "query:limit", Not, "", ""),
    ("POST", "/api/v1/channels", "body:department_id", Id(Department), "/api/v1/channels", r#"{"kind":"generic","name":"Varredura","department_id":X}"#),
    // The Cloud API's number id: the platform's, not an object of an account.
    ("POST", "/api/v1/channels", "body:phone_number_id", Not, "", ""),
    ("PATCH", "/api/v1/channels/{id}", "path:id", Id(Channel), "/api/v1/channels/X", r#"{"active":false}"#),
    ("PATCH", "/api/v1/channels/{id}", "path:id", Id(Channel), "/api/v1/channels/X", r#"{"rotate_token":true}"#),
    ("PATCH", "/api/v1/channels/{id}", "body:department_id", Id(Department), "/api/v1/channels/GENERIC", r#"{"department_id":X}"#),
    ("PATCH", "/api/v1/channels/{id}", "body:phone_number_id", Not, "", ""),
    ("DELETE", "/api/v1/channels/{id}", "path:id", Id(Channel), "/api/v1/channels/X", ""),
    ("POST", "/api/v1/channels/{id}/test", "path:id", Id(Channel), "/api/v1/channels/X/test", ""),
    ("PATCH", "/api/v1/webhooks/{id}", "path:id", Id(Webhook), "/api/v1/webhooks/X", r#"{"rotate_secret":true}"#),
    ("DELETE", "/api/v1/webhooks/{id}", "path:id", Id(Webhook), "/api/v1/webhooks/X", ""),
    ("GET", "/api/v1/webhooks/{id}/deliveries", "path:id", Id(Webhook), "/api/v1/webhooks/X/deliveries", ""),
    ("GET", "/api/v1/webhooks/{id}/deliveries", "query:before", Cursor(Delivery), "/api/v1/webhooks/HOOK/deliveries?before=X", ""),
    ("GET", "/api/v1/webhooks/{id}/deliveries", "query:limit", Not, "", ""),
    ("POST", "/api/v1/webhooks/{id}/test", "path:id", Id(Webhook), "/api/v1/webhooks/X/test", ""),
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", "path:id", Id(Webhook), "/api/v1/webhooks/X/deliveries/1/redeliver", ""),
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", "path:delivery", Id(Delivery), "/api/v1/webhooks/HOOK/deliveries/X/redeliver", ""),
    // Live events: see `events_from_b_positions` (a stream does not end).
    ("GET", "/api/v1/events", "query:after", Not, "", ""),
    // The generic channel's own message id (checked apart: B's through A's channel is A's).
    ("POST", "/webhooks/generic/messages", "body:id", Not, "", ""),
    // A file's size in bytes, not an id.
    ("POST", "/webhooks/generic/messages", "body:attachment.size", Not, "", ""),
    // What channels post, with A's own verify token and app secret, to B's channels.
    ("GET", "/webhooks/whatsapp/{channel}", "path:channel", Id(Channel), "/webhooks/whatsapp/X?hub.mode=subscribe&hub.verify_token=VERIFY&hub.challenge=42", ""),
    ("POST", "/webhooks/whatsapp/{channel}", "path:channel", Id(Channel), "/webhooks/whatsapp/X", r#"{"object":"whatsapp_business_account","entry":[]}"#),
    ]
};

/// The request of a row of [`PROBES`] for id `x`, as A's owner (or, for what channels post,
/// with A's channel's secrets).
fn probe(w: &World, cx: &Ctx, row: (&'static str, &str, &str, &str), x: i64) -> Req {
    let (method, route, path, body) = row;
    let fill = |s: &str| {
        [
            ("CONV", w.w_vendas.to_string()),
            ("VENDAS", w.vendas.0.to_string()),
            ("SUPORTE", w.suporte.0.to_string()),
            ("ANA", w.ana.0.to_string()),
            ("AGENT", cx.a_agent_role.to_string()),
            ("GENERIC", cx.a_channel_generic.to_string()),
            ("HOOK", cx.a_webhook.to_string()),
            ("KONTACT", cx.a_contact.to_string()),
            ("EMAIL", format!("nova.{}@a.example", w.tag)),
            ("VERIFY", cx.a_verify.clone()),
            ("X", x.to_string()),
        ]
        .iter()
        .fold(s.to_owned(), |s, (k, v)| s.replace(k, v))
    };
    let body = (!body.is_empty()).then(|| fill(body));
    let headers = if route.starts_with("/webhooks/whatsapp") {
        body.iter()
            .map(|b| {
                let signature = server::channels::whatsapp::sign(&cx.a_app_secret, b.as_bytes());
                ("X-Hub-Signature-256".to_owned(), signature)
            })
            .collect()
    } else {
        with_cookie(&cx.dona)
    };
    Req {
        method,
        path: fill(path),
        body,
        headers,
    }
}

/// How every route's ids are filled, from [`PROBES`].
fn table<'a>(
    w: &'a World,
    cx: &'a Ctx,
) -> BTreeMap<(String, String), Vec<(&'static str, Fill<'a>)>> {
    let mut t: BTreeMap<(String, String), Vec<(&'static str, Fill<'a>)>> = BTreeMap::new();
    for &(method, route, slot, usage, path, body) in PROBES {
        let fills = t.entry((method.to_owned(), route.to_owned())).or_default();
        if slot.is_empty() {
            continue;
        }
        let build: Build<'a> = Box::new(move |x| probe(w, cx, (method, route, path, body), x));
        fills.push((
            slot,
            match usage {
                Use::Id(k) => Fill::Id(k, build),
                Use::Cursor(k) => Fill::Cursor(k, build),
                Use::Not => Fill::NotAnId,
            },
        ));
    }
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
