//! Administration over real HTTP, on SQLite and (when `ATENDE_TEST_POSTGRES_URL` is set)
//! PostgreSQL: departments, roles and users created through the API take effect in the inbox;
//! no escalation and the last `account.manage` holder come from the engine; agents are refused;
//! ids of another account answer exactly like unknown ids; deactivation and password resets end
//! sessions; presets; and every change and refused attempt is in the audit log.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

use std::net::SocketAddr;

use access::{
    AccountId, Binding, BuiltinRole, DepartmentId, Membership, MembershipKind, Permission,
    PermissionSet, RoleId, Scope, Settings, Status, User, UserId,
};
use serde_json::{Value, json};
use store::{NewConversation, NewUser, Store};

const PASSWORD: &str = "senha-forte-1";

mod common;

use common::{Response, launch, launch_with, request};

struct World {
    addr: SocketAddr,
    store: Store,
    a: AccountId,
    geral: DepartmentId,
    dona: UserId,
    adm: UserId,
    ana: UserId,
    leo: UserId,
    owner_role: RoleId,
    b_dept: DepartmentId,
    b_user: UserId,
    b_role: RoleId,
    tag: String,
    /// This run's client address (through the trusted loopback proxy): the audit log records
    /// it, and throttling state of earlier runs on PostgreSQL does not leak into this one.
    far: String,
}

impl World {
    /// Emails are unique per run: PostgreSQL keeps the rows of earlier runs.
    fn email(&self, who: &str) -> String {
        format!("{who}.{}@admin.example", self.tag)
    }

    async fn call(&self, method: &str, path: &str, cookie: &str, body: Option<Value>) -> Response {
        let body = body.map(|b| b.to_string());
        request(
            self.addr,
            method,
            path,
            &[("Cookie", cookie), ("X-Forwarded-For", &self.far)],
            body.as_deref(),
        )
        .await
    }

    async fn get(&self, cookie: &str, path: &str) -> Response {
        self.call("GET", path, cookie, None).await
    }

    async fn login_as(&self, email: &str, password: &str) -> Response {
        request(
            self.addr,
            "POST",
            "/api/v1/auth/login",
            &[("X-Forwarded-For", &self.far)],
            Some(&json!({"email": email, "password": password}).to_string()),
        )
        .await
    }

    async fn login(&self, email: &str, password: &str) -> String {
        let r = self.login_as(email, password).await;
        assert_eq!(r.status, 200, "login {email}: {}", r.body);
        r.header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    }
}

async fn seed_user(
    store: &Store,
    account: AccountId,
    email: &str,
    hash: &str,
    role: RoleId,
    member: &[DepartmentId],
) -> UserId {
    let id = store
        .create_user(
            account,
            &NewUser {
                email,
                name: email,
                password_hash: Some(hash),
                active: true,
            },
            0,
        )
        .await
        .unwrap();
    let user = User {
        id,
        account,
        active: true,
        memberships: member
            .iter()
            .map(|d| Membership {
                department: *d,
                kind: MembershipKind::Member,
            })
            .collect(),
        bindings: vec![Binding {
            role,
            scope: Scope::Account,
        }],
    };
    store.set_user_access(account, &user).await.unwrap();
    id
}

async fn start(store: Store) -> World {
    store.migrate().await.unwrap();
    let tag = format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let email = |who: &str| format!("{who}.{tag}@admin.example");
    let hash = server::secret::hash_password(PASSWORD).unwrap();
    let a = store
        .create_account("Loja Admin", &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let geral = store.default_department(a).await.unwrap();
    let config = store.account_config(a).await.unwrap();
    let role = |b| config.builtin_role(b).unwrap();
    let dona = seed_user(
        &store,
        a,
        &email("dona"),
        &hash,
        role(BuiltinRole::Owner),
        &[],
    )
    .await;
    let adm = seed_user(
        &store,
        a,
        &email("adm"),
        &hash,
        role(BuiltinRole::Admin),
        &[],
    )
    .await;
    let ana = seed_user(
        &store,
        a,
        &email("ana"),
        &hash,
        role(BuiltinRole::Agent),
        &[geral],
    )
    .await;
    let leo = seed_user(
        &store,
        a,
        &email("leo"),
        &hash,
        role(BuiltinRole::Agent),
        &[geral],
    )
    .await;

    // Another account with a department, a user and a custom role.
    let b = store
        .create_account("Loja B", &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let b_dept = store.default_department(b).await.unwrap();
    let b_owner = store
        .account_config(b)
        .await
        .unwrap()
        .builtin_role(BuiltinRole::Owner)
        .unwrap();
    let b_user = seed_user(&store, b, &email("dono-b"), &hash, b_owner, &[b_dept]).await;
    let b_role = store
        .create_role(
            b,
            "Externo",
            [Permission::TagAttach]
                .into_iter()
                .collect::<PermissionSet>(),
            &[],
        )
        .await
        .unwrap();

    let addr = launch(store.clone()).await;
    World {
        addr,
        store,
        a,
        geral,
        dona,
        adm,
        ana,
        leo,
        owner_role: role(BuiltinRole::Owner),
        b_dept,
        b_user,
        b_role,
        far: format!(
            "2001:db8:ad::{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
                & 0xffff
        ),
        tag,
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

fn assert_denied(r: &Response, status: u16, reason: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(
        r.reasons().iter().any(|x| x == reason),
        "expected reason {reason}: {}",
        r.body
    );
}

#[expect(
    clippy::too_many_lines,
    reason = "one story, told in order: each step builds on the previous"
)]
async fn story(w: World) {
    let dona = w.login(&w.email("dona"), PASSWORD).await;
    let adm = w.login(&w.email("adm"), PASSWORD).await;
    let ana = w.login(&w.email("ana"), PASSWORD).await;

    // The OpenAPI document lists the administration.
    let doc = request(w.addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    for (path, method) in [
        ("/api/v1/departments", "post"),
        ("/api/v1/departments/{id}", "patch"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}/password", "post"),
        ("/api/v1/me/password", "post"),
        ("/api/v1/roles/{id}", "delete"),
        ("/api/v1/permissions", "get"),
        ("/api/v1/settings", "put"),
        ("/api/v1/presets/{id}", "post"),
        ("/api/v1/audit", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }

    // What every logged-in user reads: the catalogue, the departments, the settings.
    let catalogue = w.get(&ana, "/api/v1/permissions").await;
    assert_eq!(catalogue.status, 200, "{}", catalogue.body);
    let groups = catalogue.json();
    let menu = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "menu")
        .unwrap();
    let users_manage = menu["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "users.manage")
        .unwrap();
    assert_eq!(users_manage["scope"], "account");
    assert_eq!(users_manage["label_pt"], "Usuários");
    let total: usize = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["permissions"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, Permission::ALL.len());
    let departments = w.get(&ana, "/api/v1/departments").await.json();
    assert_eq!(
        departments,
        json!([{"id": w.geral.0, "name": "Geral", "parent_id": null, "access": "team", "is_default": true}])
    );
    let settings = w.get(&ana, "/api/v1/settings").await.json();
    assert_eq!(settings["my_finished_queue"], true);
    assert_eq!(settings["waiting_queue"], "members");
    assert_eq!(settings.as_object().unwrap().len(), 7);

    // An admin creates a department with access `agent`.
    let r = w
        .call(
            "POST",
            "/api/v1/departments",
            &adm,
            Some(json!({"name": "Financeiro", "access": "agent"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let fin = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["access"], "agent");
    assert_eq!(r.json()["is_default"], false);
    let dup = w
        .call(
            "POST",
            "/api/v1/departments",
            &adm,
            Some(json!({"name": "Financeiro"})),
        )
        .await;
    assert_eq!((dup.status, dup.code().as_str()), (409, "conflict"));
    let strict = w
        .call(
            "POST",
            "/api/v1/departments",
            &adm,
            Some(json!({"name": "X", "extra": 1})),
        )
        .await;
    assert_eq!(
        (strict.status, strict.code().as_str()),
        (400, "invalid_json")
    );

    // The owner creates a custom role; unknown permissions and bad networks are named.
    let r = w
        .call(
            "POST",
            "/api/v1/roles",
            &dona,
            Some(json!({"name": "Financeiro andamento", "permissions": [
                "conversation.assume", "conversation.finish", "conversation.transfer",
                "conversations.in_progress.view_department"
            ]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let fin_role = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["builtin"], false);
    let r = w
        .call(
            "POST",
            "/api/v1/roles",
            &dona,
            Some(json!({"name": "x", "permissions": ["conversation.fly"]})),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "unknown_permission"),
        "{}",
        r.body
    );
    assert!(r.body.contains("conversation.fly"), "{}", r.body);
    let r = w
        .call(
            "POST",
            "/api/v1/roles",
            &dona,
            Some(json!({"name": "x", "permissions": [], "allowed_networks": ["10.0.0.1/8"]})),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "bad_network"),
        "{}",
        r.body
    );
    assert!(r.body.contains("10.0.0.0/8"), "{}", r.body);
    let roles = w.get(&adm, "/api/v1/roles").await.json();
    let admin_role = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "admin" && r["builtin"] == true)
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    // The admin creates a user bound to it, member of Financeiro, with a temporary password.
    let caio_email = w.email("caio");
    let weak = w
        .call(
            "POST",
            "/api/v1/users",
            &adm,
            Some(json!({"email": caio_email, "name": "Caio", "password": "curta"})),
        )
        .await;
    assert_eq!((weak.status, weak.code().as_str()), (400, "bad_password"));
    let r = w
        .call(
            "POST",
            "/api/v1/users",
            &adm,
            Some(json!({
                "email": caio_email.to_uppercase(), "name": "Caio", "password": "temporaria-1",
                "roles": [{"role_id": fin_role}],
                "memberships": [{"department_id": fin, "kind": "member"}]
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let caio = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        r.json()["email"],
        caio_email,
        "emails are stored lowercased"
    );
    assert_eq!(r.json()["must_change_password"], true);
    assert_eq!(
        r.json()["roles"],
        json!([{"role_id": fin_role, "department_id": null}])
    );
    assert!(!r.body.contains("temporaria") && !r.body.contains("argon2"));
    let taken = w
        .call(
            "POST",
            "/api/v1/users",
            &adm,
            Some(json!({"email": caio_email, "name": "Outro", "password": "temporaria-1"})),
        )
        .await;
    assert_eq!(taken.status, 409, "{}", taken.body);
    let listed = w.get(&adm, "/api/v1/users").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let listed_caio = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == caio)
        .cloned()
        .unwrap();
    assert_eq!(
        listed_caio["memberships"],
        json!([{"department_id": fin, "kind": "member"}])
    );
    assert!(!listed.body.contains("argon2"));

    // Conversations in Financeiro: waiting, in progress with someone else, finished.
    let conv = |status, assignee: Option<UserId>, at| NewConversation {
        account: w.a,
        department: DepartmentId(fin),
        status,
        assignee,
        contact: None,
        channel: "whatsapp",
        at,
    };
    let w1 = w
        .store
        .create_conversation(&conv(Status::Waiting, None, 10))
        .await
        .unwrap()
        .0;
    let p1 = w
        .store
        .create_conversation(&conv(Status::InProgress, Some(w.ana), 11))
        .await
        .unwrap()
        .0;
    let f1 = w
        .store
        .create_conversation(&conv(Status::Finished, Some(w.ana), 12))
        .await
        .unwrap()
        .0;

    // The new user logs in with the temporary password and must change it.
    let caio_c = w.login(&caio_email, "temporaria-1").await;
    let caio_other = w.login(&caio_email, "temporaria-1").await;
    assert_eq!(
        w.get(&caio_c, "/api/v1/me").await.json()["must_change_password"],
        true
    );
    let wrong = w
        .call(
            "POST",
            "/api/v1/me/password",
            &caio_c,
            Some(json!({"current_password": "errada-123", "new_password": "nova-senha-1"})),
        )
        .await;
    assert_denied(&wrong, 403, "current_password_required");
    let missing = w
        .call(
            "POST",
            "/api/v1/me/password",
            &caio_c,
            Some(json!({"new_password": "nova-senha-1"})),
        )
        .await;
    assert_denied(&missing, 403, "current_password_required");
    let changed = w
        .call(
            "POST",
            "/api/v1/me/password",
            &caio_c,
            Some(json!({"current_password": "temporaria-1", "new_password": "nova-senha-1"})),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.body);
    assert_eq!(
        w.get(&caio_c, "/api/v1/me").await.json()["must_change_password"],
        false
    );
    assert_eq!(
        w.get(&caio_other, "/api/v1/me").await.status,
        401,
        "the other session ended"
    );
    assert_eq!(w.login_as(&caio_email, "temporaria-1").await.status, 401);
    let caio_c = w.login(&caio_email, "nova-senha-1").await;

    // He sees exactly what the role allows: the waiting queue of his team (V4w), the team's
    // conversation in progress through `in_progress.view_department` (access `agent` alone
    // would hide it), no finished conversation.
    let tab = |t: &'static str| {
        let c = caio_c.clone();
        let w = &w;
        async move {
            ids(&w
                .get(&c, &format!("/api/v1/conversations?tab={t}"))
                .await
                .json())
        }
    };
    assert_eq!(tab("waiting").await, vec![w1]);
    assert_eq!(tab("others").await, vec![p1]);
    assert!(tab("finished").await.is_empty());
    assert_eq!(
        w.get(&caio_c, "/api/v1/conversations/counts").await.json(),
        json!({"mine": 0, "waiting": 1, "others": 1, "finished": 0, "my_finished": 0})
    );
    let assumed = w
        .call(
            "POST",
            &format!("/api/v1/conversations/{w1}/assume"),
            &caio_c,
            Some(json!({})),
        )
        .await;
    assert_eq!(assumed.status, 200, "{}", assumed.body);
    assert_eq!(
        w.get(&caio_c, "/api/v1/users").await.status,
        403,
        "no users.manage"
    );

    // The owner adds a permission to the role: it takes effect at the next request.
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/roles/{fin_role}"),
            &dona,
            Some(json!({"permissions": [
                "conversation.assume", "conversation.finish", "conversation.transfer",
                "conversations.in_progress.view_department", "conversations.finished.view_department"
            ]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(tab("finished").await, vec![f1]);

    // The built-in admin cannot touch the owner, create a role (no roles.manage, and it would
    // be an escalation), nor give anyone the owner role.
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{}", w.dona.0),
            &adm,
            Some(json!({"name": "Outra"})),
        )
        .await;
    assert_denied(&r, 403, "escalation");
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{}", w.dona.0),
            &adm,
            Some(json!({"active": false})),
        )
        .await;
    assert_denied(&r, 403, "escalation");
    let r = w
        .call(
            "POST",
            &format!("/api/v1/users/{}/password", w.dona.0),
            &adm,
            Some(json!({"password": "tomada-123"})),
        )
        .await;
    assert_denied(&r, 403, "escalation");
    let r = w
        .call(
            "POST",
            "/api/v1/roles",
            &adm,
            Some(json!({"name": "Super", "permissions": ["roles.manage"]})),
        )
        .await;
    assert_denied(&r, 403, "roles.manage");
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{caio}"),
            &adm,
            Some(json!({"roles": [{"role_id": w.owner_role.0}]})),
        )
        .await;
    assert_denied(&r, 403, "escalation");
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/roles/{admin_role}"),
            &dona,
            Some(json!({"name": "chefe"})),
        )
        .await;
    assert_denied(&r, 403, "builtin_role");
    // The owner may; with a department-scoped binding too.
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{caio}"),
            &dona,
            Some(json!({"name": "Caio Souza", "roles": [
                {"role_id": fin_role}, {"role_id": fin_role, "department_id": fin}
            ]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["name"], "Caio Souza");
    assert_eq!(r.json()["roles"].as_array().unwrap().len(), 2);

    // The owner is the last account.manage holder: they cannot deactivate themself.
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{}", w.dona.0),
            &dona,
            Some(json!({"active": false})),
        )
        .await;
    assert_denied(&r, 403, "last_account_manager");
    assert_eq!(w.get(&dona, "/api/v1/me").await.status, 200);

    // An agent is refused every administrative write, and the users list.
    let writes: Vec<(&str, String, Value)> = vec![
        ("POST", "/api/v1/departments".into(), json!({"name": "Y"})),
        (
            "PATCH",
            format!("/api/v1/departments/{fin}"),
            json!({"name": "Z"}),
        ),
        ("DELETE", format!("/api/v1/departments/{fin}"), json!({})),
        (
            "POST",
            "/api/v1/users".into(),
            json!({"email": w.email("x"), "name": "X", "password": "12345678"}),
        ),
        (
            "PATCH",
            format!("/api/v1/users/{}", w.leo.0),
            json!({"active": false}),
        ),
        (
            "POST",
            format!("/api/v1/users/{}/password", w.leo.0),
            json!({"password": "12345678"}),
        ),
        (
            "POST",
            "/api/v1/roles".into(),
            json!({"name": "R", "permissions": []}),
        ),
        (
            "PATCH",
            format!("/api/v1/roles/{fin_role}"),
            json!({"name": "R"}),
        ),
        ("DELETE", format!("/api/v1/roles/{fin_role}"), json!({})),
        ("PUT", "/api/v1/settings".into(), settings.clone()),
        (
            "POST",
            "/api/v1/presets/zenvia".into(),
            json!({"shared_inbox": true, "assignment": "manual"}),
        ),
    ];
    for (method, path, body) in &writes {
        let body = (*method != "DELETE").then(|| body.clone());
        let r = w.call(method, path, &ana, body).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (403, "forbidden"),
            "{method} {path}: {}",
            r.body
        );
    }
    for path in ["/api/v1/users", "/api/v1/roles", "/api/v1/audit"] {
        assert_eq!(w.get(&ana, path).await.status, 403, "{path}");
    }

    // Ids of another account answer exactly like ids that do not exist.
    let pairs: Vec<(&str, String, String, Option<Value>)> = vec![
        (
            "PATCH",
            format!("/api/v1/departments/{}", w.b_dept.0),
            "/api/v1/departments/987654321".into(),
            Some(json!({"name": "Invasão"})),
        ),
        (
            "DELETE",
            format!("/api/v1/departments/{}", w.b_dept.0),
            "/api/v1/departments/987654321".into(),
            None,
        ),
        (
            "PATCH",
            format!("/api/v1/users/{}", w.b_user.0),
            "/api/v1/users/987654321".into(),
            Some(json!({"active": false})),
        ),
        (
            "POST",
            format!("/api/v1/users/{}/password", w.b_user.0),
            "/api/v1/users/987654321/password".into(),
            Some(json!({"password": "tomada-123"})),
        ),
        (
            "PATCH",
            format!("/api/v1/roles/{}", w.b_role.0),
            "/api/v1/roles/987654321".into(),
            Some(json!({"name": "Invasão"})),
        ),
        (
            "DELETE",
            format!("/api/v1/roles/{}", w.b_role.0),
            "/api/v1/roles/987654321".into(),
            None,
        ),
    ];
    for (method, other, unknown, body) in &pairs {
        let a = w.call(method, other, &dona, body.clone()).await;
        let b = w.call(method, unknown, &dona, body.clone()).await;
        assert_eq!(a.status, 404, "{method} {other}: {}", a.body);
        assert_eq!((a.status, a.body.as_str()), (b.status, b.body.as_str()));
    }
    // In bodies: another account's role or department is refused like an unknown one.
    for body in [
        json!({"roles": [{"role_id": w.b_role.0}]}),
        json!({"roles": [{"role_id": fin_role, "department_id": w.b_dept.0}]}),
        json!({"memberships": [{"department_id": w.b_dept.0, "kind": "member"}]}),
    ] {
        let r = w
            .call("PATCH", &format!("/api/v1/users/{caio}"), &dona, Some(body))
            .await;
        assert_eq!(r.status, 400, "{}", r.body);
    }
    let stored_b = w.store.user(w.a, w.b_user).await.unwrap();
    assert!(stored_b.is_none(), "nothing crossed accounts");

    // Deactivating a user ends their session.
    let leo = w.login(&w.email("leo"), PASSWORD).await;
    assert_eq!(w.get(&leo, "/api/v1/me").await.status, 200);
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{}", w.leo.0),
            &adm,
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["active"], false);
    assert_eq!(w.get(&leo, "/api/v1/me").await.status, 401);
    assert_eq!(w.login_as(&w.email("leo"), PASSWORD).await.status, 401);

    // A password reset by the admin: temporary, and the user's sessions end.
    let r = w
        .call(
            "POST",
            &format!("/api/v1/users/{}/password", w.ana.0),
            &adm,
            Some(json!({"password": "redefinida-1"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(w.get(&ana, "/api/v1/me").await.status, 401);
    let ana = w.login(&w.email("ana"), "redefinida-1").await;
    assert_eq!(
        w.get(&ana, "/api/v1/me").await.json()["must_change_password"],
        true
    );
    // Until the temporary password is replaced, nothing else is served.
    let blocked = w.get(&ana, "/api/v1/conversations?tab=mine").await;
    assert_eq!(
        (blocked.status, blocked.code().as_str()),
        (403, "password_change_required")
    );
    let r = w
        .call(
            "POST",
            "/api/v1/me/password",
            &ana,
            Some(json!({"current_password": "redefinida-1", "new_password": "definitiva-1"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        w.get(&ana, "/api/v1/conversations?tab=mine").await.status,
        200
    );

    // The department tree: no cycle; deletion only of what is unused.
    let create = |name: &'static str, parent: Option<i64>| {
        let adm = adm.clone();
        let w = &w;
        async move {
            let r = w
                .call(
                    "POST",
                    "/api/v1/departments",
                    &adm,
                    Some(json!({"name": name, "parent_id": parent})),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.json()["id"].as_i64().unwrap()
        }
    };
    let norte = create("Norte", None).await;
    let norte1 = create("Norte 1", Some(norte)).await;
    for parent in [norte1, norte] {
        let r = w
            .call(
                "PATCH",
                &format!("/api/v1/departments/{norte}"),
                &adm,
                Some(json!({"parent_id": parent})),
            )
            .await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "department_cycle"),
            "{}",
            r.body
        );
    }
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/departments/{norte1}"),
            &adm,
            Some(json!({"name": "Norte Um", "access": "all"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"id": norte1, "name": "Norte Um", "parent_id": norte, "access": "all", "is_default": false})
    );
    let del = |id: i64| {
        let adm = adm.clone();
        let w = &w;
        async move {
            w.call("DELETE", &format!("/api/v1/departments/{id}"), &adm, None)
                .await
        }
    };
    for (id, why) in [
        (norte, "child"),
        (fin, "conversations"),
        (w.geral.0, "default"),
    ] {
        let r = del(id).await;
        assert_eq!((r.status, r.code().as_str()), (409, "conflict"), "{why}");
        assert!(r.body.contains(why), "{why}: {}", r.body);
    }
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/departments/{norte1}"),
            &adm,
            Some(json!({"parent_id": null})),
        )
        .await;
    assert_eq!(r.json()["parent_id"], Value::Null);
    assert_eq!(del(norte).await.status, 204);
    assert_eq!(del(norte1).await.status, 204);
    assert_eq!(del(norte1).await.status, 404);

    // Settings: the admin holds settings.company.
    let mut s = settings.clone();
    s["satisfaction_survey"] = json!(true);
    let r = w
        .call("PUT", "/api/v1/settings", &adm, Some(s.clone()))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        w.get(&ana, "/api/v1/settings").await.json()["satisfaction_survey"],
        true
    );
    s["shared_inbox"] = json!("yes");
    let r = w.call("PUT", "/api/v1/settings", &adm, Some(s)).await;
    assert_eq!(r.status, 400, "{}", r.body);

    // Presets need account.manage; zenvia without the shared inbox sets every department to
    // access `agent`.
    let zenvia = json!({"shared_inbox": false, "assignment": "manual"});
    let r = w
        .call("POST", "/api/v1/presets/zenvia", &adm, Some(zenvia.clone()))
        .await;
    assert_denied(&r, 403, "account.manage");
    let r = w
        .call(
            "POST",
            "/api/v1/presets/zenvia",
            &dona,
            Some(json!({"shared_inbox": false})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = w
        .call("POST", "/api/v1/presets/nenhum", &dona, Some(json!({})))
        .await;
    assert_eq!(r.status, 404);
    let r = w
        .call("POST", "/api/v1/presets/zenvia", &dona, Some(zenvia))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["preset"], "zenvia");
    let departments = w.get(&ana, "/api/v1/departments").await.json();
    assert!(
        departments
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["access"] == "agent"),
        "{departments}"
    );
    let s = w.get(&ana, "/api/v1/settings").await.json();
    assert_eq!(
        (&s["shared_inbox"], &s["assignment"], &s["waiting_queue"]),
        (&json!(false), &json!("manual"), &json!("members"))
    );
    // opa creates its two permission groups, with their networks.
    let r = w
        .call(
            "POST",
            "/api/v1/presets/opa",
            &dona,
            Some(json!({"allowed_networks": ["10.0.0.0/8"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["roles_created"].as_array().unwrap().len(), 2);
    let roles = w.get(&dona, "/api/v1/roles").await.json();
    let opa = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Atendente (departamento)")
        .unwrap();
    assert_eq!(opa["allowed_networks"], json!(["10.0.0.0/8"]));

    // Deleting a role removes its bindings and ends the sessions of its users.
    let r = w
        .call("DELETE", &format!("/api/v1/roles/{fin_role}"), &dona, None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(w.get(&caio_c, "/api/v1/me").await.status, 401);
    let users = w.get(&dona, "/api/v1/users").await.json();
    let caio_now = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == caio)
        .unwrap();
    assert_eq!(caio_now["roles"], json!([]));

    // The audit log: every change and every refused attempt, newest first, with actor, target,
    // result and address; never a password or its hash.
    let page = w.get(&dona, "/api/v1/audit?limit=200").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("argon2"), "no hash in the log");
    for secret in ["temporaria-1", "nova-senha-1", "redefinida-1", "tomada-123"] {
        assert!(!page.body.contains(secret), "no password in the log");
    }
    let log = page.json();
    let items = log["items"].as_array().unwrap();
    let row_ids: Vec<i64> = items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(row_ids.windows(2).all(|p| p[0] > p[1]), "newest first");
    assert!(
        items.iter().all(|e| e["address"] == w.far.as_str()),
        "every row has the client address"
    );
    let has = |actor: UserId, action: &str, target: &str, result: &str| {
        items.iter().any(|e| {
            e["actor_id"] == actor.0
                && e["action"] == action
                && e["target"] == target
                && e["result"].as_str().unwrap().starts_with(result)
        })
    };
    let dept = |id: i64| format!("department#{id}");
    let user = |id: i64| format!("user#{id}");
    let role = |id: i64| format!("role#{id}");
    let caio_user = UserId(caio);
    let expected: Vec<(UserId, &str, String, &str)> = vec![
        (w.adm, "department.create", dept(fin), "ok"),
        (w.dona, "role.create", role(fin_role), "ok"),
        (w.adm, "user.create", user(caio), "ok"),
        (w.dona, "role.update", role(fin_role), "ok"),
        (w.adm, "user.update", user(w.dona.0), "denied: escalation"),
        (
            w.adm,
            "user.password.reset",
            user(w.dona.0),
            "denied: escalation",
        ),
        (w.adm, "role.create", "role".into(), "denied: roles.manage"),
        (w.adm, "user.update", user(caio), "denied: escalation"),
        (
            w.dona,
            "role.update",
            role(admin_role),
            "denied: builtin_role",
        ),
        (w.dona, "user.update", user(caio), "ok"),
        (
            w.dona,
            "user.update",
            user(w.dona.0),
            "denied: last_account_manager",
        ),
        (
            w.ana,
            "department.create",
            "department".into(),
            "denied: departments.manage",
        ),
        (w.ana, "user.update", user(w.leo.0), "denied: users.manage"),
        (
            w.ana,
            "settings.update",
            w.a.to_string(),
            "denied: settings.company",
        ),
        (w.ana, "user.list", "users".into(), "denied: users.manage"),
        (
            w.ana,
            "role.list",
            "roles".into(),
            "denied: users.manage, roles.manage",
        ),
        (w.ana, "audit.list", "audit".into(), "denied: audit.view"),
        (
            w.ana,
            "preset.apply",
            "preset#zenvia".into(),
            "denied: account.manage",
        ),
        (
            w.dona,
            "user.update",
            user(w.b_user.0),
            "denied: target_not_found",
        ),
        (
            w.dona,
            "user.update",
            user(987_654_321),
            "denied: target_not_found",
        ),
        (
            w.dona,
            "department.update",
            dept(w.b_dept.0),
            "denied: target_not_found",
        ),
        (
            w.dona,
            "role.delete",
            role(w.b_role.0),
            "denied: target_not_found",
        ),
        (w.adm, "user.update", user(w.leo.0), "ok"),
        (w.adm, "user.password.reset", user(w.ana.0), "ok"),
        (caio_user, "user.password.change", user(caio), "ok"),
        (
            caio_user,
            "user.password.change",
            user(caio),
            "denied: current_password_required",
        ),
        (w.adm, "department.update", dept(norte1), "ok"),
        (w.adm, "department.delete", dept(norte), "ok"),
        (w.adm, "settings.update", w.a.to_string(), "ok"),
        (
            w.adm,
            "preset.apply",
            "preset#zenvia".into(),
            "denied: account.manage",
        ),
        (w.dona, "preset.apply", "preset#zenvia".into(), "ok"),
        (w.dona, "preset.apply", "preset#opa".into(), "ok"),
        (w.dona, "role.delete", role(fin_role), "ok"),
    ];
    for (actor, action, target, result) in &expected {
        assert!(
            has(*actor, action, target, result),
            "missing audit row: {actor} {action} {target} {result}"
        );
    }
    // The admin's refusal on the owner says why.
    let refused = items
        .iter()
        .find(|e| e["actor_id"] == w.adm.0 && e["target"] == user(w.dona.0).as_str())
        .unwrap();
    assert!(
        refused["result"].as_str().unwrap().contains("escalation"),
        "{refused}"
    );
    // A change carries before and after.
    let renamed = items
        .iter()
        .find(|e| {
            e["action"] == "department.update"
                && e["target"] == dept(norte1).as_str()
                && e["result"] == "ok"
                && e["before"]["name"] == "Norte 1"
        })
        .unwrap();
    assert_eq!(renamed["after"]["name"], "Norte Um");
    assert_eq!(renamed["after"]["access"], "all");
    assert_eq!(renamed["before"]["access"], "team");
    let zen = items
        .iter()
        .find(|e| {
            e["action"] == "preset.apply" && e["result"] == "ok" && e["target"] == "preset#zenvia"
        })
        .unwrap();
    assert_eq!(zen["before"]["settings"]["satisfaction_survey"], true);
    assert!(
        zen["after"]["departments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["access"] == "agent")
    );

    // Keyset pages.
    let first = w.get(&dona, "/api/v1/audit?limit=2").await.json();
    let before = first["next_before"].as_i64().unwrap();
    let second = w
        .get(&dona, &format!("/api/v1/audit?limit=2&before={before}"))
        .await
        .json();
    assert_eq!(ids(&first), row_ids[..2].to_vec());
    assert_eq!(ids(&second), row_ids[2..4].to_vec());
    assert_eq!(
        w.get(&dona, "/api/v1/audit?limit=0").await.code(),
        "bad_limit"
    );

    // Two owners deactivate themselves at the same moment: administrative transactions of an
    // account are serialised and decided on the account as it is, so one of them stays.
    let r = w
        .call(
            "POST",
            "/api/v1/users",
            &dona,
            Some(
                json!({"email": w.email("dono2"), "name": "Dono 2", "password": "temporaria-2",
                        "roles": [{"role_id": w.owner_role.0}]}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let dono2_id = r.json()["id"].as_i64().unwrap();
    let dono2 = w.login(&w.email("dono2"), "temporaria-2").await;
    let r = w
        .call(
            "POST",
            "/api/v1/me/password",
            &dono2,
            Some(json!({"current_password": "temporaria-2", "new_password": "definitiva-2"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let off = json!({"active": false});
    let (path_a, path_b) = (
        format!("/api/v1/users/{}", w.dona.0),
        format!("/api/v1/users/{dono2_id}"),
    );
    let (a, b) = tokio::join!(
        w.call("PATCH", &path_a, &dona, Some(off.clone())),
        w.call("PATCH", &path_b, &dono2, Some(off.clone())),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 403], "{} / {}", a.body, b.body);
    let refused = if a.status == 403 { &a } else { &b };
    assert_denied(refused, 403, "last_account_manager");
    let account = w.store.account(w.a).await.unwrap();
    assert_eq!(account.account_managers(), 1);
    let owner = if a.status == 403 { dona } else { dono2 };

    // oklac: custom roles go, administrators become owners (each an owner's decision).
    let r = w.call("POST", "/api/v1/presets/oklac", &owner, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let result = r.json();
    assert_eq!(result["roles_removed"].as_array().unwrap().len(), 2);
    assert!(
        result["users_rebound"]
            .as_array()
            .unwrap()
            .contains(&json!(w.adm.0)),
        "{result}"
    );
    assert_eq!(
        w.get(&adm, "/api/v1/me").await.status,
        401,
        "rebound: session ended"
    );
    let adm = w.login(&w.email("adm"), PASSWORD).await;
    let me = w.get(&adm, "/api/v1/me").await.json();
    assert!(
        me["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("account.manage")),
        "{me}"
    );
    let roles = w.get(&adm, "/api/v1/roles").await.json();
    assert!(
        roles
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["builtin"] == true)
    );
}

/// The account over HTTP: the operator (installation token) lists and creates accounts, each
/// with its owner in one transaction; the owner renames the account; an agent may not; the
/// operator's token is no user session and a user's session is no operator token.
async fn accounts_story(store: Store) {
    let tag = format!("{}{}", std::process::id(), rand_tag());
    let far = format!("10.77.{}.{}", tag.len() % 200, std::process::id() % 250);
    // Without a configured token the operator's endpoints do not exist.
    let plain = launch(store.clone()).await;
    let r = request(
        plain,
        "GET",
        "/api/v1/accounts",
        &[("Authorization", "Bearer x")],
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (404, "not_found".into()),
        "{}",
        r.body
    );
    let token = format!("op-{tag}-0123456789abcdef0123456789abcdef");
    let config = server::ServerConfig {
        operator_token_hash: Some(server::secret::token_hash(&token)),
        ..server::ServerConfig::default()
    };
    let addr = launch_with(store.clone(), config).await;
    let bearer = format!("Bearer {token}");
    let op = |method: &'static str, path: &'static str, body: Option<Value>| {
        let bearer = bearer.clone();
        let far = far.clone();
        async move {
            let body = body.map(|b| b.to_string());
            request(
                addr,
                method,
                path,
                &[("Authorization", &bearer), ("X-Forwarded-For", &far)],
                body.as_deref(),
            )
            .await
        }
    };
    for auth in ["", "Bearer wrong-token-wrong-token-wrong-token-1234"] {
        let headers: Vec<(&str, &str)> = if auth.is_empty() {
            vec![]
        } else {
            vec![("Authorization", auth)]
        };
        let r = request(addr, "GET", "/api/v1/accounts", &headers, None).await;
        assert_eq!(
            (r.status, r.code()),
            (401, "unauthorized".into()),
            "{auth}: {}",
            r.body
        );
    }
    let email = format!("dona.{tag}@contas.example");
    // Bad input: a clear 400, nothing created.
    let before = store.accounts().await.unwrap().len();
    for (body, code) in [
        (json!({"name": " ", "owner_email": email}), "bad_name"),
        (
            json!({"name": "Loja", "owner_email": "not-an-email"}),
            "bad_email",
        ),
        (
            json!({"name": "Loja", "owner_email": email, "owner_password": "curta"}),
            "bad_password",
        ),
        (
            json!({"name": "Loja", "owner_email": email, "plan": "gold"}),
            "invalid_json",
        ),
    ] {
        let r = op("POST", "/api/v1/accounts", Some(body.clone())).await;
        assert_eq!(
            (r.status, r.code()),
            (400, code.into()),
            "{body}: {}",
            r.body
        );
    }
    assert_eq!(store.accounts().await.unwrap().len(), before);
    let created = op(
        "POST",
        "/api/v1/accounts",
        Some(json!({"name": "Loja Nova", "owner_email": email, "owner_name": "Dona"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let c = created.json();
    let temporary = c["temporary_password"].as_str().unwrap().to_owned();
    assert_eq!(temporary.len(), 20);
    assert_eq!(c["account"]["name"], "Loja Nova");
    let account = c["account"]["id"].as_i64().unwrap();
    // The same owner email again: 409, and no second account (one transaction).
    let again = op(
        "POST",
        "/api/v1/accounts",
        Some(json!({"name": "Outra", "owner_email": email.to_uppercase(), "owner_password": "senha-longa-1"})),
    )
    .await;
    assert_eq!(
        (again.status, again.code()),
        (409, "conflict".into()),
        "{}",
        again.body
    );
    assert_eq!(store.accounts().await.unwrap().len(), before + 1);
    let listed = op("GET", "/api/v1/accounts", None).await.json();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == account)
        .unwrap();
    assert_eq!(
        (mine["name"].clone(), mine["users"].clone()),
        (json!("Loja Nova"), json!(1))
    );
    // The owner logs in with the temporary password and must change it first.
    let login = |email: String, password: String| {
        let far = far.clone();
        async move {
            let r = request(
                addr,
                "POST",
                "/api/v1/auth/login",
                &[("X-Forwarded-For", &far)],
                Some(&json!({"email": email, "password": password}).to_string()),
            )
            .await;
            assert_eq!(r.status, 200, "login {email}: {}", r.body);
            r.header("set-cookie")
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        }
    };
    let call = |cookie: String, method: &'static str, path: &'static str, body: Option<Value>| {
        let far = far.clone();
        async move {
            let body = body.map(|b| b.to_string());
            request(
                addr,
                method,
                path,
                &[("Cookie", &cookie), ("X-Forwarded-For", &far)],
                body.as_deref(),
            )
            .await
        }
    };
    let dona = login(email.clone(), temporary.clone()).await;
    let r = call(dona.clone(), "GET", "/api/v1/account", None).await;
    assert_eq!(
        (r.status, r.code()),
        (403, "password_change_required".into()),
        "{}",
        r.body
    );
    let r = call(
        dona.clone(),
        "POST",
        "/api/v1/me/password",
        Some(json!({"current_password": temporary, "new_password": "senha-da-dona-1"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = call(dona.clone(), "GET", "/api/v1/account", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.json()["id"].as_i64(), r.json()["name"].clone()),
        (Some(account), json!("Loja Nova"))
    );
    // A user's session is not the operator's token.
    let r = call(dona.clone(), "GET", "/api/v1/accounts", None).await;
    assert_eq!(r.status, 401, "{}", r.body);
    // The owner renames the account; an agent of it may read but not rename.
    let r = call(
        dona.clone(),
        "PATCH",
        "/api/v1/account",
        Some(json!({"name": "Loja Renomeada"})),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["name"].clone()),
        (200, json!("Loja Renomeada")),
        "{}",
        r.body
    );
    let r = call(
        dona.clone(),
        "PATCH",
        "/api/v1/account",
        Some(json!({"name": ""})),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "bad_name".into()), "{}", r.body);
    let roles = call(dona.clone(), "GET", "/api/v1/roles", None)
        .await
        .json();
    let agent_role = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["builtin"] == true && r["name"] == "agent")
        .unwrap_or_else(|| panic!("no agent role in {roles}"))["id"]
        .clone();
    let agent_email = format!("agente.{tag}@contas.example");
    let r = call(
        dona.clone(),
        "POST",
        "/api/v1/users",
        Some(
            json!({"email": agent_email, "name": "Agente", "password": "temporaria-9",
                    "roles": [{"role_id": agent_role}]}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let agent = login(agent_email.clone(), "temporaria-9".into()).await;
    let r = call(
        agent.clone(),
        "POST",
        "/api/v1/me/password",
        Some(json!({"current_password": "temporaria-9", "new_password": "senha-do-agente-1"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        call(agent.clone(), "GET", "/api/v1/account", None)
            .await
            .json()["name"],
        "Loja Renomeada"
    );
    let r = call(
        agent.clone(),
        "PATCH",
        "/api/v1/account",
        Some(json!({"name": "Minha"})),
    )
    .await;
    assert_denied(&r, 403, "account.manage");
    // The audit log has the creation (by the operator), the rename and the refusal.
    let audit = call(dona.clone(), "GET", "/api/v1/audit", None)
        .await
        .json();
    let entries = audit["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"));
    let find = |action: &str, result: &str| {
        entries
            .iter()
            .any(|e| e["action"] == action && e["result"].as_str().unwrap().starts_with(result))
    };
    assert!(find("account.create", "ok"), "{audit}");
    assert!(find("account.update", "ok"), "{audit}");
    assert!(find("account.update", "denied"), "{audit}");
    let doc = request(addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    for (path, method) in [
        ("/api/v1/account", "get"),
        ("/api/v1/account", "patch"),
        ("/api/v1/accounts", "get"),
        ("/api/v1/accounts", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
}

fn rand_tag() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("atende-accounts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open_sqlite(&dir.join("atende.sqlite"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    accounts_story(store).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_on_postgres() {
    let Ok(url) = std::env::var("ATENDE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "under CI the PostgreSQL tests need ATENDE_TEST_POSTGRES_URL"
        );
        return;
    };
    let store = Store::open_postgres(&url).await.unwrap();
    store.migrate().await.unwrap();
    accounts_story(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administration_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("atende-admin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open_sqlite(&dir.join("atende.sqlite"))
        .await
        .unwrap();
    story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administration_on_postgres() {
    let url = match std::env::var("ATENDE_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "under CI the PostgreSQL tests need ATENDE_TEST_POSTGRES_URL"
            );
            return;
        }
    };
    let store = Store::open_postgres(&url).await.unwrap();
    story(start(store).await).await;
}
