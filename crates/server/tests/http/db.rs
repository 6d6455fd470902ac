//! The stories' own connection to the database, beside the application's: to look at what is
//! stored (hashes, not secrets; rows written or not) and to try what the application never
//! does (UPDATE or DELETE of audit rows).

use std::collections::BTreeMap;

use sqlx::Row;

pub(crate) enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    pub(crate) async fn sqlite(dir: &std::path::Path) -> Raw {
        let url = format!("sqlite://{}", dir.join("atende.sqlite").display());
        Raw::Sqlite(sqlx::SqlitePool::connect(&url).await.unwrap())
    }

    pub(crate) async fn postgres() -> Raw {
        let url = std::env::var("ATENDE_TEST_POSTGRES_URL").unwrap();
        Raw::Postgres(sqlx::PgPool::connect(&url).await.unwrap())
    }

    /// Runs a statement; the database's error as text when it refuses.
    pub(crate) async fn execute(&self, sql: &str) -> Result<u64, String> {
        match self {
            Raw::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string()),
            Raw::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string()),
        }
    }

    /// Runs a statement inside a transaction that is then rolled back (so that a statement the
    /// database should refuse cannot harm the stories sharing it even if it is not refused).
    pub(crate) async fn execute_rolled_back(&self, sql: &str) -> Result<u64, String> {
        match self {
            Raw::Sqlite(p) => {
                let mut tx = p.begin().await.unwrap();
                let r = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut *tx)
                    .await;
                tx.rollback().await.unwrap();
                r.map(|r| r.rows_affected()).map_err(|e| e.to_string())
            }
            Raw::Postgres(p) => {
                let mut tx = p.begin().await.unwrap();
                let r = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut *tx)
                    .await;
                tx.rollback().await.ok();
                r.map(|r| r.rows_affected()).map_err(|e| e.to_string())
            }
        }
    }

    /// One integer.
    pub(crate) async fn scalar(&self, sql: &str) -> i64 {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch_one(p)
                .await
                .unwrap(),
            Raw::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch_one(p)
                .await
                .unwrap(),
        }
    }

    /// The first column of each row, as text.
    pub(crate) async fn texts(&self, sql: &str) -> Vec<String> {
        match self {
            Raw::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch_all(p)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String, _>(0).unwrap())
                .collect(),
            Raw::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch_all(p)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String, _>(0).unwrap())
                .collect(),
        }
    }

    /// The application's tables.
    async fn tables(&self) -> Vec<String> {
        let sql = match self {
            Raw::Sqlite(_) => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name NOT LIKE '_sqlx%' ORDER BY name"
            }
            Raw::Postgres(_) => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
                 AND table_type = 'BASE TABLE' AND table_name NOT LIKE '_sqlx%' ORDER BY table_name"
            }
        };
        self.texts(sql).await
    }

    async fn columns(&self, table: &str) -> Vec<String> {
        let sql = match self {
            Raw::Sqlite(_) => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
            Raw::Postgres(_) => format!(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND table_name = '{table}' ORDER BY ordinal_position"
            ),
        };
        self.texts(&sql).await
    }

    /// Every row of the account in every table (rows as text, sorted), and the throttling rows
    /// whose key contains `key_part`: what a request that changes nothing leaves as it was.
    /// Other stories share the PostgreSQL database, so only this account's rows are compared.
    pub(crate) async fn snapshot(
        &self,
        account: i64,
        key_part: &str,
    ) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for table in self.tables().await {
            // SQLite's text index of contacts (FTS5 and its shadow tables): derived from
            // `contacts`, which is compared.
            if table.starts_with("contacts_search") {
                continue;
            }
            let columns = self.columns(&table).await;
            let filter = if columns.iter().any(|c| c == "account_id") {
                format!("account_id = {account}")
            } else if table == "accounts" {
                format!("id = {account}")
            } else if table == "schema_migrations" || table == "data_migrations" {
                "TRUE".to_owned()
            } else if table == "login_failures" {
                format!("key LIKE '%{key_part}%'")
            } else {
                panic!("table {table} has no account_id: say how to compare it")
            };
            let row = match self {
                Raw::Sqlite(_) => columns
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || "),
                Raw::Postgres(_) => "t::text".to_owned(),
            };
            let sql = format!("SELECT {row} FROM \"{table}\" t WHERE {filter} ORDER BY 1");
            out.insert(table, self.texts(&sql).await);
        }
        out
    }
}

/// The tables whose rows differ, with the rows only one side has.
pub(crate) fn diff(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut out = Vec::new();
    for (table, rows) in after {
        let old = before.get(table).cloned().unwrap_or_default();
        if &old != rows {
            let gone: Vec<String> = old.iter().filter(|r| !rows.contains(r)).cloned().collect();
            let new: Vec<String> = rows.iter().filter(|r| !old.contains(r)).cloned().collect();
            out.push((table.clone(), gone, new));
        }
    }
    out
}
