//! The API over real HTTP: a server on port 0 over a temporary SQLite database (and PostgreSQL
//! when `ATENDE_TEST_POSTGRES_URL` is set), driven by a minimal HTTP/1.1 client. Login, tabs,
//! actions allowed and denied, 404 for what may not be seen (byte-identical to an id that does
//! not exist, also across accounts), API tokens, strict input, throttling.
//!
//! This file holds the harness (the standard [`World`], its users and helpers, the databases of a
//! story) and the test entries of the stories kept in `http/`; each module there is one story
//! (`api`, `live_events`, `explorer`, `channels`, `webhooks`, ...). `admin` (administration and
//! accounts) has a world of its own, built with the same helpers.

// Tests and benches set data up directly, administrative transactions included (the rule
// that only `server::attempt` opens one is for the server's own code: clippy.toml).
#![allow(clippy::disallowed_methods)]
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

#[path = "http/admin.rs"]
mod admin;
#[path = "http/api.rs"]
mod api;
#[path = "http/audit.rs"]
mod audit;
#[path = "http/audit_rows.rs"]
mod audit_rows;
#[path = "http/channel_test.rs"]
mod channel_test;
#[path = "http/channels.rs"]
mod channels;
#[path = "http/connections.rs"]
mod connections;
#[path = "http/contacts.rs"]
mod contacts;
#[path = "http/db.rs"]
mod db;
#[path = "http/egress.rs"]
mod egress;
#[path = "http/explorer.rs"]
mod explorer;
#[path = "http/explorer_users.rs"]
mod explorer_users;
#[path = "http/fake_graph.rs"]
mod fake_graph;
#[path = "http/forwarded.rs"]
mod forwarded;
#[path = "http/generic_files.rs"]
mod generic_files;
#[path = "http/headers.rs"]
mod headers;
#[path = "http/live_events.rs"]
mod live_events;
#[path = "http/load.rs"]
mod load;
#[path = "http/login_flood.rs"]
mod login_flood;
#[path = "http/malformed.rs"]
mod malformed;
#[path = "http/media.rs"]
mod media;
#[path = "http/media_out.rs"]
mod media_out;
#[path = "http/networks.rs"]
mod networks;
#[path = "http/outbound.rs"]
mod outbound;
#[path = "http/passwords.rs"]
mod passwords;
#[path = "http/presets.rs"]
mod presets;
#[path = "http/round2.rs"]
mod round2;
#[path = "http/routing.rs"]
mod routing;
#[path = "http/sessions.rs"]
mod sessions;
#[path = "http/setup.rs"]
mod setup;
#[path = "http/streams.rs"]
mod streams;
#[path = "http/strict.rs"]
mod strict;
#[path = "http/sweep.rs"]
mod sweep;
#[path = "http/tags.rs"]
mod tags;
#[path = "http/two_accounts.rs"]
mod two_accounts;
#[path = "http/webhook_actions.rs"]
mod webhook_actions;
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

/// Another account, "Loja B", with its default department and its owner (`owner_email`, a
/// member of that department): what the tests that check the separation of accounts look from.
async fn seed_other_account(
    store: &Store,
    owner_email: &str,
    hash: &str,
) -> (AccountId, DepartmentId, UserId) {
    let b = store
        .directory()
        .create_account("Loja B", &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let b_dept = store.directory().default_department(b).await.unwrap();
    let b_owner = store
        .directory()
        .account_config(b)
        .await
        .unwrap()
        .builtin_role(BuiltinRole::Owner)
        .unwrap();
    let b_user = seed_user(
        store,
        b,
        owner_email,
        hash,
        true,
        b_owner,
        &[(b_dept, MembershipKind::Member)],
    )
    .await;
    (b, b_dept, b_user)
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
        .directory()
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
    store
        .directory()
        .set_user_access(account, &user)
        .await
        .unwrap();
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
        .directory()
        .create_account("Loja A", &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let vendas = store
        .directory()
        .create_department(a, "Vendas", None, AccessOption::Team)
        .await
        .unwrap();
    let suporte = store
        .directory()
        .create_department(a, "Suporte", None, AccessOption::Agent)
        .await
        .unwrap();
    let config = store.directory().account_config(a).await.unwrap();
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
        store.tags().create(a, tag, "gray").await.unwrap();
    }
    let contact = store
        .inbox()
        .create_contact(a, "Cliente Um", Some("+5511999990001"), None, 0)
        .await
        .unwrap();
    let w_vendas = store
        .conversations()
        .create_conversation(&NewConversation {
            contact: Some(contact),
            ..conv(vendas, Status::Waiting, None, 10)
        })
        .await
        .unwrap()
        .0;
    store
        .inbox()
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
        .conversations()
        .create_conversation(&conv(suporte, Status::Waiting, None, 12))
        .await
        .unwrap()
        .0;
    let p_bia = store
        .conversations()
        .create_conversation(&conv(suporte, Status::InProgress, Some(bia), 13))
        .await
        .unwrap()
        .0;
    // Another account, with its own owner and conversation.
    let (b, b_dept, b_user) = seed_other_account(&store, &email("dono-b"), &hash).await;
    let b_conv = store
        .conversations()
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

/// A JSON request with any method; the status and the body read as JSON (`Null` when empty).
async fn send_json(w: &World, cookie: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let r = request(
        w.addr,
        method,
        path,
        &[("Cookie", cookie)],
        Some(&body.to_string()),
    )
    .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
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
async fn channel_test_on_sqlite() {
    let (store, dir) = on_sqlite("channel_test").await;
    channel_test::channel_test_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_test_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    channel_test::channel_test_story(start(store).await).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_on_sqlite() {
    let (store, dir) = on_sqlite("media").await;
    media::media_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    // Its retries must not be claimed by a node running ahead of time.
    let _alone = AHEAD_OF_TIME.lock().await;
    media::media_story(start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_on_sqlite() {
    let (store, dir) = on_sqlite("contacts").await;
    contacts::contacts_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    contacts::contacts_story(start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_on_sqlite() {
    let (store, dir) = on_sqlite("outbound").await;
    outbound::outbound_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    outbound::outbound_story(start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_files_on_sqlite() {
    let (store, dir) = on_sqlite("generic-files").await;
    generic_files::generic_files_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_files_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    generic_files::generic_files_story(start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_out_on_sqlite() {
    let (store, dir) = on_sqlite("media-out").await;
    media_out::media_out_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_out_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    media_out::media_out_story(start(store).await).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_on_sqlite() {
    let (store, dir) = on_sqlite("explorer").await;
    explorer::explorer_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    explorer::explorer_story(start(store).await).await;
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
    live_events::events_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    live_events::events_story(start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachment_events_on_sqlite() {
    let (store, dir) = on_sqlite("attachment-events").await;
    live_events::attachment_events_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachment_events_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    live_events::attachment_events_story(start(store).await).await;
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
    api::story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_story_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    api::story(start(store).await).await;
}
