//! Schema migrations: numbered SQL files per backend, embedded in the binary, applied in order
//! inside a transaction each, and recorded in `schema_migrations`. A migration is one file of
//! the same name in each tree; `build.rs` lists them and refuses trees that disagree.

use sqlx::Executor;

use crate::{Backend, Result, Store, StoreError, with_pool};

/// The SQLite tree, listed by `build.rs` (`migrations/sqlite`).
const SQLITE: &[(i64, &str)] = include!(concat!(env!("OUT_DIR"), "/sqlite_migrations.rs"));
/// The PostgreSQL tree, listed by `build.rs` (`migrations/postgres`), step for step the same.
const POSTGRES: &[(i64, &str)] = include!(concat!(env!("OUT_DIR"), "/postgres_migrations.rs"));

impl Store {
    /// The schema version this binary brings.
    pub fn latest_schema_version() -> i64 {
        SQLITE.last().map_or(0, |m| m.0)
    }

    /// Applies every migration not applied yet. Safe to run on every start.
    pub async fn migrate(&self) -> Result<()> {
        let migrations = match self.backend() {
            Backend::Sqlite => SQLITE,
            Backend::Postgres => POSTGRES,
        };
        with_pool!(self, pool, begin => {
            pool.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)").await?;
            let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations").fetch_one(pool).await?;
            let current = current.unwrap_or(0);
            let supported = Store::latest_schema_version();
            if current > supported {
                return Err(StoreError::SchemaTooNew { found: current, supported });
            }
            for (version, sql) in migrations.iter().filter(|(v, _)| *v > current) {
                let mut tx = pool.begin_with(begin).await?;
                if self.backend() == Backend::Postgres {
                    // Serialise nodes migrating the same database at once.
                    sqlx::query("SELECT pg_advisory_xact_lock(7242010001)").execute(&mut *tx).await?;
                }
                // A concurrent node may have applied it meanwhile: check again under the lock.
                let done: Option<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?;
                if done.is_some() {
                    continue;
                }
                (&mut *tx).execute(sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))).await?;
                sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Ok::<(), StoreError>(())
        })?;
        // Steps that need more than SQL, each once, after the schema they need.
        crate::contacts::normalise_phones(self).await
    }
}
