//! Administration over real HTTP, on SQLite and (when `ATENDE_TEST_POSTGRES_URL` is set)
//! PostgreSQL: departments, roles and users created through the API take effect in the inbox;
//! no escalation and the last `account.manage` holder come from the engine; agents are refused;
//! ids of another account answer exactly like unknown ids; deactivation and password resets end
//! sessions; presets; and every change and refused attempt is in the audit log.

use std::net::SocketAddr;

use access::{
    AccountId, BuiltinRole, DepartmentId, MembershipKind, Permission, PermissionSet, RoleId,
    Settings, Status, UserId,
};
use serde_json::{Value, json};
use store::{NewConversation, Store};

use super::{ids, on_postgres, on_sqlite, seed_other_account, seed_user};
use crate::common::{Response, launch, launch_with, request};

#[path = "admin/accounts.rs"]
mod accounts;
#[path = "admin/story.rs"]
mod story;
#[path = "admin/story_rest.rs"]
mod story_rest;

const PASSWORD: &str = "senha-forte-1";

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
        .directory()
        .create_account("Loja Admin", &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let geral = store.directory().default_department(a).await.unwrap();
    let config = store.directory().account_config(a).await.unwrap();
    let role = |b| config.builtin_role(b).unwrap();
    let dona = seed_user(
        &store,
        a,
        &email("dona"),
        &hash,
        true,
        role(BuiltinRole::Owner),
        &[],
    )
    .await;
    let adm = seed_user(
        &store,
        a,
        &email("adm"),
        &hash,
        true,
        role(BuiltinRole::Admin),
        &[],
    )
    .await;
    let ana = seed_user(
        &store,
        a,
        &email("ana"),
        &hash,
        true,
        role(BuiltinRole::Agent),
        &[(geral, MembershipKind::Member)],
    )
    .await;
    let leo = seed_user(
        &store,
        a,
        &email("leo"),
        &hash,
        true,
        role(BuiltinRole::Agent),
        &[(geral, MembershipKind::Member)],
    )
    .await;

    // Another account with a department, a user and a custom role.
    let (b, b_dept, b_user) = seed_other_account(&store, &email("dono-b"), &hash).await;
    let b_role = store
        .directory()
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

/// What the first part of the administration story hands to the second: sessions (the cookies
/// of dona, adm, ana and caio) and the ids it created.
struct Carried {
    dona: String,
    adm: String,
    ana: String,
    caio: i64,
    caio_c: String,
    fin: i64,
    fin_role: i64,
    admin_role: i64,
    settings: Value,
}

fn assert_denied(r: &Response, status: u16, reason: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(
        r.reasons().iter().any(|x| x == reason),
        "expected reason {reason}: {}",
        r.body
    );
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

/// The administration story, told in two files; the second part goes on from the first.
async fn administration(w: World) {
    let carried = story::story(&w).await;
    story_rest::story_rest(&w, carried).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_on_sqlite() {
    let (store, dir) = on_sqlite("accounts").await;
    store.migrate().await.unwrap();
    accounts::accounts_story(store).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    store.migrate().await.unwrap();
    accounts::accounts_story(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administration_on_sqlite() {
    let (store, dir) = on_sqlite("admin").await;
    administration(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administration_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    administration(start(store).await).await;
}
