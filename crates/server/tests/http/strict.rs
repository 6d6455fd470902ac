//! Strict input (issue 7, point 4). For every operation of the OpenAPI document that takes a
//! body, a query or a path parameter: unknown fields, wrong types, malformed JSON, invalid
//! UTF-8, a body over the limit, strings of 10 000 bytes in every field, negative, zero and
//! overflowing numbers, huge page sizes. Each answer is a 4xx with a stable code in the API's
//! error body (never a 5xx, never a 2xx), carries no secret and nothing of the other account,
//! and nothing is written: both accounts read the same before and after (refused attempts
//! still write their audit row, by design).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::two_accounts::{Ctx, assert_clean, setup, snapshot_a, snapshot_b};
use super::*;

const NOWHERE: i64 = 9_000_000_000_003;
const LONG: usize = 10_000;

/// A valid body for every operation that takes one (the path it is sent to, the body): never
/// sent as it is, each variant breaks one thing.
fn bases(
    w: &World,
    cx: &Ctx,
    permission: &str,
) -> BTreeMap<(&'static str, &'static str), (String, Value)> {
    let v = |p: String, b: Value| (p, b);
    let tag = &w.tag;
    let role = json!([{"role_id": cx.a_agent_role, "department_id": null}]);
    let member = json!([{"department_id": w.vendas.0, "kind": "member"}]);
    BTreeMap::from([
        (
            ("POST", "/api/v1/auth/login"),
            v(
                "/api/v1/auth/login".into(),
                json!({"email": w.email("dona"), "password": "senha-forte-1"}),
            ),
        ),
        (
            ("POST", "/api/v1/me/tokens"),
            v("/api/v1/me/tokens".into(), json!({"name": "t"})),
        ),
        (
            ("POST", "/api/v1/me/password"),
            v(
                "/api/v1/me/password".into(),
                json!({"current_password": "senha-forte-1", "new_password": "senha-forte-2"}),
            ),
        ),
        (
            ("PUT", "/api/v1/me/availability"),
            v(
                "/api/v1/me/availability".into(),
                json!({"availability": "away"}),
            ),
        ),
        (
            ("POST", "/api/v1/conversations"),
            v(
                "/api/v1/conversations".into(),
                json!({"department_id": w.vendas.0, "contact_name": "C", "contact_phone": "+55", "message": "m"}),
            ),
        ),
        (
            ("POST", "/api/v1/conversations/{id}/{action}"),
            v(
                format!("/api/v1/conversations/{}/note", w.w_vendas),
                json!({"text": "x"}),
            ),
        ),
        (
            ("POST", "/api/v1/contacts"),
            v(
                "/api/v1/contacts".into(),
                json!({"name": "C", "phone": "(85) 3261-2156", "email": "c@x.example", "attributes": {"a": "b"}, "tags": []}),
            ),
        ),
        (
            ("PUT", "/api/v1/contacts/{id}"),
            v(
                format!("/api/v1/contacts/{}", cx.a_contact),
                json!({"name": "C", "email": "c@x.example"}),
            ),
        ),
        (
            ("POST", "/api/v1/contacts/{id}/conversations"),
            v(
                format!("/api/v1/contacts/{}/conversations", cx.a_contact),
                json!({"department_id": w.vendas.0, "channel_id": cx.a_whatsapp, "template": {"name": "ola", "language": "pt_BR", "parameters": ["p"]}}),
            ),
        ),
        (
            ("POST", "/api/v1/conversations/outbound"),
            v(
                "/api/v1/conversations/outbound".into(),
                json!({"phone": "(85) 3261-2156", "name": "N", "department_id": w.vendas.0, "channel_id": cx.a_whatsapp, "template": {"name": "ola", "language": "pt_BR"}}),
            ),
        ),
        (
            ("POST", "/api/v1/contacts/{id}/merge"),
            v(
                format!("/api/v1/contacts/{}/merge", cx.a_contact),
                json!({"from": cx.a_contact}),
            ),
        ),
        (
            ("POST", "/api/v1/conversations/{id}/template"),
            v(
                format!("/api/v1/conversations/{}/template", w.w_vendas),
                json!({"name": "ola", "language": "pt_BR", "parameters": ["p"]}),
            ),
        ),
        (
            ("PATCH", "/api/v1/account"),
            v("/api/v1/account".into(), json!({"name": "Loja A"})),
        ),
        (
            ("POST", "/api/v1/accounts"),
            v(
                "/api/v1/accounts".into(),
                json!({"name": format!("N-{tag}"), "owner_email": format!("op-n.{tag}@x.example"), "owner_name": "N", "owner_password": "senha-forte-1", "default_department": "G"}),
            ),
        ),
        (
            ("POST", "/api/v1/departments"),
            v(
                "/api/v1/departments".into(),
                json!({"name": "D", "parent_id": w.vendas.0, "access": "team"}),
            ),
        ),
        (
            ("PATCH", "/api/v1/departments/{id}"),
            v(
                format!("/api/v1/departments/{NOWHERE}"),
                json!({"name": "D", "parent_id": null, "access": "team"}),
            ),
        ),
        (
            ("POST", "/api/v1/users"),
            v(
                "/api/v1/users".into(),
                json!({"email": format!("n.{tag}@a.example"), "name": "N", "password": "senha-forte-1", "roles": role, "memberships": member}),
            ),
        ),
        (
            ("PATCH", "/api/v1/users/{id}"),
            v(
                format!("/api/v1/users/{NOWHERE}"),
                json!({"name": "N", "email": "n@a.example", "active": true, "roles": role, "memberships": member}),
            ),
        ),
        (
            ("POST", "/api/v1/users/{id}/password"),
            v(
                format!("/api/v1/users/{NOWHERE}/password"),
                json!({"password": "senha-forte-1"}),
            ),
        ),
        (
            ("PUT", "/api/v1/users/{id}/routing"),
            v(
                format!("/api/v1/users/{NOWHERE}/routing"),
                json!({"max_open": 3}),
            ),
        ),
        (
            ("POST", "/api/v1/setup"),
            v(
                "/api/v1/setup".into(),
                json!({"code": "ABCD-EFGH-JKLM", "account_name": "L", "owner_name": "D", "owner_email": format!("s.{tag}@a.example"), "owner_password": "senha-forte-1"}),
            ),
        ),
        (
            ("POST", "/api/v1/tags"),
            v("/api/v1/tags".into(), json!({"name": "T"})),
        ),
        (
            ("PATCH", "/api/v1/tags/{name}"),
            v("/api/v1/tags/nenhuma".into(), json!({"colour": "red"})),
        ),
        (
            ("POST", "/api/v1/tags/{name}/merge"),
            v("/api/v1/tags/nenhuma/merge".into(), json!({"into": "vip"})),
        ),
        (
            ("POST", "/api/v1/roles"),
            v(
                "/api/v1/roles".into(),
                json!({"name": "R", "permissions": [permission], "allowed_networks": ["10.0.0.0/8"]}),
            ),
        ),
        (
            ("PATCH", "/api/v1/roles/{id}"),
            v(
                format!("/api/v1/roles/{NOWHERE}"),
                json!({"name": "R", "permissions": [permission], "allowed_networks": ["10.0.0.0/8"]}),
            ),
        ),
        (
            ("PUT", "/api/v1/settings"),
            v(
                "/api/v1/settings".into(),
                json!({"my_finished_queue": true, "waiting_queue": "members", "finished_queue": "members", "hide_details_until_assumed": false, "shared_inbox": true, "assignment": "manual", "satisfaction_survey": false}),
            ),
        ),
        (
            ("POST", "/api/v1/presets/{id}/preview"),
            v(
                "/api/v1/presets/zenvia/preview".into(),
                json!({"shared_inbox": true, "assignment": "manual"}),
            ),
        ),
        (
            ("POST", "/api/v1/presets/{id}"),
            v(
                "/api/v1/presets/zenvia".into(),
                json!({"shared_inbox": true, "assignment": "manual"}),
            ),
        ),
        (
            ("POST", "/api/v1/channels"),
            v(
                "/api/v1/channels".into(),
                json!({"kind": "generic", "name": "C", "department_id": w.vendas.0, "active": true}),
            ),
        ),
        (
            ("PATCH", "/api/v1/channels/{id}"),
            v(
                format!("/api/v1/channels/{NOWHERE}"),
                json!({"name": "C", "active": true, "rotate_token": false}),
            ),
        ),
        (
            ("PUT", "/api/v1/routing"),
            v(
                "/api/v1/routing".into(),
                json!({"reassign_when_away": false}),
            ),
        ),
        (
            ("POST", "/api/v1/webhooks"),
            v(
                "/api/v1/webhooks".into(),
                json!({"url": "http://127.0.0.1:9/x", "events": ["message"], "active": true}),
            ),
        ),
        (
            ("PATCH", "/api/v1/webhooks/{id}"),
            v(
                format!("/api/v1/webhooks/{NOWHERE}"),
                json!({"url": "http://127.0.0.1:9/x", "events": ["message"], "active": true, "rotate_secret": false}),
            ),
        ),
        (
            ("POST", "/webhooks/generic/messages"),
            v(
                "/webhooks/generic/messages".into(),
                json!({"from": "+55", "name": "N", "text": "t", "id": "i"}),
            ),
        ),
        (
            ("POST", "/webhooks/whatsapp/{channel}"),
            v(
                format!("/webhooks/whatsapp/{}", cx.a_whatsapp),
                json!({"object": "whatsapp_business_account", "entry": []}),
            ),
        ),
    ])
}

/// Bodies that break one thing each: `(what, bytes)`.
fn variants(base: &Value, limit: usize) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("an array".into(), b"[]".to_vec()),
        ("a string".into(), b"\"texto\"".to_vec()),
        ("a number".into(), b"12".to_vec()),
        ("cut short".into(), b"{\"a\":".to_vec()),
        ("invalid UTF-8".into(), b"{\"name\":\"\xff\xfe\"}".to_vec()),
        (
            "too large".into(),
            format!("{{\"x\":\"{}\"}}", "x".repeat(limit + 100)).into_bytes(),
        ),
    ];
    let obj = base.as_object().unwrap();
    let with = |k: &str, v: Value| {
        let mut o = obj.clone();
        o.insert(k.to_owned(), v);
        Value::Object(o).to_string().into_bytes()
    };
    out.push(("an unknown field".into(), with("zz_unknown", json!(1))));
    for (k, v) in obj {
        let mut bad = vec![(
            "of the wrong type",
            match v {
                Value::String(_) => json!(12345),
                Value::Number(_) => json!("12"),
                Value::Bool(_) => json!("yes"),
                Value::Array(_) => json!("x"),
                Value::Object(_) | Value::Null => json!([1]),
            },
        )];
        match v {
            Value::String(_) => bad.push(("of 10 000 bytes", json!("x".repeat(LONG)))),
            Value::Number(_) => {
                bad.push(("negative", json!(-1)));
                bad.push(("overflowing", Value::Null)); // written raw below
            }
            Value::Array(a) if a.first().is_some_and(Value::is_string) => {
                bad.push(("with an item of 10 000 bytes", json!(["x".repeat(LONG)])));
            }
            _ => {}
        }
        for (what, value) in bad {
            let body = if what == "overflowing" {
                let marker = "\"__overflow__\"";
                String::from_utf8(with(k, json!("__overflow__")))
                    .unwrap()
                    .replace(marker, "99999999999999999999999")
                    .into_bytes()
            } else {
                with(k, value)
            };
            out.push((format!("`{k}` {what}"), body));
        }
    }
    out
}

/// A 4xx with a stable code, nothing of B, no secret.
fn refused(cx: &Ctx, what: &str, r: &Response, codes: &mut BTreeMap<String, usize>) {
    assert!(
        (400..500).contains(&r.status),
        "{what}: expected a refusal, got {} {}",
        r.status,
        r.body
    );
    let code = r.code();
    assert!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "{what}: no stable code in {}",
        r.body
    );
    assert_clean(cx, what, &r.body);
    *codes.entry(code).or_default() += 1;
}

async fn strict_story(w: World) {
    let cx = setup(&w).await;
    let operator = "op-strict-token";
    let config = server::ServerConfig {
        operator_token_hash: Some(server::secret::token_hash(operator)),
        ..server::ServerConfig::default()
    };
    let node = super::common::launch_with(w.store.clone(), config).await;
    let doc = request(node, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    let catalogue = get(&w, &cx.dona, "/api/v1/permissions").await.json();
    let permission = catalogue[0]["permissions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bases = bases(&w, &cx, &permission);
    let a_before = snapshot_a(&w, &cx).await;
    let b_before = snapshot_b(&w, &cx).await;
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut sent = 0;

    // Bodies.
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let method = method.to_uppercase();
            // A file's body (`POST /api/v1/conversations/{id}/files`) is bytes, not JSON: its
            // refusals (size, emptiness, its query) are the media_out story's.
            if op["requestBody"].is_null()
                || op["requestBody"]["content"]
                    .get("application/json")
                    .is_none()
            {
                continue;
            }
            let (target, base) = bases
                .get(&(method.as_str(), path.as_str()))
                .unwrap_or_else(|| panic!("teach the strict test a body for {method} {path}"));
            let whatsapp = path.starts_with("/webhooks/whatsapp");
            let limit = if path.starts_with("/webhooks/") {
                server::channels::inbound::WEBHOOK_BODY_LIMIT
            } else {
                server::BODY_LIMIT
            };
            for (what, body) in variants(base, limit) {
                // The platform's payloads may grow fields: WhatsApp's are read leniently.
                if whatsapp && what.starts_with("an unknown field") {
                    continue;
                }
                let mut headers: Vec<(String, String)> = vec![("Cookie".into(), cx.dona.clone())];
                if path == "/api/v1/accounts" {
                    headers = vec![("Authorization".into(), format!("Bearer {operator}"))];
                } else if path == "/webhooks/generic/messages" {
                    headers = vec![(
                        "Authorization".into(),
                        format!("Bearer {}", cx.a_generic_token),
                    )];
                } else if whatsapp {
                    let sig = server::channels::whatsapp::sign(&cx.a_app_secret, &body);
                    headers = vec![("X-Hub-Signature-256".into(), sig)];
                }
                let h: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let r = super::common::request_bytes(node, &method, target, &h, Some(&body)).await;
                let label = format!("{method} {path} with a body {what}");
                if whatsapp && r.status == 200 {
                    // A well-formed payload of nothing: accepted, nothing stored.
                    assert_eq!(r.json()["received"], 0, "{label}: {}", r.body);
                    continue;
                }
                refused(&cx, &label, &r, &mut codes);
                if what == "too large" {
                    assert_eq!(
                        (r.status, r.code()),
                        (413, "payload_too_large".into()),
                        "{label}"
                    );
                }
                sent += 1;
            }
        }
    }

    // Query strings and paths.
    let query_bases: BTreeMap<&str, String> = BTreeMap::from([
        (
            "/api/v1/conversations",
            "/api/v1/conversations?tab=waiting".to_owned(),
        ),
        (
            "/api/v1/conversations/{id}/messages",
            format!("/api/v1/conversations/{}/messages?limit=5", w.w_vendas),
        ),
        ("/api/v1/audit", "/api/v1/audit?limit=5".to_owned()),
        ("/api/v1/contacts", "/api/v1/contacts?limit=5".to_owned()),
        (
            "/api/v1/webhooks/{id}/deliveries",
            format!("/api/v1/webhooks/{}/deliveries?limit=5", cx.a_webhook),
        ),
        (
            "/api/v1/access/conversations/{id}/viewers",
            format!(
                "/api/v1/access/conversations/{}/viewers?lang=en",
                w.w_vendas
            ),
        ),
        ("/api/v1/events", "/api/v1/events?after=0".to_owned()),
        ("/api/v1/tags", "/api/v1/tags?counts=true".to_owned()),
    ]);
    let before_queries = sent;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(op) = ops.get("get") else { continue };
        let params: Vec<(String, bool)> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| {
                let s = &p["schema"];
                let int = s["type"] == "integer"
                    || s["type"]
                        .as_array()
                        .is_some_and(|t| t.contains(&json!("integer")));
                (p["name"].as_str().unwrap().to_owned(), int)
            })
            .collect();
        if params.is_empty() || path.starts_with("/webhooks/whatsapp") {
            continue; // the platform's handshake is checked in the channels story
        }
        let base = query_bases
            .get(path.as_str())
            .unwrap_or_else(|| panic!("teach the strict test a query for GET {path}"));
        let mut bad: Vec<String> = vec!["zz_unknown=1".to_owned()];
        for (name, int) in &params {
            if *int {
                for v in ["abc", "99999999999999999999", "1.5"] {
                    bad.push(format!("{name}={v}"));
                }
                if name == "limit" {
                    for v in ["0", "-1", "100000"] {
                        bad.push(format!("{name}={v}"));
                    }
                }
            } else {
                bad.push(format!("{name}={}", "x".repeat(LONG)));
            }
        }
        for q in bad {
            let name = q.split('=').next().unwrap();
            // The base's own value of this parameter gives way to the broken one.
            let (p, rest) = base.split_once('?').unwrap();
            let kept: Vec<&str> = rest
                .split('&')
                .filter(|kv| !kv.starts_with(&format!("{name}=")))
                .collect();
            let mut url = format!("{p}?{}", kept.join("&"));
            if url.ends_with('?') {
                url.push_str(&q)
            } else {
                url = format!("{url}&{q}")
            }
            let r = tokio::time::timeout(WAIT, get(&w, &cx.dona, &url))
                .await
                .unwrap_or_else(|_| panic!("GET {url} was accepted (a stream opened)"));
            refused(&cx, &format!("GET {url}"), &r, &mut codes);
            sent += 1;
        }
    }
    assert!(
        sent - before_queries > 40,
        "{} malformed queries",
        sent - before_queries
    );
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        for (method, _) in ops.as_object().unwrap() {
            let method = method.to_uppercase();
            let body = bases
                .get(&(method.as_str(), path.as_str()))
                .map(|(_, b)| b.to_string());
            for bad in ["abc", "99999999999999999999", "-1", "0", "%FF", "1.5"] {
                let url = path
                    .replace("{id}", bad)
                    .replace("{channel}", bad)
                    .replace("{action}", "note");
                let r = request(
                    node,
                    &method,
                    &url,
                    &[("Cookie", &cx.dona)],
                    body.as_deref(),
                )
                .await;
                refused(&cx, &format!("{method} {url}"), &r, &mut codes);
                sent += 1;
            }
        }
    }

    println!("strict: {sent} malformed requests refused: {codes:?}");
    assert!(sent > 300, "{sent}");
    assert_eq!(
        snapshot_a(&w, &cx).await,
        a_before,
        "a refused request changed A"
    );
    assert_eq!(
        snapshot_b(&w, &cx).await,
        b_before,
        "a refused request changed B"
    );
    let listed = request(
        node,
        "GET",
        "/api/v1/accounts",
        &[("Authorization", &format!("Bearer {operator}"))],
        None,
    )
    .await;
    assert!(
        !listed.body.contains(&format!("N-{}", w.tag)),
        "a refused request created an account"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_on_sqlite() {
    let (store, dir) = on_sqlite("strict").await;
    strict_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    strict_story(start(store).await).await;
}
