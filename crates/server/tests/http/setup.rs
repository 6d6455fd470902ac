//! The first-run setup (issue 15, point 7), on a fresh SQLite database and a fresh PostgreSQL
//! database: `GET /api/v1/setup` says a setup is needed; a wrong code is refused in words and
//! writes nothing; the right code (typed loosely) creates the account and its owner, logs the
//! owner in (no password change asked: it is theirs) with every permission of the account, and
//! writes the audit row; from then on the setup does not exist (404), a second attempt with
//! the right code included, and a server started without a code never offers it.

use serde_json::{Value, json};
use server::ServerConfig;
use store::Store;

use super::on_sqlite;
use crate::common::{launch_with, request};

const CODE: &str = "ABCD-EFGH-JKLM";

async fn post_setup(addr: std::net::SocketAddr, body: Value) -> crate::common::Response {
    request(
        addr,
        "POST",
        "/api/v1/setup",
        &[("Origin", &format!("http://{addr}"))],
        Some(&body.to_string()),
    )
    .await
}

async fn needed(addr: std::net::SocketAddr) -> Value {
    let r = request(addr, "GET", "/api/v1/setup", &[], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["needed"].clone()
}

async fn setup_story(store: Store, stamp: &str) {
    store.migrate().await.unwrap();
    let config = ServerConfig {
        setup_code: Some(CODE.to_owned()),
        ..ServerConfig::default()
    };
    let addr = launch_with(store.clone(), config).await;
    assert_eq!(needed(addr).await, json!(true));
    let email = format!("dona.{stamp}@loja.example");
    let body = json!({
        "code": "abcd efgh jklx", "account_name": "Loja Nova", "owner_name": "Dona Nova",
        "owner_email": email, "owner_password": "senha-forte-1",
    });
    let r = post_setup(addr, body.clone()).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "bad_setup_code", "{}", r.body);
    assert!(store.directory().first_account().await.unwrap().is_none());
    let mut bad = body.clone();
    bad["owner_password"] = json!("curta");
    assert_eq!(post_setup(addr, bad).await.status, 400);

    let mut right = body.clone();
    right["code"] = json!("abcd-efgh-jklm");
    let r = post_setup(addr, right.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let me = r.json();
    assert_eq!(me["email"], email.as_str(), "{me}");
    assert_eq!(me["must_change_password"], false, "{me}");
    assert!(
        me["may"].as_array().unwrap().contains(&json!("admin")),
        "{me}"
    );
    let cookie = r
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.split(';').next().unwrap().to_owned())
        .expect("a session cookie");
    let account = request(addr, "GET", "/api/v1/account", &[("Cookie", &cookie)], None).await;
    assert_eq!(account.json()["name"], "Loja Nova", "{}", account.body);
    let audit = request(
        addr,
        "GET",
        "/api/v1/audit?limit=5",
        &[("Cookie", &cookie)],
        None,
    )
    .await;
    let row = &audit.json()["items"][0];
    assert_eq!(row["action"], "account.create", "{row}");
    assert_eq!(row["after"]["first_run"], true, "{row}");

    // Done: the setup is gone, even with the right code.
    assert_eq!(needed(addr).await, json!(false));
    right["owner_email"] = json!(format!("outra.{stamp}@loja.example"));
    let again = post_setup(addr, right).await;
    assert_eq!(again.status, 404, "{}", again.body);
    assert_eq!(store.directory().accounts().await.unwrap().len(), 1);

    // A server started without a code (a database that had accounts) never offers it.
    let plain = launch_with(store.clone(), ServerConfig::default()).await;
    assert_eq!(needed(plain).await, json!(false));
    assert_eq!(post_setup(plain, body).await.status, 404);
}

fn stamp() -> String {
    format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_on_sqlite() {
    let (store, dir) = on_sqlite("setup").await;
    setup_story(store, &stamp()).await;
    std::fs::remove_dir_all(&dir).ok();
}

/// On a database of its own: the shared test database has other tests' accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_on_postgres() {
    let Ok(url) = std::env::var("ATENDE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "under CI the PostgreSQL tests need ATENDE_TEST_POSTGRES_URL"
        );
        return;
    };
    if url.is_empty() {
        return;
    }
    let stamp = stamp();
    let name = format!("atende_setup_{stamp}");
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let store = Store::open_postgres(&format!("{base}/{name}"))
        .await
        .unwrap();
    setup_story(store.clone(), &stamp).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .unwrap();
}
