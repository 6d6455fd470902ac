//! What the database tests of `atende-store` and `atende-scenario-store` share: a runtime, the
//! PostgreSQL URL of the run (required under CI), and fresh migrated stores. Included by path
//! from both crates' tests.

use store::Store;

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) fn postgres_url() -> Option<String> {
    match std::env::var("ATENDE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "under CI the PostgreSQL tests need ATENDE_TEST_POSTGRES_URL"
            );
            eprintln!(
                "ATENDE_TEST_POSTGRES_URL is not set: skipping the PostgreSQL half (scripts/pg-test-server starts one)"
            );
            None
        }
    }
}

pub(crate) async fn fresh_sqlite_memory() -> Store {
    let s = Store::open_sqlite_memory().await.unwrap();
    s.migrate().await.unwrap();
    s
}

pub(crate) async fn postgres(url: &str) -> Store {
    let s = Store::open_postgres(url).await.unwrap();
    s.migrate().await.unwrap();
    s
}
