//! The API over real HTTP: a server on port 0 over a temporary SQLite database (and PostgreSQL
//! when `ATENDE_TEST_POSTGRES_URL` is set), driven by a minimal HTTP/1.1 client. Login, tabs,
//! actions allowed and denied, 404 for what may not be seen (byte-identical to an id that does
//! not exist, also across accounts), API tokens, strict input, throttling.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

use std::net::SocketAddr;

use access::{
    AccessOption, AccountId, Binding, BuiltinRole, DepartmentId, Membership, MembershipKind, Scope,
    Settings, Status, User, UserId,
};
use serde_json::{Value, json};
use store::{NewConversation, NewUser, Store};

mod common;

use common::{EventStream, Response, SseEvent, launch, launch_clocked, request};

#[path = "http/audit.rs"]
mod audit;
#[path = "http/channels.rs"]
mod channels;
#[path = "http/connections.rs"]
mod connections;
#[path = "http/db.rs"]
mod db;
#[path = "http/egress.rs"]
mod egress;
#[path = "http/explorer_users.rs"]
mod explorer_users;
#[path = "http/forwarded.rs"]
mod forwarded;
#[path = "http/headers.rs"]
mod headers;
#[path = "http/load.rs"]
mod load;
#[path = "http/login_flood.rs"]
mod login_flood;
#[path = "http/malformed.rs"]
mod malformed;
#[path = "http/networks.rs"]
mod networks;
#[path = "http/passwords.rs"]
mod passwords;
#[path = "http/round2.rs"]
mod round2;
#[path = "http/routing.rs"]
mod routing;
#[path = "http/sessions.rs"]
mod sessions;
#[path = "http/streams.rs"]
mod streams;
#[path = "http/strict.rs"]
mod strict;
#[path = "http/sweep.rs"]
mod sweep;
#[path = "http/two_accounts.rs"]
mod two_accounts;
#[path = "http/webhook_principal.rs"]
mod webhook_principal;
#[path = "http/webhooks.rs"]
mod webhooks;
#[path = "http/worlds.rs"]
mod worlds;
#[path = "http/writes.rs"]
mod writes;

struct World {
    addr: SocketAddr,
    store: Store,
    a: AccountId,
    b: AccountId,
    vendas: DepartmentId,
    suporte: DepartmentId,
    ana: UserId,
    bia: UserId,
    w_vendas: i64,
    w_suporte: i64,
    p_bia: i64,
    b_conv: i64,
    b_user: UserId,
    b_dept: DepartmentId,
    tag: String,
    /// A client address of this run (sent through the trusted loopback proxy), so that
    /// throttling state left by earlier runs on PostgreSQL does not leak into this one.
    far: String,
}

impl World {
    /// Emails are unique per run: PostgreSQL keeps the rows of earlier runs.
    fn email(&self, who: &str) -> String {
        format!("{who}.{}@a.example", self.tag)
    }
}

async fn seed_user(
    store: &Store,
    account: AccountId,
    email: &str,
    hash: &str,
    active: bool,
    role: access::RoleId,
    member: &[(DepartmentId, MembershipKind)],
) -> UserId {
    let id = store
        .create_user(
            account,
            &NewUser {
                email,
                name: email,
                password_hash: Some(hash),
                active,
            },
            0,
        )
        .await
        .unwrap();
    let user = User {
        id,
        account,
        active,
        memberships: member
            .iter()
            .map(|(d, k)| Membership {
                department: *d,
                kind: *k,
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
    let email = |who: &str| format!("{who}.{tag}@a.example");
    let hash = server::secret::hash_password("senha-forte-1").unwrap();
    let a = store
        .create_account("Loja A", &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let vendas = store
        .create_department(a, "Vendas", None, AccessOption::Team)
        .await
        .unwrap();
    let suporte = store
        .create_department(a, "Suporte", None, AccessOption::Agent)
        .await
        .unwrap();
    let config = store.account_config(a).await.unwrap();
    let agent = config.builtin_role(BuiltinRole::Agent).unwrap();
    let owner = config.builtin_role(BuiltinRole::Owner).unwrap();
    seed_user(&store, a, &email("dona"), &hash, true, owner, &[]).await;
    let ana = seed_user(
        &store,
        a,
        &email("ana"),
        &hash,
        true,
        agent,
        &[(vendas, MembershipKind::Member)],
    )
    .await;
    let bia = seed_user(
        &store,
        a,
        &email("bia"),
        &hash,
        true,
        agent,
        &[
            (vendas, MembershipKind::Member),
            (suporte, MembershipKind::Member),
        ],
    )
    .await;
    seed_user(
        &store,
        a,
        &email("inativa"),
        &hash,
        false,
        agent,
        &[(vendas, MembershipKind::Member)],
    )
    .await;
    let conv = |department, status, assignee: Option<UserId>, at| NewConversation {
        account: a,
        department,
        status,
        assignee,
        contact: None,
        channel: "whatsapp",
        at,
    };
    for tag in ["vip", "urgente"] {
        store.create_tag(a, tag).await.unwrap();
    }
    let contact = store
        .create_contact(a, "Cliente Um", Some("+5511999990001"), None, 0)
        .await
        .unwrap();
    let w_vendas = store
        .create_conversation(&NewConversation {
            contact: Some(contact),
            ..conv(vendas, Status::Waiting, None, 10)
        })
        .await
        .unwrap()
        .0;
    store
        .add_message(
            a,
            access::ConversationId(w_vendas),
            store::MessageKind::In,
            None,
            "Olá, preciso de ajuda",
            None,
            11,
        )
        .await
        .unwrap();
    let w_suporte = store
        .create_conversation(&conv(suporte, Status::Waiting, None, 12))
        .await
        .unwrap()
        .0;
    let p_bia = store
        .create_conversation(&conv(suporte, Status::InProgress, Some(bia), 13))
        .await
        .unwrap()
        .0;
    // Another account, with its own owner and conversation.
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
    let b_user = seed_user(
        &store,
        b,
        &email("dono-b"),
        &hash,
        true,
        b_owner,
        &[(b_dept, MembershipKind::Member)],
    )
    .await;
    let b_conv = store
        .create_conversation(&NewConversation {
            account: b,
            department: b_dept,
            status: Status::Waiting,
            assignee: None,
            contact: None,
            channel: "whatsapp",
            at: 5,
        })
        .await
        .unwrap()
        .0;

    let addr = launch(store.clone()).await;
    World {
        addr,
        store,
        a,
        b,
        vendas,
        suporte,
        ana,
        bia,
        w_vendas,
        w_suporte,
        p_bia,
        b_conv,
        b_user,
        b_dept,
        far: format!(
            "2001:db8::{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
                & 0xffff
        ),
        tag,
    }
}

async fn login(w: &World, who: &str) -> String {
    let r = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&json!({"email": w.email(who), "password": "senha-forte-1"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = r.header("set-cookie").unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_owned()
}

async fn get(w: &World, cookie: &str, path: &str) -> Response {
    request(w.addr, "GET", path, &[("Cookie", cookie)], None).await
}

async fn post(w: &World, cookie: &str, path: &str, body: Value) -> Response {
    request(
        w.addr,
        "POST",
        path,
        &[("Cookie", cookie)],
        Some(&body.to_string()),
    )
    .await
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

async fn story(w: World) {
    // Health and the OpenAPI document.
    assert_eq!(
        request(w.addr, "GET", "/healthz", &[], None).await.status,
        200
    );
    let doc = request(w.addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    assert!(doc["paths"]["/api/v1/conversations"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/auth/login"]["post"].is_object());

    // One generic answer for every failed login.
    let fail =
        |email: &str, password: &str| json!({"email": email, "password": password}).to_string();
    let wrong = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&fail(&w.email("ana"), "nope")),
    )
    .await;
    let unknown = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&fail(&w.email("ninguem"), "senha-forte-1")),
    )
    .await;
    let inactive = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&fail(&w.email("inativa"), "senha-forte-1")),
    )
    .await;
    for r in [&wrong, &unknown, &inactive] {
        assert_eq!((r.status, r.body.as_str()), (401, wrong.body.as_str()));
    }
    assert_eq!(wrong.json()["error"]["code"], "login_failed");
    assert!(request(w.addr, "GET", "/api/v1/me", &[], None).await.status == 401);

    let ana = login(&w, "ana").await;
    let me = get(&w, &ana, "/api/v1/me").await.json();
    assert_eq!(me["id"], w.ana.0);
    assert_eq!(me["departments"], json!([w.vendas.0]));
    assert!(me.get("password_hash").is_none());

    // Tabs: ana sees Vendas' waiting queue only.
    let waiting = get(&w, &ana, "/api/v1/conversations?tab=waiting")
        .await
        .json();
    assert_eq!(ids(&waiting), vec![w.w_vendas]);
    assert_eq!(waiting["items"][0]["contact"]["name"], "Cliente Um");
    // Search by contact and filter by department, inside what ana may see.
    assert_eq!(
        ids(
            &get(&w, &ana, "/api/v1/conversations?tab=waiting&q=cliente")
                .await
                .json()
        ),
        vec![w.w_vendas]
    );
    assert_eq!(
        ids(
            &get(&w, &ana, "/api/v1/conversations?tab=waiting&q=99990001")
                .await
                .json()
        ),
        vec![w.w_vendas]
    );
    assert!(
        ids(
            &get(&w, &ana, "/api/v1/conversations?tab=waiting&q=ninguem")
                .await
                .json()
        )
        .is_empty()
    );
    assert!(
        ids(&get(
            &w,
            &ana,
            &format!(
                "/api/v1/conversations?tab=waiting&department={}",
                w.suporte.0
            )
        )
        .await
        .json())
        .is_empty()
    );
    let counts = get(&w, &ana, "/api/v1/conversations/counts").await.json();
    assert_eq!(
        counts,
        json!({"mine": 0, "waiting": 1, "others": 0, "finished": 0, "my_finished": 0})
    );

    // What ana may not see is byte-identical to what does not exist, also across accounts.
    let hidden = get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_suporte)).await;
    let missing = get(&w, &ana, "/api/v1/conversations/987654321").await;
    let other_account = get(&w, &ana, &format!("/api/v1/conversations/{}", w.b_conv)).await;
    for r in [&hidden, &missing, &other_account] {
        assert_eq!((r.status, r.body.as_str()), (404, missing.body.as_str()));
    }
    let act_hidden = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/assume", w.w_suporte),
        json!({}),
    )
    .await;
    assert_eq!(
        (act_hidden.status, act_hidden.body.as_str()),
        (404, missing.body.as_str())
    );
    let act_other = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/assume", w.b_conv),
        json!({}),
    )
    .await;
    assert_eq!(
        (act_other.status, act_other.body.as_str()),
        (404, missing.body.as_str())
    );

    // The conversation with its allowed actions and messages.
    let detail = get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_vendas))
        .await
        .json();
    let actions: Vec<&str> = detail["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"assume")
            && actions.contains(&"transfer")
            && !actions.contains(&"reply")
            && !actions.contains(&"finish"),
        "{actions:?}"
    );
    let msgs = get(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/messages", w.w_vendas),
    )
    .await
    .json();
    assert_eq!(msgs[0]["body"], "Olá, preciso de ajuda");

    // Denied while visible: 403 with the engine's reasons.
    let reply = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/reply", w.w_vendas),
        json!({"text": "oi"}),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(
        reply.json()["error"]["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("status"))
    );

    // Assume, reply, finish: transitions, durable and counted.
    let assumed = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/assume", w.w_vendas),
        json!({}),
    )
    .await;
    assert_eq!(assumed.status, 200, "{}", assumed.body);
    assert_eq!(assumed.json()["status"], "in_progress");
    assert_eq!(assumed.json()["assignee_id"], w.ana.0);
    let again = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/assume", w.w_vendas),
        json!({}),
    )
    .await;
    assert_eq!(
        again.status, 403,
        "assuming twice is refused: {}",
        again.body
    );
    let r = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/reply", w.w_vendas),
        json!({"text": "Olá! Já vou ajudar."}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/note", w.w_vendas),
        json!({"text": "cliente antigo"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/tag", w.w_vendas),
        json!({"tag": "urgente"}),
    )
    .await;
    assert_eq!(r.json()["tags"], json!(["urgente"]));
    assert_eq!(
        ids(&get(&w, &ana, "/api/v1/conversations?tab=mine&tag=urgente")
            .await
            .json()),
        vec![w.w_vendas]
    );
    assert!(
        ids(&get(&w, &ana, "/api/v1/conversations?tab=mine&tag=outra")
            .await
            .json())
        .is_empty()
    );
    let msgs = get(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/messages", w.w_vendas),
    )
    .await
    .json();
    let kinds: Vec<&str> = msgs
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["in", "out", "note"]);
    assert_eq!(
        get(&w, &ana, "/api/v1/conversations/counts").await.json()["mine"],
        1
    );
    assert_eq!(
        ids(&get(&w, &ana, "/api/v1/conversations?tab=mine").await.json()),
        vec![w.w_vendas]
    );

    // Ids in bodies: another account's user is refused like an unknown one, nothing changes.
    let t = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/transfer", w.w_vendas),
        json!({"user_id": w.b_user.0}),
    )
    .await;
    assert_eq!(t.status, 403);
    assert_eq!(t.json()["error"]["reasons"], json!(["target_not_found"]));
    let t2 = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/transfer", w.w_vendas),
        json!({"user_id": 987654321}),
    )
    .await;
    assert_eq!(t.body, t2.body);
    let d = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/change_department", w.w_vendas),
        json!({"department_id": w.b_dept.0}),
    )
    .await;
    assert_eq!(d.status, 403, "{}", d.body);
    let row = w
        .store
        .conversation(w.a, access::ConversationId(w.w_vendas))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.conversation.status, row.conversation.assignee),
        (Status::InProgress, Some(w.ana))
    );

    // Transfer to bia: it leaves ana's tabs (Vendas is `team`: still visible in Outros).
    let t = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/transfer", w.w_vendas),
        json!({"user_id": w.bia.0}),
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(
        ids(&get(&w, &ana, "/api/v1/conversations?tab=others")
            .await
            .json()),
        vec![w.w_vendas]
    );
    let bia = login(&w, "bia").await;
    assert_eq!(
        ids(&get(&w, &bia, "/api/v1/conversations?tab=mine").await.json()),
        vec![w.w_vendas, w.p_bia]
    );
    // bia moves it to Suporte (access `agent`): it leaves ana's view entirely; the answer says so.
    let moved = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/change_department", w.w_vendas),
        json!({"department_id": w.suporte.0}),
    )
    .await;
    assert_eq!(
        moved.status, 200,
        "bia still sees the waiting conversation: {}",
        moved.body
    );
    assert_eq!(
        get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_vendas))
            .await
            .status,
        404
    );

    // Strict input.
    let unknown_field = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/note", w.p_bia),
        json!({"text": "x", "extra": 1}),
    )
    .await;
    assert_eq!(
        (
            unknown_field.status,
            unknown_field.json()["error"]["code"].as_str()
        ),
        (400, Some("invalid_json"))
    );
    let wrong_field = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/note", w.p_bia),
        json!({"user_id": 1, "text": "x"}),
    )
    .await;
    assert_eq!(wrong_field.json()["error"]["code"], "unexpected_field");
    let bad_tab = get(&w, &bia, "/api/v1/conversations?tab=todos").await;
    assert_eq!(
        (bad_tab.status, bad_tab.json()["error"]["code"].as_str()),
        (400, Some("bad_tab"))
    );
    let huge = get(&w, &bia, "/api/v1/conversations?tab=mine&limit=100000").await;
    assert_eq!(huge.json()["error"]["code"], "bad_limit");
    let big_body = "x".repeat(server::BODY_LIMIT + 10);
    let too_large = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/note", w.p_bia),
        json!({ "text": big_body }),
    )
    .await;
    assert_eq!(too_large.status, 413, "{}", too_large.body);

    // Cross-site POST with the cookie is refused; the same-origin one goes through.
    let evil = request(
        w.addr,
        "POST",
        &format!("/api/v1/conversations/{}/note", w.p_bia),
        &[("Cookie", &bia), ("Origin", "https://evil.example")],
        Some(r#"{"text":"x"}"#),
    )
    .await;
    assert_eq!(
        (evil.status, evil.json()["error"]["code"].as_str()),
        (403, Some("cross_site"))
    );

    // API tokens carry the user's own rights; revoked tokens stop working.
    let created = post(&w, &bia, "/api/v1/me/tokens", json!({"name": "integração"})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let token = created.json()["token"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {token}");
    let via_token = request(
        w.addr,
        "GET",
        "/api/v1/conversations?tab=mine",
        &[("Authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(ids(&via_token.json()), vec![w.p_bia]);
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(
        request(
            w.addr,
            "DELETE",
            &format!("/api/v1/me/tokens/{id}"),
            &[("Authorization", &auth)],
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        request(
            w.addr,
            "GET",
            "/api/v1/me",
            &[("Authorization", &auth)],
            None
        )
        .await
        .status,
        401
    );

    // The remaining actions, allowed and denied, on bia's conversation in Suporte (access
    // `agent`): tags, the contact link, finish, reopen, and the satisfaction survey.
    let on = |action: &str| format!("/api/v1/conversations/{}/{action}", w.p_bia);
    let r = post(&w, &bia, &on("tag"), json!({"tag": "vip"})).await;
    assert_eq!(r.json()["tags"], json!(["vip"]));
    let r = post(&w, &bia, &on("untag"), json!({"tag": "vip"})).await;
    assert_eq!((r.status, r.json()["tags"].clone()), (200, json!([])));
    let other_contact = w
        .store
        .create_contact(w.b, "Outra conta", None, None, 0)
        .await
        .unwrap();
    let r = post(
        &w,
        &bia,
        &on("link_contact"),
        json!({"contact_id": other_contact}),
    )
    .await;
    assert_eq!(
        r.status, 404,
        "a contact of another account is unknown here: {}",
        r.body
    );
    let mine = w
        .store
        .create_contact(w.a, "Cliente Dois", None, None, 0)
        .await
        .unwrap();
    // v2: a contact bia sees no conversation of (and without `contacts.view`) is unknown to her.
    let r = post(&w, &bia, &on("link_contact"), json!({"contact_id": mine})).await;
    assert_eq!(r.status, 404, "{}", r.body);
    // Once it is the contact of a waiting conversation of Vendas (bia sees its details), it is hers to link.
    w.store
        .create_conversation(&NewConversation {
            account: w.a,
            department: w.vendas,
            status: Status::Waiting,
            assignee: None,
            contact: Some(mine),
            channel: "api",
            at: 30,
        })
        .await
        .unwrap();
    let r = post(&w, &bia, &on("link_contact"), json!({"contact_id": mine})).await;
    assert_eq!(
        (r.status, r.json()["contact"]["name"].as_str()),
        (200, Some("Cliente Dois"))
    );
    // ana sees nothing of Suporte: every action is 404.
    for action in ["finish", "reopen", "tag", "untag", "link_contact", "note"] {
        let r = post(&w, &ana, &on(action), json!({})).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (404, missing.body.as_str()),
            "{action}"
        );
    }
    let r = post(&w, &bia, &on("reopen"), json!({})).await;
    assert_eq!(r.status, 403, "not finished yet: {}", r.body);
    let r = post(&w, &bia, &on("finish"), json!({})).await;
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("finished")),
        "{}",
        r.body
    );
    let r = post(&w, &bia, &on("reopen"), json!({})).await;
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("in_progress")),
        "{}",
        r.body
    );
    let survey = Settings {
        satisfaction_survey: true,
        ..Settings::default()
    };
    w.store.set_settings(w.a, &survey).await.unwrap();
    let r = post(&w, &bia, &on("finish"), json!({})).await;
    assert_eq!(r.json()["status"], "survey", "{}", r.body);
    let r = post(&w, &bia, &on("finish_in_survey"), json!({})).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.json()["error"]["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("conversation.finish_in_survey"))
    );
    let dona = login(&w, "dona").await;
    let r = post(&w, &dona, &on("finish_in_survey"), json!({})).await;
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("finished")),
        "{}",
        r.body
    );

    // Starting a conversation, and the engine's transfer targets for it.
    let created = post(
        &w,
        &bia,
        "/api/v1/conversations",
        json!({"department_id": w.vendas.0, "contact_name": "Nova Cliente", "message": "Oi!"}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let new_id = created.json()["id"].as_i64().unwrap();
    assert_eq!(created.json()["status"], "waiting");
    let foreign = post(
        &w,
        &bia,
        "/api/v1/conversations",
        json!({"department_id": w.b_dept.0, "contact_name": "X"}),
    )
    .await;
    assert_eq!(
        (foreign.status, foreign.json()["error"]["code"].as_str()),
        (400, Some("unknown_department"))
    );
    let targets = get(
        &w,
        &bia,
        &format!("/api/v1/conversations/{new_id}/transfer_targets"),
    )
    .await
    .json();
    let mut target_ids: Vec<i64> = targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    target_ids.sort_unstable();
    assert_eq!(
        target_ids,
        vec![w.ana.0, w.bia.0],
        "active members of Vendas; the inactive one is not offered"
    );
    assert_eq!(
        get(
            &w,
            &ana,
            &format!("/api/v1/conversations/{}/transfer_targets", w.w_suporte)
        )
        .await
        .status,
        404
    );

    // Logout ends the session on the server.
    assert_eq!(
        post(&w, &ana, "/api/v1/auth/logout", json!({}))
            .await
            .status,
        204
    );
    assert_eq!(get(&w, &ana, "/api/v1/me").await.status, 401);

    // Throttling: after five failures the account and the address wait, with Retry-After.
    for _ in 0..5 {
        let r = request(
            w.addr,
            "POST",
            "/api/v1/auth/login",
            &[("X-Forwarded-For", &w.far)],
            Some(&fail(&w.email("bia"), "errada")),
        )
        .await;
        assert_eq!(r.status, 401);
    }
    let limited = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&fail(&w.email("bia"), "senha-forte-1")),
    )
    .await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.header("retry-after").is_some());
}

/// A fresh SQLite database for one story, and its directory (the test removes it).
async fn on_sqlite(story: &str) -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("atende-{story}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open_sqlite(&dir.join("atende.sqlite"))
        .await
        .unwrap();
    (store, dir)
}

/// The PostgreSQL test database (`ATENDE_TEST_POSTGRES_URL`), shared by the stories; `None`
/// when it is not set, which CI does not allow.
async fn on_postgres() -> Option<Store> {
    match std::env::var("ATENDE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(Store::open_postgres(&url).await.unwrap()),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "under CI the PostgreSQL tests need ATENDE_TEST_POSTGRES_URL"
            );
            None
        }
    }
}

const WAIT: std::time::Duration = std::time::Duration::from_secs(5);
const QUIET: std::time::Duration = std::time::Duration::from_millis(400);

async fn events(w: &World, addr: SocketAddr, cookie: &str, last: Option<&str>) -> EventStream {
    let mut headers = vec![("Cookie", cookie)];
    if let Some(id) = last {
        headers.push(("Last-Event-ID", id));
    }
    let mut s = EventStream::open(addr, "/api/v1/events", &headers).await;
    let _ = w;
    let ready = s.expect("ready", WAIT).await;
    assert!(ready.data["cursor"].is_i64(), "{ready:?}");
    s
}

fn about(events: &[SseEvent], name: &str, id: i64) -> usize {
    events
        .iter()
        .filter(|e| e.name == name && (e.data["id"] == id || e.data["conversation_id"] == id))
        .count()
}

/// Live events: each user's stream carries what the engine lets them see at the moment it is
/// sent, removals when a conversation leaves their view (transfer, membership change), nothing
/// of other accounts, a replay after reconnection, and events written on another node.
async fn events_story(w: World) {
    // caio and bia are agents of Suporte, whose access option is `agent`: each sees the
    // waiting queue and their own conversations, not a colleague's. ana is only in Vendas.
    let agent = w
        .store
        .account_config(w.a)
        .await
        .unwrap()
        .builtin_role(BuiltinRole::Agent)
        .unwrap();
    let hash = server::secret::hash_password("senha-forte-1").unwrap();
    let caio_id = seed_user(
        &w.store,
        w.a,
        &w.email("caio"),
        &hash,
        true,
        agent,
        &[(w.suporte, MembershipKind::Member)],
    )
    .await;
    let dona = login(&w, "dona").await;
    let ana = login(&w, "ana").await;
    let bia = login(&w, "bia").await;
    let caio = login(&w, "caio").await;
    let b_cookie = login_b(&w).await;
    let mut s_caio = events(&w, w.addr, &caio, None).await;
    let mut s_bia = events(&w, w.addr, &bia, None).await;
    let mut s_ana = events(&w, w.addr, &ana, None).await;
    let mut s_b = events(&w, w.addr, &b_cookie, None).await;
    // A second node on the same database.
    let node2 = launch(w.store.clone()).await;
    let mut s_bia2 = events(&w, node2, &bia, None).await;
    let conv = w.w_suporte;

    // caio assumes the waiting Suporte conversation: he gets it with his counts; bia, who saw
    // it waiting, gets a removal.
    let t0 = std::time::Instant::now();
    let r = post(
        &w,
        &caio,
        &format!("/api/v1/conversations/{conv}/assume"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let e = s_caio.expect("conversation", WAIT).await;
    assert_eq!(
        (e.data["id"].as_i64(), e.data["assignee_id"].as_i64()),
        (Some(conv), Some(caio_id.0))
    );
    let assumed_id = e.id.clone().unwrap();
    let counts = s_caio.expect("counts", WAIT).await;
    assert_eq!(
        (counts.data["mine"].clone(), counts.data["waiting"].clone()),
        (json!(1), json!(0))
    );
    let gone = s_bia.expect("removed", WAIT).await;
    assert_eq!(gone.data, json!({"id": conv}));
    // The other node's stream hears it too (PostgreSQL: LISTEN/NOTIFY; SQLite: its poll).
    let gone2 = s_bia2.expect("removed", WAIT).await;
    assert_eq!(gone2.data, json!({"id": conv}));
    let across = t0.elapsed();

    // A note: caio gets the conversation and the message; bia, who may not see it, nothing.
    let r = post(
        &w,
        &caio,
        &format!("/api/v1/conversations/{conv}/note"),
        json!({"text": "cliente VIP"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = s_caio.expect("message", WAIT).await;
    assert_eq!(
        (
            m.data["conversation_id"].as_i64(),
            m.data["message"]["body"].clone()
        ),
        (Some(conv), json!("cliente VIP"))
    );
    // caio transfers it to bia: caio gets a removal, bia the conversation.
    let r = post(
        &w,
        &caio,
        &format!("/api/v1/conversations/{conv}/transfer"),
        json!({"user_id": w.bia.0}),
    )
    .await;
    assert_eq!(
        r.status, 204,
        "transferred away, no longer caio's to see: {}",
        r.body
    );
    let gone = s_caio.expect("removed", WAIT).await;
    assert_eq!(gone.data, json!({"id": conv}));
    let got = s_bia.expect("conversation", WAIT).await;
    assert_eq!(got.data["assignee_id"].as_i64(), Some(w.bia.0));
    // After the removal nothing more about it reaches caio.
    let r = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{conv}/note"),
        json!({"text": "segredo"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    s_bia.expect("message", WAIT).await;
    let after = s_caio.drain(QUIET).await;
    assert_eq!(
        about(&after, "conversation", conv) + about(&after, "message", conv),
        0,
        "{after:?}"
    );
    // ana (Vendas only) and the other account's owner heard of none of it.
    for (who, s) in [("ana", &mut s_ana), ("account B", &mut s_b)] {
        let seen = s.drain(QUIET).await;
        assert!(seen.is_empty(), "{who} saw {seen:?}");
    }

    // Reconnecting after the assume replays what caio missed, as things are now and filtered
    // the same way: the conversation is no longer his to see, so only its removal (not his
    // note, not bia's).
    let mut again = events(&w, w.addr, &caio, Some(&assumed_id)).await;
    let replayed = again.drain(QUIET).await;
    assert_eq!(about(&replayed, "removed", conv), 1, "{replayed:?}");
    assert!(
        !replayed
            .iter()
            .any(|e| e.name == "message" || e.name == "conversation"),
        "{replayed:?}"
    );
    // bia, reconnecting from the same point on the other node, gets the conversation (hers
    // now) and both notes.
    let mut again = events(&w, node2, &bia, Some(&assumed_id)).await;
    let replayed = again.drain(QUIET).await;
    let notes: Vec<&Value> = replayed
        .iter()
        .filter(|e| e.name == "message")
        .map(|e| &e.data["message"]["body"])
        .collect();
    assert_eq!(
        notes,
        vec![&json!("cliente VIP"), &json!("segredo")],
        "{replayed:?}"
    );

    // A new waiting conversation in Suporte reaches both members...
    let r = post(
        &w,
        &dona,
        "/api/v1/conversations",
        json!({"department_id": w.suporte.0, "contact_name": "Cliente Dois"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let fresh = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        s_caio.expect("conversation", WAIT).await.data["id"].as_i64(),
        Some(fresh)
    );
    assert_eq!(
        s_bia.expect("conversation", WAIT).await.data["id"].as_i64(),
        Some(fresh)
    );
    // ...until caio leaves Suporte: his stream removes it and says access changed; afterwards
    // nothing about it reaches him.
    let users = get(&w, &dona, "/api/v1/users").await.json();
    let caio_view = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == caio_id.0)
        .unwrap()
        .clone();
    let r = request(
        w.addr,
        "PATCH",
        &format!("/api/v1/users/{}", caio_id.0),
        &[("Cookie", &dona)],
        Some(&json!({"memberships": [], "roles": caio_view["roles"]}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut saw = Vec::new();
    loop {
        let e = s_caio.next(WAIT).await.expect("an access event");
        let name = e.name.clone();
        saw.push(e);
        if name == "access" {
            break;
        }
    }
    assert_eq!(about(&saw, "removed", fresh), 1, "{saw:?}");
    let r = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{fresh}/assume"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    s_bia.expect("conversation", WAIT).await;
    let after = s_caio.drain(QUIET).await;
    assert_eq!(
        about(&after, "conversation", fresh) + about(&after, "removed", fresh),
        0,
        "{after:?}"
    );
    println!("event across two nodes in {across:?}");
    if w.store.backend() == store::Backend::Postgres {
        // The PostgreSQL node's poll is 5 s: arriving sooner means NOTIFY carried it.
        assert!(
            across < std::time::Duration::from_millis(2500),
            "{across:?}"
        );
    }
}

async fn login_b(w: &World) -> String {
    let r = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&json!({"email": w.email("dono-b"), "password": "senha-forte-1"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_on_sqlite() {
    let (store, dir) = on_sqlite("channels").await;
    channels::channels_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    let _alone = AHEAD_OF_TIME.lock().await;
    channels::channels_story(start(store).await).await;
}

/// Held by the PostgreSQL stories whose nodes run on clocks ahead of the system's (channels:
/// 25 hours; webhooks: an hour): every node's loops claim what is due by their own clock, so such
/// a node would take (and reschedule on its own clock) the other story's retries.
static AHEAD_OF_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_on_sqlite() {
    let (store, dir) = on_sqlite("webhooks").await;
    webhooks::webhooks_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    let _alone = AHEAD_OF_TIME.lock().await;
    webhooks::webhooks_story(start(store).await).await;
}

/// "Quem vê o quê?": for a conversation the caller sees, every user with whether they see it and
/// the engine's reasons; `users.manage` needed; a conversation the caller may not see (or of
/// another account) is 404 like an unknown one. Then what else the web inbox reads (names,
/// tags, messages backwards) and the page itself.
async fn explorer_story(w: World) {
    let dona = login(&w, "dona").await;
    let ana = login(&w, "ana").await;
    let path = |id: i64| format!("/api/v1/access/conversations/{id}/viewers");
    let r = get(&w, &dona, &path(w.w_suporte)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let user = |id: UserId| {
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["user_id"] == id.0)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (user(w.bia)["sees"].clone(), user(w.ana)["sees"].clone()),
        (json!(true), json!(false)),
        "{v}"
    );
    assert!(!user(w.ana)["reasons"].as_array().unwrap().is_empty());
    // Each answer agrees with what the user gets from the API.
    let bia = login(&w, "bia").await;
    assert_eq!(
        get(&w, &bia, &format!("/api/v1/conversations/{}", w.w_suporte))
            .await
            .status,
        200
    );
    assert_eq!(
        get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_suporte))
            .await
            .status,
        404
    );
    let en = get(&w, &dona, &format!("{}?lang=en", path(w.w_suporte)))
        .await
        .json();
    let reasons = |v: &Value, id: UserId| {
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["user_id"] == id.0)
            .unwrap()["reasons"]
            .clone()
    };
    assert_ne!(
        reasons(&en, w.ana),
        reasons(&v, w.ana),
        "English differs from Portuguese"
    );
    // An agent may not use it; ids the caller may not see are 404 like unknown ones.
    let r = get(&w, &ana, &path(w.w_vendas)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let unknown = get(&w, &dona, &path(987_654_321)).await;
    let other = get(&w, &dona, &path(w.b_conv)).await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (404, other.body.as_str())
    );
    let bad = get(&w, &dona, &format!("{}?from=nowhere", path(w.w_suporte))).await;
    assert_eq!((bad.status, bad.code()), (400, "bad_address".into()));

    // What the inbox shows besides conversations: colleagues' names (no emails), the
    // account's tags, and a conversation read backwards.
    let people = get(&w, &ana, "/api/v1/directory").await;
    assert_eq!(people.status, 200, "{}", people.body);
    let people = people.json();
    assert!(
        people
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == w.bia.0 && p["active"] == true),
        "{people}"
    );
    assert!(
        people
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.get("email").is_none()),
        "no emails: {people}"
    );
    let r = post(
        &w,
        &dona,
        &format!("/api/v1/conversations/{}/tag", w.w_vendas),
        json!({"tag": "vip"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        get(&w, &ana, "/api/v1/tags")
            .await
            .json()
            .as_array()
            .unwrap()
            .contains(&json!("vip"))
    );
    for text in ["um", "dois", "três"] {
        let r = post(
            &w,
            &dona,
            &format!("/api/v1/conversations/{}/note", w.w_vendas),
            json!({"text": text}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let all = get(
        &w,
        &dona,
        &format!("/api/v1/conversations/{}/messages", w.w_vendas),
    )
    .await
    .json();
    let last = all.as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let back = get(
        &w,
        &dona,
        &format!(
            "/api/v1/conversations/{}/messages?before={last}&limit=2",
            w.w_vendas
        ),
    )
    .await
    .json();
    let bodies: Vec<&str> = back
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["um", "dois"], "{back}");
    let both = get(
        &w,
        &dona,
        &format!(
            "/api/v1/conversations/{}/messages?before=5&after=1",
            w.w_vendas
        ),
    )
    .await;
    assert_eq!((both.status, both.code()), (400, "bad_cursor".into()));

    // The web inbox is served from the binary, under a strict Content-Security-Policy.
    let page = request(w.addr, "GET", "/", &[], None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/assets/app.js"), "{}", page.body);
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let js = request(w.addr, "GET", "/assets/app.js", &[], None).await;
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        request(w.addr, "GET", "/assets/../Cargo.toml", &[], None)
            .await
            .status,
        404
    );
    assert_eq!(
        request(w.addr, "GET", "/assets/nothing.js", &[], None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_on_sqlite() {
    let (store, dir) = on_sqlite("explorer").await;
    explorer_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    explorer_story(start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_on_sqlite() {
    let (store, dir) = on_sqlite("routing").await;
    routing::routing_story(start(store.clone()).await).await;
    routing::two_nodes_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    routing::routing_story(start(store.clone()).await).await;
    routing::two_nodes_story(start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_on_sqlite() {
    let (store, dir) = on_sqlite("events").await;
    events_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    events_story(start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_on_sqlite() {
    let (store, dir) = on_sqlite("malformed").await;
    malformed::malformed_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    malformed::malformed_story(start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_story_on_sqlite() {
    let (store, dir) = on_sqlite("http").await;
    story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_story_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    story(start(store).await).await;
}
