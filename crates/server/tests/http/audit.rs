//! The audit log over real HTTP (issue 7, point 10): every administrative and
//! access-configuration write of the OpenAPI document, done and refused, writes exactly one row
//! with actor, account, action, target, before, after, result, address and UTC time; the list of
//! routes comes from the document, so a new one cannot escape; nothing in the application
//! changes or deletes a row, and the database itself refuses UPDATE and DELETE (a trigger on
//! PostgreSQL, where TRUNCATE is refused too, and on SQLite).

use std::collections::BTreeSet;

use serde_json::{Value, json};
use server::clock::{Clock, SystemClock};

use super::db::Raw;
use super::networks::from;
use super::*;

const PW: &str = "senha-forte-1";

#[path = "audit/channels.rs"]
mod channels;
#[path = "audit/contacts.rs"]
mod contacts;
#[path = "audit/tags.rs"]
mod tags;
#[path = "audit/unchanged.rs"]
mod unchanged;
#[path = "audit/webhook_actions.rs"]
mod webhook_actions;

/// Writes that are not administration, each with the reason.
const NOT_ADMINISTRATION: &[(&str, &str, &str)] = &[
    (
        "post",
        "/api/v1/auth/login",
        "a login (failures are throttled, not audited)",
    ),
    (
        "post",
        "/api/v1/auth/logout",
        "ends the caller's own session",
    ),
    (
        "post",
        "/api/v1/presets/{id}/preview",
        "a preview writes nothing (presets.rs checks it; a refusal is recorded like any)",
    ),
    (
        "post",
        "/api/v1/setup",
        "the first-run setup: audited as `account.create` on an empty installation (setup.rs checks the row)",
    ),
    ("put", "/api/v1/me/availability", "an agent's own presence"),
    (
        "post",
        "/api/v1/conversations",
        "customer service, not administration",
    ),
    (
        "post",
        "/api/v1/conversations/{id}/{action}",
        "customer service",
    ),
    (
        "post",
        "/api/v1/contacts/{id}/conversations",
        "customer service (the agent writes first)",
    ),
    (
        "post",
        "/api/v1/conversations/outbound",
        "customer service (the agent writes first)",
    ),
    (
        "post",
        "/api/v1/conversations/{id}/files",
        "customer service",
    ),
    (
        "post",
        "/api/v1/conversations/{id}/template",
        "customer service",
    ),
    (
        "post",
        "/api/v1/channels/{id}/test",
        "a read: asks the Graph API about the channel's number and changes nothing (a refusal is recorded as channel.test)",
    ),
    (
        "post",
        "/webhooks/generic/messages",
        "a channel's inbound message",
    ),
    (
        "post",
        "/webhooks/whatsapp/{channel}",
        "a channel's inbound message",
    ),
    (
        "post",
        "/api/v1/accounts",
        "the installation operator's (no user): audited, see accounts_story in tests/http/admin/accounts.rs",
    ),
];

struct Audit<'a> {
    w: &'a World,
    raw: &'a Raw,
    dona: String,
    covered: BTreeSet<(String, String)>,
}

impl Audit<'_> {
    async fn last_id(&self) -> i64 {
        self.raw
            .scalar(&format!(
                "SELECT COALESCE(MAX(id), 0) FROM audit_log WHERE account_id = {}",
                self.w.a.0
            ))
            .await
    }

    /// Sends the request as `actor` and checks that exactly one audit row was written, with
    /// `action`, a result starting with `result`, the actor, the address and the time; returns
    /// the answer and the row.
    #[expect(clippy::too_many_arguments, reason = "one call per audited request")]
    async fn once(
        &mut self,
        (cookie, actor): (&str, UserId),
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
        status: u16,
        action: &str,
        result: &str,
    ) -> (Response, Value) {
        self.covered
            .insert((method.to_lowercase(), template.to_owned()));
        let last = self.last_id().await;
        let t0 = SystemClock.now_micros();
        let r = from(self.w.addr, method, path, Some(cookie), &self.w.far, body).await;
        let t1 = SystemClock.now_micros();
        assert_eq!(r.status, status, "{method} {path}: {}", r.body);
        let count = self
            .raw
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE account_id = {} AND id > {last}",
                self.w.a.0
            ))
            .await;
        assert_eq!(
            count, 1,
            "{method} {path} ({status}) wrote {count} audit rows"
        );
        let page = from(
            self.w.addr,
            "GET",
            "/api/v1/audit?limit=5",
            Some(&self.dona),
            &self.w.far,
            None,
        )
        .await
        .json();
        let row = page["items"][0].clone();
        assert!(row["id"].as_i64().unwrap() > last, "{page}");
        assert_eq!(row["action"], action, "{method} {path}: {row}");
        assert_eq!(row["actor_id"], actor.0, "{row}");
        assert_eq!(row["address"], self.w.far.as_str(), "{row}");
        assert!(
            row["result"].as_str().unwrap().starts_with(result),
            "{method} {path}: {row}"
        );
        assert!(!row["target"].as_str().unwrap().is_empty(), "{row}");
        // A change says what it changed: the state before (edits, deletions) and after
        // (creations, edits).
        if result == "ok" && !template.starts_with("/api/v1/me/") {
            let (before, after) = (!row["before"].is_null(), !row["after"].is_null());
            let expected = match method {
                "POST"
                    if template.ends_with("{id}")
                        || template.ends_with("/password")
                        || template.ends_with("/merge")
                        || template.ends_with("/undo")
                        || template.ends_with("/redeliver") =>
                {
                    (before, after)
                }
                "POST" => (false, true),
                "DELETE" => (true, false),
                _ => (true, true),
            };
            assert!(
                before >= expected.0 && after >= expected.1,
                "{method} {path}: before/after missing: {row}"
            );
        }
        let at = row["at"].as_i64().unwrap();
        assert!((t0..=t1).contains(&at), "UTC µs at the request: {row}");
        let raw_row = self
            .raw
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE id = {} AND account_id = {}",
                row["id"], self.w.a.0
            ))
            .await;
        assert_eq!(raw_row, 1, "the row is the account's");
        (r, row)
    }
}

pub(crate) async fn audit_story(w: World, raw: Raw) {
    let dona_cookie = login(&w, "dona").await;
    let ana_cookie = login(&w, "ana").await;
    let dona_id = w
        .store
        .auth()
        .credentials(&w.email("dona"))
        .await
        .unwrap()
        .unwrap()
        .user;
    let dona = (dona_cookie.as_str(), dona_id);
    let ana = (ana_cookie.as_str(), w.ana);
    let mut a = Audit {
        w: &w,
        raw: &raw,
        dona: dona_cookie.clone(),
        covered: BTreeSet::new(),
    };
    let ok = "ok";
    let denied = "denied: ";

    // Departments.
    let t = "/api/v1/departments";
    a.once(
        ana,
        "POST",
        t,
        t,
        Some(json!({"name": "X"})),
        403,
        "department.create",
        denied,
    )
    .await;
    let (r, row) = a
        .once(
            dona,
            "POST",
            t,
            t,
            Some(json!({"name": format!("Auditoria {}", w.tag)})),
            201,
            "department.create",
            ok,
        )
        .await;
    assert!(row["after"].is_object(), "{row}");
    let dept = r.json()["id"].as_i64().unwrap();
    let t = "/api/v1/departments/{id}";
    let p = format!("/api/v1/departments/{dept}");
    a.once(
        ana,
        "PATCH",
        t,
        &p,
        Some(json!({"name": "Y"})),
        403,
        "department.update",
        denied,
    )
    .await;
    let (_, row) = a
        .once(
            dona,
            "PATCH",
            t,
            &p,
            Some(json!({"name": format!("Auditada {}", w.tag)})),
            200,
            "department.update",
            ok,
        )
        .await;
    assert!(
        row["before"].is_object() && row["after"].is_object() && row["before"] != row["after"],
        "{row}"
    );
    unchanged::unchanged(&mut a, dept, &format!("Auditada {}", w.tag)).await;
    a.once(
        dona,
        "PATCH",
        t,
        &format!("/api/v1/departments/{}", w.b_dept.0),
        Some(json!({"name": "Alheia"})),
        404,
        "department.update",
        "denied: target_not_found",
    )
    .await;
    a.once(ana, "DELETE", t, &p, None, 403, "department.delete", denied)
        .await;
    a.once(dona, "DELETE", t, &p, None, 204, "department.delete", ok)
        .await;

    // Company tags.
    tags::tags(&mut a, &w.tag, dona, ana).await;

    // Contacts: personal data, changed or erased, and the list imported.
    contacts::contacts(&mut a, dona, ana).await;

    // Roles.
    let t = "/api/v1/roles";
    let role_body = json!({"name": format!("Etiquetas {}", w.tag), "permissions": ["tag.attach"]});
    a.once(
        ana,
        "POST",
        t,
        t,
        Some(role_body.clone()),
        403,
        "role.create",
        denied,
    )
    .await;
    let (r, _) = a
        .once(dona, "POST", t, t, Some(role_body), 201, "role.create", ok)
        .await;
    let role = r.json()["id"].as_i64().unwrap();
    let t = "/api/v1/roles/{id}";
    let p = format!("/api/v1/roles/{role}");
    let patch = json!({"permissions": ["tag.attach", "tag.detach"]});
    a.once(
        ana,
        "PATCH",
        t,
        &p,
        Some(patch.clone()),
        403,
        "role.update",
        denied,
    )
    .await;
    a.once(dona, "PATCH", t, &p, Some(patch), 200, "role.update", ok)
        .await;

    // Users.
    let t = "/api/v1/users";
    let user_body = json!({"email": w.email("auditada"), "name": "Auditada", "password": "temporaria-1",
                           "roles": [{"role_id": role}]});
    a.once(
        ana,
        "POST",
        t,
        t,
        Some(user_body.clone()),
        403,
        "user.create",
        denied,
    )
    .await;
    let (r, row) = a
        .once(dona, "POST", t, t, Some(user_body), 201, "user.create", ok)
        .await;
    assert!(!row.to_string().contains("temporaria-1"), "{row}");
    let user = r.json()["id"].as_i64().unwrap();
    let t = "/api/v1/users/{id}";
    let p = format!("/api/v1/users/{user}");
    a.once(
        ana,
        "PATCH",
        t,
        &p,
        Some(json!({"name": "Z"})),
        403,
        "user.update",
        denied,
    )
    .await;
    a.once(
        dona,
        "PATCH",
        t,
        &p,
        Some(json!({"name": "Auditada 2"})),
        200,
        "user.update",
        ok,
    )
    .await;
    let t = "/api/v1/users/{id}/password";
    let p = format!("/api/v1/users/{user}/password");
    let body = json!({"password": "temporaria-2"});
    a.once(
        ana,
        "POST",
        t,
        &p,
        Some(body.clone()),
        403,
        "user.password.reset",
        denied,
    )
    .await;
    let (_, row) = a
        .once(
            dona,
            "POST",
            t,
            &p,
            Some(body),
            204,
            "user.password.reset",
            ok,
        )
        .await;
    assert!(!row.to_string().contains("temporaria-2"), "{row}");
    let t = "/api/v1/users/{id}/routing";
    let p = format!("/api/v1/users/{user}/routing");
    a.once(
        ana,
        "PUT",
        t,
        &p,
        Some(json!({"max_open": 3})),
        403,
        "user.routing",
        denied,
    )
    .await;
    a.once(
        dona,
        "PUT",
        t,
        &p,
        Some(json!({"max_open": 3})),
        200,
        "user.routing",
        ok,
    )
    .await;
    // The role goes: with its binding (the role's users' sessions end).
    let t = "/api/v1/roles/{id}";
    let p = format!("/api/v1/roles/{role}");
    a.once(ana, "DELETE", t, &p, None, 403, "role.delete", denied)
        .await;
    a.once(dona, "DELETE", t, &p, None, 204, "role.delete", ok)
        .await;

    // The account, its settings and routing.
    let t = "/api/v1/account";
    let body = json!({"name": "Loja A, renomeada"});
    a.once(
        ana,
        "PATCH",
        t,
        t,
        Some(body.clone()),
        403,
        "account.update",
        denied,
    )
    .await;
    a.once(dona, "PATCH", t, t, Some(body), 200, "account.update", ok)
        .await;
    let t = "/api/v1/settings";
    let mut settings = get(&w, &dona_cookie, t).await.json();
    // A real change (saving them as they are writes nothing: audit/unchanged.rs).
    if let Some(flag) = settings
        .as_object_mut()
        .and_then(|o| o.values_mut().find(|v| v.is_boolean()))
    {
        *flag = json!(!flag.as_bool().unwrap());
    }
    a.once(
        ana,
        "PUT",
        t,
        t,
        Some(settings.clone()),
        403,
        "settings.update",
        denied,
    )
    .await;
    a.once(
        dona,
        "PUT",
        t,
        t,
        Some(settings),
        200,
        "settings.update",
        ok,
    )
    .await;
    let t = "/api/v1/routing";
    let body = json!({"reassign_when_away": true});
    a.once(
        ana,
        "PUT",
        t,
        t,
        Some(body.clone()),
        403,
        "routing.update",
        denied,
    )
    .await;
    a.once(dona, "PUT", t, t, Some(body), 200, "routing.update", ok)
        .await;

    channels::channels(&mut a, &w, dona, ana).await;

    // Webhooks.
    let t = "/api/v1/webhooks";
    let body = json!({"url": "http://127.0.0.1:9/atende"});
    a.once(
        ana,
        "POST",
        t,
        t,
        Some(body.clone()),
        403,
        "webhook.create",
        denied,
    )
    .await;
    let (r, row) = a
        .once(dona, "POST", t, t, Some(body), 201, "webhook.create", ok)
        .await;
    let hook = r.json()["id"].as_i64().unwrap();
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    assert!(!row.to_string().contains(&secret), "{row}");
    let delivery = webhook_actions::sent_and_paused(&mut a, hook, dona, ana).await;
    let t = "/api/v1/webhooks/{id}";
    let p = format!("/api/v1/webhooks/{hook}");
    a.once(
        ana,
        "PATCH",
        t,
        &p,
        Some(json!({"active": false})),
        403,
        "webhook.update",
        denied,
    )
    .await;
    a.once(
        dona,
        "PATCH",
        t,
        &p,
        Some(json!({"active": false})),
        200,
        "webhook.update",
        ok,
    )
    .await;
    webhook_actions::resumed_and_resent(&mut a, (hook, delivery), dona, ana).await;
    a.once(ana, "DELETE", t, &p, None, 403, "webhook.delete", denied)
        .await;
    a.once(dona, "DELETE", t, &p, None, 204, "webhook.delete", ok)
        .await;

    // One's own password and API tokens: credentials, so audited too.
    let t = "/api/v1/me/password";
    a.once(
        ana,
        "POST",
        t,
        t,
        Some(json!({"current_password": "errada-123", "new_password": "nova-senha-1"})),
        403,
        "user.password.change",
        "denied: current_password_required",
    )
    .await;
    let (_, row) = a
        .once(
            ana,
            "POST",
            t,
            t,
            Some(json!({"current_password": PW, "new_password": "nova-senha-1"})),
            204,
            "user.password.change",
            ok,
        )
        .await;
    assert!(!row.to_string().contains("nova-senha-1"), "{row}");
    let t = "/api/v1/me/tokens";
    let (r, row) = a
        .once(
            ana,
            "POST",
            t,
            t,
            Some(json!({"name": "integração"})),
            201,
            "token.create",
            ok,
        )
        .await;
    let token = r.json();
    assert!(
        !row.to_string().contains(token["token"].as_str().unwrap()),
        "{row}"
    );
    let t = "/api/v1/me/tokens/{id}";
    a.once(
        ana,
        "DELETE",
        t,
        "/api/v1/me/tokens/987654321",
        None,
        404,
        "token.revoke",
        "denied: target_not_found",
    )
    .await;
    a.once(
        ana,
        "DELETE",
        t,
        &format!("/api/v1/me/tokens/{}", token["id"]),
        None,
        204,
        "token.revoke",
        ok,
    )
    .await;

    // A preset, last: it rewrites the account's roles.
    let t = "/api/v1/presets/{id}";
    a.once(
        ana,
        "POST",
        t,
        "/api/v1/presets/oklac",
        Some(json!({})),
        403,
        "preset.apply",
        denied,
    )
    .await;
    a.once(
        dona,
        "POST",
        t,
        "/api/v1/presets/oklac",
        Some(json!({})),
        200,
        "preset.apply",
        ok,
    )
    .await;
    let t = "/api/v1/presets/undo";
    a.once(
        ana,
        "POST",
        t,
        t,
        Some(json!({})),
        403,
        "preset.undo",
        denied,
    )
    .await;
    a.once(dona, "POST", t, t, Some(json!({})), 200, "preset.undo", ok)
        .await;

    // Every write of the document is either audited above or named as not administration.
    let doc = request(w.addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    let mut writes = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if ["post", "put", "patch", "delete"].contains(&method.as_str()) {
                writes.insert((method.clone(), path.clone()));
            }
        }
    }
    let exempt: BTreeSet<(String, String)> = NOT_ADMINISTRATION
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = writes
        .iter()
        .filter(|k| !a.covered.contains(*k) && !exempt.contains(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "writes not checked for audit: {missing:?}"
    );
    let stale: Vec<_> = a
        .covered
        .union(&exempt)
        .filter(|k| !writes.contains(*k))
        .collect();
    assert!(stale.is_empty(), "not in the document: {stale:?}");

    // No route changes or deletes a row: the log is only read.
    let audit_ops: Vec<&String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.contains("audit"))
        .flat_map(|(_, ops)| ops.as_object().unwrap().keys())
        .collect();
    assert_eq!(
        audit_ops,
        vec!["get", "get"],
        "the log and the catalogue of its actions"
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM audit_log WHERE account_id = {}",
        w.a.0
    );
    let before = raw.scalar(&count_sql).await;
    for method in ["PUT", "PATCH", "DELETE", "POST"] {
        for path in ["/api/v1/audit", "/api/v1/audit/1"] {
            let r = from(
                w.addr,
                method,
                path,
                Some(&dona_cookie),
                &w.far,
                Some(json!({})),
            )
            .await;
            assert!(
                [404, 405].contains(&r.status),
                "{method} {path}: {} {}",
                r.status,
                r.body
            );
        }
    }
    assert_eq!(raw.scalar(&count_sql).await, before);

    super::audit_rows::append_only(&w, &raw, &count_sql).await;
    super::audit_rows::catalogued(&w, &raw, &dona_cookie).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_on_sqlite() {
    let (store, dir) = on_sqlite("audit").await;
    let w = start(store).await;
    audit_story(w, Raw::sqlite(&dir).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    let w = start(store).await;
    audit_story(w, Raw::postgres().await).await;
}
