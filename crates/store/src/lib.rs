//! Atende's persistence: migrations, queries, and the compiler from the access engine's
//! visibility plans to SQL, on SQLite (embedded default) and PostgreSQL, behind one [`Store`].
//!
//! What belongs here: SQL and the mapping between rows and the engine's model. What does not:
//! access decisions (the `access` crate makes them; this crate executes plans it is given) and
//! HTTP. Queries are built at run time (no compile-time database), with `$N` placeholders that
//! both SQLite and PostgreSQL read.

mod admin;
mod attachments;
mod audit;
mod auth;
mod channels;
mod codec;
pub(crate) mod compile;
mod contacts;
mod conversations;
mod directory;
mod error;
mod events;
mod inbox;
mod migrate;
mod outbox;
mod routing;
mod tags;
mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use admin::AdminTx;
pub use attachments::{
    Attachment, AttachmentKind, AttachmentState, Download, DownloadOutcome, InboundMedia,
    MessageWithFile, NewFile, StoredFile,
};
pub use audit::AuditEntry;
pub use auth::{Credentials, Profile, SessionContext, SessionOwner};
pub use channels::{Channel, ChannelKind, ChannelWrite, Inbound, Received};
pub use compile::Filter;
pub use contacts::{ContactCursor, ContactPage, ContactRecord, ContactWrite, Imported, fold};
pub use conversations::{ConversationRecord, ConversationRow, NewConversation};
pub use directory::{AccountSummary, NewUser};
pub use error::{CONFLICT_CODES, StoreError};
pub use events::{ConversationState, EventKind, EventListener, EventRecord};
pub use inbox::{Contact, Message, MessageKind, Quoted};
pub use outbox::{Outgoing, OutgoingFile};
pub use routing::{AgentRouting, Assigned, Candidate};
pub use tags::Tag;
pub use webhooks::{
    DeliveryOutcome, DeliveryRecord, DueDelivery, NewDelivery, Webhook, WebhookWrite,
};

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (WAL, `synchronous = FULL`).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

#[derive(Clone, Debug)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database, SQLite or PostgreSQL. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

/// The store's aggregates: each module owns its queries and is reached through a handle that
/// borrows the store (`store.conversations().conversation(..)`), so that a reader sees which
/// part of the data a caller touches, and a module can be read alone.
macro_rules! aggregates {
    ($( $(#[$doc:meta])* $method:ident => $name:ident; )*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug)]
            pub struct $name<'a> {
                db: &'a Db,
                #[allow(dead_code, reason = "not every aggregate reaches another")]
                store: &'a Store,
            }
        )*

        impl Store {
            $(
                $(#[$doc])*
                pub fn $method(&self) -> $name<'_> {
                    $name { db: &self.db, store: self }
                }
            )*
        }
    };
}

aggregates! {
    /// Conversations: creating them, transitions guarded by version, listings, counts and
    /// searches compiled from the engine's plans.
    conversations => Conversations;
    /// What happens inside a conversation: messages, notes, contacts and tags.
    inbox => Inbox;
    /// Accounts, departments, roles, users and their access configuration; administrative
    /// transactions.
    directory => Directory;
    /// Credentials, sessions, API tokens and login throttling.
    auth => Auth;
    /// Customer channels and what they deliver.
    channels => Channels;
    /// Messages waiting to be sent through a channel.
    outbox => Outbox;
    /// Availability, limits and the locked assignment of automatic routing.
    routing => Routing;
    /// The event log: what changed, in order, for live streams and webhooks.
    events => Events;
    /// Outbound webhooks and their deliveries.
    webhooks => Webhooks;
    /// The company's tags: the catalogue, renamed, recoloured, merged and counted.
    tags => Tags;
    /// The append-only audit log.
    audit => Audit;
    /// The files of messages: announced, fetched, stored, served.
    attachments => Attachments;
    /// The address book: contacts listed and searched by the engine's scope, edited, merged,
    /// erased and imported.
    contacts => Contacts;
}

/// Runs the same body against whichever pool the store has; the body is compiled once per
/// backend, so each runs with its own driver and prepared statements. `$begin` is the statement
/// that opens a write transaction (`BEGIN IMMEDIATE` on SQLite, so that two writers never
/// deadlock upgrading a read lock).
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
    ($store:expr, $pool:ident, $begin:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite($pool) => {
                let $begin: &'static str = "BEGIN IMMEDIATE";
                $body
            }
            $crate::Db::Postgres($pool) => {
                let $begin: &'static str = "BEGIN";
                $body
            }
        }
    };
}
pub(crate) use with_pool;

/// Inside a write's transaction, holds the conversation to the version a decision was taken
/// on (`Some(v)`), or only checks that it exists (`None`: writes that no user decided, such
/// as arrivals). On PostgreSQL the (no-op) update locks the row until commit, so a concurrent
/// transition either commits first (and this answers `Conflict`) or waits for this write.
macro_rules! guard_version {
    ($conn:expr, $account:expr, $conversation:expr, $decided_on:expr) => {{
        let decided_on: Option<i64> = $decided_on;
        let conversation: access::ConversationId = $conversation;
        let locked = sqlx::query(
            "UPDATE conversations SET version = version WHERE id = $1 AND account_id = $2 AND ($3 IS NULL OR version = $3)",
        )
        .bind(conversation.0)
        .bind($account.0)
        .bind(decided_on)
        .execute(&mut *$conn)
        .await?
        .rows_affected();
        if locked == 0 {
            $crate::version_miss!(&mut *$conn, $account, conversation)?;
        }
    }};
}
pub(crate) use guard_version;

/// A write guarded by a version touched no row: `Conflict` when the conversation exists (it
/// changed meanwhile), `NotFound` when it does not.
macro_rules! version_miss {
    ($conn:expr, $account:expr, $conversation:expr) => {{
        let conversation: access::ConversationId = $conversation;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM conversations WHERE id = $1 AND account_id = $2")
                .bind(conversation.0)
                .bind($account.0)
                .fetch_optional($conn)
                .await?;
        let e: $crate::Result<()> = Err(match exists {
            Some(_) => $crate::StoreError::conflict(
                "conflict",
                format!(
                    "conversation {} changed meanwhile; read it again",
                    conversation.0
                ),
            ),
            None => $crate::StoreError::NotFound("conversation"),
        });
        e
    }};
}
pub(crate) use version_miss;

impl Store {
    /// Opens (creating it if needed) the SQLite database at `path`, in WAL mode with
    /// `synchronous = FULL` so that a committed write survives a power cut.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Store {
            db: Db::Sqlite(pool),
        })
    }

    /// A private in-memory SQLite database (one connection), for tests and `policy test`.
    pub async fn open_sqlite_memory() -> Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Ok(Store {
            db: Db::Sqlite(pool),
        })
    }

    /// Connects to PostgreSQL (`postgres://user:password@host/database`).
    pub async fn open_postgres(url: &str) -> Result<Store> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        Ok(Store {
            db: Db::Postgres(pool),
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await);
    }
}

impl Store {
    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }
}

impl Store {
    /// What makes an acknowledged write less than durable on this database, in words (empty when
    /// nothing): SQLite must run in WAL with `synchronous = FULL`; PostgreSQL must have `fsync`
    /// and `synchronous_commit` on.
    pub async fn durability_problems(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        match &self.db {
            Db::Sqlite(pool) => {
                let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                    .fetch_one(pool)
                    .await?;
                let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(pool)
                    .await?;
                if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
                    problems.push(format!("SQLite journal_mode is {mode}, not wal"));
                }
                // 2 = FULL, 3 = EXTRA.
                if sync < 2 && !mode.eq_ignore_ascii_case("memory") {
                    problems.push(format!(
                        "SQLite synchronous is {sync}, weaker than FULL (2)"
                    ));
                }
            }
            Db::Postgres(pool) => {
                for setting in ["fsync", "synchronous_commit"] {
                    let value: String =
                        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {setting}")))
                            .fetch_one(pool)
                            .await?;
                    if value.eq_ignore_ascii_case("off") {
                        problems.push(format!("PostgreSQL {setting} is off"));
                    }
                }
            }
        }
        Ok(problems)
    }
}

impl Store {
    /// Rewrites the database compactly: on SQLite `VACUUM` (indexes that grow in the middle of
    /// their key ranges, as the conversation indexes do, leave half-full pages behind; this
    /// rebuilds them full) — it holds the write lock while it runs, so run it in a quiet hour or
    /// with the server stopped; on PostgreSQL `VACUUM (ANALYZE)`, which does not block.
    pub async fn compact(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query("VACUUM").execute(pool).await?;
                sqlx::query("PRAGMA optimize").execute(pool).await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("VACUUM (ANALYZE)").execute(pool).await?;
            }
        }
        Ok(())
    }
}
